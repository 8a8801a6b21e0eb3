import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The message catalogues (messages/{locale}.json, inlang message format): every language has
 * every message, with the same variables, and reads as its own language.
 */

const ROOT = new URL('../../', import.meta.url);

interface Variant {
  readonly declarations: readonly string[];
  readonly selectors: readonly string[];
  readonly match: Readonly<Record<string, string>>;
}
type Message = string | readonly Variant[];
type Catalogue = Readonly<Record<string, Message>>;

const settings = JSON.parse(
  readFileSync(new URL('project.inlang/settings.json', ROOT), 'utf8')
) as {
  baseLocale: string;
  locales: string[];
};

function catalogue(locale: string): Catalogue {
  const text = readFileSync(new URL(`messages/${locale}.json`, ROOT), 'utf8');
  const { $schema: _schema, ...messages } = JSON.parse(text) as Record<string, Message>;
  return messages;
}

const base = catalogue(settings.baseLocale);
const others = settings.locales.filter((locale) => locale !== settings.baseLocale);

/** The `{name}` placeholders of a pattern (`\{` is a literal brace). */
function placeholders(pattern: string): string[] {
  return [...pattern.matchAll(/(?<!\\)\{\s*([^{}\s]+)\s*\}/g)].map((match) => match[1]!);
}

/** Every pattern of a message: the text itself, or each variant's. */
function patterns(message: Message): string[] {
  return typeof message === 'string'
    ? [message]
    : message.flatMap((variant) => Object.values(variant.match));
}

/** What a caller must pass: the placeholders of a simple message, the inputs of a complex one. */
function inputs(message: Message): string[] {
  if (typeof message === 'string') {
    return [...new Set(placeholders(message))].sort();
  }
  const declared = message.flatMap((variant) =>
    variant.declarations.flatMap((declaration) => {
      const input = /^input\s+(\S+)$/.exec(declaration);
      return input ? [input[1]!] : [];
    })
  );
  return [...new Set(declared)].sort();
}

/** The names a complex message's variants may use: its inputs and locals. */
function declaredNames(variants: readonly Variant[]): Set<string> {
  return new Set(
    variants.flatMap((variant) =>
      variant.declarations.map((declaration) => declaration.split(/[\s=]+/)[1]!)
    )
  );
}

/** Messages meant to read the same in a language as in English (names, units, symbols). */
const SAME_AS_ENGLISH: Readonly<Record<string, readonly string[]>> = {
  nl: [
    'app_name',
    'update_dismiss',
    'offline_ready_dismiss',
    'about_peer_never',
    'about_relay_party',
    'media_camera',
    'chat_heading',
    'connection_ms',
    'connection_kbps',
    'connection_mbps',
    'connection_unknown',
    'nav_privacy',
    'privacy_host',
    'privacy_operator_contact'
  ],
  fr: [
    'app_name',
    'offline_ready_dismiss',
    'about_peer_never',
    'participants_heading',
    'participant_name',
    'chat_message',
    'connection_route_direct',
    'connection_ms',
    'connection_kbps',
    'connection_mbps',
    'connection_unknown',
    'privacy_operator_contact'
  ]
};

/**
 * The register chosen for each language: informal "je" in Dutch, "vous" in French. Words are
 * delimited by letters of any script (`\b` would split "êtes" before "tes").
 */
const OTHER_REGISTER: Readonly<Record<string, RegExp>> = {
  nl: /(?<!\p{L})(?:u|uw)(?!\p{L})/iu,
  fr: /(?<!\p{L})(?:tu|toi|ton|ta|tes)(?!\p{L})/iu
};

describe('message catalogues', () => {
  it('exist for every locale of the project and for no other', () => {
    const files = readdirSync(new URL('messages/', ROOT))
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.replace(/\.json$/, ''))
      .sort();
    expect(files).toEqual([...settings.locales].sort());
    expect(settings.locales).toContain('nl');
    expect(settings.locales).toContain('fr');
  });

  it.each(others)('%s has exactly the messages of English', (locale) => {
    const messages = catalogue(locale);
    const missing = Object.keys(base).filter((key) => !Object.hasOwn(messages, key));
    const extra = Object.keys(messages).filter((key) => !Object.hasOwn(base, key));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it.each(others)('%s uses the same variables as English in every message', (locale) => {
    const messages = catalogue(locale);
    const different = Object.keys(base).flatMap((key) => {
      const message = messages[key];
      if (message === undefined) {
        return [];
      }
      const expected = inputs(base[key]!);
      const actual = inputs(message);
      const used = [...new Set(patterns(message).flatMap(placeholders))].sort();
      const sameKind = typeof message === typeof base[key];
      return sameKind &&
        expected.join() === actual.join() &&
        (typeof message === 'string' || used.every((name) => declaredNames(message).has(name)))
        ? []
        : [{ key, expected, actual, used }];
    });
    expect(different).toEqual([]);
  });

  it.each(settings.locales)('%s has a variant for every plural category', (locale) => {
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    const uncovered = Object.entries(catalogue(locale)).flatMap(([key, message]) => {
      if (typeof message === 'string') {
        return [];
      }
      return message.flatMap((variant) => {
        const plurals = variant.declarations.flatMap((declaration) => {
          const local = /^local\s+(\S+)\s*=\s*\S+:\s*plural\b/.exec(declaration);
          return local ? [local[1]!] : [];
        });
        return plurals.flatMap((selector) => {
          const values = Object.keys(variant.match).map((keys) =>
            new Map(keys.split(/\s*,\s*/).map((pair) => pair.split('=') as [string, string])).get(
              selector
            )
          );
          if (values.includes('*')) {
            return [];
          }
          const missing = categories.filter((category) => !values.includes(category));
          return missing.length === 0 ? [] : [{ key, selector, missing }];
        });
      });
    });
    expect(uncovered).toEqual([]);
  });

  it.each(settings.locales)('%s has no empty message', (locale) => {
    const empty = Object.entries(catalogue(locale)).flatMap(([key, message]) =>
      patterns(message).some((pattern) => pattern.trim() === '') ? [key] : []
    );
    expect(empty).toEqual([]);
  });

  it.each(others)('%s translates every message except names, units and symbols', (locale) => {
    const messages = catalogue(locale);
    const same = Object.keys(base)
      .filter((key) => JSON.stringify(messages[key]) === JSON.stringify(base[key]))
      .sort();
    expect(same).toEqual([...(SAME_AS_ENGLISH[locale] ?? [])].sort());
  });

  it.each(others)('%s keeps to one form of address', (locale) => {
    const register = OTHER_REGISTER[locale];
    expect(register, `no register check for ${locale}`).toBeDefined();
    const wrong = Object.entries(catalogue(locale)).flatMap(([key, message]) =>
      patterns(message).some((pattern) => register!.test(pattern)) ? [key] : []
    );
    expect(wrong).toEqual([]);
  });

  it('fr puts a no-break space before : ; ! ? % » and after «', () => {
    const wrong = Object.entries(catalogue('fr')).flatMap(([key, message]) =>
      patterns(message).some((pattern) => /[ \t][:;!?%»]|«[ \t]/.test(pattern)) ? [key] : []
    );
    expect(wrong).toEqual([]);
  });
});
