/**
 * Updates of the app while it stays open: a new version on the server is found by the hourly
 * check (src/lib/update-checks.ts) without any reload, offered by the update prompt, offered
 * again at the next start after "Later", and installed by "Reload to update".
 *
 * The app is served from a copy of build/ on a server of its own (an origin, so a service
 * worker, of its own); "a new version" is the same copy with a different sw.js, served by a new
 * server on the same port, as a host that deploys would.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { BUILD_DIR, startLocalStack, type LocalStack } from '../../scripts/local-stack.ts';
import { expect, sharedUrl, test } from './fixtures.ts';

/** Long enough for an update to install beside the running version on a busy machine. */
const UPDATE_FOUND_TIMEOUT_MS = 10_000;

/** Long enough for the browser's own check after a load to be over. */
const BROWSER_CHECK_SETTLE_MS = 5_000;

/** Whether a new version of the app is installed and waiting beside the running one. */
function waitingVersion(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return registration?.waiting != null;
  });
}

test.describe('updates', () => {
  let dir: string;
  const stacks: LocalStack[] = [];

  test.beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'samen-update-'));
  });
  test.afterEach(async () => {
    await Promise.allSettled(stacks.splice(0).map((stack) => stack.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a new version is offered while the app stays open, again at the next start after Later', async ({
    browser
  }) => {
    const networkJson = await (await fetch(new URL('network.json', sharedUrl()))).text();
    const serve = async (buildDir: string, port: number) => {
      const stack = await startLocalStack({
        port,
        nodes: 0,
        buildDir,
        networkJsonOverride: networkJson
      });
      stacks.push(stack);
      return stack;
    };
    const oldVersion = join(dir, 'old');
    const newVersion = join(dir, 'new');
    cpSync(BUILD_DIR, oldVersion, { recursive: true });
    cpSync(BUILD_DIR, newVersion, { recursive: true });
    appendFileSync(join(newVersion, 'sw.js'), '\n// a new version\n');

    const old = await serve(oldVersion, 0);
    const page = await (await browser.newContext()).newPage();
    await page.clock.install();
    await page.goto(old.url);
    // The first service worker activates at once; from the next load on it controls the page,
    // and a newer one has to wait for it.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
      .toBe(true);
    // The browser checks for a new service worker after each load, once the page's requests
    // settle (Chromium waits for a quiet second): let that check see the old version.
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(BROWSER_CHECK_SETTLE_MS);

    // The host deploys a new version, and the page stays open: nothing finds it by itself...
    const port = Number(new URL(old.url).port);
    await stacks.pop()?.stop();
    await serve(newVersion, port);
    const prompt = page.getByText('A new version of Samen is ready.');
    await page.waitForTimeout(UPDATE_FOUND_TIMEOUT_MS);
    expect(await waitingVersion(page)).toBe(false);
    await expect(prompt).toBeHidden();

    // ...until an hour has passed.
    await expect(async () => {
      await page.clock.fastForward('01:00:00');
      await expect(prompt).toBeVisible({ timeout: UPDATE_FOUND_TIMEOUT_MS });
    }).toPass({ timeout: 6 * UPDATE_FOUND_TIMEOUT_MS });

    // Later: gone for this page, asked again at the next start.
    await page.getByRole('button', { name: 'Later' }).click();
    await expect(prompt).toBeHidden();
    await page.reload();
    await expect(prompt).toBeVisible({ timeout: UPDATE_FOUND_TIMEOUT_MS });
    expect(await waitingVersion(page)).toBe(true);

    // Reload to update: the new version runs, nothing waits any more.
    const reloaded = page.waitForEvent('load');
    await page.getByRole('button', { name: 'Reload to update' }).click();
    await reloaded;
    expect(await waitingVersion(page)).toBe(false);
    await expect(page.getByRole('heading', { level: 1, name: 'Samen' })).toBeVisible();
    await expect(prompt).toBeHidden();
  });
});
