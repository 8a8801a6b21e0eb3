import type { Connection, Stream } from '@libp2p/interface';
import { streamPair } from '@libp2p/utils';
import fc from 'fast-check';
import { Uint8ArrayList } from 'uint8arraylist';
import { describe, expect, it } from 'vitest';
import { PeerAdmissions } from '../../src/p2p/admissions.ts';
import { cpaceFinish, cpaceStart, SHARE_LENGTH, TAG_LENGTH } from '../../src/p2p/cpace.ts';
import { SamenError } from '../../src/p2p/errors.ts';
import {
  Admission,
  ADMIT_MAX_MESSAGE_BYTES,
  ADMIT_NONCE_BYTES,
  ADMIT_VERSION,
  type FailedEventDetail
} from '../../src/p2p/protocols/admit/index.ts';
import { AdmissionLimiter } from '../../src/p2p/protocols/admit/limits.ts';
import { AdmitRequest, AdmitResponse } from '../../src/p2p/protocols/admit/pb/admit.ts';
import { checkFirstRequest } from '../../src/p2p/protocols/admit/runs.ts';
import {
  expectFingerprint,
  MAX_RETRY_AFTER_MS,
  Outcome,
  outcomeNumber,
  outcomeOf,
  refusal,
  RESUME_MAC_BYTES,
  strict
} from '../../src/p2p/protocols/admit/wire.ts';
import { MEDIA_FINGERPRINT_PATTERN } from '../../src/p2p/protocols/session/index.ts';
import { normaliseFingerprint } from '../../src/p2p/safety-words.ts';
import { bytesNear, fingerprintText, framesOf, PEERS, uint32 } from './arbitraries.ts';
import { attempt, attemptAsync, expectErrorNamed, fuzz, fuzzAsync, invariant } from './support.ts';

const [SELF, REMOTE] = PEERS as [(typeof PEERS)[0], (typeof PEERS)[0]];
const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));
const EMPTY = new Uint8Array(0);
const PRS = random(32);
const OUR_FINGERPRINT = `sha-256 ${Array.from({ length: 32 }, (_, i) => (i + 16).toString(16))
  .join(':')
  .toUpperCase()}`;

/** Valid CPace shares (canonical ristretto255 points), for some PRS nobody here knows. */
const SHARES = Array.from(
  { length: 4 },
  () => cpaceStart({ prs: random(32), ci: random(8), sid: random(8) }).share
);
const share = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SHARES) },
  { weight: 2, arbitrary: bytesNear(SHARE_LENGTH) },
  { weight: 1, arbitrary: fc.constant(EMPTY) }
);

/** What a peer's first or second AdmitRequest may carry: mostly right, field by field. */
const admitRequest: fc.Arbitrary<AdmitRequest> = fc.record({
  version: fc.oneof({ weight: 4, arbitrary: fc.constant(ADMIT_VERSION) }, uint32),
  nonce: fc.oneof({ weight: 3, arbitrary: bytesNear(ADMIT_NONCE_BYTES) }, fc.constant(EMPTY)),
  share,
  tag: fc.oneof({ weight: 2, arbitrary: fc.constant(EMPTY) }, bytesNear(TAG_LENGTH)),
  fingerprint: fingerprintText,
  resume: fc.oneof({ weight: 3, arbitrary: fc.constant(EMPTY) }, bytesNear(RESUME_MAC_BYTES))
}) as fc.Arbitrary<AdmitRequest>;

/** What a peer's AdmitResponse may carry. */
const admitResponse: fc.Arbitrary<AdmitResponse> = fc.record({
  outcome: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 10 }) }, uint32),
  share,
  tag: fc.oneof(bytesNear(TAG_LENGTH), bytesNear(RESUME_MAC_BYTES), fc.constant(EMPTY)),
  fingerprint: fingerprintText,
  retryAfterMs: uint32,
  nonce: fc.oneof(bytesNear(ADMIT_NONCE_BYTES), fc.constant(EMPTY))
}) as fc.Arbitrary<AdmitResponse>;

/** Raw bytes, and bytes our own codec made of shaped messages (so that most decode). */
const requestBytes = fc.oneof(
  { weight: 3, arbitrary: admitRequest.map((m) => AdmitRequest.encode(m)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: ADMIT_MAX_MESSAGE_BYTES + 8 }) }
);
const responseBytes = fc.oneof(
  { weight: 3, arbitrary: admitResponse.map((m) => AdmitResponse.encode(m)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: ADMIT_MAX_MESSAGE_BYTES + 8 }) }
);

/** The errors admission documents for a run that went wrong (index.ts `admit`). */
const RUN_ERRORS = [
  'AdmissionFailedError',
  'AdmissionRateLimitedError',
  'PeerBlockedError',
  'CallLockedError',
  'MalformedMessageError',
  'InvalidShareError'
];
/** The reasons a `failed` event gives: the peer's doing (index.ts `counted`). */
const FAILURE_REASONS = ['AdmissionFailedError', 'MalformedMessageError', 'InvalidShareError'];

