/**
 * Passphrases: one canonical form for what people type, random generation from EFF's large
 * wordlist, and a strength estimate for the start page.
 *
 * The wordlist and the strength estimator are loaded with `import()` on first use, so neither is
 * in the start page's first JavaScript.
 */
import type { AbortOptions } from '@libp2p/interface';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { AbortedError, EmptyPassphraseError, PassphraseTooLongError } from './errors.ts';

/**
 * Longest passphrase accepted, in Unicode code points after normalisation. Far above anything a
 * person types or remembers (a 20-word diceware phrase is under 200), yet it keeps a pasted
 * document out of argon2id and the strength estimator. argon2id itself takes up to 2^32 - 1
 * bytes (RFC 9106 §3.1), so this is a sanity bound, not a cryptographic one.
 */
export const MAX_PASSPHRASE_LENGTH = 1024;

/**
 * Longest call PIN accepted, in code points after normalisation. A PIN is read out over another
 * channel, so it is short by nature; 64 leaves room for a few words.
 */
export const MAX_PIN_LENGTH = 64;

/** Entries in EFF's large wordlist: one per outcome of five dice (6^5). */
export const EFF_LARGE_WORDLIST_SIZE = 7776;

/** Entropy of one word drawn uniformly from EFF's large wordlist: log2(7776) ≈ 12.925 bits. */
export const BITS_PER_WORD = Math.log2(EFF_LARGE_WORDLIST_SIZE);

/** Words in a generated passphrase unless the caller asks otherwise: about 64.6 bits. */
export const DEFAULT_GENERATED_WORDS = 5;

/** Most words `generatePassphrase` draws: 64 words is about 827 bits, far past any need. */
export const MAX_GENERATED_WORDS = 64;

/**
 * Below this many bits the start page warns. Anyone watching the DHT sees the rendezvous CID and
 * can test guesses offline, with no rate limit, at argon2id's cost: memory-bound at 64 MiB, a GPU
 * manages some thousands of guesses a second, so 2^50 guesses is thousands of GPU-years while
 * 2^40 is about ten, within reach of a rented cluster in a week.
 */
export const WEAK_PASSPHRASE_BITS = 50;

/**
 * UTF-16 code units the strength estimator looks at: zxcvbn's own default. Its matching is
 * super-linear in the length, and more text only adds guesses, so estimating a longer phrase by
 * its first 256 units errs low, never high.
 */
const ZXCVBN_MAX_LENGTH = 256;

/**
 * The Uint32 draws at or above this are rejected: it is the largest multiple of 7776 that fits in
 * 2^32 (2^32 mod 7776 = 2560), so `draw % 7776` is exactly uniform on the draws kept.
 */
const UINT32_ACCEPT_LIMIT = 2 ** 32 - (2 ** 32 % EFF_LARGE_WORDLIST_SIZE);

/** Runs of whitespace: the Unicode White_Space property (JS `\s` misses U+0085 NEL). */
const WHITESPACE_RUN = /\p{White_Space}+/gu;

/**
 * Brings a passphrase to the one form everyone derives the room from: Unicode NFKC (fullwidth
 * letters, ligatures and compatibility spaces become their plain forms), lowercase, every run of
 * whitespace (tab, newline, NBSP, ideographic space…) one ASCII space, and no space at either
 * end.
 *
 * The order follows Unicode's compatibility caseless match (Unicode 15 §3.13, D146:
 * NFKC(casefold(NFKC(x)))), with `toLowerCase` standing in for case folding, which JavaScript
 * lacks. `toLowerCase` is locale-independent, so the Turkish dotted İ becomes "i̇" on every
 * device, whatever its language; `toLocaleLowerCase` would make the room depend on the locale.
 *
 * @throws {TypeError} when `passphrase` is not a string
 * @throws {EmptyPassphraseError} when nothing but whitespace is left
 * @throws {PassphraseTooLongError} over {@link MAX_PASSPHRASE_LENGTH} code points
 * @example
 * normalisePassphrase('  Ｃorrect\u00a0HORSE\tbattery  ') // 'correct horse battery'
 */
