import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackPeerConnections } from '../../scripts/chromium.ts';
import {
  chromiumIn,
  Coturn,
  createLab,
  startWanStack,
  type Home,
  type Lab,
  type Participant,
  type WanStack
} from './index.ts';

/**
 * Join → direct: a few seconds on loopback (tests/e2e); here every packet crosses two NATs and
 * 2 × 10 ms of delay, on a machine that may be running other browsers.
 */
const DIRECT_TIMEOUT_MS = 60_000;
/** The start page's network status, once it has a relay reservation. */
const READY_TIMEOUT_MS = 30_000;

/** The selected ICE candidate pair of a page's connected RTCPeerConnections. */
interface SelectedPair {
  local: { type: string; address: string; protocol: string };
  remote: { type: string; address: string; protocol: string };
}

let lab: Lab;
let stack: WanStack;
let homes: Home[];
const browsers: Browser[] = [];

beforeAll(async () => {
  lab = await createLab();
  const [coturn, ...both] = await Promise.all([
    Coturn.start(lab),
    lab.addHome('a', { preset: 'port-restricted', link: { delayMs: 10 } }),
    lab.addHome('b', { preset: 'port-restricted', link: { delayMs: 10 } })
  ]);
  homes = both;
  // STUN only: the call must find its way through both NATs by itself.
  stack = await startWanStack(lab, { iceServers: coturn.iceServers({ turn: false }) });
});

afterAll(async () => {
  await Promise.allSettled(browsers.map((browser) => browser.close()));
  await stack?.stop();
  await lab?.close();
});

/** Chromium in the participant's home, on the app's start page, ready to join. */
async function openApp(participant: Participant): Promise<Page> {
  const browser = await chromium.launch(await chromiumIn(participant, stack.url));
  browsers.push(browser);
  const context = await browser.newContext();
  await context.addInitScript(trackPeerConnections);
  const page = await context.newPage();
  await page.goto(stack.url);
  await page
    .locator('[data-testid="relay-status"][data-ready="true"]')
    .waitFor({ timeout: READY_TIMEOUT_MS });
  return page;
}

async function join(page: Page, passphrase: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Join call' }).click();
  await page.waitForURL(/\/call$/);
}

function selectedPairs(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
    const pairs: SelectedPair[] = [];
    for (const pc of pcs.filter((p) => p.connectionState === 'connected')) {
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((report: Record<string, unknown>) =>
        stats.set(String(report.id), report)
      );
      for (const report of stats.values()) {
        if (report.type !== 'transport' || report.selectedCandidatePairId === undefined) {
          continue;
        }
        const pair = stats.get(String(report.selectedCandidatePairId));
        const local = stats.get(String(pair?.localCandidateId));
        const remote = stats.get(String(pair?.remoteCandidateId));
        const describe = (c: Record<string, unknown> | undefined) => ({
          type: String(c?.candidateType),
          address: String(c?.address),
          protocol: String(c?.protocol)
        });
        pairs.push({ local: describe(local), remote: describe(remote) });
      }
    }
    return pairs;
  });
}

describe('Samen in the lab', () => {
  it('connects two Chromium homes behind port-restricted NAT directly, with STUN from coturn', async () => {
    const [a, b] = homes.map((home) => home.participants[0]!);
    const pages = await Promise.all([openApp(a!), openApp(b!)]);
    const passphrase = `lab call ${randomBytes(8).toString('hex')}`;
    await Promise.all(pages.map((page) => join(page, passphrase)));
    for (const page of pages) {
      await page
        .locator('[data-testid="participant"][data-state="direct"]')
        .waitFor({ timeout: DIRECT_TIMEOUT_MS });
    }
    // Each side's connections go straight to the other's router, both sides by the addresses
    // their NATs gave them (server- or peer-reflexive): UDP, no relay, through both NATs.
    const [pairsA, pairsB] = await Promise.all(pages.map(selectedPairs));
    for (const [pairs, self, other] of [
      [pairsA!, homes[0]!, homes[1]!],
      [pairsB!, homes[1]!, homes[0]!]
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
});
