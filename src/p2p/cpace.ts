/**
 * CPace, the balanced PAKE Samen's admission runs, in the cipher suite CPACE-RISTR255-SHA512.
 *
 * Specification: draft-irtf-cfrg-cpace-21 (23 April 2026), "CPace, a balanced composable PAKE".
 * Section numbers in this file refer to that draft. Its published test vectors for this suite
 * (Appendix B.3) and for the string helpers (Appendix A) are checked in tests/unit/cpace.test.ts.
 *
 * Layers:
 * - the draft's primitives, one function each, named after the draft (`prependLen`,
 *   `generatorString`, `calculateGenerator`, `sampleScalar`, `scalarMult`, `scalarMultVfy`,
 *   `oCat`, `transcriptIr`, `transcriptOc`, `deriveIsk`, `sidOutput`), exported so the tests can
 *   check every intermediate value the draft publishes; `lvCat` is in bytes.ts, since Samen's
 *   other MACs and labels use it too;
 * - the two calls the admission protocol makes (`cpaceStart`, `cpaceFinish`), in the
 *   initiator-responder setting (§6.3, §10.1.1: Samen always knows who dialled whom);
 * - explicit key confirmation (`confirmationTags`, `verifyTag`), exactly the construction the
 *   draft gives in §10.4, with HMAC-SHA-512 as its MAC.
 *
 * Secrets: byte arrays holding the PRS, the generator hash, the scalar, K and the MAC key are
 * zeroed with `.fill(0)` as soon as they are no longer needed. What cannot be wiped: the bigint
 * copies of the scalar and the group elements inside noble's point objects (JavaScript bigints are
 * immutable and garbage-collected), and the caller's own arrays, except the scalar, which
 * `cpaceFinish` consumes (§10.9 forbids reusing it).
 *
 * @module
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { isBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { equalBytes, leb128Length, lvCat } from './bytes.ts';
import { InvalidShareError } from './errors.ts';

// ---- suite constants --------------------------------------------------------------------------

/**
 * The cipher suite name, per the "CPACE-G-H" naming convention of §5.
 *
 * @example
 * const hello = { suite: CPACE_SUITE }; // 'CPACE-RISTR255-SHA512'
 */
export const CPACE_SUITE = 'CPACE-RISTR255-SHA512';

/**
 * G_Ristretto255.DSI, the domain-separation identifier of the group environment (§8.3).
 * The ISK derivation uses `CPACE_DSI + '_ISK'` (§7.2).
 *
 * @example
 * new TextEncoder().encode(CPACE_DSI); // the DSI octets, 17 bytes
 */
export const CPACE_DSI = 'CPaceRistretto255';

/**
 * Bytes in an encoded ristretto255 element, i.e. a share Y or the secret point K:
 * G_Ristretto255.field_size_bytes (§8.3).
 *
 * @example
 * if (peerShare.length !== SHARE_LENGTH) throw new MalformedMessageError();
 */
export const SHARE_LENGTH = 32;

/**
 * Bytes in a scalar, little-endian: sample_scalar draws this many random bytes (§8.3).
 *
 * @example
 * const scalar = new Uint8Array(SCALAR_LENGTH);
 */
export const SCALAR_LENGTH = 32;

/**
 * Bits a sampled scalar may use: G_Ristretto255.group_size_bits (§8.3). 2^252 is below the group
 * order, so a sampled scalar never needs reducing.
 *
 * @example
 * sampleScalar()[31]! >> (GROUP_SIZE_BITS - 248); // always 0
 */
export const GROUP_SIZE_BITS = 252;

/**
 * Bytes in the ISK: H.b_in_bytes, SHA-512's default output (§6.2, §7.2).
 *
 * @example
 * const isk = cpaceFinish(args); // isk.length === ISK_LENGTH
 */
export const ISK_LENGTH = 64;

/**
 * Bytes in a key-confirmation tag: HMAC-SHA-512's output (§10.4 with MAC = HMAC-SHA-512).
 *
 * @example
 * if (received.length !== TAG_LENGTH) throw new MalformedMessageError();
 */
export const TAG_LENGTH = 64;

