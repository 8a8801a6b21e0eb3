/**
 * TURN where nothing direct works, with the profile's TURN server and the default media path
 * (automatic): the call still comes together, with video, and libp2p's WebRTC connection and the
 * media both go through coturn.
 *
 * - A symmetric NAT (a new port for every destination) against a port-restricted one (answers
 *   only the address and port it wrote to): no pair of host or server-reflexive candidates
 *   connects.
 * - A firewall that lets only TCP to ports 80 and 443 out: the app loads from port 80, the
 *   network answers on the WebSockets port 443 of its first node, and TURN runs over TCP 443.
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
  selectedPairs,
  type SelectedPair
} from './app.ts';
import { TURN_ADDRESS } from './constants.ts';
import type { Home } from './lab.ts';

/** The first remote frames, once both sides are direct (relayed media takes a moment more). */
const VIDEO_TIMEOUT_MS = 30_000;

// STUN and TURN, from coturn in the wan, in network.json.
const call = labForCalls(
  [
    ['a', { preset: 'symmetric', link: { delayMs: 10 } }],
    ['b', { preset: 'port-restricted', link: { delayMs: 10 } }],
    ['c', { preset: 'udp-blocked', link: { delayMs: 10 } }]
  ],
  { turn: true }
);

async function expectVideo(page: Page): Promise<void> {
  await expect.poll(() => framesDecoded(page), { timeout: VIDEO_TIMEOUT_MS }).toBeGreaterThan(0);
}

/**
 * Two people, one in each home, join one call and turn their cameras on; resolves with each
 * page's selected candidate pairs once video flows both ways, after checking that every one of
 * them goes through coturn (one end a relay candidate on its address).
 */
async function callThroughTurn(homes: readonly Home[]): Promise<SelectedPair[][]> {
  const pages = await Promise.all(
    homes.map((home) => openApp(call.stack, home.participants[0]!, call.browsers))
  );
  const passphrase = `lab turn ${randomBytes(8).toString('hex')}`;
  await Promise.all(pages.map((page) => join(page, passphrase)));
  await Promise.all(pages.map((page) => directWith(page)));
  await Promise.all(pages.map(cameraOn));
  await Promise.all(pages.map(expectVideo));

  // Both connections of each side (libp2p's WebRTC and the media) are up.
  const pairs = await Promise.all(pages.map(selectedPairs));
  for (const ofPage of pairs) {
    expect(ofPage.length).toBeGreaterThanOrEqual(2);
    for (const pair of ofPage) {
      const relayed = [pair.local, pair.remote].filter((end) => end.type === 'relay');
      expect(relayed.length, JSON.stringify(pair)).toBeGreaterThan(0);
      for (const end of relayed) {
        expect(end.address).toBe(TURN_ADDRESS);
      }
    }
  }
  return pairs;
}

describe('Samen in the lab, with TURN', () => {
  it('connects a symmetric-NAT home and a port-restricted one through the profile’s TURN server, with video both ways', async () => {
    const [symmetric, portRestricted] = call.homes;
    await callThroughTurn([symmetric!, portRestricted!]);
  });

  it('connects a home that may only reach TCP ports 80 and 443 with a port-restricted one, through TURN over TCP 443, with video both ways', async () => {
    const [, portRestricted, udpBlocked] = call.homes;
    const [blockedPairs] = await callThroughTurn([udpBlocked!, portRestricted!]);
    // No UDP leaves that home: its end of every connection is a relay candidate it allocated
    // over TCP.
    for (const pair of blockedPairs!) {
      expect(pair.local).toMatchObject({ type: 'relay', relayProtocol: 'tcp' });
    }
  });
});
