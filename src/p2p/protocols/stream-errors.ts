/**
 * What went wrong on a protocol stream, as one of Samen's typed errors (errors.ts): the one
 * mapper that admission and the session use, so that a reset, a stall, an oversized frame or a
 * peer that hangs up is named the same way everywhere. What an early end of stream and an
 * oversized frame mean differs between protocols: {@link STREAM_ERROR_POLICIES} says it for each.
 *
 * @module
 */
import type { Uint8ArrayList } from 'uint8arraylist';
import {
  AbortedError,
  MalformedMessageError,
  MessageTooLargeError,
  ProtocolTimeoutError,
  SamenError
} from '../errors.ts';

/** How one protocol reads the cases that differ between protocols. */
export interface StreamErrorPolicy {
  /**
   * The peer closed its side before a whole message came (`UnexpectedEOFError` from
   * @libp2p/utils): `close` when that is how the stream ends, `malformed` when the exchange was
   * cut short.
   */
  readonly endOfStream: 'close' | 'malformed';
  /**
   * A frame over the stream's `maxDataLength` (`InvalidDataLengthError`,
   * `InvalidMessageLengthError`): `too-large` reports MessageTooLargeError; `malformed` counts it
   * among malformed messages.
   */
  readonly oversized: 'too-large' | 'malformed';
}

/** Each protocol's reading, side by side; a new protocol adds its row. */
export const STREAM_ERROR_POLICIES = {
  /**
   * Admission: a run the peer cut short, or a frame over ADMIT_MAX_MESSAGE_BYTES, is a malformed
   * exchange, and counted as a guess like any other bad message.
   */
  admission: { endOfStream: 'malformed', oversized: 'malformed' },
  /**
   * The session: the peer ending its side is the session ending, not an error; a frame over
   * SESSION_MAX_MESSAGE_BYTES is MessageTooLargeError.
   */
  session: { endOfStream: 'close', oversized: 'too-large' },
  /**
   * TURN credentials: a node that ends the stream without an answer refused (the caller says
   * so: TurnUnavailableError); an answer over TURN_MAX_MESSAGE_BYTES is malformed.
   */
  turn: { endOfStream: 'close', oversized: 'malformed' }
} as const satisfies Record<string, StreamErrorPolicy>;

export type StreamName = keyof typeof STREAM_ERROR_POLICIES;

/** What a stream's failure maps to: never undefined where an early end is malformed. */
type StreamErrorOf<S extends StreamName> =
  (typeof STREAM_ERROR_POLICIES)[S]['endOfStream'] extends 'malformed'
    ? SamenError
    : SamenError | undefined;

/** The signals that were in force when the stream failed. */
export interface StreamErrorSignals {
  /** Our caller gave up (Leave, the caller's signal): AbortedError. Checked first. */
  readonly caller?: AbortSignal;
  /** The protocol's own deadline (or anything else of ours that ended it): ProtocolTimeoutError. */
  readonly deadline?: AbortSignal;
}

/**
 * A protons codec whose decoding errors are the peer's malformed message: protons throws a
 * plain `Error` for a bad wire type or an unknown enum value, which no error name tells apart
 * from a broken stream. Read with this, a message that does not decode closes its stream as
 * MalformedMessageError (reported and counted), and is never taken for network trouble.
 *
 * @example
 * pbStream(stream).pb(strictCodec(SessionMessage, 'session'))
 * await messages.read(strictCodec(AdmitRequest, 'admission'))
 */
export function strictCodec<Message, Encoded>(
  codec: {
    encode(message: Encoded): Uint8Array;
    decode(data: Uint8Array | Uint8ArrayList): Message;
  },
  stream: StreamName
): {
  encode(message: Encoded): Uint8Array;
  decode(data: Uint8Array | Uint8ArrayList): Message;
} {
  return {
    encode: (message) => codec.encode(message),
    decode(data) {
      try {
        return codec.decode(data);
      } catch (cause) {
        throw new MalformedMessageError(`a ${stream} message that does not decode`, { cause });
      }
    }
  };
}

/** The frame-length errors of @libp2p/utils' length-prefixed streams. */
const OVERSIZED = new Set(['InvalidDataLengthError', 'InvalidMessageLengthError']);

/** Decoding and framing errors of protons and @libp2p/utils: the peer sent something bad. */
const MALFORMED = /Decode|Length|Invalid|MaxLength/i;

/**
 * Maps an error from reading or writing one of Samen's protocol streams to a typed error, or to
 * undefined when the stream simply ended (the session's reading of an early end). A SamenError
 * passes unchanged.
 *
 * @example
 * catch (err) { channel.close(toStreamError(err, 'session')) }
 * catch (err) { throw toStreamError(err, 'admission', { caller: options.signal, deadline: signal }) }
 */
export function toStreamError<S extends StreamName>(
  err: unknown,
  stream: S,
  signals: StreamErrorSignals = {}
): StreamErrorOf<S> {
  return mapStreamError(err, stream, signals) as StreamErrorOf<S>;
}

function mapStreamError(
  err: unknown,
  stream: StreamName,
  signals: StreamErrorSignals
): SamenError | undefined {
  const policy: StreamErrorPolicy = STREAM_ERROR_POLICIES[stream];
  if (err instanceof SamenError) {
    return err;
  }
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
