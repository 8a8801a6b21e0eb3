/**
 * What went wrong on a protocol stream, as one of Samen's typed errors (errors.ts): the one
 * mapper that admission and the session use, so that a reset, a stall, an oversized frame or a
 * peer that hangs up is named the same way everywhere. Each protocol says what an end of stream
 * and an oversized frame mean to it; everything else is common.
 *
 * @module
 */
import {
  AbortedError,
  MalformedMessageError,
  MessageTooLargeError,
  ProtocolTimeoutError,
  SamenError
} from '../errors.ts';

/** How one protocol reads the cases that differ between protocols. */
export interface StreamErrorPolicy {
  /** Names the stream in error messages: "admission", "session". */
  readonly stream: string;
  /**
   * The peer closed its side before a whole message came (`UnexpectedEOFError` from
   * @libp2p/utils): `close` when that is how the stream ends (the session: the peer said all it
   * had), `malformed` when the exchange was cut short (admission: an abandoned run).
   */
  readonly endOfStream: 'close' | 'malformed';
  /**
   * A frame over the stream's `maxDataLength` (`InvalidDataLengthError`,
   * `InvalidMessageLengthError`): `too-large` reports MessageTooLargeError; `malformed` counts it
   * among malformed messages (admission: a failed guess like any other bad message).
   */
  readonly oversized: 'too-large' | 'malformed';
}

/** The signals that were in force when the stream failed. */
export interface StreamErrorSignals {
  /** Our caller gave up (Leave, the caller's signal): AbortedError. Checked first. */
  readonly caller?: AbortSignal;
  /** The protocol's own deadline (or anything else of ours that ended it): ProtocolTimeoutError. */
  readonly deadline?: AbortSignal;
}

/** The frame-length errors of @libp2p/utils' length-prefixed streams. */
const OVERSIZED = new Set(['InvalidDataLengthError', 'InvalidMessageLengthError']);

/** Decoding and framing errors of protons and @libp2p/utils: the peer sent something bad. */
const MALFORMED = /Decode|Length|Invalid|MaxLength/i;

/**
 * Maps an error from reading or writing a protocol stream to a typed error, or to undefined when
 * the stream simply ended (a policy with `endOfStream: 'close'`). A SamenError passes unchanged.
 *
 * @example
 * catch (err) { channel.close(toStreamError(err, SESSION_ERRORS)) }
 * catch (err) { throw toStreamError(err, ADMIT_ERRORS, { caller: options.signal, deadline: signal }) }
 */
export function toStreamError(
  err: unknown,
  policy: StreamErrorPolicy & { readonly endOfStream: 'malformed' },
  signals?: StreamErrorSignals
): SamenError;
export function toStreamError(
  err: unknown,
  policy: StreamErrorPolicy,
  signals?: StreamErrorSignals
): SamenError | undefined;
export function toStreamError(
  err: unknown,
  policy: StreamErrorPolicy,
  signals: StreamErrorSignals = {}
): SamenError | undefined {
  if (err instanceof SamenError) {
    return err;
  }
  const { stream } = policy;
  if (signals.caller?.aborted === true) {
    return new AbortedError(`${stream} aborted`, { cause: err });
  }
  if (signals.deadline?.aborted === true) {
    return new ProtocolTimeoutError(`${stream} took too long`, { cause: err });
  }
  const name = (err as Error | undefined)?.name ?? '';
  if (name === 'UnexpectedEOFError') {
    return policy.endOfStream === 'close'
      ? undefined
      : new MalformedMessageError(`the peer ended the ${stream} stream early`, { cause: err });
  }
  if (OVERSIZED.has(name) && policy.oversized === 'too-large') {
    return new MessageTooLargeError(`the peer sent a ${stream} message over the limit`, {
      cause: err
    });
  }
  if (MALFORMED.test(name) || err instanceof RangeError) {
    return new MalformedMessageError(`the peer sent a malformed ${stream} message`, {
      cause: err
    });
  }
  return new SamenError(`the ${stream} stream failed`, { cause: err });
}
