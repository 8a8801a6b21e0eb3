// The browsers a benchmark's participants run in. `BENCH_BROWSERS=chromium,firefox` deals the
// engines out to the participants in turn (the first in Chromium, the second in Firefox, the third
// in Chromium…); Chromium alone by default. Chromium is Debian's, driven by Playwright; Firefox is
// Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi (scripts/firefox.ts says why),
// and each page is seen through the engine-neutral face the e2e tests use (scripts/engines.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser as PlaywrightBrowser, type CDPSession } from '@playwright/test';
import type { Browser as PuppeteerBrowser } from 'puppeteer-core';
import { chromiumPath } from '../scripts/chromium.ts';
import { chromiumPage, firefoxPage, type Engine, type EnginePage } from '../scripts/engines.ts';
import { addLoopbackDefaultRoute, launchFirefox } from '../scripts/firefox.ts';

export type { Engine };

const ENGINES: readonly Engine[] = ['chromium', 'firefox'];

/**
 * The engines of BENCH_BROWSERS, in the order they are dealt out.
 *
 * @throws on a name that is not an engine this machine's benchmarks drive
 */
export function benchEngines(): Engine[] {
  const names = (process.env.BENCH_BROWSERS ?? 'chromium')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!ENGINES.includes(name as Engine)) {
      throw new Error(`BENCH_BROWSERS: unknown browser "${name}" (${ENGINES.join(' or ')})`);
    }
  }
  return names.length === 0 ? ['chromium'] : (names as Engine[]);
}

/** Participant i's engine when `engines` are dealt out in turn. */
export const engineOf = (engines: readonly Engine[], i: number): Engine =>
  engines[i % engines.length]!;

/** A page opened by `Browsers.open`: its engine-neutral face, its errors, its way out. */
export interface BenchPage {
  readonly app: EnginePage;
  /** Uncaught page errors and console errors, as they come. */
  readonly errors: string[];
  /** Chromium only: the page's DevTools session (heap usage, frame tree); null in Firefox. */
  readonly cdp: CDPSession | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Functions run in the page before its own scripts, on every load. */
  readonly initScripts?: readonly (() => void)[];
  readonly timeoutMs?: number;
}

export interface Browsers {
  /** The Chromium, when an engine dealt out is Chromium (for its tracing). */
  readonly chromium: PlaywrightBrowser | null;
  /** Each launched engine's version, as the browser reports it. */
  readonly versions: Partial<Record<Engine, string>>;
  /** Opens `url` in a fresh context (its own storage) of the engine's browser. */
  open(engine: Engine, url: string, options?: OpenOptions): Promise<BenchPage>;
  close(): Promise<void>;
}

/** Launches one browser of each engine in `engines`, with the fake camera and microphone. */
export async function launchBrowsers(
  engines: readonly Engine[],
  chromiumArgs: readonly string[]
): Promise<Browsers> {
  const wanted = new Set(engines);
  const chromiumBrowser = wanted.has('chromium')
    ? await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumArgs] })
    : null;
  let firefox: PuppeteerBrowser | null = null;
  let restoreRoute = () => {};
  if (wanted.has('firefox')) {
    restoreRoute = addLoopbackDefaultRoute();
    firefox = await launchFirefox();
  }
  const versions: Partial<Record<Engine, string>> = {};
  if (chromiumBrowser !== null) {
    versions.chromium = chromiumBrowser.version();
  }
  if (firefox !== null) {
    // puppeteer over WebDriver BiDi says `firefox/153.0`.
    versions.firefox = (await firefox.version()).replace(/^firefox\//, '');
  }

  const open = async (engine: Engine, url: string, options: OpenOptions = {}) => {
    const errors: string[] = [];
    if (engine === 'chromium') {
      if (chromiumBrowser === null) {
        throw new Error('Chromium was not launched for this benchmark');
      }
      const context = await chromiumBrowser.newContext();
      for (const script of options.initScripts ?? []) {
        await context.addInitScript(script);
      }
      const page = await context.newPage();
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') {
          errors.push(`console: ${message.text()}`);
        }
      });
      await page.goto(url, { timeout: options.timeoutMs });
      return {
        app: chromiumPage(page),
        errors,
        cdp: await context.newCDPSession(page),
        close: () => context.close()
      };
    }
    if (firefox === null) {
      throw new Error('Firefox was not launched for this benchmark');
    }
    const context = await firefox.createBrowserContext();
    const page = await context.newPage();
    for (const script of options.initScripts ?? []) {
      await page.evaluateOnNewDocument(script);
    }
    page.on('pageerror', (err) => errors.push(`pageerror: ${String(err)}`));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        errors.push(`console: ${message.text()}`);
      }
    });
    await page.goto(url, { timeout: options.timeoutMs });
    return { app: firefoxPage(page), errors, cdp: null, close: () => context.close() };
  };

  return {
    chromium: chromiumBrowser,
    versions,
    open,
    close: async () => {
      await Promise.allSettled([chromiumBrowser?.close(), firefox?.close()]);
      restoreRoute();
    }
  };
}

/** The browsers that ran, for a result's text: `Chromium 156`, `Chromium 156 and Firefox 153`. */
export function browsersShown(runs: readonly Partial<Record<Engine, string>>[]): string {
  const shown = new Set<string>();
  for (const versions of runs) {
    for (const [engine, version] of Object.entries(versions)) {
      shown.add(`${engine === 'chromium' ? 'Chromium' : 'Firefox'} ${version.split('.')[0]}`);
    }
  }
  return shown.size === 0 ? 'no browser' : [...shown].join(' and ');
}

/**
 * Waits until `ok` resolves true, asking every `intervalMs`.
 *
 * @throws when `timeoutMs` passes first, with what was awaited
 */
export async function waitUntil(
  what: string | (() => string),
  timeoutMs: number,
  ok: () => Promise<boolean>,
  intervalMs = 250
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await ok())) {
    if (performance.now() > deadline) {
      const described = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}`);
    }
    await sleep(intervalMs);
  }
}
