import { expect, sharedUrl as url, test } from './fixtures.ts';
import { NETWORK_STATUS_TIMEOUT_MS } from './timeouts.ts';

test.describe('app shell', () => {
  test('loads and shows the connection to every node of the local network', async ({ page }) => {
    await page.goto(url());
    await expect(page.getByRole('heading', { level: 1, name: 'Samen' })).toBeVisible();
    const status = page.getByTestId('network-status');
    await expect(status).toHaveAttribute('role', 'status');
    await expect(status).toHaveText(`Connected to ${process.env.SAMEN_E2E_NODES} Samen nodes`, {
      timeout: NETWORK_STATUS_TIMEOUT_MS
    });
    await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true');
  });

  test('reloads offline from the service worker once it is active', async ({ page, context }) => {
    await page.goto(url());
    // The first service worker activates at once (there is no older one to wait for); it
    // serves every navigation after that, from its precache.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The site's network.json has loaded once and is remembered: offline, that network is used.
    await expect
      .poll(() => page.evaluate(() => localStorage.getItem('samen.network.last.v1')))
      .not.toBeNull();

    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Samen' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    // The app keeps working and says why there is no network, instead of failing to load.
    await expect(page.getByTestId('network-status')).toHaveAttribute(
      'data-phase',
      /unreachable|connecting/
    );
    await expect(page.getByTestId('host-network')).toHaveAttribute('data-fallback', 'remembered');
    await context.setOffline(false);
  });

  test('is usable with the keyboard alone', async ({ page }) => {
    await page.goto(url());
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('main')).toBeFocused();
    // Every link of the navigation is reachable by Tab, in order, with a visible focus ring.
    await page.keyboard.press('Shift+Tab');
    await expect(page.getByRole('link', { name: 'Privacy' })).toBeFocused();
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement!).outlineStyle
    );
    expect(outline).toBe('solid');
  });
});
