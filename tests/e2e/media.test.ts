/**
 * The call itself, end to end in Chromium with its fake camera and microphone: video and audio
 * flow both ways, the safety words agree, mute and camera-off reach the other side, the camera
 * is released, and chat arrives once.
 */
import type { Page } from '@playwright/test';
import { expect, test, type OpenApp } from './fixtures.ts';
import { expectNoAlerts, inbound, joinFullMesh, uniquePassphrase } from './helpers.ts';
import {
  CHAT_TIMEOUT_MS,
  DECODE_SAMPLE_MS,
  LARGE_TEST_TIMEOUT_MS,
  MEDIA_RISING_TIMEOUT_MS,
  MEDIA_STATE_NOTICE_MS,
  MEDIA_TIMEOUT_MS,
  STILL_QUIET_MS
} from './timeouts.ts';

async function expectMediaRising(page: Page): Promise<void> {
  await expect
    .poll(() => inbound(page).then((i) => i.framesDecoded), { timeout: MEDIA_TIMEOUT_MS })
    .toBeGreaterThan(0);
  const first = await inbound(page);
  await expect
    .poll(() => inbound(page).then((i) => i.framesDecoded), { timeout: MEDIA_RISING_TIMEOUT_MS })
    .toBeGreaterThan(first.framesDecoded);
  await expect
    .poll(() => inbound(page).then((i) => i.audioPackets), { timeout: MEDIA_RISING_TIMEOUT_MS })
    .toBeGreaterThan(first.audioPackets);
}

/** How many inbound video streams of the page decode new frames over DECODE_SAMPLE_MS. */
async function decodingVideos(page: Page): Promise<number> {
  const sample = () =>
    page.evaluate(async () => {
      const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] })
        .__peerConnections;
      const frames: Record<string, number> = {};
      for (const pc of pcs) {
        if (pc.connectionState === 'closed') {
          continue;
        }
        (await pc.getStats()).forEach(
          (report: { type: string; kind?: string; id: string } & Record<string, unknown>) => {
            if (report.type === 'inbound-rtp' && report.kind === 'video') {
              frames[report.id] = Number(report.framesDecoded ?? 0);
            }
          }
        );
      }
      return frames;
    });
  const before = await sample();
  await page.waitForTimeout(DECODE_SAMPLE_MS);
  const after = await sample();
  return Object.keys(after).filter((id) => (after[id] ?? 0) > (before[id] ?? 0)).length;
}

async function twoInACall(openApp: OpenApp) {
  const passphrase = uniquePassphrase();
  const pages = await Promise.all([0, 1].map(() => openApp({ trackPeerConnections: true })));
  const [idA, idB] = await joinFullMesh(pages, passphrase);
  const [a, b] = pages as [Page, Page];
  return { a, b, idA, idB };
}

