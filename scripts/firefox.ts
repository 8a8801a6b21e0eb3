/**
 * The Firefox the tests drive: Debian's firefox-esr, never a downloaded browser. Playwright
 * cannot drive it (its Firefox speaks Playwright's own Juggler protocol, which only its patched
 * build has: `-juggler-pipe` is not an option of a stock Firefox), so the tests start it with
 * puppeteer-core over WebDriver BiDi, which every Firefox since 129 speaks; puppeteer-core
 * downloads nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { launch, type Browser } from 'puppeteer-core';

/** The Firefox the tests drive: $FIREFOX_PATH, else Debian's /usr/bin/firefox-esr. */
export function firefoxPath(): string {
  const path = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
  if (!existsSync(path)) {
    throw new Error(
      `No Firefox at ${path}. Install Debian's firefox-esr (apt-get install firefox-esr) or set FIREFOX_PATH.`
    );
  }
  return path;
}

/**
 * Preferences for every Firefox the tests start, the counterpart of CHROMIUM_ARGS: a fake camera
 * and microphone with no permission prompt, WebRTC on loopback with real addresses (no mDNS
 * names), no ICE servers of Firefox's own, and none of Firefox's background traffic that
 * puppeteer's profile does not already turn off.
 */
export const FIREFOX_PREFS: Readonly<Record<string, boolean | number | string>> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // The fake camera at Chromium's fake camera's 20 fps (Firefox's own default is 30), so that a
  // call mixing the engines sends what a call in one engine sends.
  'media.navigator.video.default_fps': 20,
  // Firefox leaves loopback out of ICE gathering unless told (Chromium's
  // --allow-loopback-in-peer-connection).
  'media.peerconnection.ice.loopback': true,
  // Host candidates as addresses, not mDNS names: nothing on loopback answers mDNS.
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.default_iceservers': '[]',
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.update.enabled': false,
  'extensions.update.enabled': false
};

/** Starts a headless Firefox driven over WebDriver BiDi. */
export function launchFirefox(): Promise<Browser> {
  return launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: firefoxPath(),
    headless: true,
    // Playwright's default viewport, so both engines lay the call page out alike (puppeteer's
    // own 800×600 folds the chat panel away behind its button).
    defaultViewport: { width: 1280, height: 720 },
    extraPrefsFirefox: { ...FIREFOX_PREFS }
  });
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/**
 * Firefox gathers ICE candidates only on the default route's address while the page has no
 * camera or microphone permission (PeerConnectionImpl's default_address_only; the fake devices
 * of FIREFOX_PREFS grant none), and the test run's namespace has only loopback and no default
 * route: Firefox then gathers nothing at all and every WebRTC connection fails. A default route
 * over loopback, from 127.0.0.1, gives it 127.0.0.1. Packets to any other address go nowhere
 * (loopback delivers only local ones), as they did without it. Made only inside the run's own
 * namespace (scripts/isolated.ts sets SAMEN_NETNS=1 there), never on the machine's. Returns the
 * way back.
 */
export function addLoopbackDefaultRoute(): () => void {
  if (process.env.SAMEN_NETNS !== '1' || ip('route', 'show', 'default').trim() !== '') {
    return () => {};
  }
  ip('route', 'add', 'default', 'dev', 'lo', 'src', '127.0.0.1');
  return () => ip('route', 'del', 'default', 'dev', 'lo');
}