/** What the Admission needs of libp2p, with the handler it registers kept for the test. */
function fakeLibp2p() {
  const fake = {
    peerId: SELF,
    handler: undefined as ((stream: Stream, connection: Connection) => void) | undefined,
    handle: async (_protocol: string, handler: (stream: Stream, c: Connection) => void) => {
      fake.handler = handler;
    },
    unhandle: async () => {}
  };
  return fake;
}

/** A fresh Admission (fresh limits: every input may be a guess) recording its events. */
async function admissionFor(resumeKey: Uint8Array | undefined) {
  const libp2p = fakeLibp2p();
  const admissions = new PeerAdmissions();
  const admission = new Admission(
    { libp2p, admissions },
    {
      prs: PRS,
      fingerprint: OUR_FINGERPRINT,
      resumeKey: () => resumeKey,
      limiter: new AdmissionLimiter({ burst: 100 })
    }
  );
  const events = { admitted: 0, failed: [] as FailedEventDetail[], limited: 0 };
  admission.addEventListener('admitted', () => events.admitted++);
  admission.addEventListener('failed', (e) => events.failed.push(e.detail));
  admission.addEventListener('limited', () => events.limited++);
  await admission.start();
  return { admission, admissions, libp2p, events };
}

/** Everything that arrives on `stream`, as one buffer. */
function collect(stream: Stream): Uint8ArrayList {
  const received = new Uint8ArrayList();
  stream.addEventListener('message', (event) => received.append(event.data));
  return received;
}

/** The length-prefixed messages in `bytes`, each decoded by `decode`. */
function framesIn<T>(bytes: Uint8ArrayList, decode: (data: Uint8Array) => T): T[] {
  const data = bytes.subarray();
  const out: T[] = [];
  let at = 0;
  while (at < data.length) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = data[at++]!;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte >= 0x80);
    out.push(decode(data.subarray(at, at + length)));
    at += length;
  }
  return out;
}

/** Sends `frames` on `stream` and closes its writing end, as a peer that said all it had. */
async function speak(stream: Stream, frames: readonly Uint8Array[]): Promise<void> {
  for (const frame of frames) {
    if (!stream.send(frame)) {
      await stream.onDrain();
    }
  }
  await stream.close();
}

function closed(stream: Stream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset') {
      resolve();
    } else {
      stream.addEventListener('close', () => resolve(), { once: true });
    }
  });
}

describe('fuzz: admission messages (strict decoding, checks, outcomes)', () => {
  it('decodes any bytes as an AdmitRequest, or throws MalformedMessageError', () => {
    fuzz(
      fc.property(requestBytes, (bytes) => {
        const decoded = attempt(() => strict(AdmitRequest).decode(bytes));
        if (!decoded.ok) {
          expectErrorNamed(decoded.error, ['MalformedMessageError']);
          return;
        }
        const request = decoded.value;
        invariant(Number.isInteger(request.version) && request.version >= 0, 'uint32 version');
        for (const field of [request.nonce, request.share, request.tag, request.resume]) {
          invariant(field instanceof Uint8Array, 'bytes fields');
        }
        invariant(typeof request.fingerprint === 'string', 'fingerprint a string');
        // The responder's checks before any CPace work: a typed verdict, and what passes is
        // exactly a first request's shape.
        const checked = attempt(() => checkFirstRequest(request));
        if (!checked.ok) {
          expectErrorNamed(checked.error, ['MalformedMessageError']);
        } else {
          invariant(request.nonce.length === ADMIT_NONCE_BYTES, 'a 16-byte nonce');
          invariant(request.share.length === SHARE_LENGTH, 'a 32-byte share');
          invariant(request.tag.length === 0, 'no tag');
          invariant(
            request.fingerprint === '' || MEDIA_FINGERPRINT_PATTERN.test(request.fingerprint),
            'a SHA-256 fingerprint or none'
          );
        }
      })
    );
  });

  it('decodes any bytes as an AdmitResponse with a known outcome, or throws MalformedMessageError', () => {
    fuzz(
      fc.property(responseBytes, (bytes) => {
        const decoded = attempt(() => strict(AdmitResponse).decode(bytes));
        if (!decoded.ok) {
          expectErrorNamed(decoded.error, ['MalformedMessageError']);
          return;
        }
        const response = decoded.value;
        const outcome = outcomeOf(response.outcome);
        invariant(Object.values(Outcome).includes(outcome), 'a known outcome');
        invariant(
          outcomeNumber(outcome) === (response.outcome <= 9 ? response.outcome : 0),
          'numbers 0–9 are their outcome, any other UNKNOWN'
        );
        // Whatever a refusal says, it is a typed error, and it never parks us for long.
        const error = refusal(response);
        invariant(error instanceof SamenError, 'refusal is a SamenError');
        const wait = (error as { retryAfterMs?: number }).retryAfterMs;
        invariant(wait === undefined || (wait >= 0 && wait <= MAX_RETRY_AFTER_MS), 'bounded wait');
      })
    );
  });

  it('accepts exactly SHA-256 fingerprints (or none) as committed, and normalises them to a fixed point', () => {
    fuzz(
      fc.property(fingerprintText, (fingerprint) => {
        const checked = attempt(() => expectFingerprint(fingerprint));
        if (!checked.ok) {
          expectErrorNamed(checked.error, ['MalformedMessageError']);
          return;
        }
        if (fingerprint !== '') {
          const normalised = normaliseFingerprint(fingerprint);
          invariant(MEDIA_FINGERPRINT_PATTERN.test(normalised), 'normalised still matches');
          expect(normaliseFingerprint(normalised)).toBe(normalised);
        }
      })
    );
  });

  it('finishes CPace on any peer share with an ISK, or throws InvalidShareError', () => {
    fuzz(
      fc.property(share, (peerShare) => {
        const { scalar, share: ownShare } = cpaceStart({ prs: PRS, ci: EMPTY, sid: random(16) });
        const isk = attempt(
          () =>
            cpaceFinish({
              sid: random(16),
              scalar,
              role: 'responder',
              ownShare,
              ownAd: EMPTY,
              peerShare,
              peerAd: EMPTY
            }),
          // Documented for a share of the wrong length: the admission checks lengths first.
          peerShare.length === SHARE_LENGTH ? [] : [RangeError]
        );
        if (isk.ok) {
          invariant(isk.value.length === 64, 'a 64-byte ISK');
        } else {
          expectErrorNamed(isk.error, ['InvalidShareError', 'RangeError']);
        }
        invariant(
          scalar.every((b) => b === 0),
          'the scalar is wiped'
        );
      })
    );
  });
});

