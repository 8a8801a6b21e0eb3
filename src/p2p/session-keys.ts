/**
 * One key, one purpose: what a pair's admission session key is used for, each through its own
 * HKDF-SHA-256 subkey (RFC 5869 §3.2: the info string binds a key to its use), never the
 * session key itself.
 *
 *   session key ─HKDF("samen/v2 media-hello")─► MAC key of MediaHello (media.ts)
 *               ├HKDF("samen/v2 safety-words")─► input of the safety words (safety-words.ts)
 *               └HKDF("samen/v2 resume")──────► resume tickets (protocols/admit/resume.ts)
 *
 * A MAC that leaked (it is sent on the wire) or words that were read aloud say nothing about
 * the other subkeys, and a change to one use cannot weaken another.
 */
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { KEY_LENGTH } from './constants.ts';
import { hkdfSha256 } from './keys.ts';

const INFO = {
  mediaHello: utf8ToBytes('samen/v2 media-hello'),
  safetyWords: utf8ToBytes('samen/v2 safety-words'),
  resume: utf8ToBytes('samen/v2 resume')
} as const;

/** A pair's subkeys, each KEY_LENGTH bytes; wipe them with {@link wipeSessionKeys}. */
export interface SessionKeys {
  /** The MAC key of the pair's MediaHello messages. */
  readonly mediaHello: Uint8Array;
  /** The key the pair's safety words are derived from. */
  readonly safetyWords: Uint8Array;
  /** The key of the pair's resume tickets: a participant who dropped comes back with it. */
  readonly resume: Uint8Array;
}

/**
 * The subkeys of a session key. No HKDF salt: the session key is uniformly random already
 * (RFC 5869 §3.1).
 *
 * @throws {RangeError} when the session key is not KEY_LENGTH bytes
 * @example
 * const keys = sessionKeys(sessionKey)
 * hmac(sha256, keys.mediaHello, message)
 */
export function sessionKeys(sessionKey: Uint8Array): SessionKeys {
  if (!(sessionKey instanceof Uint8Array) || sessionKey.length !== KEY_LENGTH) {
    throw new RangeError(`sessionKeys: expected a ${KEY_LENGTH}-byte session key`);
  }
  return {
    mediaHello: hkdfSha256(sessionKey, undefined, INFO.mediaHello, KEY_LENGTH),
    safetyWords: hkdfSha256(sessionKey, undefined, INFO.safetyWords, KEY_LENGTH),
    resume: hkdfSha256(sessionKey, undefined, INFO.resume, KEY_LENGTH)
  };
}

/** Overwrites every subkey with zeros. */
export function wipeSessionKeys(keys: SessionKeys): void {
  keys.mediaHello.fill(0);
  keys.safetyWords.fill(0);
  keys.resume.fill(0);
}
