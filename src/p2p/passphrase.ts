/**
 * Passphrases: one canonical form for what people type, random generation from the word list of
 * the user's language, and a strength estimate for the start page.
 *
 * ## Normalisation, version 2
 *
 * Everyone who knows a passphrase must derive the same room from it, whatever their keyboard,
 * phone or language, so {@link normalisePassphrase} brings what they type to one form, the same on
 * every device: no step depends on the device's language, and the normalisation and case
 * mappings of a character never change once it is assigned (Unicode's stability policies), so
 * browsers of different ages agree on all but characters newer than the oldest of them. The
 * steps:
 *
 * 1. NFKC, lower case (`toLowerCase`, never `toLocaleLowerCase`: a Turkish phone lowercases "I"
 *    to "ı", and the room would depend on the phone's language), NFKC again: Unicode's
 *    compatibility caseless match (Unicode 15 §3.13, D146), with `toLowerCase` standing in for
 *    case folding, which JavaScript lacks. Full-width letters and digits, ligatures such as "ﬁ"
 *    and "ĳ", compatibility spaces: their plain forms. This is all of version 1.
 * 2. Invisible characters (Unicode's Default_Ignorable_Code_Point: zero-width spaces and joiners,
 *    soft hyphens, byte-order marks, variation selectors) are removed: a pasted text carries them
 *    unseen, and keyboards differ in whether an emoji gets a variation selector.
 * 3. Punctuation that phones "smarten": every apostrophe look-alike (’ ‘ ‛ ′ ` ´ ʹ ʼ) becomes ',
 *    the curly and angle double quotes (“ ” „ ‟ « ») become ", and hyphens and dashes
 *    (‐ ‑ ‒ – — ― −) become -. A French iPhone types "l’été", a laptop "l'ete".
 * 4. Letters that are a Latin letter with a mark but have no Unicode decomposition, and the
 *    ligatures that NFKC keeps: œ → oe, æ → ae, ß → ss, ı → i, ø → o, ł → l, đ → d, ħ → h.
 * 5. Decimal digits of every script become ASCII digits (NFKC already maps full-width and
 *    superscript ones; this adds e.g. the Arabic-Indic ٤ that an Arabic phone keyboard types).
 * 6. Accents are folded: in NFD, the combining marks that follow a Latin letter are removed ("é"
 *    and "e", "ç" and "c", "ë" and "e" are the same). Only after Latin letters: in Greek or
 *    Cyrillic a mark can make another letter (й is not и), and our languages are written in Latin.
 * 7. Every run of whitespace (tab, newline, NBSP, the French narrow NBSP, ideographic space…) is
 *    one ASCII space, and there is none at either end.
 *
 * **Accents: the same letter.** A French speaker on a Dutch phone types "elan" for "élan"; an
 * autocorrecting French phone types "élève" where the invitation said "eleve"; someone who hears
 * a passphrase read aloud cannot hear an accent. Keeping them apart would make such calls fail
 * with no hint why. What it costs: nothing for a generated passphrase (every word of the three
 * lists is already in this form and they stay 7776 distinct words each, checked by
 * tests/unit/wordlists.test.ts, so a word is still worth exactly log2(7776) bits). For typed text,
 * an attacker no longer guesses accents. In real words the accents follow from the spelling, so
 * only homographs lose anything: at most log2(k) bits for a word with k spellings that fold
 * together (pêche, péché, pèche: log2 3 ≈ 1.6 bits; ou, où: 1 bit). Over a dictionary, it is
 * less: the 10 000 most frequent French words of subtitles (zxcvbn-ts's list) fold to 9528 forms,
 * which saves an attacker log2(10000 / 9528) ≈ 0.07 bits a word; the Dutch ones fold to 9983
 * (0.002 bits). Even a string of random letters from a French keyboard (a–z and
 * àâæçéèêëîïôœùûüÿ, 42 symbols, folded to 26 and two pairs) loses at most log2(42/26) ≈ 0.69
 * bits per letter. The strength estimate rates the normalised text, so the start page never
 * counts bits that folding removed.
 *
 * **Versions and rooms that existed before.** Version 1 was step 1 and step 7. Every output of
 * version 2 is also an output of version 1 (it is NFKC, lower case and has single spaces: version
 * 1 leaves it as it is), and the room KDF (keys.ts, ROOM_KDF_V1) is unchanged, so the room of a
 * passphrase under version 2 is the version-1 room of its version-2 form:
 *
 * - a passphrase whose version-1 form has none of the characters of steps 2 to 6 (no accent, no
 *   œ æ ß ı ø ł đ ħ, no curly apostrophe, quote or dash, no invisible character, no non-ASCII
 *   digit) derives exactly the room secret it derived before. That is every passphrase Samen
 *   ever generated (EFF words are a–z and "-") and nearly all typed ones; the fixed vectors in
 *   tests/unit/keys.test.ts were computed with version 1 and still hold.
 * - a passphrase with such characters moves to the room of its folded form: "Élan vital" now
 *   derives what "elan vital" derived in version 1. This cannot be avoided: version 1 gave
 *   "élan" and "elan" two rooms and version 2 must give them one, so one of them moves, and we
 *   keep the room of the form every keyboard can type. A new salt for the moved rooms is not
 *   possible either: the room must depend only on the version-2 form, and that form ("elan
 *   vital") is itself a version-1 passphrase that keeps its room.
 *
 * So the version of the normalisation is {@link PASSPHRASE_NORMALISATION} and the KDF stays
 * version 1. The one migration is for a call whose passphrase has accents, curly apostrophes or
 * the like, with someone still running a version-1 build: they meet once that person's app has
 * updated (the service worker takes the new version on the next load), or at once if that person
 * types the passphrase without accents. Version 1 only ever generated a–z passphrases, so no
 * generated passphrase is affected.
 *
 * ## Generation and strength
 *
 * Generated passphrases draw words uniformly from the list of the user's language (wordlists.ts);
 * the strength estimate knows the three lists and loads them, and its estimator (strength.ts),
 * only when needed: see {@link estimateStrength}.
 */
