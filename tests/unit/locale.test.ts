import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LOCALE_SCRIPT,
  localeScript,
  localisedManifest,
  projectLocales
} from '../../scripts/locale-files.ts';
import {
  LANGUAGE_NAMES,
  LOCALE_STORAGE_KEY,
  manifestFileName,
  negotiateLocale,
  showLocale
} from '../../src/lib/i18n/locale.ts';
import { m } from '../../src/lib/paraglide/messages.js';
import { getLocale, localStorageKey, locales } from '../../src/lib/paraglide/runtime.js';
import { Language, language } from '../../src/lib/state/language.svelte.ts';
import { MemoryStorage } from '../support/memory-storage.ts';

const LOCALES = ['en', 'nl', 'fr'] as const;

/** The parts of a document that `showLocale` touches. */
function fakeDocument(manifestHref: string | undefined) {
  const link = manifestHref === undefined ? null : { href: manifestHref };
  const document = {
    documentElement: { lang: 'en' },
    querySelector: (selector: string) => (selector === 'link[rel="manifest"]' ? link : null)
  };
  return { document, link };
}

describe('negotiateLocale', () => {
  it.each([
    { stored: null, preferred: ['nl-NL'], expected: 'nl' },
    { stored: null, preferred: ['fr-BE', 'nl-BE'], expected: 'fr' },
    { stored: null, preferred: ['de-DE', 'nl-BE', 'fr'], expected: 'nl' },
    { stored: null, preferred: ['FR-be'], expected: 'fr' },
    { stored: null, preferred: ['de-DE', 'es'], expected: 'en' },
    { stored: null, preferred: [], expected: 'en' },
    { stored: 'en', preferred: ['nl-NL'], expected: 'en' },
    { stored: 'fr', preferred: ['nl-NL'], expected: 'fr' },
    { stored: 'de', preferred: ['nl-NL'], expected: 'nl' },
    { stored: '', preferred: ['fr-FR'], expected: 'fr' },
    { stored: undefined, preferred: ['en-US', 'nl'], expected: 'en' }
  ])(
    'gives $expected for stored $stored and browser $preferred',
    ({ stored, preferred, expected }) => {
      expect(negotiateLocale(stored, preferred, LOCALES, 'en')).toBe(expected);
    }
  );
});

describe('manifestFileName', () => {
  it('keeps manifest.webmanifest for the base locale and names the others by locale', () => {
    expect(LOCALES.map((locale) => manifestFileName(locale, 'en'))).toEqual([
      'manifest.webmanifest',
      'manifest-nl.webmanifest',
      'manifest-fr.webmanifest'
    ]);
  });
});

describe('showLocale', () => {
  it('sets <html lang> and points the manifest link at the same directory', () => {
    const { document, link } = fakeDocument('https://example.org/app/manifest.webmanifest');
    showLocale(document as unknown as Document, 'fr', 'manifest-fr.webmanifest');
    expect(document.documentElement.lang).toBe('fr');
    expect(link?.href).toBe('https://example.org/app/manifest-fr.webmanifest');
  });

  it('sets <html lang> on a page without a manifest link', () => {
    const { document } = fakeDocument(undefined);
    showLocale(document as unknown as Document, 'nl', 'manifest-nl.webmanifest');
    expect(document.documentElement.lang).toBe('nl');
  });
});

