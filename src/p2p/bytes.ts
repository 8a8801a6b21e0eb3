/**
 * Byte helpers every part of the core shares: one constant-time comparison, the length-value
 * encoding that Samen's MACs, key-derivation labels and CPace transcripts are built from, and the
 * copy that protons' generated codecs need. Pure functions with no dependency beyond noble, so
 * the app, the relay and the tests can import them anywhere (Node and browser alike).
 *
 * @module
 */
import { equalBytes as equalBytesNoble } from '@noble/curves/utils.js';
import { abytes } from '@noble/hashes/utils.js';

/**
 * Whether two byte strings are equal, in time that depends only on their lengths (which are
 * public): noble's comparison, which reads every byte without an early exit. Use it for every
 * comparison of a MAC, tag, key or share, so that no comparison ever has to be checked for it.
 *
 * @throws {TypeError} when either argument is not a Uint8Array.
 * @example
 * if (!equalBytes(expectedMac, receivedMac)) throw new MediaFingerprintMismatchError()
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytesNoble(a, b);
}

/**
 * Bytes in the LEB128 encoding of n (draft-irtf-cfrg-cpace §6.3): the length prefix `lvCat`
 * puts before a field of n bytes.
 *
 * @example
 * leb128Length(127) // 1
 * leb128Length(300) // 2
 */
export function leb128Length(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

/** Writes the LEB128 encoding of n into out at offset; returns the offset after it. */
function writeLeb128(out: Uint8Array, offset: number, n: number): number {
  while (n >= 0x80) {
    out[offset++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[offset++] = n;
  return offset;
}

/**
 * lv_cat(a0, a1, ...): each argument prefixed with its length in LEB128, concatenated
 * (draft-irtf-cfrg-cpace §6.3, Appendix A.1.3; its vectors are checked in
 * tests/unit/cpace.test.ts). The length prefixes keep the fields apart, so no two different
 * lists of arguments encode alike: Samen builds its MAC inputs and HKDF infos with it too.
 * Built in one allocation, so a secret argument (CPace's PRS) is copied once, into a buffer the
 * caller can wipe.
 *
 * @throws {TypeError} when an argument is not a Uint8Array.
 * @example
 * lvCat(utf8ToBytes('1234'), utf8ToBytes('5'), new Uint8Array(), utf8ToBytes('678'));
 * // 04 31323334 01 35 00 03 363738
 */
export function lvCat(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  parts.forEach((part, i) => {
    abytes(part, undefined, `lvCat: argument ${i}`);
    total += leb128Length(part.length) + part.length;
  });
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    offset = writeLeb128(out, offset, part.length);
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A copy of `bytes` in its own ArrayBuffer: what protons' generated codecs take
 * (`Uint8Array<ArrayBuffer>`), whereas noble returns views over any buffer.
 *
 * @throws {TypeError} when `bytes` is not a Uint8Array.
 * @example
 * await messages.write({ share: wireBytes(share) }, AdmitResponse)
 */
export function wireBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(abytes(bytes, undefined, 'wireBytes'));
}
