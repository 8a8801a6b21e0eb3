/**
 * Advice on a passphrase someone typed, beside the strength estimate (passphrase.ts): whether it
 * looks like one that was used before or found in public, which the guides warn about (a fresh
 * passphrase for each call). Small and local: a few rules and a short list, no dictionary, and
 * nothing leaves the page.
 *
 * @module
 */

/** Fewer words than this is a short phrase: a name, a saying, a reused password. */
export const MIN_ADVISED_WORDS = 4;

/** Fewer characters than this (spaces included) is too short to be a fresh passphrase. */
export const MIN_ADVISED_CHARS = 20;

/**
 * Phrases anyone may try first: famous examples of passphrases, sayings and placeholders, in
 * the app's three languages, in the comparison form of {@link comparable}.
 */
const PUBLIC_PHRASES: ReadonlySet<string> = new Set([
  'correct horse battery staple',
  'the quick brown fox jumps over the lazy dog',
  'lorem ipsum dolor sit amet',
  'to be or not to be that is the question',
  'all your base are belong to us',
  'may the force be with you',
  'let me in let me in',
  'wie dit leest is gek',
  'de kat krabt de krullen van de trap',
  'eendracht maakt macht',
  'liberte egalite fraternite',
  'je pense donc je suis',
  'le petit chat est mort',
  'portez ce vieux whisky au juge blond qui fume',
  'voix ambigue d un coeur qui au zephyr prefere les jattes de kiwis'
]);

/**
 * Lower case, accents and punctuation gone, words separated by one space: enough to match the
 * list however it is typed. Not the KDF's normalisation (passphrase.ts), which must keep them.
 */
function comparable(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Why a typed passphrase looks reused or public, if it does:
 * - `known`: it is one of a short list of famous phrases;
 * - `short`: fewer than {@link MIN_ADVISED_WORDS} words or {@link MIN_ADVISED_CHARS} characters.
 *
 * A generated passphrase (five words from a long list) is neither.
 *
 * @example
 * passphraseAdvice('Correct horse, battery staple!') // 'known'
 * passphraseAdvice('summer2024')                     // 'short'
 * passphraseAdvice('')                               // undefined
 */
export function passphraseAdvice(text: string): 'known' | 'short' | undefined {
  const words = comparable(text);
  if (words === '') {
    return undefined;
  }
  if (PUBLIC_PHRASES.has(words)) {
    return 'known';
  }
  const count = text.trim().split(/\s+/u).length;
  return count < MIN_ADVISED_WORDS || text.trim().length < MIN_ADVISED_CHARS ? 'short' : undefined;
}
