/**
 * Every key a call needs, derived from the passphrase (DESIGN.md, "How a call comes together"):
 *
 * ```
 * passphrase ─normalise─argon2id─► room secret ─HKDF─► rendezvous key(hour) ─sha2-256─► CID
 *                                              └HKDF─► admission secret ─HKDF(‖ PIN)─► CPace PRS
 * ```
 *
 * These functions define the protocol: two versions of Samen meet in a room only when every byte
 * here agrees. A change to a parameter or a label needs a new version (`v2`) in all of them, and
 * the fixed vectors in tests/unit/keys.test.ts will say so.
 */
import type { AbortOptions } from '@libp2p/interface';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { create as createDigest } from 'multiformats/hashes/digest';
import { KEY_LENGTH } from './constants.ts';
import { AbortedError, KeyDerivationError } from './errors.ts';
import { normalisePassphrase, normalisePin } from './passphrase.ts';

/** argon2id's cost parameters, as hash-wasm takes them. */
export interface Argon2Params {
  /** Memory in KiB. */
  memorySize: number;
  /** Passes over the memory (t). */
  iterations: number;
  /** Lanes (p). */
  parallelism: number;
  /** Output length in bytes. */
  hashLength: number;
}

/**
 * Version 1 of the room-secret KDF. Versioned as a whole: changing any field means a new room
 * (everyone on the old version derives another secret), so it gets a new version and salt.
 */
export const ROOM_KDF_V1 = Object.freeze({
  version: 1,
  // 64 MiB: RFC 9106 §4's second recommended option, for when 2 GiB is not available; it is
  // what a phone browser can allocate, and each guess costs an attacker the same memory.
  memorySize: 65536,
  // t = 3 passes: RFC 9106 §4's value for 64 MiB; about 0.3 to 1 s here (npm run bench:kdf).
  iterations: 3,
  // p = 1: hash-wasm runs single-threaded, so more lanes would cost us the same time while
  // letting an attacker with parallel hardware split each guess.
  parallelism: 1,
  // 32 bytes: the room secret is an HKDF-SHA-256 key, and 256 bits is HashLen (RFC 5869 §2.2).
  hashLength: KEY_LENGTH,
  // The salt is fixed, which RFC 9106 §3.1 does not recommend for password storage, and it must
  // be: everyone who knows the passphrase has to derive the same room with nothing exchanged
  // first. It is domain separation only (tables built for other argon2id uses, or for another
  // version of Samen, do not apply). What protects the room is the passphrase's entropy and
  // argon2id's cost per guess; a table built for this salt covers every Samen v1 room, which is
  // why the start page generates passphrases and warns under WEAK_PASSPHRASE_BITS.
  salt: 'samen/v1/room-secret'
} as const);

/** One rendezvous key per hour since the Unix epoch, so a DHT record is stale after an hour. */
export const RENDEZVOUS_PERIOD_MS = 3_600_000;

/** The multicodec code of sha2-256 (multiformats/multicodec table.csv). */
const SHA2_256_CODE = 0x12;

// HKDF info labels (RFC 5869 §3.2: "info" binds each key to its use). Each is followed by the
// only variable field of its derivation, so no length prefix is needed to keep them apart.
const INFO_RENDEZVOUS = 'samen/v1 rendezvous';
const INFO_ADMISSION = 'samen/v1 admission';
const INFO_CPACE_PRS = 'samen/v1 cpace-prs';

const utf8 = new TextEncoder();

/**
 * argon2id as every derivation runs it (hash-wasm). Exported for the worker and for the
 * reference vectors in the tests; use {@link deriveRoomSecret}.
 *
 * hash-wasm is imported here, on first use, not with this module: the call imports keys.ts for
 * its HKDF derivations, and argon2id (12 kB gzipped) belongs only to the KDF worker, which is
 * the only caller in a browser.
 *
 * @internal
 * @example
 * const bytes = (text: string) => new TextEncoder().encode(text)
 * const params = { memorySize: 256, iterations: 2, parallelism: 1, hashLength: 32 }
 * await runArgon2id(bytes('password'), bytes('somesalt'), params)
 */
export async function runArgon2id(
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2Params
): Promise<Uint8Array> {
  try {
    const { argon2id } = await import('hash-wasm');
    return await argon2id({ password, salt, ...params, outputType: 'binary' });
  } catch (cause) {
    throw new KeyDerivationError('argon2id failed', { cause });
  }
}

/**
 * The room secret from an already-normalised passphrase's UTF-8 bytes, with {@link ROOM_KDF_V1}.
 * The worker calls this; everything else calls {@link deriveRoomSecret}.
 *
 * @internal
 * @example
 * await roomSecretFromNormalised(new TextEncoder().encode(normalisePassphrase(text)))
 */
export function roomSecretFromNormalised(password: Uint8Array): Promise<Uint8Array> {
  const { memorySize, iterations, parallelism, hashLength, salt } = ROOM_KDF_V1;
  const params = { memorySize, iterations, parallelism, hashLength };
  return runArgon2id(password, utf8.encode(salt), params);
}

/**
 * The 32-byte room secret: argon2id ({@link ROOM_KDF_V1}) of the normalised passphrase. It runs
 * on the calling thread; the UI uses `deriveRoomSecretOffThread` (kdf.ts) instead.
 *
 * argon2id cannot be interrupted once it runs: `signal` is checked before and after, and an
 * abort in between discards the result.
 *
 * @throws {EmptyPassphraseError} / {PassphraseTooLongError} from normalisation
 * @throws {AbortedError} when `signal` is aborted
 * @throws {KeyDerivationError} when argon2id fails (e.g. the memory cannot be allocated)
 * @example
 * const roomSecret = await deriveRoomSecret('correct horse battery staple', { signal })
 */
