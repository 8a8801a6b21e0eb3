/**
 * TURN where nothing direct works: one home behind a symmetric NAT (a new port for every
 * destination), the other behind a port-restricted one (answers only the address and port it
 * wrote to), so no pair of host or server-reflexive candidates connects. With the profile's TURN
 * server and the default media path (automatic), the call still comes together, with video:
 * libp2p's WebRTC connection and the media both go through coturn.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import {
  cameraOn,
  directWith,
  framesDecoded,
  join,
  labForCalls,
  openApp,
  selectedPairs
} from './app.ts';
import { TURN_ADDRESS } from './constants.ts';

/** The first remote frames, once both sides are direct (relayed media takes a moment more). */
const VIDEO_TIMEOUT_MS = 30_000;

// STUN and TURN, from coturn in the wan, in network.json.
const call = labForCalls(
  [
    ['a', { preset: 'symmetric', link: { delayMs: 10 } }],
    ['b', { preset: 'port-restricted', link: { delayMs: 10 } }]
  ],
  { turn: true }
);

async function expectVideo(page: Page): Promise<void> {
  await expect.poll(() => framesDecoded(page), { timeout: VIDEO_TIMEOUT_MS }).toBeGreaterThan(0);
}

describe('Samen in the lab, with TURN', () => {
  it('connects a symmetric-NAT home and a port-restricted one through the profile’s TURN server, with video both ways', async () => {
    const pages = await Promise.all(
      call.homes.map((home) => openApp(call.stack, home.participants[0]!, call.browsers))
    );
    const passphrase = `lab turn ${randomBytes(8).toString('hex')}`;
    await Promise.all(pages.map((page) => join(page, passphrase)));
    await Promise.all(pages.map((page) => directWith(page)));
    await Promise.all(pages.map(cameraOn));
    await Promise.all(pages.map(expectVideo));

    // Both connections of each side (libp2p's WebRTC and the media) are up, and each goes
    // through coturn: one end of its selected pair is a relay candidate on coturn's address.
    for (const page of pages) {
      const pairs = await selectedPairs(page);
      expect(pairs.length).toBeGreaterThanOrEqual(2);
      for (const pair of pairs) {
        const relayed = [pair.local, pair.remote].filter((end) => end.type === 'relay');
        expect(relayed.length, JSON.stringify(pair)).toBeGreaterThan(0);
        for (const end of relayed) {
          expect(end.address).toBe(TURN_ADDRESS);
        }
      }
    }
  });
});
