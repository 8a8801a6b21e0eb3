/**
 * Samen in the lab, as a user drives it: Chromium in a home on the app's start page, Join, and
 * what its WebRTC connections show (the selected ICE candidate pairs, the video it decodes).
 *
 * @example
 * const call = labForCalls([['a', { preset: 'symmetric' }]], { turn: true })
 * it('…', async () => {
 *   const page = await openApp(call.stack, call.homes[0].participants[0], call.browsers)
 *   await join(page, passphrase)
 * })
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { trackPeerConnections } from '../../scripts/chromium.ts';
import { chromiumIn } from './chromium.ts';
import { TURN_ADDRESS } from './constants.ts';
import { Coturn } from './coturn.ts';
import { createLab, type Home, type HomeOptions, type Lab, type Participant } from './lab.ts';
import { startWanStack, type WanStack } from './stack.ts';

/** The start page's network status, once it has a relay reservation. */
export const READY_TIMEOUT_MS = 30_000;

/**
 * Join → direct: a few seconds on loopback (tests/e2e); here every packet crosses two NATs and
 * their delay, on a machine that may be running other browsers.
 */
export const DIRECT_TIMEOUT_MS = 60_000;

/** The first remote frames, once both sides are direct (relayed media takes a moment more). */
export const VIDEO_TIMEOUT_MS = 30_000;

/** A lab for a test file's calls, ready in its beforeAll (see {@link labForCalls}). */
export interface LabForCalls {
  lab: Lab;
  stack: WanStack;
  /** In the order they were asked for. */
  homes: Home[];
  /** The browsers of the running test; closed after each test. */
  readonly browsers: Browser[];
}

/**
 * Registers the test file's hooks: before all, a lab with coturn, these homes and the Samen
 * stack in the wan; after each test, its browsers closed (two cores run two Chromiums well, not
 * four); after all, everything stopped. coturn's STUN is always in network.json; its TURN
 * (`turn`) not at all, in network.json with credentials, or from the Samen nodes, which hold
 * coturn's secret and hand out expiring credentials (network.json's `turnFromNodes`).
 */
export function labForCalls(
  homes: readonly (readonly [name: string, options: HomeOptions])[],
  options: { turn: 'none' | 'network-json' | 'nodes' }
): LabForCalls {
  const call = { browsers: [] as Browser[] } as LabForCalls;
  beforeAll(async () => {
    call.lab = await createLab();
    const [coturn, made] = await Promise.all([
      Coturn.start(call.lab),
      Promise.all(homes.map(([name, home]) => call.lab.addHome(name, home)))
    ]);
    call.homes = made;
    const { udp, tcp, tcp443 } = coturn.turnUrls;
    call.stack = await startWanStack(call.lab, {
      iceServers: coturn.iceServers({ turn: options.turn === 'network-json' }),
      ...(options.turn === 'nodes'
        ? { turn: { urls: [udp, tcp, tcp443], secret: coturn.secret } }
        : {})
    });
  });
  afterEach(async () => {
    await Promise.allSettled(call.browsers.splice(0).map((browser) => browser.close()));
  });
  afterAll(async () => {
    await call.stack?.stop();
    await call.lab?.close();
  });
  return call;
}

/** One end of the selected ICE candidate pair of a connected RTCPeerConnection. */
export interface CandidateEnd {
  readonly type: string;
  readonly address: string;
  readonly protocol: string;
  /** A local relay candidate's: how we reach the TURN server (udp, tcp or tls). */
  readonly relayProtocol?: string;
}

export interface SelectedPair {
  readonly local: CandidateEnd;
  readonly remote: CandidateEnd;
}

/**
 * Chromium in the participant's home, on the app's start page, ready to join; the browser goes
 * into `browsers` for the caller to close.
 */
export async function openApp(
  stack: WanStack,
  participant: Participant,
  browsers: Browser[]
): Promise<Page> {
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

export async function join(page: Page, passphrase: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Join call' }).click();
  await page.waitForURL(/\/call$/);
}

/** Turns the camera on in the call (it is off when joining, unless the user turned it on). */
export async function cameraOn(page: Page): Promise<void> {
  const camera = page.getByRole('button', { name: 'Camera' });
  await camera.click();
  await camera.and(page.locator('[aria-pressed="true"]')).waitFor();
}

/** Resolves once the page shows `count` participants connected directly. */
export async function directWith(page: Page, count = 1): Promise<void> {
  await page
    .locator('[data-testid="participant"][data-state="direct"]')
    .nth(count - 1)
    .waitFor({ timeout: DIRECT_TIMEOUT_MS });
}

/** The selected candidate pair of each of the page's connected RTCPeerConnections. */
export function selectedPairs(page: Page): Promise<SelectedPair[]> {
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
          protocol: String(c?.protocol),
          ...(c?.relayProtocol === undefined ? {} : { relayProtocol: String(c.relayProtocol) })
        });
        pairs.push({ local: describe(local), remote: describe(remote) });
      }
    }
    return pairs;
  });
}

/** The video frames the page has decoded so far, over all its peer connections. */
export function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
    let frames = 0;
    for (const pc of pcs.filter((p) => p.connectionState !== 'closed')) {
      (await pc.getStats()).forEach((report: Record<string, unknown>) => {
        if (report.type === 'inbound-rtp' && report.kind === 'video') {
          frames += Number(report.framesDecoded ?? 0);
        }
      });
    }
    return frames;
  });
}

/** Resolves once the page decodes video from someone (VIDEO_TIMEOUT_MS). */
export async function expectVideo(page: Page): Promise<void> {
  await expect.poll(() => framesDecoded(page), { timeout: VIDEO_TIMEOUT_MS }).toBeGreaterThan(0);
}

/**
 * Two people, one in each home, join one call and turn their cameras on; resolves with each
 * page's selected candidate pairs once video flows both ways, after checking that both
 * connections of each side (libp2p's WebRTC and the media) are up and go through coturn (one
 * end of each selected pair a relay candidate on its address).
 */
export async function callThroughTurn(
  call: LabForCalls,
  homes: readonly Home[]
): Promise<SelectedPair[][]> {
  const pages = await Promise.all(
    homes.map((home) => openApp(call.stack, home.participants[0]!, call.browsers))
  );
  const passphrase = `lab turn ${randomBytes(8).toString('hex')}`;
  await Promise.all(pages.map((page) => join(page, passphrase)));
  await Promise.all(pages.map((page) => directWith(page)));
  await Promise.all(pages.map(cameraOn));
  await Promise.all(pages.map(expectVideo));

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