export async function deriveRoomSecret(
  passphrase: string,
  { signal }: AbortOptions = {}
): Promise<Uint8Array> {
  const password = utf8.encode(normalisePassphrase(passphrase));
  try {
    throwIfAborted(signal);
    const secret = await roomSecretFromNormalised(password);
    if (signal?.aborted === true) {
      secret.fill(0);
      throwIfAborted(signal);
    }
    return secret;
  } finally {
    password.fill(0);
  }
}

/**
 * HKDF-SHA-256 (RFC 5869) as every derivation here runs it; exported so the tests can pin it with
 * the RFC's own vectors.
 *
 * @internal
 * @example
 * hkdfSha256(ikm, undefined, new TextEncoder().encode('label'), 32)
 */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number
): Uint8Array {
  return hkdf(sha256, ikm, salt, info, length);
}

/**
 * The rendezvous key for one hour: HKDF-SHA-256(room secret, info = "samen/v1 rendezvous" ‖
 * uint64be(hour)). No HKDF salt: the room secret is already uniformly random, and RFC 5869 §3.1
 * makes the salt optional then.
 *
 * @throws {TypeError} / {RangeError} when `roomSecret` is not 32 bytes or `hour` not an integer ≥ 0
 * @example
 * const key = rendezvousKey(roomSecret, currentHour())
 */
export function rendezvousKey(roomSecret: Uint8Array, hour: number): Uint8Array {
  assertKey(roomSecret, 'roomSecret');
  const label = utf8.encode(INFO_RENDEZVOUS);
  const info = new Uint8Array(label.length + 8);
  info.set(label);
  new DataView(info.buffer).setBigUint64(label.length, BigInt(assertHour(hour)));
  return hkdfSha256(roomSecret, undefined, info, KEY_LENGTH);
}

/**
 * The CID that peers of a room announce and look up on the DHT for one hour: CIDv1, codec raw
 * (0x55), multihash sha2-256 (0x12) of the rendezvous key. DHT nodes see only this, and it
 * changes every hour. Synchronous, with noble's sha256, so it is the same in browsers and Node.
 *
 * @throws {TypeError} / {RangeError} as {@link rendezvousKey}
 * @example
 * rendezvousCid(roomSecret, currentHour()).toString() // 'bafkrei…'
 */
export function rendezvousCid(roomSecret: Uint8Array, hour: number): CID {
  const digest = createDigest(SHA2_256_CODE, sha256(rendezvousKey(roomSecret, hour)));
  return CID.createV1(raw.code, digest);
}

/**
 * The admission secret: HKDF-SHA-256(room secret, info = "samen/v1 admission"). It feeds the
 * PAKE, and never leaves the device.
 *
 * @throws {TypeError} / {RangeError} when `roomSecret` is not 32 bytes
 * @example
 * const admission = admissionSecret(roomSecret)
 */
export function admissionSecret(roomSecret: Uint8Array): Uint8Array {
  assertKey(roomSecret, 'roomSecret');
  return hkdfSha256(roomSecret, undefined, utf8.encode(INFO_ADMISSION), KEY_LENGTH);
}

/**
 * The CPace password-related string: HKDF-SHA-256(admission secret, info = "samen/v1 cpace-prs"
 * ‖ UTF-8(normalised PIN)). An empty PIN (no PIN) is allowed. The PIN is normalised here, so
 * " ４３２１ " and "4321" give the same PRS.
 *
 * @throws {TypeError} / {RangeError} when `admission` is not 32 bytes
 * @throws {PassphraseTooLongError} when the PIN is over its limit
 * @example
 * const prs = cpacePrs(admissionSecret(roomSecret), pin)
 */
export function cpacePrs(admission: Uint8Array, pin: string): Uint8Array {
  assertKey(admission, 'admissionSecret');
  const info = utf8.encode(INFO_CPACE_PRS + normalisePin(pin));
  return hkdfSha256(admission, undefined, info, KEY_LENGTH);
}

/**
 * Hours since the Unix epoch: floor(ms / 3 600 000).
 *
 * @throws {RangeError} when `now` is not a finite number ≥ 0
 * @example
 * currentHour(Date.UTC(2025, 0, 1)) // 482136
 */
export function currentHour(now: number = Date.now()): number {
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
    throw new RangeError(`now: expected milliseconds since the epoch ≥ 0, got ${now}`);
  }
  return Math.floor(now / RENDEZVOUS_PERIOD_MS);
}

/**
 * The hours to look up a room under: the current one, then the previous one (a peer that
 * announced just before the hour rolled is still found).
 *
 * @throws {RangeError} as {@link currentHour}
 * @example
 * rendezvousHours(Date.UTC(2025, 0, 1)) // [482136, 482135]
 */
export function rendezvousHours(now: number = Date.now()): readonly number[] {
  const hour = currentHour(now);
  return hour === 0 ? [hour] : [hour, hour - 1];
}

function assertKey(key: Uint8Array, label: string): void {
  if (!(key instanceof Uint8Array)) throw new TypeError(`${label}: expected a Uint8Array`);
  if (key.length !== KEY_LENGTH) {
    throw new RangeError(`${label}: expected ${KEY_LENGTH} bytes, got ${key.length}`);
  }
}

function assertHour(hour: number): number {
  if (typeof hour !== 'number') throw new TypeError(`hour: expected a number, got ${typeof hour}`);
  if (!Number.isSafeInteger(hour) || hour < 0) {
    throw new RangeError(`hour: expected an integer ≥ 0, got ${hour}`);
  }
  return hour;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortedError('aborted', { cause: signal.reason });
}
