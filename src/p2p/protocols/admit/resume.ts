/**
 * Resume tickets: a participant whose direct connection dropped comes back without a new
 * passphrase guess. Both sides of an admitted pair hold the pair's resume key (an HKDF subkey of
 * the session key, session-keys.ts); coming back, the initiator proves it knows that key, the
 * responder proves it back, and both derive a fresh session key from it and the run's nonces.
 *
 *   request MAC  = HMAC(resume key, lv_cat("samen/v2 resume request", I, R, nonce_I, fp_I))
 *   response MAC = HMAC(resume key, lv_cat("samen/v2 resume response", I, R, nonce_I, nonce_R,
 *                                          fp_I, fp_R))
 *   session key  = HKDF(resume key, salt = lv_cat(nonce_I, nonce_R), "samen/v2 resumed session")
 *
 * I and R are the initiator's and responder's peer IDs (their multihash bytes), which Noise has
 * authenticated on the connection, and fp the media certificate fingerprints the two commit for
 * the new session. Only the two peers hold the resume key (it comes from CPace's ISK), so a
 * proof can neither be forged by a third party nor moved to another pair of peers; a replayed
 * request gets a different responder nonce, so a different session key the replayer cannot
 * compute. A ticket is not a guess: no rate limit applies, and a lock of the call lets it in.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { PeerId } from '@libp2p/interface';
import { lvCat, wireBytes } from '../../bytes.ts';
import { KEY_LENGTH } from '../../constants.ts';
import { hkdfSha256 } from '../../keys.ts';

const REQUEST_LABEL = utf8ToBytes('samen/v2 resume request');
const RESPONSE_LABEL = utf8ToBytes('samen/v2 resume response');
const SESSION_INFO = utf8ToBytes('samen/v2 resumed session');

export interface ResumeRun {
  readonly initiator: PeerId;
  readonly responder: PeerId;
  readonly initiatorNonce: Uint8Array;
  readonly initiatorFingerprint: string;
}

export interface ResumeAnswer extends ResumeRun {
  readonly responderNonce: Uint8Array;
  readonly responderFingerprint: string;
}

/** The initiator's proof that it holds the pair's resume key. */
export function resumeRequestMac(resumeKey: Uint8Array, run: ResumeRun): Uint8Array<ArrayBuffer> {
  return resumeMac(resumeKey, REQUEST_LABEL, run, utf8ToBytes(run.initiatorFingerprint));
}

/** The responder's proof back, over everything both sides put in. */
export function resumeResponseMac(
  resumeKey: Uint8Array,
  answer: ResumeAnswer
): Uint8Array<ArrayBuffer> {
  return resumeMac(
    resumeKey,
    RESPONSE_LABEL,
    answer,
    answer.responderNonce,
    utf8ToBytes(answer.initiatorFingerprint),
    utf8ToBytes(answer.responderFingerprint)
  );
}

/** The resumed pair's new session key. */
export function resumedSessionKey(
  resumeKey: Uint8Array,
  initiatorNonce: Uint8Array,
  responderNonce: Uint8Array
): Uint8Array {
  return hkdfSha256(resumeKey, lvCat(initiatorNonce, responderNonce), SESSION_INFO, KEY_LENGTH);
}

/**
 * HMAC(resume key, lv_cat(label, I, R, nonce_I, ...rest)): both proofs bind the pair of peers
 * and the initiator's nonce, after the label that keeps one from passing for the other.
 */
function resumeMac(
  resumeKey: Uint8Array,
  label: Uint8Array,
  run: ResumeRun,
  ...rest: Uint8Array[]
): Uint8Array<ArrayBuffer> {
  return wireBytes(
    hmac(
      sha256,
      resumeKey,
      lvCat(
        label,
        run.initiator.toMultihash().bytes,
        run.responder.toMultihash().bytes,
        run.initiatorNonce,
        ...rest
      )
    )
  );
}