/**
 * H.s_in_bytes, SHA-512's input block size (§6.2); the generator string pads DSI and PRS to fill
 * the first block (§8.1).
 *
 * @example
 * generatorString(dsi, prs, ci, sid, HASH_BLOCK_LENGTH);
 */
export const HASH_BLOCK_LENGTH = 128;

/**
 * Bytes of generator-string hash fed to ristretto255 element derivation: 2 * field_size_bytes
 * (§8.3; RFC 9496 §4.3.4 takes 64 uniform bytes).
 *
 * @example
 * sha512(generatorString(...)).length === GENERATOR_HASH_LENGTH; // true
 */
export const GENERATOR_HASH_LENGTH = 64;

/**
 * The most bytes the high-level calls accept in one of PRS, CI, sid or AD. The draft sets no
 * limit; Samen's inputs are tens of bytes (a derived PRS, peer IDs, a version tag), and AD comes
 * off the wire, so a cap keeps a peer from making us hash megabytes.
 *
 * @example
 * if (ad.length > MAX_INPUT_LENGTH) throw new MessageTooLargeError();
 */
export const MAX_INPUT_LENGTH = 4096;

const DSI_BYTES = utf8ToBytes(CPACE_DSI);
const DSI_ISK_BYTES = utf8ToBytes(`${CPACE_DSI}_ISK`); // §7.2: G.DSI || b"_ISK"
const OC_PREFIX = utf8ToBytes('oc'); // §6.3, Appendix A.3.2
const SID_OUTPUT_PREFIX = utf8ToBytes('CPaceSidOutput'); // §10.6
const MAC_PREFIX = utf8ToBytes('CPaceMac'); // §10.4
/** The group order, 2^252 + 27742317777372353535851937790883648493 (§8.3). */
const GROUP_ORDER = ristretto255.Point.Fn.ORDER;

/** A ristretto255 element in noble's internal representation (the draft's `_g`, §8.3). */
export type RistrettoPoint = InstanceType<typeof ristretto255.Point>;

/** The side a party plays in the initiator-responder setting (§4, §6.3). */
export type CpaceRole = 'initiator' | 'responder';

// ---- input checks (noble style: labelled TypeError / RangeError) ------------------------------

function assertBytes(label: string, value: unknown): asserts value is Uint8Array {
  if (!isBytes(value)) {
    const got = value === null ? 'null' : typeof value;
    throw new TypeError(`${label}: expected Uint8Array, got ${got}`);
  }
}

function assertLength(label: string, value: unknown, length: number): asserts value is Uint8Array {
  assertBytes(label, value);
  if (value.length !== length) {
    throw new RangeError(`${label}: expected ${length} bytes, got ${value.length}`);
  }
}

function assertInput(label: string, value: unknown): asserts value is Uint8Array {
  assertBytes(label, value);
  if (value.length > MAX_INPUT_LENGTH) {
    throw new RangeError(
      `${label}: expected at most ${MAX_INPUT_LENGTH} bytes, got ${value.length}`
    );
  }
}

function assertObject(label: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(
      `${label}: expected an object, got ${value === null ? 'null' : typeof value}`
    );
  }
}

/** Reads a 32-byte little-endian scalar and checks 1 <= y < group order. */
function scalarToBigint(label: string, scalar: unknown): bigint {
  assertLength(label, scalar, SCALAR_LENGTH);
  let y = 0n;
  for (let i = SCALAR_LENGTH - 1; i >= 0; i--) y = (y << 8n) | BigInt(scalar[i]!);
  if (y === 0n || y >= GROUP_ORDER) {
    throw new RangeError(`${label}: expected a scalar in [1, group order - 1]`);
  }
  return y;
}

function isIdentity(encoded: Uint8Array): boolean {
  // G.I is the all-zero encoding (RFC 9496 §4.3.2). Not secret-dependent timing worth hiding:
  // it only says whether the run aborts, which the peer learns anyway.
  return encoded.every((b) => b === 0);
}

// ---- string utilities (§6.3, Appendix A; lv_cat lives in bytes.ts, shared beyond CPace) -------

/**
 * prepend_len(data): data prefixed with its length in LEB128 (§6.3, Appendix A.1.1).
 *
 * @example
 * prependLen(utf8ToBytes('1234')); // 04 31323334
 */
