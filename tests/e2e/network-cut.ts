/**
 * Cuts one page off the network and brings it back, for the recovery tests: a Chromium page's
 * whole browser context, or a Firefox page.
 *
 * Playwright's `setOffline` stops a context's HTTP and WebSocket traffic but not its WebRTC
 * (Chromium's offline emulation does not reach the UDP sockets; tried here, media and data
 * channels went on), and Firefox's offline emulation over WebDriver BiDi is no different. So
 * the cut also drops the page's UDP: every port its RTCPeerConnections
 * use (their local candidates, from getStats), both ways, with policy-routing rules
 * (`ip rule … ipproto udp sport|dport <port> blackhole`, iproute2). The rules change routing,
 * so they are only ever made inside the test run's own network namespace (scripts/isolated.ts
 * sets SAMEN_NETNS=1 there), never on the machine's.
 */
import { execFileSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import type { Page as FirefoxPage } from 'puppeteer-core';

/** A page of either engine: Playwright's Chromium page, or a Firefox page (puppeteer-core). */
export type CuttablePage = Page | FirefoxPage;

/** Rule priorities for the cut; the local table moves below them (it is rule 0 by default). */
const FIRST_RULE = 100;
const LOCAL_TABLE_RULE = 1_000;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** The UDP ports of the page's live RTCPeerConnections (trackPeerConnections); runs in the page. */
async function readUdpPorts(): Promise<number[]> {
  const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
  const ports = new Set<number>();
  for (const pc of pcs) {
    if (pc.connectionState === 'closed') {
      continue;
    }
    (await pc.getStats()).forEach((report: { type: string; protocol?: string; port?: number }) => {
      if (report.type === 'local-candidate' && report.protocol === 'udp' && report.port) {
        ports.add(report.port);
      }
    });
  }
  return [...ports];
}

function isFirefox(page: CuttablePage): page is FirefoxPage {
  return 'setOfflineMode' in page;
}

/** The UDP ports of the page's live RTCPeerConnections (tracked by trackPeerConnections). */
export function udpPorts(page: CuttablePage): Promise<number[]> {
  return isFirefox(page) ? page.evaluate(readUdpPorts) : page.evaluate(readUdpPorts);
}

/**
 * Offline emulation for the page's HTTP and WebSocket traffic: the whole browser context's in
 * Chromium, the page's in Firefox (WebDriver BiDi's network conditions).
 */
function setOffline(page: CuttablePage, offline: boolean): Promise<void> {
  return isFirefox(page) ? page.setOfflineMode(offline) : page.context().setOffline(offline);
}

/**
 * Takes the page offline (HTTP, WebSockets and its WebRTC UDP ports) until the
 * returned function is called. Tests take it from the `cutOff` fixture (fixtures.ts), which
 * restores whatever a failed test left cut: a rule left behind would blackhole the same port
 * numbers for every later test of the run.
 *
 * @throws when not inside the test run's own network namespace
 */
export async function cutOff(page: CuttablePage): Promise<() => Promise<void>> {
  if (process.env.SAMEN_NETNS !== '1') {
    throw new Error(
      'cutting a browser off needs the test run’s own network namespace: run `npm run test:e2e`'
    );
  }
  const ports = await udpPorts(page);
  if (ports.length === 0) {
    throw new Error('the page has no UDP ports to cut');
  }
  if (!ip('rule', 'show', 'pref', String(LOCAL_TABLE_RULE)).includes('local')) {
    // Rule 0 (the local table) matches every loopback packet first; below it, ours would never
    // be seen.
    ip('rule', 'add', 'pref', String(LOCAL_TABLE_RULE), 'table', 'local');
    ip('rule', 'del', 'pref', '0', 'table', 'local');
  }
  const prefs: string[] = [];
  for (const port of ports) {
    for (const direction of ['sport', 'dport']) {
      const pref = String(FIRST_RULE + prefs.length);
      ip('rule', 'add', 'pref', pref, 'ipproto', 'udp', direction, String(port), 'blackhole');
      prefs.push(pref);
    }
  }
  await setOffline(page, true);
  let restored = false;
  // Idempotent: the test restores the network itself, and the fixture again after a failure.
  return async () => {
    if (restored) {
      return;
    }
    restored = true;
    for (const pref of prefs) {
      ip('rule', 'del', 'pref', pref);
    }
    await setOffline(page, false);
  };
}
