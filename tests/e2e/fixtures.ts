/**
 * The end-to-end tests' `test` and `expect`: Playwright's, with an `openApp` fixture that opens
 * the app in a browser context of its own (its own storage, so its own libp2p node and peer ID)
 * and closes every context it opened once the test is over, whatever its outcome; and a
 * `cutOff` fixture that takes a page off the network and always brings it back.
 *
 * @example
 * import { expect, test } from './fixtures.ts'
 * test('two people meet', async ({ openApp }) => {
 *   const [a, b] = await Promise.all([openApp(), openApp({ trackPeerConnections: true })])
 * })
 */
import { appendFileSync } from 'node:fs';
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { trackPeerConnections } from '../../scripts/chromium.ts';
import { cutOff, type CuttablePage } from './network-cut.ts';
import { RELAY_READY_TIMEOUT_MS } from './timeouts.ts';

export { expect };

/** The local stack the global setup started for every test file. */
export const sharedUrl = (): string => process.env.SAMEN_E2E_URL ?? '';

export interface OpenAppOptions {
  /** The app to open; the shared local stack's by default. */
  readonly url?: string;
  /** Keep the page's RTCPeerConnections in `window.__peerConnections` (for their getStats). */
  readonly trackPeerConnections?: boolean;
}

/** Opens the start page in a fresh context; resolves once it is connected and reachable. */
export type OpenApp = (options?: OpenAppOptions) => Promise<Page>;

/** Cuts a page's context off the network (network-cut.ts); resolves with the way back. */
export type CutOff = (page: CuttablePage) => Promise<() => Promise<void>>;

export const test = base.extend<{ openApp: OpenApp; cutOff: CutOff; closeContexts: void }>({
  // Every context a test opened, by openApp or by browser.newContext (a test that needs a
  // locale or a viewport), is closed after it, whatever its outcome: a context left open would
  // keep its call (and its peer connections) alive into the next test, on the same two cores.
  closeContexts: [
    async ({ browser }, use) => {
      await use();
      await Promise.allSettled(browser.contexts().map((context) => context.close()));
    },
    { auto: true }
  ],

  openApp: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (options = {}) => {
      const context = await browser.newContext();
      const participant = contexts.push(context);
      const debug = process.env.SAMEN_E2E_DEBUG;
      if (debug !== undefined && debug !== '') {
        // The app's own logs (samen:…, libp2p:…) for this run, as `localStorage.debug` turns
        // them on, in the test's output folder, one file per participant.
        await context.addInitScript(
          (namespaces) => localStorage.setItem('debug', namespaces),
          debug
        );
        const file = base.info().outputPath(`console-${participant}.log`);
        const start = performance.now();
        context.on('console', (message) => {
          const at = ((performance.now() - start) / 1_000).toFixed(3);
          appendFileSync(file, `${at} ${message.type()} ${message.text()}\n`);
        });
      }
      if (options.trackPeerConnections === true) {
        await context.addInitScript(trackPeerConnections);
      }
      const page = await context.newPage();
      await page.goto(options.url ?? sharedUrl());
      // The start page warms a node while the user types; Join then hands it to the call.
      await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true', {
        timeout: RELAY_READY_TIMEOUT_MS
      });
      return page;
    });
    // A context left open would keep its call (and its peer connections) alive into the next
    // test, which would then share the machine's two cores with it.
    await Promise.allSettled(contexts.map((context) => context.close()));
  },

  // Playwright reads a fixture's dependencies from its first parameter: this one has none.
  // eslint-disable-next-line no-empty-pattern
  cutOff: async ({}, use) => {
    const restores: (() => Promise<void>)[] = [];
    await use(async (page) => {
      const restore = await cutOff(page);
      restores.push(restore);
      return restore;
    });
    // A test that failed while someone was cut off leaves the network as it found it.
    await Promise.allSettled(restores.map((restore) => restore()));
  }
});