export function prependLen(data: Uint8Array): Uint8Array {
  assertBytes('prependLen: data', data);
  return lvCat(data);
}

/**
 * lexiographically_larger(bytes1, bytes2) of Appendix A.3.1: byte-wise comparison, and on a
 * common prefix the longer string is the larger.
 *
 * @example
 * lexicographicallyLarger(Uint8Array.of(1), Uint8Array.of(0, 0)); // true
 */
export function lexicographicallyLarger(bytes1: Uint8Array, bytes2: Uint8Array): boolean {
  assertBytes('lexicographicallyLarger: bytes1', bytes1);
  assertBytes('lexicographicallyLarger: bytes2', bytes2);
  const min = Math.min(bytes1.length, bytes2.length);
  for (let i = 0; i < min; i++) {
    if (bytes1[i]! > bytes2[i]!) return true;
    if (bytes1[i]! < bytes2[i]!) return false;
  }
  return bytes1.length > bytes2.length;
}

/**
 * o_cat(bytes1, bytes2): b"oc", then the lexicographically larger string, then the other
 * (§6.3, Appendix A.3.2). Gives both parties the same transcript when neither speaks first.
 *
 * @example
 * oCat(utf8ToBytes('ABCD'), utf8ToBytes('BCD')); // 'oc' || 'BCD' || 'ABCD'
 */
export function oCat(bytes1: Uint8Array, bytes2: Uint8Array): Uint8Array {
  const firstIsLarger = lexicographicallyLarger(bytes1, bytes2);
  const [hi, lo] = firstIsLarger ? [bytes1, bytes2] : [bytes2, bytes1];
  const out = new Uint8Array(OC_PREFIX.length + hi.length + lo.length);
  out.set(OC_PREFIX, 0);
  out.set(hi, OC_PREFIX.length);
  out.set(lo, OC_PREFIX.length + hi.length);
  return out;
}

/**
 * transcript_ir(Ya, ADa, Yb, ADb) = lv_cat(Ya, ADa) || lv_cat(Yb, ADb): the transcript of the
 * initiator-responder setting, A being the initiator (§6.3, Appendix A.3.4).
 *
 * @example
 * const transcript = transcriptIr(ya, adA, yb, adB);
 */
export function transcriptIr(
  ya: Uint8Array,
  adA: Uint8Array,
  yb: Uint8Array,
  adB: Uint8Array
): Uint8Array {
  assertBytes('transcriptIr: Ya', ya);
  assertBytes('transcriptIr: ADa', adA);
  assertBytes('transcriptIr: Yb', yb);
  assertBytes('transcriptIr: ADb', adB);
  // lv_cat(Ya, ADa) || lv_cat(Yb, ADb) is byte for byte lv_cat(Ya, ADa, Yb, ADb).
  return lvCat(ya, adA, yb, adB);
}

/**
 * transcript_oc(Ya, ADa, Yb, ADb) = o_cat(lv_cat(Ya, ADa), lv_cat(Yb, ADb)): the transcript of
 * the symmetric setting, where either party may speak first (§6.3, Appendix A.3.6).
 *
 * @example
 * transcriptOc(ya, adA, yb, adB); // equals transcriptOc(yb, adB, ya, adA)
 */
export function transcriptOc(
  ya: Uint8Array,
  adA: Uint8Array,
  yb: Uint8Array,
  adB: Uint8Array
): Uint8Array {
  assertBytes('transcriptOc: Ya', ya);
  assertBytes('transcriptOc: ADa', adA);
  assertBytes('transcriptOc: Yb', yb);
  assertBytes('transcriptOc: ADb', adB);
  return oCat(lvCat(ya, adA), lvCat(yb, adB));
}

// ---- group environment G_Ristretto255 (§8.1, §8.3) --------------------------------------------

/**
 * generator_string(DSI, PRS, CI, sid, s_in_bytes) = lv_cat(DSI, PRS, zero_bytes(len_zpad), CI,
 * sid), with len_zpad = max(0, s_in_bytes - 1 - len(prepend_len(PRS)) - len(prepend_len(DSI)))
 * (§8.1, Appendix A.2). The padding makes DSI and PRS fill the first hash block, so hashing time
 * does not depend on a short password's length. The result contains the PRS: wipe it after use.
 *
 * @example
 * const genStr = generatorString(utf8ToBytes(CPACE_DSI), prs, ci, sid, HASH_BLOCK_LENGTH);
 * const hash = sha512(genStr);
 * genStr.fill(0);
 */