export function normalisePassphrase(passphrase: string): string {
  const normalised = normalise(passphrase, 'passphrase', MAX_PASSPHRASE_LENGTH);
  if (normalised === '') throw new EmptyPassphraseError('the passphrase is empty');
  return normalised;
}

/**
 * Brings a call PIN to its canonical form, exactly as {@link normalisePassphrase} does. An empty
 * result is allowed and means "no PIN".
 *
 * @throws {TypeError} when `pin` is not a string
 * @throws {PassphraseTooLongError} over {@link MAX_PIN_LENGTH} code points
 * @example
 * normalisePin(' ４３２１ ') // '4321'
 * normalisePin('') // '' (no PIN)
 */
export function normalisePin(pin: string): string {
  return normalise(pin, 'PIN', MAX_PIN_LENGTH);
}

function normalise(text: string, label: string, maxLength: number): string {
  if (typeof text !== 'string') throw new TypeError(`${label}: expected a string`);
  const folded = text.normalize('NFKC').toLowerCase().normalize('NFKC');
  const normalised = folded.replace(WHITESPACE_RUN, ' ').trim();
  const length = codePointLength(normalised);
  if (length > maxLength) {
    throw new PassphraseTooLongError(`${label}: ${length} characters, the limit is ${maxLength}`);
  }
  return normalised;
}

function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** What {@link generatePassphrase} accepts. */
export interface GeneratePassphraseOptions extends AbortOptions {
  /** How many words to draw, 1 to {@link MAX_GENERATED_WORDS}; default 5. */
  words?: number;
}

/** A passphrase drawn at random, and its exact entropy. */
export interface GeneratedPassphrase {
  /** Words joined by single spaces; already in normalised form. */
  passphrase: string;
  /** words × log2(7776): exact, since every word was drawn uniformly and independently. */
  bits: number;
}

/**
 * Draws `words` words uniformly and independently from EFF's large wordlist with
 * `crypto.getRandomValues`, rejecting the draws that would make `% 7776` biased. Words may repeat:
 * drawing with replacement is what makes the entropy exactly words × log2(7776).
 *
 * Async because the wordlist (25 kB gzipped) is loaded on first use.
 *
 * @throws {RangeError} when `words` is not an integer from 1 to {@link MAX_GENERATED_WORDS}
 * @throws {AbortedError} when `signal` aborts before the wordlist has loaded
 * @example
 * const { passphrase, bits } = await generatePassphrase()
 * // passphrase: e.g. 'unwashed gravel prune sleet stoppable'; bits: 64.62
 */
export async function generatePassphrase({
  words = DEFAULT_GENERATED_WORDS,
  signal
}: GeneratePassphraseOptions = {}): Promise<GeneratedPassphrase> {
  if (!Number.isInteger(words) || words < 1 || words > MAX_GENERATED_WORDS) {
    throw new RangeError(
      `words: expected an integer from 1 to ${MAX_GENERATED_WORDS}, got ${words}`
    );
  }
  throwIfAborted(signal);
  const wordlist = await loadWordlist();
  throwIfAborted(signal);

  const drawn: string[] = [];
  while (drawn.length < words) {
    const draws = crypto.getRandomValues(new Uint32Array(words - drawn.length));
    for (const draw of draws) {
      if (draw >= UINT32_ACCEPT_LIMIT) continue; // would favour the first 2560 words
      drawn.push(wordlist[draw % EFF_LARGE_WORDLIST_SIZE] as string);
    }
  }
  return { passphrase: drawn.join(' '), bits: words * BITS_PER_WORD };
}

/** What {@link estimateStrength} accepts. */
export interface EstimateStrengthOptions extends AbortOptions {
  /**
   * The text is a phrase {@link generatePassphrase} made and the user has not edited: its entropy
   * is then known exactly rather than estimated. Ignored when a word is not in the list.
   */
  generated?: boolean;
}

/** How hard a passphrase is to guess. */
export interface PassphraseStrength {
  /** log2 of the number of guesses an attacker needs. */
  bits: number;
  /** `bits` < {@link WEAK_PASSPHRASE_BITS}: the start page warns. */
  weak: boolean;
  /** 'generated': exact entropy of a random draw; 'estimate': zxcvbn's model of human choices. */
  source: 'generated' | 'estimate';
}

