import { existsSync } from 'node:fs';

/** The Chromium the tests drive: $CHROME_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  const path = process.env.CHROME_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `No Chromium at ${path}. Install Debian's chromium (apt-get install chromium) or set CHROME_PATH.`
    );
  }
  return path;
}

/**
 * Flags for every Chromium the tests and benchmarks start: a fake camera and microphone, WebRTC
 * on loopback with real addresses (no mDNS names), and none of Chromium's own traffic.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
];

/**
 * An init script (context.addInitScript) that keeps every RTCPeerConnection the page makes in
 * `window.__peerConnections`, for tests and benchmarks to read their getStats.
 */
export function trackPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const all: RTCPeerConnection[] = [];
  (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = all;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      all.push(this);
    }
  };
}
