/**
 * The shared byte helpers. lv_cat's published vectors (draft-irtf-cfrg-cpace Appendix A) are in
 * cpace.test.ts, beside the other CPace string utilities.
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { thrownName } from '../support/thrown.ts';
import { equalBytes, lvCat, wireBytes } from '../../src/p2p/bytes.ts';

/** A view of `bytes` that counts how many of its elements are read. */
function counting(bytes: Uint8Array): { view: Uint8Array; reads: () => number } {
  let reads = 0;
  const view = new Proxy(bytes, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) {
        reads++;
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    }
  });
  return { view, reads: () => reads };
}

describe('equalBytes', () => {
  it('is true for equal contents, including two empty arrays, and false for any difference', () => {
    expect.hasAssertions();
    const a = Uint8Array.of(1, 2, 3, 4);
    expect(equalBytes(a, Uint8Array.of(1, 2, 3, 4))).toBe(true);
    expect(equalBytes(new Uint8Array(), new Uint8Array())).toBe(true);
    expect(equalBytes(a, Uint8Array.of(0, 2, 3, 4))).toBe(false);
    expect(equalBytes(a, Uint8Array.of(1, 2, 3, 5))).toBe(false);
    expect(equalBytes(a, Uint8Array.of(1, 2, 3))).toBe(false);
    expect(equalBytes(a, Uint8Array.of(1, 2, 3, 4, 0))).toBe(false);
  });

  it('reads every byte of both inputs whether they differ at the first byte or not at all', () => {
    expect.hasAssertions();
    const length = 64;
    for (const other of [new Uint8Array(length).fill(9), new Uint8Array(length)]) {
      const a = counting(new Uint8Array(length));
      const b = counting(other);
      equalBytes(a.view, b.view);
      expect([a.reads(), b.reads()]).toEqual([length, length]);
    }
  });

  it('rejects arguments that are not Uint8Array with TypeError', () => {
    expect.hasAssertions();
    for (const bad of ['abc', [1, 2, 3], null, undefined, new Uint16Array(2)]) {
      const value = bad as unknown as Uint8Array;
      expect(thrownName(() => equalBytes(value, new Uint8Array(2)))).toBe('TypeError');
      expect(thrownName(() => equalBytes(new Uint8Array(2), value))).toBe('TypeError');
    }
  });
});

describe('lvCat', () => {
  it('keeps fields apart: the same bytes split differently encode differently', () => {
    expect.hasAssertions();
    const ab = lvCat(utf8ToBytes('ab'), new Uint8Array());
    const aThenB = lvCat(utf8ToBytes('a'), utf8ToBytes('b'));
    expect(bytesToHex(ab)).toBe('02616200');
    expect(bytesToHex(aThenB)).toBe('01610162');
    expect(bytesToHex(lvCat())).toBe('');
  });

  it('prefixes a 300-byte field with the two LEB128 bytes ac 02', () => {
    expect.hasAssertions();
    const out = lvCat(new Uint8Array(300).fill(7));
    expect(out.length).toBe(302);
    expect(bytesToHex(out.subarray(0, 3))).toBe('ac0207');
  });

  it('rejects an argument that is not a Uint8Array with TypeError', () => {
    expect.hasAssertions();
    const bad = 'abc' as unknown as Uint8Array;
    expect(thrownName(() => lvCat(utf8ToBytes('a'), bad))).toBe('TypeError');
  });
});

describe('wireBytes', () => {
  it('copies a view of a larger buffer into an ArrayBuffer of its own', () => {
    expect.hasAssertions();
    const backing = Uint8Array.of(0, 1, 2, 3, 4, 5);
    const view = backing.subarray(2, 4);
    const copy = wireBytes(view);
    expect([...copy]).toEqual([2, 3]);
    expect(copy.buffer).toBeInstanceOf(ArrayBuffer);
    expect(copy.buffer.byteLength).toBe(2);
    backing[2] = 99;
    expect(copy[0]).toBe(2);
  });

  it('rejects an argument that is not a Uint8Array with TypeError', () => {
    expect.hasAssertions();
    expect(thrownName(() => wireBytes([1, 2] as unknown as Uint8Array))).toBe('TypeError');
  });
});
