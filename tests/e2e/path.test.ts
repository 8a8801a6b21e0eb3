/**
 * The connection path, the active speaker and sender adaptation, end to end in Chromium with
 * its fake camera and microphone (the microphone sends a beep tone).
 */
import type { Page } from '@playwright/test';
import { videoLimits } from '../../src/p2p/adapt.ts';
import { SPEAKING_LEVEL } from '../../src/p2p/speaker.ts';
import { expect, test } from './fixtures.ts';
import {
  expectDirectWith,
  expectNoAlerts,
  joinByMouse,
  joinFullMesh,
  ownPeerId,
  uniquePassphrase
} from './helpers.ts';
import {
  liveMediaConnectionCount,
  remoteAudioLevel,
  tagOnlyMediaConnection,
  videoSenderEncoding,
  videoSourceHeight
} from './path-helpers.ts';
import {
  ADAPT_TIMEOUT_MS,
  LARGE_TEST_TIMEOUT_MS,
  MEDIA_TIMEOUT_MS,
  SPEAKER_OFF_TIMEOUT_MS
} from './timeouts.ts';

/** Loopback measures far more than any rung needs. */
const PLENTY = 100_000_000;

const tile = (page: Page, peerId: string) =>
  page.locator(`[data-testid="participant"][data-peer="${peerId}"]`);

async function cameraOn(page: Page): Promise<void> {
  const camera = page.getByRole('button', { name: 'Camera' });
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
}

test.describe('connection path, active speaker and adaptation', () => {
  test('the Connection panel shows a direct host path with video flowing', async ({ openApp }) => {
    const passphrase = uniquePassphrase();
    const pages = await Promise.all([0, 1].map(() => openApp({ trackPeerConnections: true })));
    const [, idB] = await joinFullMesh(pages, passphrase);
    const [a, b] = pages as [Page, Page];
    await cameraOn(a);
    await cameraOn(b);
    const ofB = tile(a, idB!);
    await expect(ofB.getByTestId('remote-video')).toBeVisible({ timeout: MEDIA_TIMEOUT_MS });

    const panel = ofB.getByTestId('connection');
    await panel.locator('summary').click();
    await expect(panel.getByTestId('path-route')).toHaveAttribute('data-route', 'direct', {
      timeout: MEDIA_TIMEOUT_MS
    });
    await expect(panel.getByTestId('path-route')).toHaveText('direct');
    const candidates = panel.getByTestId('path-candidates');
    await expect(candidates).toHaveAttribute('data-local', 'host');
    await expect(candidates).toHaveAttribute('data-remote', 'host');
    await expect(candidates).toHaveText('yours host, theirs host, over UDP');
    await expect(panel.getByTestId('path-encryption')).toHaveText(
      'Noise (libp2p channel), DTLS-SRTP (media)'
    );

    // The panel refreshes while open: the received video's frame rate and size appear.
    const videoIn = panel.getByTestId('path-video-in');
    await expect
      .poll(async () => Number(await videoIn.getAttribute('data-fps')), {
        timeout: MEDIA_TIMEOUT_MS
      })
      .toBeGreaterThan(0);
    expect(Number(await videoIn.getAttribute('data-width'))).toBeGreaterThan(0);
    expect(Number(await videoIn.getAttribute('data-height'))).toBeGreaterThan(0);
    await expect(videoIn).toHaveText(/^\s*\d+×\d+, \d+ fps\s*$/);
    await expect(panel.getByTestId('path-rtt')).toHaveText(/^\s*\d+ ms\s*$/);

    // Closed, it says nothing; open again, it reads the path again.
    await panel.locator('summary').click();
    await expect(panel.getByTestId('path-route')).toHaveCount(0);
    await expectNoAlerts(a);
  });

  test('the tile of a participant whose microphone sends sound is highlighted', async ({
    openApp
  }) => {
    const passphrase = uniquePassphrase();
    const pages = await Promise.all([0, 1].map(() => openApp({ trackPeerConnections: true })));
    const [idA, idB] = await joinFullMesh(pages, passphrase);
    const [a, b] = pages as [Page, Page];
    // The microphone is on by default: Chromium's fake one beeps.
    await expect(b.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
      'aria-pressed',
      'true'
    );
    await expect.poll(() => liveMediaConnectionCount(a), { timeout: MEDIA_TIMEOUT_MS }).toBe(1);
    // Cameras are off: the sound still plays (a <video> without frames would stay paused).
    const audio = tile(a, idB!).getByTestId('remote-audio');
    await expect
      .poll(() => audio.evaluate((element) => !(element as HTMLAudioElement).paused), {
        timeout: MEDIA_TIMEOUT_MS
      })
      .toBe(true);
    // What A hears of B is really above the speech threshold (not a threshold tuned to pass).
    await expect
      .poll(() => remoteAudioLevel(a), { timeout: MEDIA_TIMEOUT_MS, intervals: [500] })
      .toBeGreaterThan(SPEAKING_LEVEL);
    await expect(tile(a, idB!)).toHaveAttribute('data-speaking', 'true', {
      timeout: MEDIA_TIMEOUT_MS
    });
    await expect(tile(b, idA!)).toHaveAttribute('data-speaking', 'true', {
      timeout: MEDIA_TIMEOUT_MS
    });
    const outline = await tile(a, idB!).evaluate(
      (element) => getComputedStyle(element).outlineWidth
    );
    expect(outline).toBe('3px');

    // B mutes: its highlight goes at once on A's side (within a poll of the levels).
    await b.getByRole('button', { name: 'Microphone' }).click();
    await expect(tile(a, idB!)).toHaveAttribute('data-speaking', 'false', {
      timeout: SPEAKER_OFF_TIMEOUT_MS
    });
    // And A, still beeping, keeps its highlight on B's side.
    await expect(tile(b, idA!)).toHaveAttribute('data-speaking', 'true');
  });

  test('the video sender takes lower limits when a third participant joins', async ({
    openApp
  }) => {
    test.setTimeout(LARGE_TEST_TIMEOUT_MS);
    const passphrase = uniquePassphrase();
    const [a, b, c] = (await Promise.all(
      [0, 1, 2].map(() => openApp({ trackPeerConnections: true }))
    )) as [Page, Page, Page];
    const [idA, idB] = await joinFullMesh([a, b], passphrase);
    await cameraOn(a);
    await expect(tile(b, idA!).getByTestId('remote-video')).toBeVisible({
      timeout: MEDIA_TIMEOUT_MS
    });
    await expect.poll(() => liveMediaConnectionCount(a), { timeout: MEDIA_TIMEOUT_MS }).toBe(1);
    await tagOnlyMediaConnection(a, '__toB');

    // With one other participant (and loopback's bandwidth), A sends B the top rung.
    const sourceHeight = await videoSourceHeight(a, '__toB');
    const one = videoLimits({ remotes: 1, availableOutgoingBitrate: PLENTY, sourceHeight });
    await expect
      .poll(() => videoSenderEncoding(a, '__toB'), { timeout: MEDIA_TIMEOUT_MS })
      .toMatchObject({ ...one });

    await joinByMouse(c, passphrase);
    const idC = await ownPeerId(c);
    await expectDirectWith(a, [idB!, idC]);

    // Now A's uplink is shared by two streams: the stream to B takes the two-person share.
    const two = videoLimits({ remotes: 2, availableOutgoingBitrate: PLENTY, sourceHeight });
    expect(two.maxBitrate).toBeLessThan(one.maxBitrate);
    await expect
      .poll(() => videoSenderEncoding(a, '__toB'), { timeout: ADAPT_TIMEOUT_MS })
      .toMatchObject({ ...two });
  });
});