describe('fuzz: admission runs against a hostile peer (Admission, in memory)', () => {
  it('answers any initiator with well-formed responses, reports only its typed failures, and admits nobody', async () => {
    await fuzzAsync(
      fc.asyncProperty(
        framesOf(requestBytes, ADMIT_MAX_MESSAGE_BYTES),
        fc.boolean(),
        async (frames, holdsTicket) => {
          const { admission, admissions, libp2p, events } = await admissionFor(
            holdsTicket ? random(32) : undefined
          );
          const [ours, theirs] = await streamPair({ delay: 0 });
          const received = collect(theirs);
          const ended = closed(ours);
          const run = attemptAsync(async () => {
            libp2p.handler!(ours, { remotePeer: REMOTE } as Connection);
            await speak(theirs, frames).catch(() => {});
            await ended;
          });
          invariant((await run).ok, 'the run ends, whatever the peer sent');
          for (const response of framesIn(received, (d) => AdmitResponse.decode(d))) {
            const outcome = outcomeOf(response.outcome);
            invariant(outcome !== Outcome.UNKNOWN, 'we answer with known outcomes');
            invariant(outcome !== Outcome.ADMITTED, 'nobody is admitted without the PRS');
            if (outcome === Outcome.CONTINUE) {
              invariant(response.share.length === SHARE_LENGTH, 'our share');
              invariant(response.tag.length === TAG_LENGTH, 'our tag');
              invariant(response.fingerprint === OUR_FINGERPRINT, 'our fingerprint');
            }
          }
          invariant(events.admitted === 0 && !admissions.isAdmitted(REMOTE), 'nobody admitted');
          invariant(events.failed.length <= 1, 'one run, at most one failure');
          for (const failure of events.failed) {
            expectErrorNamed(Object.assign(new Error(), { name: failure.reason }), FAILURE_REASONS);
          }
          invariant(admission.totalFailures <= 1, 'at most one guess counted');
          await admission.stop();
        }
      )
    );
  });

  it('ends any run it starts, against any responder, with a typed error or a duplicate, never admitted', async () => {
    await fuzzAsync(
      fc.asyncProperty(
        fc.array(framesOf(responseBytes, ADMIT_MAX_MESSAGE_BYTES), { minLength: 2, maxLength: 2 }),
        fc.boolean(),
        async (scripts, resume) => {
          const { admission, admissions, events } = await admissionFor(random(32));
          const streams: Stream[] = [];
          const connection = {
            remotePeer: REMOTE,
            newStream: async () => {
              const [ours, theirs] = await streamPair({ delay: 0 });
              streams.push(ours);
              void speak(theirs, scripts.shift() ?? []).catch(() => {});
              return ours;
            }
          } as unknown as Connection;
          const outcome = await attemptAsync(() => admission.admit(connection, { resume }));
          if (outcome.ok) {
            invariant(outcome.value.kind === 'duplicate', `never admitted (${outcome.value.kind})`);
          } else {
            expectErrorNamed(outcome.error, RUN_ERRORS);
            const wait = (outcome.error as { retryAfterMs?: number }).retryAfterMs;
            invariant(wait === undefined || wait <= MAX_RETRY_AFTER_MS, 'a bounded wait');
          }
          invariant(events.admitted === 0 && !admissions.isAdmitted(REMOTE), 'nobody admitted');
          for (const failure of events.failed) {
            expectErrorNamed(Object.assign(new Error(), { name: failure.reason }), FAILURE_REASONS);
          }
          // Every stream we opened is over: none is left holding our scalar.
          await Promise.all(streams.map(closed));
          await admission.stop();
        }
      )
    );
  });
});
