/**
 * Recovery: a participant whose network goes away for a few seconds comes back into the call
 * without a reload, with its media and the chat sent meanwhile (exactly once), whether it is
 * the side that dials back or the side that waits to be dialled; one who closes the tab is gone
 * from the others' lists within 10 s.
 */
import type { Page } from '@playwright/test';
import { expectVideoFlowing as expectFlowing, sendChat as sendChatFrom } from './engine-helpers.ts';
import { chromiumPage } from '../../scripts/engines.ts';
import { expect, test, type CutOff } from './fixtures.ts';
import {
  comparePeerIds,
  expectDirectWith,
  expectNoAlerts,
  joinFullMesh,
  listed,
  uniquePassphrase
} from './helpers.ts';
import {
  LEFT_TIMEOUT_MS,
  OFFLINE_MS,
  RECOVERY_TEST_TIMEOUT_MS,
  RECOVERY_TIMEOUT_MS,
  SETTLE_MS,
  STILL_QUIET_MS
} from './timeouts.ts';

interface Participant {
  readonly page: Page;
  readonly id: string;
}

/** The engine-neutral helpers' face of a Chromium page. */
const expectVideoFlowing = (page: Page) => expectFlowing(chromiumPage(page));
const sendChat = (page: Page, text: string) => sendChatFrom(chromiumPage(page), text);

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

/** One participant offline for OFFLINE_MS while the other stays; both must recover. */
async function offlineAndBack(
  cutOff: CutOff,
  away: Participant,
  stays: Participant,
  round: number
): Promise<void> {
  const [a, b] = [stays.page, away.page];
  for (const page of [a, b]) {
    // Gone after a reload: proof that the call recovered in the same page.
    await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));
    await recordStates(page);
  }
  const toAway = `sent while you were away, round ${round}`;
  const fromAway = `sent from the dark, round ${round}`;

  const restore = await cutOff(b);
  await sendChat(a, toAway);
  await sendChat(b, fromAway);
  await a.waitForTimeout(OFFLINE_MS);
  await restore();

  // Right after, the old connections may still look alive and drop a moment later (ICE
  // recovers, libp2p's ping does not): the call counts as back when it still is a while on.
  await Promise.all([a, b].map(expectVideoFlowing));
  await a.waitForTimeout(SETTLE_MS);
  await Promise.all([a, b].map(expectVideoFlowing));
  await expectDirectWith(a, [away.id]);
  await expectDirectWith(b, [stays.id]);
  await expect(b.getByRole('log').getByText(toAway)).toHaveCount(1, {
    timeout: RECOVERY_TIMEOUT_MS
  });
  await expect(a.getByRole('log').getByText(fromAway)).toHaveCount(1, {
    timeout: RECOVERY_TIMEOUT_MS
  });
  // Still once a moment later: a re-send after the reconnect was not delivered twice.
  await a.waitForTimeout(STILL_QUIET_MS);
  for (const [page, text] of [
    [b, toAway],
    [a, fromAway]
  ] as const) {
    await expect(page.getByRole('log').getByText(text)).toHaveCount(1);
  }
  for (const page of [a, b]) {
    expect(
      await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)
    ).toBe(true);
    await expectNoAlerts(page);
  }
  // What the one who stayed showed for the one cut off meanwhile, for the test report.
  test.info().annotations.push({
    type: `states shown for the one cut off (round ${round}, ${comparePeerIds(away.id, stays.id) < 0 ? 'lower' : 'higher'} peer ID)`,
    description: await a.evaluate(() =>
      (window as unknown as { __states: string[] }).__states.join(' → ')
    )
  });
}

test.describe('recovery', () => {
  test('a participant offline for 5 s comes back without a reload; chat sent meanwhile arrives once', async ({
    openApp,
    cutOff
  }) => {
    test.setTimeout(RECOVERY_TEST_TIMEOUT_MS);
    const pages = await Promise.all([0, 1].map(() => openApp({ trackPeerConnections: true })));
    const ids = await joinFullMesh(pages, uniquePassphrase());
    for (const page of pages) {
      await page.getByRole('button', { name: 'Camera' }).click();
    }
    await Promise.all(pages.map(expectVideoFlowing));

    // The lower peer ID dials to reconnect and the higher waits to be dialled (the call's
    // #redials), and peer IDs are random: cutting off one fixed page tested one side or the
    // other by chance. Each side is cut off in turn, so every run tests both.
    const [lower, higher] = pages
      .map((page, i) => ({ page, id: ids[i]! }))
      .sort((x, y) => comparePeerIds(x.id, y.id)) as [Participant, Participant];
    await offlineAndBack(cutOff, higher, lower, 1);
    await offlineAndBack(cutOff, lower, higher, 2);
  });

  test('someone who closes the tab is gone from the others within 10 s', async ({ openApp }) => {
    const pages = await Promise.all([0, 1, 2].map(() => openApp({ trackPeerConnections: true })));
    const [, , idC] = await joinFullMesh(pages, uniquePassphrase());
    const [a, b, c] = pages as [Page, Page, Page];
    // Their sessions are up once the others' microphone state shows (MediaState).
    for (const page of [a, b]) {
      await expect(page.locator(`[data-peer="${idC}"]`)).toHaveAttribute('data-state', 'direct');
    }

    const closed = performance.now();
    await c.close();
    for (const page of [a, b]) {
      await expect
        .poll(async () => (await listed(page)).find((p) => p.peer === idC)?.state, {
          timeout: LEFT_TIMEOUT_MS,
          intervals: [100, 250]
        })
        .toBe('left');
    }
    test.info().annotations.push({
      type: 'gone from both others after',
      description: `${Math.round(performance.now() - closed)} ms`
    });
  });
});
