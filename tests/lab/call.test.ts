import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { directWith, join, labForCalls, openApp, selectedPairs } from './app.ts';

/** The promise: within 20 s of Join, a sentence instead of an endless "connecting". */
const NO_PATH_TOLD_MS = 20_000;

// STUN only: the call must find its way through both NATs by itself.
const call = labForCalls(
  [
    ['a', { preset: 'port-restricted', link: { delayMs: 10 } }],
    ['b', { preset: 'port-restricted', link: { delayMs: 10 } }],
    ['c', { preset: 'symmetric', link: { delayMs: 10 } }]
  ],
  { turn: 'none' }
);

describe('Samen in the lab', () => {
  it('connects two Chromium homes behind port-restricted NAT directly, with STUN from coturn', async () => {
    const [a, b] = call.homes.map((home) => home.participants[0]!);
    const pages = await Promise.all([
      openApp(call.stack, a!, call.browsers),
      openApp(call.stack, b!, call.browsers)
    ]);
    const passphrase = `lab call ${randomBytes(8).toString('hex')}`;
    await Promise.all(pages.map((page) => join(page, passphrase)));
    await Promise.all(pages.map((page) => directWith(page)));
    // Each side's connections go straight to the other's router, both sides by the addresses
    // their NATs gave them (server- or peer-reflexive): UDP, no relay, through both NATs.
    const [pairsA, pairsB] = await Promise.all(pages.map(selectedPairs));
    for (const [pairs, self, other] of [
      [pairsA!, call.homes[0]!, call.homes[1]!],
      [pairsB!, call.homes[1]!, call.homes[0]!]
    ] as const) {
      expect(pairs.length).toBeGreaterThan(0);
      for (const pair of pairs) {
        expect(pair.local).toEqual({
          type: expect.stringMatching(/^(srflx|prflx)$/),
          address: self.publicAddress,
          protocol: 'udp'
        });
        expect(pair.remote).toEqual({
          type: expect.stringMatching(/^(srflx|prflx)$/),
          address: other.publicAddress,
          protocol: 'udp'
        });
      }
    }
  });

  it('tells both people within 20 s of Join that no direct connection opens, when one home is behind a symmetric NAT and the network has no TURN server', async () => {
    // Port-restricted (a) and symmetric (c): a's NAT answers only the address and port it wrote
    // to, and c's shows each destination another port, so no candidate pair connects.
    const [a, c] = [call.homes[0]!, call.homes[2]!].map((home) => home.participants[0]!);
    const pages = await Promise.all([
      openApp(call.stack, a!, call.browsers),
      openApp(call.stack, c!, call.browsers)
    ]);
    const passphrase = `lab blocked ${randomBytes(8).toString('hex')}`;
    const joined = performance.now();
    await Promise.all(pages.map((page) => join(page, passphrase)));
    const told = async (page: Page): Promise<number> => {
      await page
        .locator('[data-testid="alerts"] [data-kind="no-direct-path"]')
        .waitFor({ timeout: NO_PATH_TOLD_MS - (performance.now() - joined) });
      return performance.now() - joined;
    };
    const after = await Promise.all(pages.map(told));
    for (const page of pages) {
      const alert = page.locator('[data-testid="alerts"] [data-kind="no-direct-path"]');
      const text = await alert.textContent();
      expect(text).toContain('no direct connection opens between you');
      expect(text).toContain('a network with a TURN server');
      // Never "direct": nothing got through.
      expect(await page.locator('[data-testid="participant"][data-state="direct"]').count()).toBe(
        0
      );
    }
    call.lab.log(
      `no-direct-path shown ${after.map((ms) => Math.round(ms)).join(' and ')} ms after Join`
    );
  });
});
