import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { lvCat } from '../../src/p2p/bytes.ts';
import { normaliseFingerprint, safetyWords } from '../../src/p2p/safety-words.ts';
import { EFF_LARGE_WORDLIST } from '../../src/p2p/wordlist/eff-large.ts';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);

function fingerprint(byte: (i: number) => number): string {
  const hex = Array.from({ length: 32 }, (_, i) => byte(i).toString(16).padStart(2, '0'));
  return `sha-256 ${hex.join(':').toUpperCase()}`;
}

const FP_A = fingerprint((i) => i);
const FP_B = fingerprint((i) => 255 - i);

/** The specification, written differently: the HKDF output as one big number, 13 bits at a time. */
function reference(key: Uint8Array, a: string, b: string): string[] {
  const [low, high] = [a, b].sort();
  const info = lvCat(utf8ToBytes('samen/v1 safety words'), utf8ToBytes(low!), utf8ToBytes(high!));
  const okm = hkdf(sha256, key, undefined, info, 32);
  const bits = [...okm].map((byte) => byte.toString(2).padStart(8, '0')).join('');
  const words: string[] = [];
  for (let i = 0; i + 13 <= bits.length && words.length < 4; i += 13) {
    const value = parseInt(bits.slice(i, i + 13), 2);
    if (value < 7776) {
      words.push(EFF_LARGE_WORDLIST[value]!);
    }
  }
  return words;
}

describe('safetyWords', () => {
  it('gives this fixed vector for key 00…1f and fingerprints 00…1f / ff…e0', () => {
    expect(safetyWords(KEY, FP_A, FP_B)).toEqual(['matchbook', 'mastiff', 'exquisite', 'icing']);
  });

  it('matches the specification written as a bit string, for 50 random keys', () => {
    for (let i = 0; i < 50; i++) {
      const key = crypto.getRandomValues(new Uint8Array(32));
      expect(safetyWords(key, FP_A, FP_B)).toEqual(reference(key, FP_A, FP_B));
    }
  });

  it('gives both sides the same four words whatever the order of the fingerprints', () => {
    const words = safetyWords(KEY, FP_A, FP_B);
    expect(words).toHaveLength(4);
    expect(safetyWords(KEY, FP_B, FP_A)).toEqual(words);
    expect(words.every((w) => EFF_LARGE_WORDLIST.includes(w))).toBe(true);
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