export function generatorString(
  dsi: Uint8Array,
  prs: Uint8Array,
  ci: Uint8Array,
  sid: Uint8Array,
  sInBytes: number
): Uint8Array {
  assertBytes('generatorString: DSI', dsi);
  assertBytes('generatorString: PRS', prs);
  assertBytes('generatorString: CI', ci);
  assertBytes('generatorString: sid', sid);
  if (!Number.isSafeInteger(sInBytes) || sInBytes < 0) {
    throw new RangeError(`generatorString: s_in_bytes: expected a non-negative integer`);
  }
  const prependedPrs = leb128Length(prs.length) + prs.length;
  const prependedDsi = leb128Length(dsi.length) + dsi.length;
  const zpad = Math.max(0, sInBytes - 1 - prependedPrs - prependedDsi);
  return lvCat(dsi, prs, new Uint8Array(zpad), ci, sid);
}

/**
 * G.calculate_generator(H, PRS, CI, sid) for ristretto255 and SHA-512 (§8.3): hash the generator
 * string to 64 bytes and map them with RFC 9496 element derivation. Returns the decoded point
 * `_g`; `calculateGenerator(...).toBytes()` is the "encoded generator g" of Appendix B.3.1.
 *
 * @example
 * const g = calculateGenerator(prs, ci, sid);
 * const share = scalarMult(sampleScalar(), g);
 */
export function calculateGenerator(
  prs: Uint8Array,
  ci: Uint8Array,
  sid: Uint8Array
): RistrettoPoint {
  const genStr = generatorString(DSI_BYTES, prs, ci, sid, HASH_BLOCK_LENGTH);
  const genHash = sha512(genStr); // H.hash(gen_str, 2 * field_size_bytes): all 64 bytes
  genStr.fill(0);
  try {
    // RFC 9496 §4.3.4 element derivation ("deriveToCurve" in noble); never absent for ristretto.
    if (ristretto255_hasher.deriveToCurve === undefined) {
      throw new Error('calculateGenerator: noble lacks ristretto255 element derivation');
    }
    return ristretto255_hasher.deriveToCurve(genHash);
  } finally {
    genHash.fill(0);
  }
}

/**
 * G.sample_scalar() as §8.3 recommends: 32 random bytes with the bits above group_size_bits
 * (252) cleared, read little-endian. That value is always below the group order. Zero, which the
 * draft does not exclude but which would make Y the identity, is drawn again (odds 2^-252).
 *
 * @example
 * const scalar = sampleScalar(); // 32 bytes, scalar[31] < 0x10
 */
export function sampleScalar(): Uint8Array {
  const scalar = new Uint8Array(SCALAR_LENGTH);
  do {
    crypto.getRandomValues(scalar);
    scalar[SCALAR_LENGTH - 1]! &= 0xff >> (8 * SCALAR_LENGTH - GROUP_SIZE_BITS);
  } while (isIdentity(scalar));
  return scalar;
}

/**
 * G.scalar_mult(y, _g) = encode(y * _g) (§8.3): a scalar (32 bytes, little-endian, in
 * [1, order - 1]) times a decoded point, returned encoded. Constant time in the scalar (noble's
 * `multiply`).
 *
 * @example
 * const share = scalarMult(scalar, calculateGenerator(prs, ci, sid)); // Y, 32 bytes
 */
export function scalarMult(scalar: Uint8Array, point: RistrettoPoint): Uint8Array {
  const y = scalarToBigint('scalarMult: scalar', scalar);
  if (!(point instanceof ristretto255.Point)) {
    throw new TypeError('scalarMult: point: expected a ristretto255 point');
  }
  return point.multiply(y).toBytes();
}

/**
 * G.scalar_mult_vfy(y, X) (§8.3): if X is not a canonical ristretto255 encoding, G.I (32 zero
 * bytes); otherwise encode(y * decode(X)). In a prime-order group the product is G.I exactly when
 * X encodes the identity. A caller MUST abort when the result is G.I (§7.2); `cpaceFinish` does.
 *
 * @example
 * const k = scalarMultVfy(scalar, peerShare);
 * if (k.every((b) => b === 0)) throw new InvalidShareError();
 */
