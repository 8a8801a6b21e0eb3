/**
 * The UI language: the one chosen in Settings (remembered in localStorage), else the first of
 * the browser's languages that Samen speaks, else English. Only an explicit choice is stored, so
 * a user who never chose keeps following the browser.
 *
 * Every message asks Paraglide's `getLocale()` for its language; this module answers it from
 * reactive state, so choosing a language re-renders every text where it stands: no reload,
 * nothing typed or running (a call, a form) is lost.
 */
import { browser } from '$app/environment';
import { LOCALE_STORAGE_KEY, negotiateLocale } from '$lib/i18n/locale.ts';
import {
  baseLocale,
  isLocale,
  locales,
  overwriteGetLocale,
  overwriteSetLocale,
  type Locale
} from '$lib/paraglide/runtime.js';

export class Language {
  #locale = $state<Locale>(baseLocale);
  readonly #storage: Storage | undefined;

  /**
   * @param storage where the choice is remembered (localStorage in the browser)
   * @param preferred the browser's languages, most preferred first (`navigator.languages`)
   */
  constructor(storage: Storage | undefined, preferred: readonly string[]) {
    this.#storage = storage;
    this.#locale = negotiateLocale(this.#stored(), preferred, locales, baseLocale);
  }

  get locale(): Locale {
    return this.#locale;
  }

  /**
   * Switches the UI to `locale` at once and remembers it.
   *
   * @throws {RangeError} when `locale` is not one of the app's locales.
   */
  choose(locale: string): void {
    if (!isLocale(locale)) {
      throw new RangeError(`locale: expected one of ${locales.join(', ')}, got ${locale}`);
    }
    this.#locale = locale;
    try {
      this.#storage?.setItem(LOCALE_STORAGE_KEY, locale);
    } catch {
      // Storage refused (private browsing, quota): the choice still holds until the page closes.
    }
  }

  #stored(): string | null {
    try {
      return this.#storage?.getItem(LOCALE_STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
  }
}

export const language = new Language(
  browser ? localStorage : undefined,
  browser ? navigator.languages : []
);

// From here on Paraglide asks us. This module is imported by the root layout, before anything
// renders a message.
overwriteGetLocale(() => language.locale);
overwriteSetLocale((locale) => language.choose(locale));