describe('locale.js (the script src/app.html loads before the app)', () => {
  const script = localeScript(projectLocales());

  function run(preferred: readonly string[], storage: Storage) {
    const { document, link } = fakeDocument('http://127.0.0.1:4173/manifest.webmanifest');
    runInNewContext(script, {
      document,
      localStorage: storage,
      navigator: { languages: preferred },
      URL
    });
    return { lang: document.documentElement.lang, manifest: link?.href };
  }

  it('is named as src/app.html loads it', () => {
    const html = readFileSync(new URL('../../src/app.html', import.meta.url), 'utf8');
    expect(html).toContain(`<script src="%sveltekit.assets%/${LOCALE_SCRIPT}"></script>`);
    expect(html).toContain(
      '<link rel="manifest" href="%sveltekit.assets%/manifest.webmanifest" />'
    );
  });

  it.each([
    { stored: null, preferred: ['nl-NL'] },
    { stored: null, preferred: ['fr-BE', 'en'] },
    { stored: null, preferred: ['de-DE'] },
    { stored: 'en', preferred: ['nl-NL'] },
    { stored: 'fr', preferred: ['en-US'] },
    { stored: 'xx', preferred: ['nl-BE'] }
  ])(
    'picks what the app picks for stored $stored and browser $preferred',
    ({ stored, preferred }) => {
      const storage = new MemoryStorage();
      if (stored !== null) storage.setItem(LOCALE_STORAGE_KEY, stored);
      const expected = negotiateLocale(stored, preferred, locales, 'en');
      expect(run(preferred, storage)).toEqual({
        lang: expected,
        manifest: `http://127.0.0.1:4173/${manifestFileName(expected, 'en')}`
      });
      expect(new Language(storage, preferred).locale).toBe(expected);
    }
  );

  it('follows the browser when storage throws', () => {
    expect(run(['fr-FR'], new MemoryStorage(true)).lang).toBe('fr');
  });
});

describe('localisedManifest', () => {
  it.each(LOCALES)('gives %s its own name, description and lang', (locale) => {
    const messages = JSON.parse(
      readFileSync(new URL(`../../messages/${locale}.json`, import.meta.url), 'utf8')
    ) as Record<string, string>;
    const manifest = localisedManifest({ start_url: '.', display: 'standalone' }, locale);
    expect(manifest).toEqual({
      start_url: '.',
      display: 'standalone',
      name: messages.app_name,
      short_name: messages.app_name,
      description: messages.app_tagline,
      lang: locale,
      dir: 'ltr'
    });
  });

  it('reads English, Dutch and French from the project settings, English first', () => {
    expect(projectLocales()).toEqual({ baseLocale: 'en', locales: ['en', 'nl', 'fr'] });
  });
});

describe('Language', () => {
  afterEach(() => {
    language.choose('en');
  });

  it('remembers under the key of Paraglide’s localStorage strategy', () => {
    expect(LOCALE_STORAGE_KEY).toBe(localStorageKey);
  });

  it('names every locale in its own language', () => {
    expect(locales.map((locale) => LANGUAGE_NAMES[locale])).toEqual([
      'English',
      'Nederlands',
      'Français'
    ]);
  });

  it('follows the browser and stores nothing until the user chooses', () => {
    const storage = new MemoryStorage();
    expect(new Language(storage, ['fr-BE']).locale).toBe('fr');
    expect(storage.length).toBe(0);
  });

  it('switches at once and is remembered by the next page load', () => {
    const storage = new MemoryStorage();
    const first = new Language(storage, ['nl-NL']);
    first.choose('en');
    expect(first.locale).toBe('en');
    expect(storage.getItem(LOCALE_STORAGE_KEY)).toBe('en');
    expect(new Language(storage, ['nl-NL']).locale).toBe('en');
  });

  it('refuses a locale the app does not have, and keeps the current one', () => {
    const storage = new MemoryStorage();
    const chosen = new Language(storage, ['nl']);
    expect(() => chosen.choose('de')).toThrow(RangeError);
    expect(chosen.locale).toBe('nl');
    expect(storage.length).toBe(0);
  });

  it('still switches when storage refuses to keep the choice', () => {
    const chosen = new Language(new MemoryStorage(true), ['nl']);
    chosen.choose('fr');
    expect(chosen.locale).toBe('fr');
  });

  it('is what every message asks for its language', () => {
    language.choose('nl');
    expect(getLocale()).toBe('nl');
    expect(m.nav_settings()).toBe('Instellingen');
    language.choose('fr');
    expect(m.network_connected({ count: 3 })).toBe('Connecté à 3 nœuds Samen');
    language.choose('en');
    expect(m.nav_settings()).toBe('Settings');
  });
});
