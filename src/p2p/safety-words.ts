/**
 * Safety words: four words that two participants read to each other to be sure nobody is in the
 * middle of their media.
 *
 *   indices = map(HKDF-SHA-256(ikm = the session's safety-words key (session-keys.ts),
 *                              salt = none,
 *                              info = lv_cat("samen/v1 safety words", fp_low, fp_high)))
 *
 * fp_low ≤ fp_high are the pair's two DTLS certificate fingerprints (RFC 8122 §5, normalised),
 * sorted, so both sides derive the same words. Someone in the middle terminates DTLS on each
 * side with its own certificate, so each side sees other fingerprints and other words; and only
 * the two admitted peers hold the session key (CPace, cpace.ts) that key is derived from.
 *
 * Indices are taken from the HKDF output 13 bits at a time, big-endian; a value ≥ 7776 is
 * skipped (rejection sampling), so every index is equally likely: 4 indices ≈ 51.7 bits.
 *
 * **Across languages.** What the derivation gives is four indices from 0 to 7775, and each is
 * shown as a four-digit number with the word of that index in the viewer's own list
 * (wordlists.ts: English, Dutch and French lists all have 7776 words): "0473 bengel" on a Dutch
 * screen is "0473 appoint" on a French one and "0473 balsamic" on an English one. Two people in
 * the same language compare the words; a Dutch and a French speaker compare the numbers, which
 * carry the same 51.7 bits. The indices are those that named the English words before, so an
 * English screen shows the same words as earlier versions did.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { lvCat } from './bytes.ts';
import { WORDLIST_SIZE } from './wordlists.ts';

/** How many words: 4 × log2(7776) ≈ 51.7 bits, far beyond what a live attacker can guess. */
export const SAFETY_WORD_COUNT = 4;

/** Digits of a safety number: indices run from 0 to 7775. */
const SAFETY_NUMBER_DIGITS = 4;

const INFO_LABEL = utf8ToBytes('samen/v1 safety words');

/** 2^13 = 8192 ≥ 7776: each 13-bit chunk is accepted with probability 7776 / 8192 ≈ 0.95. */
const CHUNK_BITS = 13;

/** HKDF-SHA-256 yields at most 255 × 32 bytes (RFC 5869 §2.3). */
const HKDF_MAX_BYTES = 255 * 32;

/**
 * A fingerprint as RFC 8122 writes it, normalised for comparison: the hash function in lower
 * case, one space, the hex bytes in upper case.
 *
 * @example
 * normaliseFingerprint('SHA-256 ab:cd:…') // 'sha-256 AB:CD:…'
 */
export function normaliseFingerprint(fingerprint: string): string {
  const [algorithm = '', value = ''] = fingerprint.trim().split(/\s+/, 2);
  return `${algorithm.toLowerCase()} ${value.toUpperCase()}`;
}

/**
 * A safety word's index as people read it out: four digits, "0473".
 *
 * @throws {RangeError} when `index` is not an integer from 0 to 7775
 * @example
 * safetyNumber(473) // '0473'
 */
export function safetyNumber(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= WORDLIST_SIZE) {
    throw new RangeError(`index: expected an integer from 0 to ${WORDLIST_SIZE - 1}`);
  }
  return String(index).padStart(SAFETY_NUMBER_DIGITS, '0');
}

/**
 * The four safety words of a pair, as indices into the word lists (wordlists.ts): the same on
 * both sides, whatever language each side shows them in.
 *
 * @param sessionKey the admission session key of this pair (32 bytes)
 * @param fingerprintA one side's DTLS fingerprint; the order of A and B does not matter
 * @example
 * safetyWords(sessionKey, ours, theirs) // [6173, 4377, 2038, 6847]
 * // shown in English as 6173 spinach, 4377 overpass, 2038 dumpling, 6847 trekker
 */
export function safetyWords(
  sessionKey: Uint8Array,
  fingerprintA: string,
  fingerprintB: string
): number[] {
  if (!(sessionKey instanceof Uint8Array) || sessionKey.length < 16) {
    throw new TypeError('safetyWords: sessionKey must be at least 16 bytes');
  }
  if (typeof fingerprintA !== 'string' || typeof fingerprintB !== 'string') {
    throw new TypeError('safetyWords: fingerprints must be strings');
  }
  const [low, high] = [
    normaliseFingerprint(fingerprintA),
    normaliseFingerprint(fingerprintB)
  ].sort();
  const info = lvCat(INFO_LABEL, utf8ToBytes(low!), utf8ToBytes(high!));
  // 32 bytes give 19 chunks, nearly always enough; on the rare shortfall ask HKDF for more (its
  // output for a longer length starts with the shorter one, so the words found so far stand).
  for (let length = 32; length <= HKDF_MAX_BYTES; length *= 2) {
    const okm = hkdf(sha256, sessionKey, undefined, info, Math.min(length, HKDF_MAX_BYTES));
    const indices = indicesFrom(okm);
    okm.fill(0);
    if (indices !== undefined) {
      return indices;
    }
  }
  throw new RangeError('safetyWords: HKDF output exhausted'); // p < 2^-4000
}

/** The first SAFETY_WORD_COUNT accepted 13-bit chunks of `bytes`, or undefined if too few. */
function indicesFrom(bytes: Uint8Array): number[] | undefined {
  const indices: number[] = [];
  const chunks = Math.floor((bytes.length * 8) / CHUNK_BITS);
  for (let i = 0; i < chunks && indices.length < SAFETY_WORD_COUNT; i++) {
    let value = 0;
    for (let bit = i * CHUNK_BITS; bit < (i + 1) * CHUNK_BITS; bit++) {
      value = (value << 1) | ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1);
    }
    if (value < WORDLIST_SIZE) {
      indices.push(value);
    }
  }
  return indices.length === SAFETY_WORD_COUNT ? indices : undefined;
}
