/**
 * The app in the browser's language (Dutch, French, English): every page, `<html lang>` and the
 * web manifest, already before the app's JavaScript runs; and a language chosen in Settings,
 * applied at once and remembered.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';

const url = () => process.env.SAMEN_E2E_URL ?? '';
const nodes = () => Number(process.env.SAMEN_E2E_NODES);

function catalogue(lang: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../../messages/${lang}.json`, import.meta.url), 'utf8')
  ) as Record<string, unknown>;
}

const LANGUAGES = [
  {
    browserLocale: 'nl-NL',
    lang: 'nl',
    manifest: 'manifest-nl.webmanifest',
    generate: 'Wachtwoordzin maken',
    join: 'Deelnemen aan gesprek',
    connected: (n: number) => `Verbonden met ${n} Samen-node${n === 1 ? '' : 's'}`,
    navigation: 'Hoofdmenu',
    settings: 'Instellingen',
    languageLabel: 'Taal (Language)',
    about: 'Privacyverklaring',
    aboutLink: 'Privacy'
  },
  {
    browserLocale: 'fr-BE',
    lang: 'fr',
    manifest: 'manifest-fr.webmanifest',
    generate: 'Générer une phrase secrète',
    join: 'Rejoindre l’appel',
    connected: (n: number) => `Connecté à ${n} nœud${n === 1 ? '' : 's'} Samen`,
    navigation: 'Menu principal',
    settings: 'Paramètres',
    languageLabel: 'Langue (Language)',
    about: 'Politique de confidentialité',
    aboutLink: 'Confidentialité'
  },
  {
    browserLocale: 'en-US',
    lang: 'en',
    manifest: 'manifest.webmanifest',
    generate: 'Generate passphrase',
    join: 'Join call',
    connected: (n: number) => `Connected to ${n} Samen node${n === 1 ? '' : 's'}`,
    navigation: 'Main',
    settings: 'Settings',
    languageLabel: 'Language',
    about: 'Privacy policy',
    aboutLink: 'Privacy'
  }
] as const;

const contexts: BrowserContext[] = [];

async function openIn(browser: Browser, locale: string): Promise<Page> {
  const context = await browser.newContext({ locale });
  contexts.push(context);
  return context.newPage();
}

/** The manifest link's target, and the manifest Chromium itself read from the page. */
async function manifests(page: Page) {
  const href = await page
    .locator('link[rel="manifest"]')
    .evaluate((link) => (link as HTMLLinkElement).href);
  const cdp = await page.context().newCDPSession(page);
  const browserView = (await cdp.send('Page.getAppManifest')) as { url: string; data: string };
  await cdp.detach();
  return { href, browserView };
}

test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

test.describe('languages', () => {
  for (const language of LANGUAGES) {
    test(`a ${language.browserLocale} browser gets ${language.lang} on every page and in the manifest`, async ({
      browser
    }) => {
      const page = await openIn(browser, language.browserLocale);
      const messages = catalogue(language.lang);
      await page.goto(url());

      // Start page.
      await expect(page.locator('html')).toHaveAttribute('lang', language.lang);
      await expect(page).toHaveTitle('Samen');
      await expect(page.getByText(String(messages.app_tagline), { exact: true })).toBeVisible();
      await expect(page.getByRole('button', { name: language.generate })).toBeVisible();
      await expect(page.getByRole('button', { name: language.join })).toBeVisible();
      await expect(page.getByTestId('network-status')).toHaveText(language.connected(nodes()));

      // The manifest in that language, as the page links it and as Chromium reads it.
      const { href, browserView } = await manifests(page);
      expect(new URL(href).pathname).toBe(`/${language.manifest}`);
      expect(browserView.url).toBe(href);
      const manifest = JSON.parse(browserView.data) as Record<string, unknown>;
      expect(manifest).toMatchObject({
        lang: language.lang,
        name: 'Samen',
        description: messages.app_tagline
      });
      expect(await (await page.request.get(href)).json()).toEqual(manifest);

      // Settings.
      const navigation = page.getByRole('navigation', { name: language.navigation });
      await navigation.getByRole('link', { name: language.settings }).click();
      await expect(page.getByRole('heading', { level: 1, name: language.settings })).toBeVisible();
      await expect(page).toHaveTitle(`${language.settings} · Samen`);
      const select = page.getByRole('combobox', { name: language.languageLabel, exact: true });
      await expect(select).toHaveValue(language.lang);
      await expect(page.getByRole('combobox', { name: 'Language' })).toBeVisible();

      // The privacy policy (once called About).
      await navigation.getByRole('link', { name: language.aboutLink }).click();
      await expect(page.getByRole('heading', { level: 1, name: language.about })).toBeVisible();
      await expect(page).toHaveTitle(`${language.about} · Samen`);
      await expect(page.locator('html')).toHaveAttribute('lang', language.lang);
    });
  }

  test('the page has its language and manifest before the app’s JavaScript runs', async ({
    browser
  }) => {
    for (const language of LANGUAGES) {
      const page = await openIn(browser, language.browserLocale);
      // Without the app (SvelteKit's modules), only src/app.html and its locale.js are left.
      await page.route('**/_app/**', (route) => route.abort());
      await page.goto(new URL('settings', url()).href);
      await expect(page.locator('html')).toHaveAttribute('lang', language.lang);
      const href = await page
        .locator('link[rel="manifest"]')
        .evaluate((link) => (link as HTMLLinkElement).href);
      expect(new URL(href).pathname).toBe(`/${language.manifest}`);
      await expect(page.locator('h1')).toHaveCount(0);
    }
  });

  test('Language → English in Settings switches at once, keeps the form, and is remembered', async ({
    browser
  }) => {
    const page = await openIn(browser, 'nl-NL');
    await page.goto(new URL('settings', url()).href);
    await expect(page.getByRole('heading', { level: 1, name: 'Instellingen' })).toBeVisible();
    // Something typed but not saved, and a mark a reload would wipe.
    await page.getByRole('radio', { name: 'Mijn eigen nodes' }).check();
    const bootstrap = page.getByRole('textbox', { name: /^Bootstrap-adressen/ });
    await bootstrap.fill('/ip4/127.0.0.1/tcp/1/ws');
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'English' });

    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await expect(page).toHaveTitle('Settings · Samen');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('radio', { name: 'My own nodes' })).toBeChecked();
    await expect(page.getByRole('textbox', { name: /^Bootstrap addresses/ })).toHaveValue(
      '/ip4/127.0.0.1/tcp/1/ws'
    );
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)
    ).toBe(true);
    const { href, browserView } = await manifests(page);
    expect(new URL(href).pathname).toBe('/manifest.webmanifest');
    expect(JSON.parse(browserView.data)).toMatchObject({ lang: 'en' });

    // Remembered: a reload and the other pages stay English although the browser says Dutch.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('combobox', { name: 'Language', exact: true })).toHaveValue('en');
    await page.getByRole('link', { name: 'Call', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Generate passphrase' })).toBeVisible();

    // And back to Dutch from the English page.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Nederlands' });
    await expect(page.getByRole('heading', { level: 1, name: 'Instellingen' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  });
});
