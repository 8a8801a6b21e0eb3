import type { PeerId } from '@libp2p/interface';
import { streamPair } from '@libp2p/utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHAT_MAX_CHARS } from '../../src/p2p/chat.ts';
import {
  AbortedError,
  AdmissionFailedError,
  MalformedMessageError,
  SamenError
} from '../../src/p2p/errors.ts';
import {
  checkMessage,
  MAX_ROSTER_ADDRESSES,
  MAX_ROSTER_STRING,
  MAX_ROSTER_ENTRIES,
  MEDIA_FINGERPRINT_PATTERN,
  MEDIA_HELLO_MAC_BYTES,
  MEDIA_MAX_CANDIDATE_CHARS,
  MEDIA_MAX_M_LINE_INDEX,
  MEDIA_MAX_SDP_CHARS,
  MEDIA_MAX_TOKEN_CHARS,
  SESSION_BODY_KINDS,
  SESSION_MAX_MESSAGE_BYTES,
  sessionBody,
  SessionChannel,
  SessionMessage
} from '../../src/p2p/protocols/session/index.ts';
import {
  STREAM_ERROR_POLICIES,
  strictCodec,
  toStreamError,
  type StreamName
} from '../../src/p2p/protocols/stream-errors.ts';
import {
  anyText,
  bytesNear,
  candidateText,
  fingerprintText,
  framesOf,
  multiaddrText,
  PEERS,
  peerIdText,
  sdpText,
  uint32,
  uint64
} from './arbitraries.ts';
import { attempt, attemptAsync, expectErrorNamed, fuzz, fuzzAsync, invariant } from './support.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

/** Each body of session.proto, with fields right, at their limits, or past them. */
const bodies = {
  roster: fc.record({
    peers: fc.array(
      fc.record({
        peerId: peerIdText,
        addrs: fc.array(multiaddrText, { maxLength: MAX_ROSTER_ADDRESSES + 1 })
      }),
      { maxLength: MAX_ROSTER_ENTRIES + 1 }
    )
  }),
  bye: fc.constant({}),
  notice: fc.record({ kind: uint32 }),
  mediaSignal: fc.record(
    {
      description: fc.record({
        type: fc.oneof(fc.constantFrom('offer', 'answer', 'rollback', 'pranswer', ''), anyText),
        sdp: sdpText
      }),
      candidate: fc.record(
        {
          candidate: candidateText,
          sdpMid: fc.oneof(fc.string({ maxLength: 4 }), fc.string({ minLength: 250 })),
          sdpMLineIndex: uint32,
          usernameFragment: fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 250 }))
        },
        { requiredKeys: ['candidate'] }
      ),
      generation: uint32
    },
    { requiredKeys: ['generation'] }
  ),
  mediaHello: fc.record({
    fingerprint: fingerprintText,
    mac: bytesNear(MEDIA_HELLO_MAC_BYTES),
    generation: uint32
  }),
  mediaState: fc.record({ audio: fc.boolean(), video: fc.boolean(), screen: fc.boolean() }),
  chat: fc.record({
    seq: uint64,
    text: fc.oneof(
      anyText,
      fc.string({ minLength: CHAT_MAX_CHARS - 2, maxLength: CHAT_MAX_CHARS + 2 })
    ),
    link: uint64
  }),
  chatAck: fc.record({ seq: uint64, link: uint64 }),
  mediaClose: fc.record({ generation: uint32 })
} satisfies { [K in keyof SessionMessage]-?: fc.Arbitrary<NonNullable<SessionMessage[K]>> };

/** A message as a hostile peer may encode it: any bodies, one or several, or none. */
const shapedMessage: fc.Arbitrary<SessionMessage> = fc.record(bodies, { requiredKeys: [] });

/** Messages that an honest peer sends: one body, every field within its limit. */
const wellFormed = (text: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.record({
      roster: fc.record({
        peers: fc.array(
          fc.record({
            peerId: fc.string({ minLength: 1, maxLength: 60 }),
            addrs: fc.array(
              multiaddrText.filter((a) => a.length <= MAX_ROSTER_STRING),
              { maxLength: MAX_ROSTER_ADDRESSES }
            )
          }),
          { maxLength: MAX_ROSTER_ENTRIES }
        )
      })
    }),
    fc.record({ bye: fc.constant({}) }),
    fc.record({ notice: fc.record({ kind: uint32 }) }),
    fc.record({
      mediaSignal: fc.record({
        description: fc.record({
          type: fc.constantFrom('offer', 'answer'),
          sdp: fc.oneof(
            text.filter((s) => s.length > 0),
            fc.constant('v'.repeat(MEDIA_MAX_SDP_CHARS))
          )
        }),
        generation: uint32
      })
    }),
    fc.record({
      mediaSignal: fc.record({
        candidate: fc.record(
          {
            candidate: text.map((s) => s.slice(0, MEDIA_MAX_CANDIDATE_CHARS)),
            sdpMid: text.map((s) => s.slice(0, MEDIA_MAX_TOKEN_CHARS)),
            sdpMLineIndex: fc.nat(MEDIA_MAX_M_LINE_INDEX),
            usernameFragment: optional(text.map((s) => s.slice(0, MEDIA_MAX_TOKEN_CHARS)))
          },
          { requiredKeys: ['candidate', 'sdpMid'] }
        ),
        generation: uint32
      })
    }),
    fc.record({
      mediaHello: fc.record({
        fingerprint: fingerprintText.filter((f) => MEDIA_FINGERPRINT_PATTERN.test(f)),
        mac: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        generation: uint32
      })
    }),
    fc.record({
      mediaState: fc.record({ audio: fc.boolean(), video: fc.boolean(), screen: fc.boolean() })
    }),
    fc.record({
      chat: fc.record({
        seq: fc.bigInt({ min: 1n, max: MAX_SAFE }),
        text: text.map((s) => s.slice(0, CHAT_MAX_CHARS)),
        link: uint64
      })
    }),
    fc.record({ chatAck: fc.record({ seq: fc.bigInt({ min: 1n, max: MAX_SAFE }), link: uint64 }) }),
    fc.record({ mediaClose: fc.record({ generation: uint32 }) })
  ) as fc.Arbitrary<SessionMessage>;