export function scalarMultVfy(scalar: Uint8Array, encoded: Uint8Array): Uint8Array {
  const y = scalarToBigint('scalarMultVfy: scalar', scalar);
  assertLength('scalarMultVfy: X', encoded, SHARE_LENGTH);
  let point: RistrettoPoint;
  try {
    point = ristretto255.Point.fromBytes(encoded);
  } catch {
    return new Uint8Array(SHARE_LENGTH); // decode failed: G.I
  }
  return point.multiply(y).toBytes();
}

// ---- ISK (§7.2, §10.6) ------------------------------------------------------------------------

/**
 * ISK = H.hash(lv_cat(G.DSI || b"_ISK", sid, K) || transcript) (§7.2). The transcript is
 * `transcriptIr(...)` in the initiator-responder setting and `transcriptOc(...)` in the symmetric
 * one. Refuses K = G.I, which §7.2 says MUST abort the run.
 *
 * @example
 * const isk = deriveIsk(sid, k, transcriptIr(ya, adA, yb, adB)); // 64 bytes
 */
export function deriveIsk(sid: Uint8Array, k: Uint8Array, transcript: Uint8Array): Uint8Array {
  assertBytes('deriveIsk: sid', sid);
  assertLength('deriveIsk: K', k, SHARE_LENGTH);
  assertBytes('deriveIsk: transcript', transcript);
  if (isIdentity(k)) throw new InvalidShareError('deriveIsk: K is the identity (§7.2)');
  const prefix = lvCat(DSI_ISK_BYTES, sid, k);
  const input = new Uint8Array(prefix.length + transcript.length);
  input.set(prefix, 0);
  input.set(transcript, prefix.length);
  prefix.fill(0);
  try {
    return sha512(input);
  } finally {
    input.fill(0); // holds K, which §10.3 says must never leak
  }
}

/**
 * sid_output = H.hash(b"CPaceSidOutput" || transcript) (§10.6): a public session identifier both
 * parties can compute after a run that had no sid as input.
 *
 * @example
 * const sessionId = sidOutput(transcriptIr(ya, adA, yb, adB)); // 64 bytes
 */
export function sidOutput(transcript: Uint8Array): Uint8Array {
  assertBytes('sidOutput: transcript', transcript);
  const input = new Uint8Array(SID_OUTPUT_PREFIX.length + transcript.length);
  input.set(SID_OUTPUT_PREFIX, 0);
  input.set(transcript, SID_OUTPUT_PREFIX.length);
  return sha512(input);
}

// ---- the calls the admission protocol makes ---------------------------------------------------

/** Inputs to `cpaceStart`: the same PRS, CI and sid on both sides (§4.1). */
export type CpaceStartInit = {
  /** Password-related string: here derived from the passphrase, never the passphrase itself. */
  prs: Uint8Array;
  /** Channel identifier: never sent, both sides must build the same one (§4.1). */
  ci: Uint8Array;
  /** Session identifier, public and unique per session where possible (§4.1, §10.9). */
  sid: Uint8Array;
  /** Our associated data, sent in clear beside our share. Not an input to Y (§7.2): checked here
   *  so a bad value fails before anything is sent. */
  ad?: Uint8Array;
};

/** What `cpaceStart` returns: our secret scalar and the share Y to send. */
export type CpaceStartResult = {
  /** y, 32 bytes little-endian. Secret; pass it to `cpaceFinish` once, which wipes it. */
  scalar: Uint8Array;
  /** Y = y * g, encoded, 32 bytes. Sent to the peer with our AD. */
  share: Uint8Array;
};

/**
 * First step of a CPace run (§7.2): g = calculate_generator(PRS, CI, sid), a fresh scalar y
 * (or the one given, for test vectors) and Y = y * g.
 *
 * @param init - PRS, CI, sid and (optionally) our AD; see {@link CpaceStartInit}.
 * @param scalar - Only for tests: a fixed scalar (32 bytes little-endian, in [1, order - 1]).
 *   It is copied; never pass one in production, a scalar MUST NOT be reused (§10.9).
 * @example
 * const { scalar, share } = cpaceStart({ prs, ci, sid, ad });
 * await send({ share, ad });
 */
