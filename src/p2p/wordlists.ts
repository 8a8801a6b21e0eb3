/**
 * The word lists of passphrases and safety words, one per language of the app: English (EFF's
 * large list), Dutch (Remko Tronçon's) and French (the list made for Tails and Tor), each of
 * {@link WORDLIST_SIZE} words, generated into src/p2p/wordlist/ by scripts/wordlist.ts (sources,
 * checksums and licences in each file's header and in NOTICE.md).
 *
 * Each list is its own chunk, loaded with `import()` the first time it is needed: a start page
 * in Dutch loads the Dutch list when the user generates a passphrase, the call page the list it
 * shows safety words in, and the strength estimate the others only when a typed word is not in
 * the first.
 */
import type { AbortOptions } from '@libp2p/interface';
import { AbortedError } from './errors.ts';

/** The languages that have a word list: the app's own. */
export type WordlistLanguage = 'en' | 'nl' | 'fr';

/** Every {@link WordlistLanguage}, English (the app's base language) first. */
export const WORDLIST_LANGUAGES: readonly WordlistLanguage[] = Object.freeze(['en', 'nl', 'fr']);

/**
 * Words in every list: one per outcome of five dice (6^5), so a word is worth log2(7776) ≈ 12.925
 * bits, and index i names a word in each language (the safety words rely on that).
 */
export const WORDLIST_SIZE = 6 ** 5;

/** One loaded list. */
export interface Wordlist {
  readonly language: WordlistLanguage;
  /** {@link WORDLIST_SIZE} words in the list's own (dice) order, in normalised form. */
  readonly words: readonly string[];
  /** Whether a normalised word is in the list. */
  has(word: string): boolean;
}

/** Whether `value` names a language that has a word list. */
export function isWordlistLanguage(value: unknown): value is WordlistLanguage {
  return typeof value === 'string' && (WORDLIST_LANGUAGES as readonly string[]).includes(value);
}

// One `import()` per list, written out so the bundler makes each list a chunk of its own.
const IMPORTS: Readonly<Record<WordlistLanguage, () => Promise<{ WORDLIST: readonly string[] }>>> =
  {
    en: () => import('./wordlist/en.ts'),
    nl: () => import('./wordlist/nl.ts'),
    fr: () => import('./wordlist/fr.ts')
  };

// Loaded once per language; a failed load (offline before the service worker has the chunk) is
// forgotten, so the next call tries again.
const loaded = new Map<WordlistLanguage, Promise<Wordlist>>();

/**
 * The word list of `language`, loaded on first use.
 *
 * @throws {RangeError} when `language` has no list
 * @throws {AbortedError} when `signal` aborts before the list has loaded (the load goes on, and
 *   the next call gets it)
 * @example
 * const { words } = await loadWordlist('nl')
 * words[0] // 'aai'
 */
export async function loadWordlist(
  language: WordlistLanguage,
  { signal }: AbortOptions = {}
): Promise<Wordlist> {
  if (!isWordlistLanguage(language)) {
    throw new RangeError(`language: expected one of ${WORDLIST_LANGUAGES.join(', ')}`);
  }
  throwIfAborted(signal);
  let loading = loaded.get(language);
  if (loading === undefined) {
    loading = IMPORTS[language]().then(({ WORDLIST }): Wordlist => {
      const set = new Set(WORDLIST);
      return { language, words: WORDLIST, has: (word) => set.has(word) };
    });
    loading.catch(() => loaded.delete(language));
    loaded.set(language, loading);
  }
  const list = await loading;
  throwIfAborted(signal);
  return list;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortedError('aborted', { cause: signal.reason });
}