/** Text that survives UTF-8 both ways (no lone surrogates), for exact round trips. */
const wellFormedText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string());

/** What checkMessage promises of a message it let through. */
function checkValid(message: SessionMessage): void {
  const { kind } = sessionBody(message);
  invariant(SESSION_BODY_KINDS.includes(kind), 'a known body');
  const { roster, mediaSignal, mediaHello, chat, chatAck } = message;
  if (roster !== undefined) {
    invariant(roster.peers.length <= MAX_ROSTER_ENTRIES, 'roster entries');
    for (const entry of roster.peers) {
      invariant(entry.peerId.length > 0 && entry.addrs.length <= MAX_ROSTER_ADDRESSES, 'entry');
    }
  }
  if (mediaSignal !== undefined) {
    const { description, candidate } = mediaSignal;
    invariant((description === undefined) !== (candidate === undefined), 'one signal');
    if (description !== undefined) {
      invariant(['offer', 'answer'].includes(description.type), 'offer or answer');
      invariant(description.sdp.length > 0 && description.sdp.length <= MEDIA_MAX_SDP_CHARS, 'sdp');
    }
    if (candidate !== undefined) {
      invariant(candidate.candidate.length <= MEDIA_MAX_CANDIDATE_CHARS, 'candidate');
      invariant((candidate.sdpMLineIndex ?? 0) <= MEDIA_MAX_M_LINE_INDEX, 'm-line index');
      invariant(candidate.sdpMid !== undefined || candidate.sdpMLineIndex !== undefined, 'mid');
    }
  }
  if (mediaHello !== undefined) {
    invariant(MEDIA_FINGERPRINT_PATTERN.test(mediaHello.fingerprint), 'hello fingerprint');
    invariant(mediaHello.mac.length === MEDIA_HELLO_MAC_BYTES, 'hello MAC');
  }
  for (const seq of [chat?.seq, chatAck?.seq]) {
    invariant(seq === undefined || (seq >= 1n && seq <= MAX_SAFE), 'a safe sequence number');
  }
  invariant((chat?.text.length ?? 0) <= CHAT_MAX_CHARS, 'chat text');
}

const sessionCodec = strictCodec(SessionMessage, 'session');

