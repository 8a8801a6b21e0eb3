/**
 * Recovery: a participant whose network goes away for a few seconds comes back into the call
 * without a reload, with its media and the chat sent meanwhile (exactly once); one who closes
 * the tab is gone from the others' lists within 10 s.
 */
import { expect, test, type Page } from '@playwright/test';
import {
  contexts,
  expectDirectWith,
  expectNoAlerts,
  inbound,
  joinFullMesh,
  listed,
  openApp,
  sharedUrl,
  uniquePassphrase
} from './helpers.ts';
import { cutOff } from './network-cut.ts';

test.afterEach(async () => {
  await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
});

/** How long the participant stays cut off. */
const OFFLINE_MS = 5_000;
/** After the first sign of recovery, how long the call must stay up to count as recovered. */
const SETTLE_MS = 5_000;
/** Back: found, admitted and direct again, then media renegotiated. */
const RECOVERY_TIMEOUT_MS = 45_000;

/** Whether the page decodes new video frames over the next second. */
async function videoRising(page: Page): Promise<boolean> {
  const before = await inbound(page);
  await page.waitForTimeout(1_000);
  return (await inbound(page)).framesDecoded > before.framesDecoded;
}

async function expectVideoFlowing(page: Page): Promise<void> {
  await expect
    .poll(() => videoRising(page), { timeout: RECOVERY_TIMEOUT_MS, intervals: [250] })
    .toBe(true);
}

async function sendChat(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');
}

/** Records every data-state the page's participant entries take, in order. */
function recordStates(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __states: string[] }).__states = seen;
    const note = () => {
      for (const item of document.querySelectorAll<HTMLElement>('[data-testid="participant"]')) {
        const state = item.dataset.state ?? '';
        if (seen.at(-1) !== state) {
          seen.push(state);
        }
      }
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-state'],
      childList: true
    });
    note();
  });
}

test.describe('recovery', () => {
  test('a participant offline for 5 s comes back without a reload; chat sent meanwhile arrives once', async ({
    browser
  }) => {
    test.setTimeout(150_000);
    const pages = await Promise.all(
      [0, 1].map(() => openApp(browser, sharedUrl(), { trackPeerConnections: true }))
    );
    const [idA, idB] = await joinFullMesh(pages, uniquePassphrase());
    const [a, b] = pages as [Page, Page];
    for (const page of pages) {
      await page.getByRole('button', { name: 'Camera' }).click();
    }
    await Promise.all(pages.map(expectVideoFlowing));
    for (const page of pages) {
      // Gone after a reload: proof that the call recovered in the same page.
      await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));
      await recordStates(page);
    }

    const restore = await cutOff(b);
    await sendChat(a, 'sent while you were away');
    await sendChat(b, 'sent from the dark');
    await a.waitForTimeout(OFFLINE_MS);
    await restore();

    // Right after, the old connections may still look alive and drop a moment later (ICE
    // recovers, libp2p's ping does not): the call counts as back when it still is a while on.
    await Promise.all(pages.map(expectVideoFlowing));
    await a.waitForTimeout(SETTLE_MS);
    await Promise.all(pages.map(expectVideoFlowing));
    await expectDirectWith(a, [idB!]);
    await expectDirectWith(b, [idA!]);
    await expect(b.getByRole('log').getByText('sent while you were away')).toHaveCount(1, {
      timeout: RECOVERY_TIMEOUT_MS
    });
    await expect(a.getByRole('log').getByText('sent from the dark')).toHaveCount(1, {
      timeout: RECOVERY_TIMEOUT_MS
    });
    // Still once a moment later: a re-send after the reconnect was not delivered twice.
    await a.waitForTimeout(2_000);
    for (const [page, text] of [
      [b, 'sent while you were away'],
      [a, 'sent from the dark']
    ] as const) {
      await expect(page.getByRole('log').getByText(text)).toHaveCount(1);
    }
    for (const page of pages) {
      expect(
        await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)
      ).toBe(true);
      await expectNoAlerts(page);
    }
    // What A showed for B meanwhile, for the test report.
    test.info().annotations.push({
      type: 'states shown for the one cut off',
      description: await a.evaluate(() =>
        (window as unknown as { __states: string[] }).__states.join(' → ')
      )
    });
  });

  test('someone who closes the tab is gone from the others within 10 s', async ({ browser }) => {
    const pages = await Promise.all(
      [0, 1, 2].map(() => openApp(browser, sharedUrl(), { trackPeerConnections: true }))
    );
    const [, , idC] = await joinFullMesh(pages, uniquePassphrase());
    const [a, b, c] = pages as [Page, Page, Page];
    // Their sessions are up once the others' microphone state shows (MediaState).
    for (const page of [a, b]) {
      await expect(page.locator(`[data-peer="${idC}"]`)).toHaveAttribute('data-state', 'direct');
    }

    const closed = Date.now();
    await c.close();
    for (const page of [a, b]) {
      await expect
        .poll(async () => (await listed(page)).find((p) => p.peer === idC)?.state, {
          timeout: 10_000,
          intervals: [100, 250]
        })
        .toBe('left');
    }
    test.info().annotations.push({
      type: 'gone from both others after',
      description: `${Date.now() - closed} ms`
    });
  });
});