/**
 * How many bits of guessing a passphrase is worth.
 *
 * - A generated phrase (`generated: true`, every word in the list): words × log2(7776), exact,
 *   source 'generated'.
 * - Typed text: zxcvbn's estimate (log2 of its guesses), source 'estimate'. When the text is
 *   made only of list words, the estimate is capped at words × log2(7776): an attacker who tries
 *   every phrase of that many list words needs no more, whatever zxcvbn thinks of the words.
 *   The figure is never raised to words × log2(7776): that is the entropy of words *drawn at
 *   random*, and text a person typed was chosen, not drawn (a well-known phrase made of list
 *   words is in every cracking dictionary). zxcvbn often underrates real diceware phrases,
 *   which is why the start page offers to generate one, and reports it exactly when it does.
 *
 * zxcvbn (`@zxcvbn-ts/core` with `@zxcvbn-ts/language-common`, about 236 kB gzipped once
 * bundled) is loaded on first use.
 *
 * @throws {EmptyPassphraseError} / {PassphraseTooLongError} as {@link normalisePassphrase}
 * @throws {AbortedError} when `signal` aborts before the estimate is ready
 * @example
 * await estimateStrength('correct horse') // { bits: 27.4, weak: true, source: 'estimate' }
 * const { passphrase } = await generatePassphrase()
 * await estimateStrength(passphrase, { generated: true })
 * // { bits: 64.62, weak: false, source: 'generated' }
 */
export async function estimateStrength(
  passphrase: string,
  { generated = false, signal }: EstimateStrengthOptions = {}
): Promise<PassphraseStrength> {
  const normalised = normalisePassphrase(passphrase);
  throwIfAborted(signal);
  const words = normalised.split(' ');
  const listWords = await loadWordSet();
  throwIfAborted(signal);
  const allListWords = words.every((word) => listWords.has(word));
  const listBits = words.length * BITS_PER_WORD;

  if (generated && allListWords) return strength(listBits, 'generated');

  const zxcvbn = await loadZxcvbn();
  throwIfAborted(signal);
  const { guessesLog10 } = zxcvbn.check(normalised);
  const estimated = guessesLog10 * Math.log2(10);
  return strength(allListWords ? Math.min(estimated, listBits) : estimated, 'estimate');
}

function strength(bits: number, source: PassphraseStrength['source']): PassphraseStrength {
  return { bits, weak: bits < WEAK_PASSPHRASE_BITS, source };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortedError('aborted', { cause: signal.reason });
}

// Loaded once, on first use; a failed load (offline before the service worker has the chunk) is
// forgotten, so the next call tries again.
let wordlist: Promise<readonly string[]> | undefined;
let wordSet: Promise<ReadonlySet<string>> | undefined;
let estimator: Promise<ZxcvbnFactory> | undefined;

function loadWordlist(): Promise<readonly string[]> {
  if (wordlist === undefined) {
    const loading = import('./wordlist/eff-large.ts').then((module) => module.EFF_LARGE_WORDLIST);
    loading.catch(() => (wordlist = undefined));
    wordlist = loading;
  }
  return wordlist;
}

function loadWordSet(): Promise<ReadonlySet<string>> {
  if (wordSet === undefined) {
    const loading = loadWordlist().then((words): ReadonlySet<string> => new Set(words));
    loading.catch(() => (wordSet = undefined));
    wordSet = loading;
  }
  return wordSet;
}

function loadZxcvbn(): Promise<ZxcvbnFactory> {
  if (estimator === undefined) {
    const loading = Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common')
    ]).then(
      ([{ ZxcvbnFactory }, common]) =>
        new ZxcvbnFactory({
          dictionary: { ...common.dictionary },
          graphs: common.adjacencyGraphs,
          maxLength: ZXCVBN_MAX_LENGTH
        })
    );
    loading.catch(() => (estimator = undefined));
    estimator = loading;
  }
  return estimator;
}
