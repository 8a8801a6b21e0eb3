import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { lvCat } from '../../src/p2p/bytes.ts';
import {
  SAFETY_WORD_COUNT,
  normaliseFingerprint,
  safetyNumber,
  safetyWords
} from '../../src/p2p/safety-words.ts';
import { WORDLIST as EN } from '../../src/p2p/wordlist/en.ts';
import { WORDLIST as FR } from '../../src/p2p/wordlist/fr.ts';
import { WORDLIST as NL } from '../../src/p2p/wordlist/nl.ts';
import { WORDLIST_SIZE } from '../../src/p2p/wordlists.ts';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);

function fingerprint(byte: (i: number) => number): string {
  const hex = Array.from({ length: 32 }, (_, i) => byte(i).toString(16).padStart(2, '0'));
  return `sha-256 ${hex.join(':').toUpperCase()}`;
}

const FP_A = fingerprint((i) => i);
const FP_B = fingerprint((i) => 255 - i);

/** The specification, written differently: the HKDF output as one big number, 13 bits at a time. */
function reference(key: Uint8Array, a: string, b: string): number[] {
  const [low, high] = [a, b].sort();
  const info = lvCat(utf8ToBytes('samen/v1 safety words'), utf8ToBytes(low!), utf8ToBytes(high!));
  const okm = hkdf(sha256, key, undefined, info, 32);
  const bits = [...okm].map((byte) => byte.toString(2).padStart(8, '0')).join('');
  const indices: number[] = [];
  for (let i = 0; i + 13 <= bits.length && indices.length < 4; i += 13) {
    const value = parseInt(bits.slice(i, i + 13), 2);
    if (value < 7776) {
      indices.push(value);
    }
  }
  return indices;
}

describe('safetyWords', () => {
  it('gives this fixed vector for key 00…1f and fingerprints 00…1f / ff…e0', () => {
    const indices = safetyWords(KEY, FP_A, FP_B);
    expect(indices).toEqual([3890, 3888, 2450, 3329]);
    // The words earlier versions showed for this vector: the same indices in the English list.
    expect(indices.map((i) => EN[i])).toEqual(['matchbook', 'mastiff', 'exquisite', 'icing']);
  });

  it('carries log2(7776) bits per word, at least 51.7 bits in all, like four English words', () => {
    expect(SAFETY_WORD_COUNT).toBe(4);
    expect(WORDLIST_SIZE).toBe(7776);
    const bits = SAFETY_WORD_COUNT * Math.log2(WORDLIST_SIZE);
    expect(bits).toBeGreaterThanOrEqual(51.69);
    // Every index is reachable: 13-bit chunks below 7776 are kept, so 0 and 7775 can come out.
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      for (const index of safetyWords(crypto.getRandomValues(new Uint8Array(32)), FP_A, FP_B)) {
        expect(Number.isInteger(index) && index >= 0 && index < WORDLIST_SIZE).toBe(true);
        seen.add(index);
      }
    }
    // 1600 draws over 7776 values: a uniform source repeats about 150 of them.
    expect(seen.size).toBeGreaterThan(1350);
  });

  it('names a word in every language for each index, and a four-digit number', () => {
    const indices = safetyWords(KEY, FP_A, FP_B);
    expect(indices.map(safetyNumber)).toEqual(['3890', '3888', '2450', '3329']);
    expect(indices.map((i) => NL[i])).toEqual(['loco', 'loc', 'halter', 'klonen']);
    expect(indices.map((i) => FR[i])).toEqual(['laver', 'lave', 'facteur', 'hurlante']);
    expect(safetyNumber(0)).toBe('0000');
    expect(safetyNumber(7775)).toBe('7775');
    for (const bad of [-1, 7776, 1.5, Number.NaN]) {
      expect(() => safetyNumber(bad)).toThrow(RangeError);
    }
  });

  it('matches the specification written as a bit string, for 50 random keys', () => {
    for (let i = 0; i < 50; i++) {
      const key = crypto.getRandomValues(new Uint8Array(32));
      expect(safetyWords(key, FP_A, FP_B)).toEqual(reference(key, FP_A, FP_B));
    }
  });

  it('gives both sides the same four indices whatever the order of the fingerprints', () => {
    const indices = safetyWords(KEY, FP_A, FP_B);
    expect(indices).toHaveLength(4);
    expect(safetyWords(KEY, FP_B, FP_A)).toEqual(indices);
    for (let i = 0; i < 20; i++) {
      const key = crypto.getRandomValues(new Uint8Array(32));
      expect(safetyWords(key, FP_B, FP_A)).toEqual(safetyWords(key, FP_A, FP_B));
    }
  });

  it('changes when either fingerprint or the key changes', () => {
    const words = safetyWords(KEY, FP_A, FP_B);
    const otherKey = Uint8Array.from(KEY);
    otherKey[31]! ^= 1;
    const fpC = fingerprint((i) => (i === 31 ? 0xaa : i));
    expect(safetyWords(otherKey, FP_A, FP_B)).not.toEqual(words);
    expect(safetyWords(KEY, fpC, FP_B)).not.toEqual(words);
    expect(safetyWords(KEY, FP_A, fpC)).not.toEqual(words);
  });

  it('ignores the case of the hash name and of the hex digits', () => {
    expect(safetyWords(KEY, FP_A.toLowerCase(), FP_B.replace('sha-256', 'SHA-256'))).toEqual(
      safetyWords(KEY, FP_A, FP_B)
    );
    expect(normaliseFingerprint(' SHA-256  ab:CD ')).toBe('sha-256 AB:CD');
  });

  it('throws TypeError for a short key or a fingerprint that is not a string', () => {
    expect(() => safetyWords(new Uint8Array(8), FP_A, FP_B)).toThrow(TypeError);
    expect(() => safetyWords(KEY, 42 as unknown as string, FP_B)).toThrow(TypeError);
  });
});
