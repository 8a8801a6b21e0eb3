/**
 * fixtures.ts's `test` with Firefox beside Chromium: a `firefox` browser (Debian's firefox-esr,
 * driven by puppeteer-core over WebDriver BiDi; scripts/firefox.ts says why not Playwright),
 * started once per worker, and `openFirefox`, the counterpart of `openApp`: the app in a
 * browser context of its own (its own storage, so its own libp2p node), every context closed
 * once the test is over, whatever its outcome.
 *
 * @example
 * import { test } from './firefox-fixtures.ts'
 * test('Chromium meets Firefox', async ({ openApp, openFirefox }) => {
 *   const [chromium, firefox] = await Promise.all([openApp(), openFirefox()])
 * })
 */
import { appendFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { trackPeerConnections } from '../../scripts/chromium.ts';
import { addLoopbackDefaultRoute, launchFirefox } from '../../scripts/firefox.ts';
import { expectRelayReady } from './engine-helpers.ts';
import { firefoxPage, type EnginePage } from '../../scripts/engines.ts';
import { test as base, sharedUrl, type OpenAppOptions } from './fixtures.ts';

export { expect, sharedUrl } from './fixtures.ts';

export interface FirefoxApp {
  /** The page for the engine-neutral helpers (engine-helpers.ts). */
  readonly app: EnginePage;
  /** puppeteer's own page, for what only Firefox's tests do (offline mode, reload). */
  readonly page: Page;
}

/** Opens the start page in a fresh Firefox context; resolves once it holds a relay slot. */
export type OpenFirefox = (options?: OpenAppOptions) => Promise<FirefoxApp>;

export const test = base.extend<
  { openFirefox: OpenFirefox; loopbackDefaultRoute: void },
  { firefox: Browser }
>({
  loopbackDefaultRoute: [
    // Only while a Firefox test runs (scripts/firefox.ts): the other tests keep the namespace
    // they were written for.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const restore = addLoopbackDefaultRoute();
      try {
        await use();
      } finally {
        restore();
      }
    },
    { auto: true }
  ],

  // One Firefox per worker (it takes a few seconds to start); each test has contexts of its own.
  firefox: [
    // Playwright reads a fixture's dependencies from its first parameter: this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const browser = await launchFirefox();
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' }
  ],

  openFirefox: async ({ firefox }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (options = {}) => {
      const context = await firefox.createBrowserContext();
      contexts.push(context);
      const page = await context.newPage();
      const debug = process.env.SAMEN_E2E_DEBUG;
      if (debug !== undefined && debug !== '') {
        // As openApp does: the app's own logs in the test's output folder.
        await page.evaluateOnNewDocument(
          (namespaces) => localStorage.setItem('debug', namespaces),
          debug
        );
        const file = base.info().outputPath(`console-firefox-${contexts.length}.log`);
        const start = performance.now();
        page.on('console', (message) => {
          const at = ((performance.now() - start) / 1_000).toFixed(3);
          appendFileSync(file, `${at} ${message.type()} ${message.text()}\n`);
        });
      }
      if (options.trackPeerConnections === true) {
        await page.evaluateOnNewDocument(trackPeerConnections);
      }
      await page.goto(options.url ?? sharedUrl());
      const app = firefoxPage(page);
      await expectRelayReady(app);
      return { app, page };
    });
    // A context left open would keep its call alive into the next test (fixtures.ts).
    await Promise.allSettled(contexts.map((context) => context.close()));
  }
});