const messageBytes = fc.oneof(
  { weight: 3, arbitrary: shapedMessage.map((m) => SessionMessage.encode(m)) },
  { weight: 1, arbitrary: wellFormed(anyText).map((m) => SessionMessage.encode(m)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  // Deeply nested groups (wire types 3 and 4) and sub-messages cut short.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(0x0b, 0x0a, 0x22))
      .map(([depth, tag]) => new Uint8Array(depth).fill(tag))
  }
);

describe('fuzz: session messages (strictCodec, checkMessage, sessionBody)', () => {
  it('decodes any bytes to a message checkMessage rules on, or throws MalformedMessageError', () => {
    fuzz(
      fc.property(messageBytes, (bytes) => {
        const decoded = attempt(() => sessionCodec.decode(bytes));
        if (!decoded.ok) {
          expectErrorNamed(decoded.error, ['MalformedMessageError']);
          return;
        }
        const checked = attempt(() => checkMessage(decoded.value));
        if (checked.ok) {
          checkValid(decoded.value);
        } else {
          expectErrorNamed(checked.error, ['MalformedMessageError']);
        }
      })
    );
  });

  it('encodes what it decoded and decodes it again unchanged (one body kept), and rules the same on it', () => {
    fuzz(
      fc.property(shapedMessage, (message) => {
        const bytes = SessionMessage.encode(message);
        const decoded = sessionCodec.decode(bytes);
        // A message with several bodies decodes to one (protons keeps one of a oneof), so the
        // bytes need not come back; what was decoded does, exactly.
        expect(sessionCodec.decode(SessionMessage.encode(decoded))).toEqual(decoded);
        invariant(
          SESSION_BODY_KINDS.filter((k) => decoded[k] !== undefined).length <= 1,
          'protons keeps one body of a oneof'
        );
        const first = attempt(() => checkMessage(decoded));
        const again = attempt(() => checkMessage(sessionCodec.decode(bytes)));
        expect(first.ok).toBe(again.ok);
        if (!first.ok) {
          expectErrorNamed(first.error, ['MalformedMessageError']);
        }
      })
    );
  });

  it('passes every well-formed message through encode, decode and checkMessage unchanged', () => {
    fuzz(
      fc.property(wellFormed(wellFormedText), (message) => {
        const decoded = sessionCodec.decode(SessionMessage.encode(message));
        expect(decoded).toEqual(message);
        checkMessage(decoded);
        checkValid(decoded);
        expect(sessionBody(decoded).kind).toBe(sessionBody(message).kind);
      })
    );
  });
});

describe('fuzz: stream errors (toStreamError)', () => {
  const thrown = fc.oneof(
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom(
            'UnexpectedEOFError',
            'InvalidDataLengthError',
            'InvalidMessageLengthError',
            'InvalidDataLengthLengthError',
            'MaxLengthError',
            'StreamResetError',
            'AbortError',
            'TimeoutError',
            'RangeError',
            'Error',
            ''
          ),
          fc.string()
        ),
        fc.string()
      )
      .map(([name, message]) => Object.assign(new Error(message), { name })),
    fc.string().map((m) => new RangeError(m)),
    fc.constantFrom(
      new MalformedMessageError('bad'),
      new AdmissionFailedError('wrong'),
      new AbortedError('left')
    ),
    fc.anything()
  );

  it('maps anything thrown on a stream to a SamenError, or to a plain end of the session', () => {
    fuzz(
      fc.property(
        thrown,
        fc.constantFrom(...(Object.keys(STREAM_ERROR_POLICIES) as StreamName[])),
        fc.boolean(),
        fc.boolean(),
        (err, stream, callerAborted, deadlineAborted) => {
          const caller = new AbortController();
          const deadline = new AbortController();
          if (callerAborted) caller.abort();
          if (deadlineAborted) deadline.abort();
          const mapped = attempt(() =>
            toStreamError(err, stream, { caller: caller.signal, deadline: deadline.signal })
          );
          invariant(mapped.ok, 'the mapper itself never throws');
          const typed = mapped.value;
          if (typed === undefined) {
            invariant(
              STREAM_ERROR_POLICIES[stream].endOfStream === 'close',
              'only a protocol whose early end is a close maps to nothing'
            );
            return;
          }
          invariant(typed instanceof SamenError, 'a SamenError');
          if (err instanceof SamenError) {
            invariant(typed === err, 'a SamenError passes unchanged');
          } else {
            expectErrorNamed(typed, [
              'SamenError',
              'AbortError',
              'ProtocolTimeoutError',
              'MalformedMessageError',
              'MessageTooLargeError'
            ]);
          }
        }
      )
    );
  });
});

describe('fuzz: a session stream from a hostile peer (SessionChannel, in memory)', () => {
  const [local, remote] = PEERS as [PeerId, PeerId];

  it('emits only messages that pass checkMessage, and ends cleanly or as malformed or too large', async () => {
    await fuzzAsync(
      fc.asyncProperty(
        framesOf(messageBytes, SESSION_MAX_MESSAGE_BYTES),
        fc.nat(7),
        async (frames, split) => {
          const [ours, theirs] = await streamPair({ delay: 0 });
          const channel = new SessionChannel(ours, remote);
          const emitted: SessionMessage[] = [];
          channel.addEventListener('message', (event) => emitted.push(event.detail));
          const ended = new Promise<SamenError | null>((resolve) =>
            channel.addEventListener('close', (event) => resolve(event.detail), { once: true })
          );
          // The frames in chunks that need not follow frame boundaries. Our channel resets the
          // stream at the first bad frame, after which the hostile end's writes fail: that is
          // the peer's problem, not a result of the channel's, so it ends the sending only.
          const all = Uint8Array.from(frames.flatMap((f) => [...f]));
          const step = Math.max(1, Math.ceil(all.length / (split + 1)));
          try {
            for (let at = 0; at < all.length; at += step) {
              if (!theirs.send(all.subarray(at, at + step))) await theirs.onDrain();
            }
            await theirs.close();
          } catch (err) {
            expectErrorNamed(err, ['StreamResetError', 'StreamStateError']);
          }
          const run = await attemptAsync(() => ended);
          invariant(run.ok, 'the channel ends');
          const error = run.value;
          if (error !== null) {
            expectErrorNamed(error, ['MalformedMessageError', 'MessageTooLargeError']);
          }
          for (const message of emitted) {
            checkMessage(message);
            checkValid(message);
          }
          channel.close();
          void local;
        }
      )
    );
  });
});
