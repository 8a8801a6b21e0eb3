/**
 * Accessibility, checked by axe-core (WCAG 2.0–2.2 A and AA, and axe's best practices) on every
 * page in each language: the start page, the call screen with two people and the chat open,
 * Settings, Safe calling and the privacy page. Zero violations.
 */
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type Page } from '@playwright/test';
import { expect, sharedUrl, test } from './fixtures.ts';
import { expectDirectWith, ownPeerId, uniquePassphrase } from './helpers.ts';

const LOCALES = [
  { lang: 'en', locale: 'en-US' },
  { lang: 'nl', locale: 'nl-NL' },
  { lang: 'fr', locale: 'fr-BE' }
] as const;

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** axe's violations on the page as it is now, reduced to what a failure needs to say. */
async function violations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  // axe did look: dozens of rules pass on any of these pages.
  expect(results.passes.length).toBeGreaterThan(20);
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    targets: v.nodes.map((node) => node.target.join(' '))
  }));
}

async function openIn(browser: Browser, locale: string, path = ''): Promise<Page> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto(new URL(path, sharedUrl()).href);
  return page;
}

test.describe('accessibility (axe-core)', () => {
  for (const { lang, locale } of LOCALES) {
    test(`the start page, Settings, Safe calling and privacy have no violations in ${lang}`, async ({
      browser
    }) => {
      const page = await openIn(browser, locale);
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true');
      // With a passphrase typed, the tools beside it and the two messages are shown too.
      await page.locator('#passphrase').fill('maple orbit candle fjord parsley');
      await page.getByTestId('passphrase-copy-share').waitFor();
      await page.getByTestId('invite-two-messages').click();
      await expect(page.getByTestId('two-messages')).toBeVisible();
      expect(await violations(page)).toEqual([]);

      for (const path of ['settings', 'safety', 'privacy']) {
        await page.goto(new URL(path, sharedUrl()).href);
        await expect(page.locator('h1')).toBeVisible();
        if (path === 'privacy') {
          await expect(page.getByTestId('contacted-host').first()).toBeVisible();
        }
        expect({ path, violations: await violations(page) }).toEqual({ path, violations: [] });
      }
    });

    test(`the call screen with two people and the chat open has no violations in ${lang}`, async ({
      browser
    }) => {
      test.setTimeout(150_000);
      const pages = await Promise.all([openIn(browser, locale), openIn(browser, locale)]);
      for (const page of pages) {
        await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true');
      }
      const passphrase = uniquePassphrase();
      // In any language: the passphrase field and the form's submit button (Join).
      for (const page of pages) {
        await page.locator('#passphrase').fill(passphrase);
        await page.locator('form button[type="submit"]').click();
      }
      const [a, b] = pages as [Page, Page];
      const [idA, idB] = await Promise.all([ownPeerId(a), ownPeerId(b)]);
      await Promise.all([expectDirectWith(a, [idB]), expectDirectWith(b, [idA])]);
      const page = a;
      // The chat is open beside the video on a laptop-sized window.
      await expect(page.locator('#chat-message')).toBeVisible();
      await expect(page.getByTestId('safety-words')).toBeVisible({ timeout: 20_000 });
      expect(await violations(page)).toEqual([]);
    });
  }
});