export function cpaceStart(init: CpaceStartInit, scalar?: Uint8Array): CpaceStartResult {
  assertObject('cpaceStart: init', init);
  const { prs, ci, sid, ad } = init;
  assertInput('cpaceStart: prs', prs);
  if (prs.length === 0) throw new RangeError('cpaceStart: prs: expected at least 1 byte');
  assertInput('cpaceStart: ci', ci);
  assertInput('cpaceStart: sid', sid);
  if (ad !== undefined) assertInput('cpaceStart: ad', ad);
  if (scalar !== undefined) scalarToBigint('cpaceStart: scalar', scalar);

  const y = scalar === undefined ? sampleScalar() : scalar.slice();
  const g = calculateGenerator(prs, ci, sid);
  return { scalar: y, share: scalarMult(y, g) };
}

/** Inputs to `cpaceFinish`, seen from our side of the run. */
export type CpaceFinishInit = {
  /** The sid given to `cpaceStart`. */
  sid: Uint8Array;
  /** The scalar `cpaceStart` returned. Consumed: zeroed when `cpaceFinish` returns or throws. */
  scalar: Uint8Array;
  /** Ours: 'initiator' (we sent first, our message is A's) or 'responder'. */
  role: CpaceRole;
  /** The share we sent. */
  ownShare: Uint8Array;
  /** The AD we sent (empty if none). */
  ownAd: Uint8Array;
  /** The share the peer sent: untrusted. */
  peerShare: Uint8Array;
  /** The AD the peer sent: untrusted. */
  peerAd: Uint8Array;
};

/**
 * Second step of a CPace run in the initiator-responder setting (§7.2): K =
 * scalar_mult_vfy(y, peer's Y); abort if K = G.I; ISK = H.hash(lv_cat(DSI || "_ISK", sid, K) ||
 * transcript_ir(Ya, ADa, Yb, ADb)), A being the initiator.
 *
 * Both sides get the same ISK exactly when PRS, CI, sid and both (Y, AD) pairs match. The ISK
 * authenticates nothing by itself: confirm it with `confirmationTags` before trusting the peer.
 *
 * @returns ISK, 64 bytes. Feed it to a KDF before use as a key (§4, §10.3).
 * @throws {InvalidShareError} if the peer's share is not a canonical ristretto255 encoding, is
 *   the identity (both make K = G.I, §7.2, §8.3.1), or is our own share sent back to us (a
 *   reflection: §10.1.2 warns of a party sharing a key with itself).
 * @throws {TypeError | RangeError} on a missing, mistyped or wrong-length argument.
 * @example
 * const isk = cpaceFinish({
 *   sid, scalar, role: 'initiator', ownShare: share, ownAd: ad, peerShare, peerAd
 * });
 */
export function cpaceFinish(init: CpaceFinishInit): Uint8Array {
  assertObject('cpaceFinish: init', init);
  const { sid, scalar, role, ownShare, ownAd, peerShare, peerAd } = init;
  try {
    assertInput('cpaceFinish: sid', sid);
    scalarToBigint('cpaceFinish: scalar', scalar);
    if (role !== 'initiator' && role !== 'responder') {
      throw new RangeError(`cpaceFinish: role: expected 'initiator' or 'responder'`);
    }
    assertLength('cpaceFinish: ownShare', ownShare, SHARE_LENGTH);
    assertInput('cpaceFinish: ownAd', ownAd);
    assertLength('cpaceFinish: peerShare', peerShare, SHARE_LENGTH);
    assertInput('cpaceFinish: peerAd', peerAd);

    if (equalBytes(ownShare, peerShare)) {
      throw new InvalidShareError('cpaceFinish: peerShare is our own share reflected back');
    }
    const k = scalarMultVfy(scalar, peerShare);
    try {
      if (isIdentity(k)) {
        throw new InvalidShareError(
          'cpaceFinish: peerShare is not a canonical ristretto255 encoding, or is the identity'
        );
      }
      const transcript =
        role === 'initiator'
          ? transcriptIr(ownShare, ownAd, peerShare, peerAd)
          : transcriptIr(peerShare, peerAd, ownShare, ownAd);
      return deriveIsk(sid, k, transcript);
    } finally {
      k.fill(0);
    }
  } finally {
    if (isBytes(scalar)) scalar.fill(0); // §10.9: a scalar MUST NOT be reused
  }
}

