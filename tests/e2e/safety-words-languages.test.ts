/**
 * Safety words across languages: a Dutch and a French browser in one call see the same four
 * numbers, each with the word of that number in its own language, so the two people can compare
 * the numbers aloud. And each page generates passphrases from its own language's word list.
 */
import { readFileSync } from 'node:fs';
import { type Browser, type Page } from '@playwright/test';
import { expect, sharedUrl, test } from './fixtures.ts';
import { WORDLIST as EN } from '../../src/p2p/wordlist/en.ts';
import { WORDLIST as FR } from '../../src/p2p/wordlist/fr.ts';
import { WORDLIST as NL } from '../../src/p2p/wordlist/nl.ts';
import { expectDirectWith, expectNoAlerts, ownPeerId, uniquePassphrase } from './helpers.ts';

/** Safety words come once media is negotiated and both fingerprints are verified. */
const SAFETY_WORDS_TIMEOUT_MS = 20_000;

const BROWSERS = [
  { locale: 'nl-NL', lang: 'nl', words: NL },
  { locale: 'fr-FR', lang: 'fr', words: FR }
] as const;

function messages(lang: string): Record<string, string> {
  return JSON.parse(
    readFileSync(new URL(`../../messages/${lang}.json`, import.meta.url), 'utf8')
  ) as Record<string, string>;
}

/** A fresh context with the browser's language set, on the start page, its node warmed. */
async function openIn(browser: Browser, locale: string): Promise<Page> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto(sharedUrl());
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true');
  return page;
}

/** Types the passphrase and presses Join, by the page's own labels. */
async function join(page: Page, lang: string, passphrase: string): Promise<void> {
  const text = messages(lang);
  await page.getByRole('textbox', { name: text.passphrase_label, exact: true }).fill(passphrase);
  await page.getByRole('button', { name: text.join_call }).click();
  await expect(page).toHaveURL(/\/call$/);
}

test.describe('safety words across languages', () => {
  test('a Dutch and a French page show the same numbers, each with its own words', async ({
    browser
  }) => {
    const pages = await Promise.all(BROWSERS.map(({ locale }) => openIn(browser, locale)));
    for (const [i, { lang }] of BROWSERS.entries()) {
      await expect(pages[i]!.locator('html')).toHaveAttribute('lang', lang);
    }

    // The Dutch page's passphrase, typed on the French page with accents and a curly
    // apostrophe: the same room once normalised.
    const passphrase = `${uniquePassphrase()} l'ete`;
    await join(pages[0]!, 'nl', passphrase);
    await join(pages[1]!, 'fr', passphrase.replace("l'ete", 'L’Été'));
    const ids = await Promise.all(pages.map(ownPeerId));
    await expectDirectWith(pages[0]!, [ids[1]!]);
    await expectDirectWith(pages[1]!, [ids[0]!]);

    const shown = await Promise.all(
      pages.map(async (page) => {
        const element = page.getByTestId('participant').getByTestId('safety-words');
        await expect(element).toHaveAttribute('data-indices', /^\d{4} \d{4} \d{4} \d{4}$/, {
          timeout: SAFETY_WORDS_TIMEOUT_MS
        });
        return { element, numbers: (await element.getAttribute('data-indices'))!.split(' ') };
      })
    );
    const numbers = shown[0]!.numbers;
    expect(shown[1]!.numbers).toEqual(numbers);

    for (const [i, { lang, words }] of BROWSERS.entries()) {
      const { element } = shown[i]!;
      const expected = numbers.map((number) => `${number} ${words[Number(number)]}`);
      await expect(element.getByRole('listitem')).toHaveText(expected, {
        timeout: SAFETY_WORDS_TIMEOUT_MS
      });
      await expect(element.locator(`[lang="${lang}"]`)).toHaveCount(4);
      await expect(element).toHaveAccessibleName(messages(lang).safety_words_heading!);
    }
    // The two lists name the same numbers with words of their own language.
    const dutch = numbers.map((number) => NL[Number(number)]);
    const french = numbers.map((number) => FR[Number(number)]);
    expect(dutch).not.toEqual(french);

    await Promise.all(pages.map(expectNoAlerts));
  });

  for (const { locale, lang, words } of [
    ...BROWSERS,
    { locale: 'en-GB', lang: 'en', words: EN }
  ] as const) {
    test(`a ${locale} page generates five words of the ${lang} list, worth 65 bits`, async ({
      browser
    }) => {
      const page = await openIn(browser, locale);
      const text = messages(lang);
      await page.getByRole('button', { name: text.generate_passphrase }).click();
      const field = page.getByRole('textbox', { name: text.passphrase_label, exact: true });
      await expect(field).toHaveValue(/^\S+ \S+ \S+ \S+ \S+$/);
      const generated = (await field.inputValue()).split(' ');
      expect(generated.filter((word) => !words.includes(word))).toEqual([]);
      await expect(page.getByTestId('strength')).toHaveAttribute('data-bits', '65');
      await expect(page.getByTestId('weak-warning')).toHaveCount(0);
    });
  }
});
