/**
 * The Safe calling page and the privacy policy, in Dutch, French and English: the guides'
 * advice; the operator from network.json, or the sentence that nobody runs a server; every host
 * the live profile makes the app contact; erasing what Samen keeps on the device.
 */
import { readFileSync } from 'node:fs';
import { type Browser, type Page } from '@playwright/test';
import { expect, sharedUrl, test } from './fixtures.ts';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack.ts';

function catalogue(lang: string): Record<string, string> {
  return JSON.parse(
    readFileSync(new URL(`../../messages/${lang}.json`, import.meta.url), 'utf8')
  ) as Record<string, string>;
}

const LANGUAGES = [
  { lang: 'nl', locale: 'nl-NL', navigation: 'Hoofdmenu' },
  { lang: 'fr', locale: 'fr-BE', navigation: 'Menu principal' },
  { lang: 'en', locale: 'en-US', navigation: 'Main' }
] as const;

const ADVICE = [
  'place',
  'invite',
  'fresh',
  'pin',
  'words_advice',
  'record',
  'webcam',
  'update',
  'unsaid'
];

async function openIn(browser: Browser, locale: string, url: string): Promise<Page> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

test.describe('Safe calling and privacy pages', () => {
  for (const { lang, locale, navigation } of LANGUAGES) {
    test(`are in ${lang}, linked from the navigation, and say what the guides say`, async ({
      browser
    }) => {
      const text = catalogue(lang);
      const page = await openIn(browser, locale, sharedUrl());
      const nav = page.getByRole('navigation', { name: navigation });
      // Linked from the start page itself, too.
      await expect(page.getByRole('link', { name: text.start_safety_link })).toHaveAttribute(
        'href',
        '/safety'
      );

      await nav.getByRole('link', { name: text.nav_safety }).click();
      await expect(
        page.getByRole('heading', { level: 1, name: text.safety_heading })
      ).toBeVisible();
      await expect(page).toHaveTitle(`${text.safety_heading} · Samen`);
      for (const id of ADVICE) {
        await expect(
          page.getByRole('heading', { name: text[`safety_${id}_heading`] })
        ).toBeVisible();
        await expect(page.getByText(text[`safety_${id}_text`]!)).toBeVisible();
      }

      await nav.getByRole('link', { name: text.nav_privacy, exact: true }).click();
      await expect(
        page.getByRole('heading', { level: 1, name: text.privacy_heading })
      ).toBeVisible();
      await expect(page).toHaveTitle(`${text.privacy_heading} · Samen`);
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      for (const key of [
        'privacy_no_account',
        'privacy_no_ads',
        'privacy_no_sale',
        'privacy_operator_none',
        'privacy_device_network'
      ]) {
        await expect(page.getByText(text[key]!)).toBeVisible();
      }
      // The local stack: the app and its nodes on 127.0.0.1, no STUN or TURN server.
      const hosts = page.getByTestId('contacted-host');
      await expect(hosts).toHaveCount(2);
      expect(
        await hosts.evaluateAll((rows) => rows.map((r) => [r.dataset.host, r.dataset.role]))
      ).toEqual([
        ['127.0.0.1', 'app'],
        ['127.0.0.1', 'bootstrap']
      ]);
      await expect(page.getByText(text.about_stranger_party!)).toBeVisible();

      // The old address still shows it.
      await page.goto(new URL('about', sharedUrl()).href);
      await expect(
        page.getByRole('heading', { level: 1, name: text.privacy_heading })
      ).toBeVisible();
    });
  }

  test('the privacy page names the operator of network.json', async ({ browser }) => {
    const base = JSON.parse(
      await (await fetch(new URL('network.json', sharedUrl()))).text()
    ) as Record<string, unknown>;
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({
        port: 0,
        nodes: 0,
        networkJsonOverride: JSON.stringify({
          ...base,
          iceServers: [
            { urls: ['stun:stun.example.org:3478', 'turn:turn.example.org?transport=tcp'] }
          ],
          operator: {
            name: 'Stichting Voorbeeld',
            contact: 'privacy@voorbeeld.example',
            country: 'NL'
          }
        })
      });
      const page = await openIn(browser, 'en-US', new URL('privacy', stack.url).href);
      const operator = page.getByTestId('operator');
      await expect(operator).toContainText('Stichting Voorbeeld');
      await expect(operator).toContainText('privacy@voorbeeld.example');
      await expect(operator).toContainText('NL');
      const hosts = page.getByTestId('contacted-host');
      await expect(hosts).toHaveCount(4);
      expect(
        await hosts.evaluateAll((rows) => rows.map((r) => [r.dataset.host, r.dataset.role]))
      ).toEqual([
        ['127.0.0.1', 'app'],
        ['127.0.0.1', 'bootstrap'],
        ['stun.example.org', 'stun'],
        ['turn.example.org', 'turn']
      ]);
    } finally {
      await stack?.stop();
    }
  });

  test('erases what Samen keeps on the device after a confirmation', async ({ browser }) => {
    const page = await openIn(browser, 'en-US', new URL('settings', sharedUrl()).href);
    await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'English' });
    await page.getByRole('button', { name: 'Save' }).click();
    // The site's network.json, remembered once it loaded (src/p2p/host-network.ts).
    await expect
      .poll(() => page.evaluate(() => localStorage.getItem('samen.network.last.v1')))
      .not.toBeNull();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Privacy' })
      .click();
    const stored = page.getByTestId('stored-keys');
    // Settings, the language and the remembered network.
    await expect(stored).toHaveAttribute('data-count', '3');
    // The app's files are cached for offline use by now.
    expect(
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        return (await caches.keys()).filter((name) => name.startsWith('workbox-')).length;
      })
    ).toBe(1);

    await page.getByRole('button', { name: 'Erase Samen’s data from this device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase everything Samen stored here?' });
    await expect(dialog).toBeVisible();
    // Closing the dialog erases nothing.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(stored).toHaveAttribute('data-count', '3');

    await page.getByRole('button', { name: 'Erase Samen’s data from this device' }).click();
    await dialog.getByRole('button', { name: 'Erase', exact: true }).click();
    await expect(page.getByTestId('erase-status')).toHaveText('Erased. Close this tab to finish.');
    await expect(stored).toHaveAttribute('data-count', '0');
    expect(
      await page.evaluate(async () => ({
        keys: Object.keys(localStorage).filter(
          (k) => k.startsWith('samen.') || k === 'PARAGLIDE_LOCALE'
        ),
        caches: (await caches.keys()).filter((name) => name.startsWith('workbox-')),
        workers: (await navigator.serviceWorker.getRegistrations()).length
      }))
    ).toEqual({ keys: [], caches: [], workers: 0 });
  });
});