import type { AbortOptions } from '@libp2p/interface';
import { AbortedError, EmptyPassphraseError, PassphraseTooLongError } from './errors.ts';
import {
  WORDLIST_LANGUAGES,
  WORDLIST_SIZE,
  loadWordlist,
  type Wordlist,
  type WordlistLanguage
} from './wordlists.ts';

/**
 * The version of {@link normalisePassphrase} and {@link normalisePin}: 2 (accents, ligatures,
 * apostrophes, quotes, dashes, invisible characters, digits; see the module comment for why the
 * room KDF keeps its version 1).
 */
export const PASSPHRASE_NORMALISATION = 2;

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

/** Entropy of one word drawn uniformly from a list of 7776: log2(7776) ≈ 12.925 bits. */
export const BITS_PER_WORD = Math.log2(WORDLIST_SIZE);

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
 * The Uint32 draws at or above this are rejected: it is the largest multiple of 7776 that fits in
 * 2^32 (2^32 mod 7776 = 2560), so `draw % 7776` is exactly uniform on the draws kept.
 */
const UINT32_ACCEPT_LIMIT = 2 ** 32 - (2 ** 32 % WORDLIST_SIZE);

/**
 * Spacing accents that NFKC turns into a space and a combining mark: the acute accent ´ is typed
 * as an apostrophe, so it becomes one before NFKC can split it.
 */
const SPACING_ACUTE = /\u00b4/gu;
/** Invisible characters: Unicode's Default_Ignorable_Code_Point property (UAX #44). */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
/** ’ ‘ ‛ ′ ` ʹ ʼ: what keyboards, phones and word processors put for an apostrophe. */
const APOSTROPHES = /[\u2019\u2018\u201b\u2032\u0060\u02b9\u02bc]/gu;
/** “ ” „ ‟ « »: smart and angle double quotes. */
const DOUBLE_QUOTES = /[\u201c\u201d\u201e\u201f\u00ab\u00bb]/gu;
/** ‐ ‑ ‒ – — ― −: hyphens, dashes and the minus sign. */
const DASHES = /[\u2010-\u2015\u2212]/gu;
/** Lower-case letters with no decomposition that fold to Latin letters (after lower-casing). */
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  œ: 'oe',
  æ: 'ae',
  ß: 'ss',
  ı: 'i',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ħ: 'h'
};
const FOLDED_LETTERS = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'gu');
/** A decimal digit that is not ASCII. */
const OTHER_DIGIT = /(?![0-9])\p{Nd}/gu;
const DIGIT = /^\p{Nd}$/u;
/** A Latin letter and the combining marks after it, in NFD. */
const LATIN_MARKS = /(\p{Script=Latin})\p{Mn}+/gu;
/** Runs of whitespace: the Unicode White_Space property (JS `\s` misses U+0085 NEL). */
const WHITESPACE_RUN = /\p{White_Space}+/gu;