test.describe('media in a call', () => {
  test('video and audio flow both ways, and the safety words agree', async ({ openApp }) => {
    const { a, b } = await twoInACall(openApp);
    // The camera is off until the user turns it on; the microphone is on.
    for (const page of [a, b]) {
      await expect(page.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
        'aria-pressed',
        'true'
      );
      const camera = page.getByRole('button', { name: 'Camera' });
      await expect(camera).toHaveAttribute('aria-pressed', 'false');
      await camera.click();
      await expect(camera).toHaveAttribute('aria-pressed', 'true');
    }

    for (const page of [a, b]) {
      const participant = page.getByTestId('participant');
      await expect(participant.getByTestId('remote-video')).toBeVisible({
        timeout: MEDIA_TIMEOUT_MS
      });
    }
    await Promise.all([expectMediaRising(a), expectMediaRising(b)]);

    // Four numbers, each with its word (both pages are English: the same words).
    const shown = await Promise.all(
      [a, b].map(async (page) => {
        const element = page.getByTestId('participant').getByTestId('safety-words');
        await expect(element).toHaveAttribute('data-indices', /^\d{4} \d{4} \d{4} \d{4}$/, {
          timeout: MEDIA_TIMEOUT_MS
        });
        const items = element.getByRole('listitem');
        await expect(items).toHaveText(Array(4).fill(/^\d{4} [a-z]+(-[a-z]+)*$/));
        return {
          numbers: await element.getAttribute('data-indices'),
          words: await items.allInnerTexts()
        };
      })
    );
    expect(shown[0]).toEqual(shown[1]);

    // Marking them compared is remembered for the call.
    await a.getByRole('button', { name: 'We compared them: they match' }).click();
    await expect(a.getByTestId('safety-verified')).toBeVisible();
    await expectNoAlerts(a);
    await expectNoAlerts(b);
  });

  test('mute and camera-off reach the other side within a second; the camera is released', async ({
    openApp
  }) => {
    const { a, b } = await twoInACall(openApp);
    await a.getByRole('button', { name: 'Camera' }).click();
    await expect(b.getByTestId('participant').getByTestId('remote-video')).toBeVisible({
      timeout: MEDIA_TIMEOUT_MS
    });
    await expect(b.getByTestId('remote-camera-off')).toHaveCount(0, { timeout: MEDIA_TIMEOUT_MS });
    await expect(b.getByTestId('remote-mic-off')).toHaveCount(0);

    // Keep the camera track the self-view shows, to see it end.
    await a.evaluate(() => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="self-video"]');
      const track = (video?.srcObject as MediaStream | null)?.getVideoTracks()[0];
      (window as unknown as { __camera?: MediaStreamTrack }).__camera = track;
    });
    expect(
      await a.evaluate(
        () => (window as unknown as { __camera?: MediaStreamTrack }).__camera?.readyState
      )
    ).toBe('live');

    await a.getByRole('button', { name: 'Microphone' }).click();
    await expect(a.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
      'aria-pressed',
      'false'
    );
    await expect(b.getByTestId('remote-mic-off')).toBeVisible({ timeout: MEDIA_STATE_NOTICE_MS });

    await a.getByRole('button', { name: 'Camera' }).click();
    await expect(b.getByTestId('remote-camera-off')).toBeVisible({
      timeout: MEDIA_STATE_NOTICE_MS
    });
    expect(
      await a.evaluate(
        () => (window as unknown as { __camera?: MediaStreamTrack }).__camera?.readyState
      )
    ).toBe('ended');

    // And back on.
    await a.getByRole('button', { name: 'Microphone' }).click();
    await expect(b.getByTestId('remote-mic-off')).toHaveCount(0, {
      timeout: MEDIA_STATE_NOTICE_MS
    });
  });

  test('a chat message arrives once', async ({ openApp }) => {
    const { a, b } = await twoInACall(openApp);
    const text = `hello ${Date.now()}`;
    await a.getByRole('textbox', { name: 'Message' }).fill(text);
    await a.getByRole('button', { name: 'Send' }).click();
    await expect(a.getByRole('textbox', { name: 'Message' })).toHaveValue('');

    const log = b.getByRole('log');
    await expect(log.getByText(text)).toHaveCount(1, { timeout: CHAT_TIMEOUT_MS });
    await expect(a.getByRole('log').getByText(text)).toHaveCount(1);
    // Still once a moment later: no duplicate arrives.
    await b.waitForTimeout(STILL_QUIET_MS);
    await expect(log.getByText(text)).toHaveCount(1);

    // A message over the limit is refused with a sentence, and nothing is sent.
    await a.getByRole('textbox', { name: 'Message' }).fill('x'.repeat(2_001));
    await a.getByRole('button', { name: 'Send' }).click();
    await expect(a.getByText('That message is too long. Send it in shorter parts.')).toBeVisible();
    await expect(log.getByTestId('chat-message')).toHaveCount(1);
  });

  test('four people in a full mesh each decode three remote videos', async ({ openApp }) => {
    test.setTimeout(LARGE_TEST_TIMEOUT_MS);
    const passphrase = uniquePassphrase();
    const pages = await Promise.all(
      [0, 1, 2, 3].map(() => openApp({ trackPeerConnections: true }))
    );
    await joinFullMesh(pages, passphrase);
    for (const page of pages) {
      await page.getByRole('button', { name: 'Camera' }).click();
    }
    for (const page of pages) {
      await expect(page.getByTestId('remote-video')).toHaveCount(3, { timeout: MEDIA_TIMEOUT_MS });
      // Every remote video is decoding: three inbound video streams with frames rising.
      await expect
        .poll(() => decodingVideos(page), { timeout: MEDIA_TIMEOUT_MS, intervals: [500, 1_000] })
        .toBe(3);
    }
  });
});
