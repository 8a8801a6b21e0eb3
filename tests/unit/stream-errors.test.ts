import { StreamResetError } from '@libp2p/interface';
import {
  InvalidDataLengthError,
  InvalidMessageLengthError,
  UnexpectedEOFError
} from '@libp2p/utils';
import { MaxLengthError } from 'protons-runtime';
import { describe, expect, it } from 'vitest';
import { ChatTooLongError } from '../../src/p2p/errors.ts';
import { SessionMessage } from '../../src/p2p/protocols/session/pb/session.ts';
import { toStreamError } from '../../src/p2p/protocols/stream-errors.ts';

/** The error the generated codec throws for bytes that are not a message. */
function decodeError(): unknown {
  try {
    // Field 1 (the roster) announced as 5 bytes long, with one byte after it.
    SessionMessage.decode(Uint8Array.of(0x0a, 0x05, 0x01));
  } catch (err) {
    return err;
  }
  throw new Error('the codec decoded a truncated message');
}

const aborted = () => AbortSignal.abort();
const live = () => new AbortController().signal;

describe('toStreamError', () => {
  it.each([
    [
      'the peer ending its side early',
      new UnexpectedEOFError('eof'),
      'MalformedMessageError',
      undefined
    ],
    [
      'a frame over the limit',
      new InvalidDataLengthError('big'),
      'MalformedMessageError',
      'MessageTooLargeError'
    ],
    [
      'a length prefix over the limit',
      new InvalidMessageLengthError('big'),
      'MalformedMessageError',
      'MessageTooLargeError'
    ],
    [
      'a field over its protons limit',
      new MaxLengthError('long'),
      'MalformedMessageError',
      'MalformedMessageError'
    ],
    [
      'bytes the codec cannot decode',
      decodeError(),
      'MalformedMessageError',
      'MalformedMessageError'
    ],
    [
      'a RangeError',
      new RangeError('index out of range'),
      'MalformedMessageError',
      'MalformedMessageError'
    ],
    ['a reset stream', new StreamResetError('reset'), 'SamenError', 'SamenError'],
    ['something that is not an Error', 'boom', 'SamenError', 'SamenError']
  ])('maps %s as each protocol reads it', (_, err, admission, session) => {
    expect.hasAssertions();
    expect(toStreamError(err, 'admission')?.name).toBe(admission);
    expect(toStreamError(err, 'session')?.name).toBe(session);
  });

  it('keeps the original error as the cause', () => {
    expect.hasAssertions();
    const err = new InvalidDataLengthError('big');
    expect(toStreamError(err, 'session')?.cause).toBe(err);
    expect(toStreamError(err, 'admission').cause).toBe(err);
  });

  it('passes a typed error through unchanged, whatever the signals say', () => {
    expect.hasAssertions();
    const typed = new ChatTooLongError('long');
    expect(toStreamError(typed, 'admission', { caller: aborted(), deadline: aborted() })).toBe(
      typed
    );
    expect(toStreamError(typed, 'session')).toBe(typed);
  });

  it('reports our caller giving up as AbortError before a passed deadline', () => {
    expect.hasAssertions();
    const reset = new StreamResetError('reset');
    expect(toStreamError(reset, 'admission', { caller: aborted(), deadline: aborted() }).name).toBe(
      'AbortError'
    );
    expect(toStreamError(reset, 'admission', { caller: live(), deadline: aborted() }).name).toBe(
      'ProtocolTimeoutError'
    );
    expect(toStreamError(reset, 'admission', { caller: live(), deadline: live() }).name).toBe(
      'SamenError'
    );
  });

  it('reads an end of stream after our deadline as the timeout, not as the peer hanging up', () => {
    expect.hasAssertions();
    const eof = new UnexpectedEOFError('eof');
    expect(toStreamError(eof, 'admission', { deadline: aborted() }).name).toBe(
      'ProtocolTimeoutError'
    );
    expect(toStreamError(eof, 'session', { deadline: aborted() })?.name).toBe(
      'ProtocolTimeoutError'
    );
  });
});