// ---- explicit key confirmation (§10.4) --------------------------------------------------------

/** The public values of one run that `confirmationTags` authenticates. */
export type ConfirmationInit = {
  /** The run's sid. */
  sid: Uint8Array;
  /** Ya, the initiator's share. */
  initiatorShare: Uint8Array;
  /** ADa, the initiator's AD. */
  initiatorAd: Uint8Array;
  /** Yb, the responder's share. */
  responderShare: Uint8Array;
  /** ADb, the responder's AD. */
  responderAd: Uint8Array;
};

/** The two key-confirmation tags of a run, 64 bytes each. */
export type ConfirmationTags = {
  /** Ta: the initiator sends it, the responder checks it. */
  initiator: Uint8Array;
  /** Tb: the responder sends it, the initiator checks it. */
  responder: Uint8Array;
};

/**
 * Explicit key confirmation as §10.4 describes it, with HMAC-SHA-512 as the MAC:
 * mac_key = H.hash(b"CPaceMac" || sid || ISK); Ta = MAC(mac_key, lv_cat(Ya, ADa));
 * Tb = MAC(mac_key, lv_cat(Yb, ADb)). Each side sends its own tag and checks the other's with
 * `verifyTag`; a wrong tag means the peer does not hold the same ISK, so does not know the PRS.
 * The two tags differ because they cover different messages, so a tag reflected back fails.
 * Confirmation also gives CPace perfect forward security under the assumptions of [AHH21].
 *
 * @example
 * // We are the initiator; Ya/ADa are ours, Yb/ADb the responder's.
 * const tags = confirmationTags(isk, {
 *   sid, initiatorShare: ya, initiatorAd: adA, responderShare: yb, responderAd: adB
 * });
 * await send(tags.initiator);
 * if (!verifyTag(tags.responder, await receive())) throw new AdmissionFailedError();
 */
export function confirmationTags(isk: Uint8Array, init: ConfirmationInit): ConfirmationTags {
  assertLength('confirmationTags: isk', isk, ISK_LENGTH);
  assertObject('confirmationTags: init', init);
  const { sid, initiatorShare, initiatorAd, responderShare, responderAd } = init;
  assertInput('confirmationTags: sid', sid);
  assertLength('confirmationTags: initiatorShare', initiatorShare, SHARE_LENGTH);
  assertInput('confirmationTags: initiatorAd', initiatorAd);
  assertLength('confirmationTags: responderShare', responderShare, SHARE_LENGTH);
  assertInput('confirmationTags: responderAd', responderAd);

  // b"CPaceMac" || sid || ISK: plain concatenation, as §10.4 writes it (ISK has a fixed length).
  const keyInput = new Uint8Array(MAC_PREFIX.length + sid.length + ISK_LENGTH);
  keyInput.set(MAC_PREFIX, 0);
  keyInput.set(sid, MAC_PREFIX.length);
  keyInput.set(isk, MAC_PREFIX.length + sid.length);
  const macKey = sha512(keyInput);
  keyInput.fill(0);
  try {
    return {
      initiator: hmac(sha512, macKey, lvCat(initiatorShare, initiatorAd)),
      responder: hmac(sha512, macKey, lvCat(responderShare, responderAd))
    };
  } finally {
    macKey.fill(0);
  }
}

/**
 * Compares a tag we computed with one the peer sent, in time that depends only on the lengths
 * (which are public). A received tag of the wrong length is simply not equal.
 *
 * @param expected - Our tag, from `confirmationTags`: must be TAG_LENGTH bytes, so an empty or
 *   truncated expectation can never match by accident.
 * @param received - The peer's tag: untrusted, any length.
 * @example
 * if (!verifyTag(tags.responder, peerTag)) throw new AdmissionFailedError();
 */
export function verifyTag(expected: Uint8Array, received: Uint8Array): boolean {
  assertLength('verifyTag: expected', expected, TAG_LENGTH);
  assertBytes('verifyTag: received', received);
  return equalBytes(expected, received);
}
