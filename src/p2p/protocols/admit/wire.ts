/**
 * Admission on the wire: its limits, its outcomes, and the checks every message of
 * `/samen/admit/2.0.0` gets before any of it is used (pb/admit.proto).
 */
import type { Uint8ArrayList } from 'uint8arraylist';
import {
  AdmissionRateLimitedError,
  CallLockedError,
  MalformedMessageError,
  PeerBlockedError,
  SamenError
} from '../../errors.ts';
import { MEDIA_FINGERPRINT_PATTERN } from '../session/index.ts';
import { strictCodec } from '../stream-errors.ts';
import { AdmitResponse } from './pb/admit.ts';

/** The version in AdmitRequest; a new wire format gets a new protocol ID as well. */
export const ADMIT_VERSION = 2;

/**
 * The largest admission message: a 64-byte tag or a 32-byte share, a 16-byte nonce and a
 * 103-character fingerprint, plus framing, stay under 250.
 */
export const ADMIT_MAX_MESSAGE_BYTES = 512;

/**
 * The whole exchange must finish in this time: two round trips through a relay take well under a
 * second; a peer that stalls is cut off so it cannot hold the stream (and our scalar) open.
 */
export const ADMIT_TIMEOUT_MS = 10_000;

/** Bytes of each nonce: 128 bits makes every run's session id (and every resume) unique. */
export const ADMIT_NONCE_BYTES = 16;

/** An HMAC-SHA-256 tag: a resume proof. */
export const RESUME_MAC_BYTES = 32;

/** The longest wait a refusal may ask for: a hostile peer must not park us for a day. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

export type Outcome = AdmitResponse.Outcome;
export const Outcome = AdmitResponse.Outcome;

/** AdmitResponse.Outcome in the order of its numbers in pb/admit.proto. */
const OUTCOMES: readonly Outcome[] = [
  Outcome.UNKNOWN,
  Outcome.CONTINUE,
  Outcome.ADMITTED,
  Outcome.FAILED,
  Outcome.REFUSED_BLOCKED,
  Outcome.REFUSED_LOCKED,
  Outcome.REFUSED_DUPLICATE,
  Outcome.REFUSED_RATE_LIMITED,
  Outcome.RESUMED,
  Outcome.RESUME_UNKNOWN
];

/** The outcome a response's number stands for: one this version does not know is UNKNOWN. */
export function outcomeOf(value: number): Outcome {
  return OUTCOMES[value] ?? Outcome.UNKNOWN;
}

/** The number an outcome is sent as. */
export function outcomeNumber(outcome: Outcome): number {
  return OUTCOMES.indexOf(outcome);
}

/** Decodes an admission message, any decoding error being the peer's malformed message. */
export function strict<Message, Encoded>(codec: {
  encode(message: Encoded): Uint8Array;
  decode(data: Uint8Array | Uint8ArrayList): Message;
}) {
  return strictCodec(codec, 'admission');
}

export function expectLength(bytes: Uint8Array, length: number, field: string): void {
  if (bytes.length !== length) {
    throw new MalformedMessageError(`admission ${field} of ${bytes.length} bytes, not ${length}`);
  }
}

export function expectEmpty(bytes: Uint8Array | string, field: string): void {
  if (bytes.length !== 0) {
    throw new MalformedMessageError(`an admission ${field} where none belongs`);
  }
}

/**
 * A media certificate fingerprint as committed: "sha-256 " and 32 hex bytes (RFC 8122 §5), or
 * empty from a side that has no media at all (a Node peer without WebRTC media).
 */
export function expectFingerprint(fingerprint: string): void {
  if (fingerprint !== '' && !MEDIA_FINGERPRINT_PATTERN.test(fingerprint)) {
    throw new MalformedMessageError('an admission fingerprint that is not a SHA-256 one');
  }
}

/** Both sides started at once; our run was superseded by the peer's (not a failure). */
export class DuplicateAdmission extends SamenError {
  override name = 'DuplicateAdmission';
}

/** The error a refusal from the responder stands for. */
export function refusal(response: AdmitResponse): SamenError {
  const outcome = outcomeOf(response.outcome);
  switch (outcome) {
    case Outcome.REFUSED_BLOCKED:
      return new PeerBlockedError('the participants removed us from this call');
    case Outcome.REFUSED_LOCKED:
      return new CallLockedError('the participants locked the call');
    case Outcome.REFUSED_DUPLICATE:
      return new DuplicateAdmission('the peer is admitting us already');
    case Outcome.REFUSED_RATE_LIMITED:
      return new AdmissionRateLimitedError(
        'the peer answers no more guesses for now',
        Math.min(response.retryAfterMs, MAX_RETRY_AFTER_MS)
      );
    default:
      return new MalformedMessageError(`an unexpected admission outcome (${outcome})`);
  }
}
