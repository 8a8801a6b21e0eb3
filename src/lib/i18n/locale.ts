/**
 * Which language the UI speaks and what the document says about it. Plain functions with no
 * imports: the build also turns `negotiateLocale` and `showLocale` into the small script that
 * sets `<html lang>` and the manifest before the app loads (scripts/locale-files.ts), so each
 * must stay self-contained (no reference to anything outside its own body).
 */

/**
 * Where the user's explicit choice is remembered: Paraglide's own localStorage key, so its
 * `localStorage` strategy (vite.config.ts) and our override of `getLocale` read the same value.
 */
export const LOCALE_STORAGE_KEY = 'PARAGLIDE_LOCALE';

/** Each language's name in itself, as the language menu lists it. */
export const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  en: 'English',
  nl: 'Nederlands',
  fr: 'Français'
};

/**
 * The UI language: the remembered choice if it is one of `locales`, else the first of the
 * browser's languages that we have (its full tag, then its language: `fr-BE` gives `fr`), else
 * the base locale. Tags compare case-insensitively (BCP 47 tags are case-insensitive).
 *
 * @example
 * negotiateLocale(null, ['nl-BE', 'en'], ['en', 'nl', 'fr'], 'en') // 'nl'
 */
export function negotiateLocale<L extends string>(
  stored: string | null | undefined,
  preferred: readonly string[],
  locales: readonly L[],
  baseLocale: L
): L {
  const wanted: string[] = typeof stored === 'string' ? [stored] : [];
  for (const tag of preferred) {
    wanted.push(tag, tag.split('-')[0]!);
  }
  for (const tag of wanted) {
    for (const locale of locales) {
      if (locale.toLowerCase() === tag.toLowerCase()) {
        return locale;
      }
    }
  }
  return baseLocale;
}

/**
 * The web manifest of a locale, beside the app: the base locale's is the one @vite-pwa/sveltekit
 * writes, each other locale has its own (name, description and `lang` in that language).
 */
export function manifestFileName(locale: string, baseLocale: string): string {
  return locale === baseLocale ? 'manifest.webmanifest' : `manifest-${locale}.webmanifest`;
}

/**
 * Puts a locale on the document: `<html lang>` and the `<link rel="manifest">` of that language
 * (a file in the same directory as the one the link names now).
 */
export function showLocale(document: Document, locale: string, manifestFile: string): void {
  document.documentElement.lang = locale;
  const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
  if (link !== null) {
    const href = new URL(manifestFile, link.href).href;
    if (link.href !== href) {
      link.href = href;
    }
  }
}
