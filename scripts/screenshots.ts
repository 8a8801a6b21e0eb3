// `node scripts/isolated.ts node scripts/screenshots.ts`: the README's screenshots. The local
// stack (Samen nodes on 127.0.0.1 and the built app), Chromium with its fake camera; for each
// language and size, the start page, then a call of two with cameras on and the chat open where
// it opens by itself. PNGs in docs/screenshots/ (`--out DIR` for elsewhere).
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './chromium.ts';
import { buildIfNeeded, startLocalStack } from './local-stack.ts';

const SIZES: Record<string, BrowserContextOptions> = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2
  }
};
const LANGUAGES = { en: 'en-GB', nl: 'nl-NL' } as const;
const TIMEOUT_MS = 60_000;

const outIndex = process.argv.indexOf('--out');
const OUT = outIndex === -1 ? 'docs/screenshots' : process.argv[outIndex + 1]!;

async function open(browser: Browser, url: string, options: BrowserContextOptions): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  await page.goto(url);
  await page.locator('[data-testid="relay-status"][data-ready="true"]').waitFor();
  return page;
}

async function joinCall(page: Page, passphrase: string): Promise<void> {
  await page.locator('#passphrase').fill(passphrase);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/\/call$/);
}

async function main(): Promise<void> {
  buildIfNeeded(console.log);
  mkdirSync(OUT, { recursive: true });
  const stack = await startLocalStack({ port: 0, nodes: 3 });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS]
  });
  try {
    for (const [lang, locale] of Object.entries(LANGUAGES)) {
      for (const [size, options] of Object.entries(SIZES)) {
        const me = await open(browser, stack.url, { ...options, locale });
        // The offline note goes by itself; a screenshot should not wait for it.
        await me.addStyleTag({ content: 'aside[aria-live] .prompt { display: none !important; }' });
        const passphrase = `maple orbit candle fjord ${randomBytes(3).toString('hex')}`;
        await me.locator('#passphrase').fill(passphrase);
        await me.screenshot({ path: join(OUT, `start-${size}-${lang}.png`) });

        const other = await open(browser, stack.url, { ...SIZES.desktop, locale });
        await Promise.all([joinCall(me, passphrase), joinCall(other, passphrase)]);
        for (const page of [me, other]) {
          await page.locator('[data-testid="participant"][data-state="direct"]').waitFor();
          await page.locator('[role="toolbar"] button[aria-pressed]').nth(1).click();
        }
        await me.locator('[data-testid="remote-video"]').waitFor();
        await me.waitForFunction(() => {
          const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
          return video !== null && video.videoWidth > 0 && video.currentTime > 0.5;
        });
        await me.screenshot({ path: join(OUT, `call-${size}-${lang}.png`) });
        console.log(`${lang} ${size}: start and call`);
        await Promise.all([me.context().close(), other.context().close()]);
      }
    }
  } finally {
    await browser.close();
    await stack.stop();
  }
}

await main();
