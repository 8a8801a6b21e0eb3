/**
 * What the end-to-end tests of calls share: joining, reading what the call page lists, and
 * watching the page's RTCPeerConnections. Pages come from the `openApp` fixture (fixtures.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures.ts';
import { DIRECT_TIMEOUT_MS } from './timeouts.ts';

export const INTRUDER_NOTICE =
  'Someone found this call but could not prove they know the passphrase and PIN. They were not ' +
  'let in.';
export const PIN_MISMATCH =
  'Someone with this passphrase is here, but the PIN does not match. Check the PIN with the ' +
  'others.';

/** A passphrase no other test (or earlier run against the same nodes) uses. */
export function uniquePassphrase(): string {
  return `e2e call ${randomBytes(8).toString('hex')}`;
}

export function peerConnectionStates(page: Page): Promise<RTCPeerConnectionState[]> {
  return page.evaluate(() =>
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.map(
      (pc) => pc.connectionState
    )
  );
}

/** Types the passphrase (and PIN) and presses Join call with the mouse. */
export async function joinByMouse(page: Page, passphrase: string, pin = ''): Promise<void> {
  await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(passphrase);
  if (pin !== '') {
    await page.getByRole('textbox', { name: /PIN/ }).fill(pin);
  }
  await page.getByRole('button', { name: 'Join call' }).click();
  await expect(page).toHaveURL(/\/call$/);
}

/** Our own peer ID in the call, as the call page shows it. */
export async function ownPeerId(page: Page): Promise<string> {
  const self = page.getByTestId('self');
  await expect(self).toHaveAttribute('data-peer', /^12D3Koo\w+$/, { timeout: DIRECT_TIMEOUT_MS });
  return (await self.getAttribute('data-peer')) ?? '';
}

/**
 * The one order of peer IDs in the tests: by UTF-16 code units, the order in which the app
 * compares them to choose roles (the polite side and the reconnect dialler are the lower ID).
 * Not `localeCompare`: it ignores case at first, and a base58 peer ID is case-sensitive, so two
 * sorts with different comparators disagreed whenever two IDs first differed in a letter's case.
 */
export function comparePeerIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the page lists: each remote participant's peer ID and state, sorted by peer ID. */
export async function listed(page: Page): Promise<{ peer: string | null; state: string | null }[]> {
  const entries = await page
    .getByTestId('participant')
    .evaluateAll((items) =>
      items.map((item) => ({ peer: item.dataset.peer ?? null, state: item.dataset.state ?? null }))
    );
  return entries.sort((a, b) => comparePeerIds(String(a.peer), String(b.peer)));
}

/** Waits until the page lists exactly `peers`, every one connected directly. */
export async function expectDirectWith(page: Page, peers: readonly string[]): Promise<void> {
  const expected = [...peers].sort(comparePeerIds).map((peer) => ({ peer, state: 'direct' }));
  await expect
    .poll(() => listed(page), { timeout: DIRECT_TIMEOUT_MS, intervals: [100, 250, 500] })
    .toEqual(expected);
  await expect(page.getByTestId('call-step')).toHaveAttribute('data-step', 'connected');
}

export async function expectNoAlerts(page: Page): Promise<void> {
  const alerts = page.getByTestId('alerts');
  await expect(alerts).toHaveAttribute('role', 'alert');
  expect(await alerts.innerText()).toBe('');
}

/** Presses Tab until `target` has the focus, at most `maxPresses` times. */
export async function tabTo(page: Page, target: Locator, maxPresses: number): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((element) => element === document.activeElement)) {
      return;
    }
  }
  throw new Error(`${maxPresses} presses of Tab did not reach ${target}`);
}

/** Joins every page with one passphrase and waits for a full mesh; returns their peer IDs. */
export async function joinFullMesh(pages: readonly Page[], passphrase: string): Promise<string[]> {
  await Promise.all(pages.map((page) => joinByMouse(page, passphrase)));
  const ids = await Promise.all(pages.map(ownPeerId));
  expect(new Set(ids).size).toBe(pages.length);
  await Promise.all(
    pages.map((page, i) =>
      expectDirectWith(
        page,
        ids.filter((_, j) => j !== i)
      )
    )
  );
  return ids;
}

export interface Inbound {
  framesDecoded: number;
  audioPackets: number;
}

/**
 * Inbound media counters summed over the page's RTCPeerConnections (trackPeerConnections). Runs
 * in the page, in either engine (engines.ts), where `window.__peerConnections` is kept.
 */
export async function readInbound(): Promise<Inbound> {
  const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
  let framesDecoded = 0;
  let audioPackets = 0;
  for (const pc of pcs) {
    if (pc.connectionState === 'closed') {
      continue;
    }
    const stats = await pc.getStats();
    stats.forEach((report: { type: string; kind?: string } & Record<string, unknown>) => {
      if (report.type !== 'inbound-rtp') {
        return;
      }
      if (report.kind === 'video') {
        framesDecoded += Number(report.framesDecoded ?? 0);
      } else if (report.kind === 'audio') {
        audioPackets += Number(report.packetsReceived ?? 0);
      }
    });
  }
  return { framesDecoded, audioPackets };
}

/** Inbound media counters summed over the page's RTCPeerConnections (trackPeerConnections). */
export function inbound(page: Page): Promise<Inbound> {
  return page.evaluate(readInbound);
}