/**
 * Brings a passphrase to the one form everyone derives the room from (version
 * {@link PASSPHRASE_NORMALISATION}; the module comment lists the steps and why): NFKC, lower
 * case, no invisible characters, one apostrophe, one double quote, one dash, no accents on Latin
 * letters (œ → oe, ß → ss…), ASCII digits, and single spaces with none at either end. The same
 * on every device, whatever its language.
 *
 * @throws {TypeError} when `passphrase` is not a string
 * @throws {EmptyPassphraseError} when nothing but whitespace is left
 * @throws {PassphraseTooLongError} over {@link MAX_PASSPHRASE_LENGTH} code points
 * @example
 * normalisePassphrase('  Ｃorrect\u00a0HORSE\tbattery  ') // 'correct horse battery'
 * normalisePassphrase('L’Élan du CŒUR') // "l'elan du coeur"
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
 * normalisePin('٤٣٢١') // '4321'
 * normalisePin('') // '' (no PIN)
 */
export function normalisePin(pin: string): string {
  return normalise(pin, 'PIN', MAX_PIN_LENGTH);
}

function normalise(text: string, label: string, maxLength: number): string {
  if (typeof text !== 'string') throw new TypeError(`${label}: expected a string`);
  const normalised = text
    .replace(SPACING_ACUTE, "'")
    // Version 1: compatibility caseless match.
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    // Before the accents: a mark cut off from its letter by an invisible character would
    // otherwise be joined to it only afterwards, and a second pass would change the result.
    .replace(IGNORABLE, '')
    .replace(APOSTROPHES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(DASHES, '-')
    .replace(OTHER_DIGIT, asciiDigit)
    // Decomposed first: "ǿ" is "ø" with an accent, and both end as "o".
    .normalize('NFD')
    .replace(FOLDED_LETTERS, (letter) => LETTER_FOLDS[letter] ?? letter)
    .replace(LATIN_MARKS, '$1')
    .normalize('NFKC')
    .replace(WHITESPACE_RUN, ' ')
    .trim();
  const length = codePointLength(normalised);
  if (length > maxLength) {
    throw new PassphraseTooLongError(`${label}: ${length} characters, the limit is ${maxLength}`);
  }
  return normalised;
}

/**
 * The ASCII digit of a decimal digit of any script. Unicode encodes every script's decimal digits
 * as runs of ten consecutive code points from 0 to 9 (Unicode 15 §4.6, a stability policy), so a
 * digit's value is its distance from the start of its run, modulo 10 for blocks of several runs.
 */
function asciiDigit(digit: string): string {
  const code = digit.codePointAt(0) as number;
  let zero = code;
  while (DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return String((code - zero) % 10);
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
  /** Whose list to draw from: the user's language; default 'en'. */
  language?: WordlistLanguage;
}

/** A passphrase drawn at random, and its exact entropy. */
export interface GeneratedPassphrase {
  /** Words joined by single spaces; already in normalised form. */
  passphrase: string;
  /** words × log2(7776): exact, since every word was drawn uniformly and independently. */
  bits: number;
  /** The list the words were drawn from. */
  language: WordlistLanguage;
}

/**
 * Draws `words` words uniformly and independently from the word list of `language` with
 * `crypto.getRandomValues`, rejecting the draws that would make `% 7776` biased. Words may repeat:
 * drawing with replacement is what makes the entropy exactly words × log2(7776).
 *
 * Async because the word list (12 to 17 kB gzipped) is loaded on first use.
 *
 * @throws {RangeError} when `words` is not an integer from 1 to {@link MAX_GENERATED_WORDS}, or
 *   `language` has no list
 * @throws {AbortedError} when `signal` aborts before the word list has loaded
 * @example
 * const { passphrase, bits } = await generatePassphrase({ language: 'nl' })
 * // passphrase: e.g. 'bikkel zwoel dauw appel flits'; bits: 64.62
 */
export async function generatePassphrase({
  words = DEFAULT_GENERATED_WORDS,
  language = 'en',
  signal
}: GeneratePassphraseOptions = {}): Promise<GeneratedPassphrase> {
  if (!Number.isInteger(words) || words < 1 || words > MAX_GENERATED_WORDS) {
    throw new RangeError(
      `words: expected an integer from 1 to ${MAX_GENERATED_WORDS}, got ${words}`
    );
  }
  throwIfAborted(signal);
  const list = await loadWordlist(language, { signal });

  const drawn: string[] = [];
  while (drawn.length < words) {
    const draws = crypto.getRandomValues(new Uint32Array(words - drawn.length));
    for (const draw of draws) {
      if (draw >= UINT32_ACCEPT_LIMIT) continue; // would favour the first 2560 words
      drawn.push(list.words[draw % WORDLIST_SIZE] as string);
    }
  }
  return { passphrase: drawn.join(' '), bits: words * BITS_PER_WORD, language };
}

/** What {@link estimateStrength} accepts. */
export interface EstimateStrengthOptions extends AbortOptions {
  /**
   * The text is a phrase {@link generatePassphrase} made and the user has not edited: its entropy
   * is then known exactly rather than estimated. Ignored when the words are not all in one list.
   */
  generated?: boolean;
  /** The user's language: its list is loaded first, the others only when needed. Default 'en'. */
  language?: WordlistLanguage;
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
 * How many bits of guessing a passphrase is worth, rated on its normalised form.
 *
 * - A generated phrase (`generated: true`, every word in one list): words × log2(7776), exact,
 *   source 'generated'.
 * - Typed text: the estimate of strength.ts (zxcvbn's matchers, with the three word lists and
 *   small dictionaries of common passwords and words in English, Dutch and French), source
 *   'estimate'. When the text is made only of list words, it is capped at words × log2(7776) (or
 *   words × log2 of the three lists' union for words from different lists): an attacker who tries
 *   every phrase of that many list words needs no more. The figure is never raised to it: that is
 *   the entropy of words *drawn at random*, and text a person typed was chosen, not drawn.
 *
 * The list of `language` is loaded first; the other two only when a typed word that could be a
 * list word (letters, hyphens, apostrophes) is not in it. The estimator (zxcvbn and its
 * dictionaries, about 25 kB gzipped) is loaded for typed text only.
 *
 * @throws {EmptyPassphraseError} / {PassphraseTooLongError} as {@link normalisePassphrase}
 * @throws {AbortedError} when `signal` aborts before the estimate is ready
 * @example
 * await estimateStrength('correct horse') // { bits: 25.85, weak: true, source: 'estimate' }
 * const { passphrase } = await generatePassphrase({ language: 'fr' })
 * await estimateStrength(passphrase, { generated: true, language: 'fr' })
 * // { bits: 64.62, weak: false, source: 'generated' }
 */
export async function estimateStrength(
  passphrase: string,
  { generated = false, language = 'en', signal }: EstimateStrengthOptions = {}
): Promise<PassphraseStrength> {
  const normalised = normalisePassphrase(passphrase);
  throwIfAborted(signal);
  const words = normalised.split(' ');
  const lists = await listsFor(words, language, signal);

  const home = lists.find((list) => words.every((word) => list.has(word)));
  const listBits =
    home !== undefined
      ? words.length * BITS_PER_WORD
      : words.every((word) => lists.some((list) => list.has(word)))
        ? words.length * Math.log2(unionSize(lists))
        : undefined;
  if (generated && home !== undefined) return strength(words.length * BITS_PER_WORD, 'generated');

  const { estimateBits } = await loadEstimator();
  throwIfAborted(signal);
  const estimated = estimateBits(normalised, lists);
  return strength(listBits === undefined ? estimated : Math.min(estimated, listBits), 'estimate');
}

/** A word that could be in a list: letters, joined by single hyphens or apostrophes. */
const WORD_LIKE = /^\p{L}+(?:['-]\p{L}+)*$/u;

/**
 * The lists a phrase needs: `language`'s, and the others too if some word that looks like a list
 * word is not in it.
 */
async function listsFor(
  words: readonly string[],
  language: WordlistLanguage,
  signal: AbortSignal | undefined
): Promise<Wordlist[]> {
  const first = await loadWordlist(language, { signal });
  if (words.every((word) => first.has(word) || !WORD_LIKE.test(word))) return [first];
  const others = WORDLIST_LANGUAGES.filter((other) => other !== language);
  return [first, ...(await Promise.all(others.map((other) => loadWordlist(other, { signal }))))];
}

function unionSize(lists: readonly Wordlist[]): number {
  return new Set(lists.flatMap((list) => list.words)).size;
}

function strength(bits: number, source: PassphraseStrength['source']): PassphraseStrength {
  return { bits, weak: bits < WEAK_PASSPHRASE_BITS, source };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortedError('aborted', { cause: signal.reason });
}

// Loaded once, on first use; a failed load is forgotten, so the next call tries again.
let estimator: Promise<typeof import('./strength.ts')> | undefined;

function loadEstimator(): Promise<typeof import('./strength.ts')> {
  if (estimator === undefined) {
    const loading = import('./strength.ts');
    loading.catch(() => (estimator = undefined));
    estimator = loading;
  }
  return estimator;
}
