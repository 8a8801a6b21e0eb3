import type { Connection, Stream } from '@libp2p/interface';
import { pbStream } from '@libp2p/utils';
import type { Multiaddr } from '@multiformats/multiaddr';
import { WebRTC } from '@multiformats/multiaddr-matcher';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RefusedEventDetail } from '../../src/p2p/admissions.ts';
import {
  ADMIT_PROTOCOL,
  SESSION_PROTOCOL,
  WEBRTC_SIGNALING_PROTOCOL
} from '../../src/p2p/constants.ts';
import { cpaceStart } from '../../src/p2p/cpace.ts';
import { admissionSecret, cpacePrs } from '../../src/p2p/keys.ts';
import { createCallNode, type CallNode } from '../../src/p2p/node.ts';
import {
  ADMIT_MAX_INBOUND_STREAMS,
  ADMIT_MAX_MESSAGE_BYTES,
  ADMIT_NONCE_BYTES,
  ADMIT_TIMEOUT_MS,
  ADMIT_VERSION,
  Admission,
  type AdmissionInit,
  type AdmitOutcome,
  type AdmittedEventDetail,
  type FailedEventDetail,
  type LimitedEventDetail
} from '../../src/p2p/protocols/admit/index.ts';
import { AdmissionLimiter, PEER_BACKOFF_MS } from '../../src/p2p/protocols/admit/limits.ts';
import { AdmitRequest, AdmitResponse } from '../../src/p2p/protocols/admit/pb/admit.ts';
import { outcomeNumber, outcomeOf } from '../../src/p2p/protocols/admit/wire.ts';
import { safetyWords } from '../../src/p2p/safety-words.ts';
import { sessionKeys } from '../../src/p2p/session-keys.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

const Outcome = AdmitResponse.Outcome;

/** One side's Admission, with every event it emitted (session keys copied as emitted). */
interface Party {
  readonly node: CallNode;
  readonly admission: Admission;
  readonly fingerprint: string;
  readonly admitted: (AdmittedEventDetail & { readonly emittedKey: Uint8Array })[];
  readonly failed: FailedEventDetail[];
  readonly limited: LimitedEventDetail[];
}

const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));

/** A media certificate fingerprint, as a side commits it (a random one: nothing checks it here). */
const fingerprint = () =>
  `sha-256 ${Array.from(random(32), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;

/** A first AdmitRequest as an honest initiator sends it: a valid share, for some guessed PRS. */
function hello(fields: Partial<AdmitRequest> = {}): AdmitRequest {
  const { share } = cpaceStart({ prs: random(32), ci: random(32), sid: random(32) });
  return {
    version: ADMIT_VERSION,
    nonce: random(ADMIT_NONCE_BYTES),
    share: new Uint8Array(share),
    tag: new Uint8Array(0),
    fingerprint: fingerprint(),
    resume: new Uint8Array(0),
    ...fields
  };
}

/** What a response's outcome number stands for. */
const outcome = (response: AdmitResponse) => outcomeOf(response.outcome);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The swarm's nodes accept 5 inbound connections a second from one host (libp2p's
 * inboundConnectionThreshold), and every call node created here dials each of them from
 * 127.0.0.1: create at most 4 in any 1.1 s.
 */
const created: number[] = [];
async function throttle(): Promise<void> {
  for (;;) {
    // A monotonic clock: the wall clock may be stepped (NTP) in the middle of a run.
    const now = performance.now();
    while (created.length > 0 && now - created[0]! > 1_100) created.shift();
    if (created.length < 4) {
      created.push(now);
      return;
    }
    await sleep(1_110 - (now - created[0]!));
  }
}

/** Bytes of an unsigned varint. */
function varint(value: number): Uint8Array {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Uint8Array.from(out);
}

/**
 * Admission, `/samen/admit/2.0.0`, between real call nodes on a local swarm: relayed
 * connections, real CPace, and hostile peers speaking the wire format by hand.
 *
 * One reachable target node (with a relay reservation, ~1 s to get) serves the whole file; each
 * test gives it a fresh Admission (fresh counters) and meets it with fresh, cheap peer nodes.
 */
describe('admission', () => {
  let swarm: LocalSwarm;
  let target: CallNode;
  let targetAddress: Multiaddr;
  /** Run after each test, last first. */
  const cleanup: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    swarm = await startLocalSwarm(3);
    await throttle();
    target = await createCallNode({ network: swarm.profile, rtcBindAddress: '127.0.0.1' });
    targetAddress = (await target.waitForRelay())[0]!;
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) {
      await Promise.resolve()
        .then(step)
        .catch(() => {});
    }
  });

  afterAll(async () => {
    await target?.stop();
    await swarm?.stop();
  });

  /** A call node with no relay reservation: it can dial the target, nobody can dial it. */
  async function peerNode(): Promise<CallNode> {
    await throttle();
    const node = await createCallNode({ network: swarm.profile, rtcBindAddress: '127.0.0.1' });
    cleanup.push(() => node.stop());
    return node;
  }

  /** A started Admission on `node`, recording its events. */
  async function party(
    node: CallNode,
    prs: Uint8Array,
    init: Partial<AdmissionInit> = {}
  ): Promise<Party> {
    const committed = init.fingerprint ?? fingerprint();
    const admission = new Admission(
      { libp2p: node.libp2p, admissions: node.admissions },
      { prs, fingerprint: committed, ...init }
    );
    const recorded: Party = {
      node,
      admission,
      fingerprint: committed,
      admitted: [],
      failed: [],
      limited: []
    };
    admission.addEventListener('admitted', (event) => {
      const detail = event.detail;
      recorded.admitted.push({ ...detail, emittedKey: detail.sessionKey.slice() });
    });
    admission.addEventListener('failed', (event) => {
      recorded.failed.push(event.detail);
    });
    admission.addEventListener('limited', (event) => {
      recorded.limited.push(event.detail);
    });
    cleanup.push(() => admission.stop());
    await admission.start();
    return recorded;
  }

  /** `node`'s relayed connection to the target, and the target's end of it. */
  async function connect(node: CallNode): Promise<{ out: Connection; back: Connection }> {
    const out = await node.libp2p.dial(targetAddress);
    expect(out.remotePeer.equals(target.peerId)).toBe(true);
    expect(out.direct).toBe(false);
    await expect
      .poll(() => target.libp2p.getConnections(node.peerId).filter((c) => c.status === 'open'))
      .not.toEqual([]);
    const back = target.libp2p.getConnections(node.peerId).find((c) => c.status === 'open')!;
    return { out, back };
  }

  /** An admission stream opened by hand, as a modified client would. */
  async function rawStream(connection: Connection) {
    const stream = await connection.newStream(ADMIT_PROTOCOL, { runOnLimitedConnection: true });
    cleanup.push(() => stream.abort(new Error('test over')));
    return { stream, messages: pbStream(stream, { maxDataLength: 1 << 20 }) };
  }

  /** A hostile peer's first message answered with CONTINUE: one online guess, made. */
  async function guessOnce(connection: Connection): Promise<Stream> {
    const { stream, messages } = await rawStream(connection);
    await messages.write(hello(), AdmitRequest);
    const reply = await messages.read(AdmitResponse);
    expect(outcome(reply)).toBe(Outcome.CONTINUE);
    expect(reply.share).toHaveLength(32);
    expect(reply.tag).toHaveLength(64);
    return stream;
  }

  const failuresOf = (p: Party, node: CallNode) =>
    p.failed.filter((f) => f.peer.equals(node.peerId)).map((f) => [f.direction, f.reason]);

  // ---- honest runs -------------------------------------------------------------------------

  it('admits a peer with the same PRS on both sides, with one session key', async () => {
    const secret = admissionSecret(random(32));
    const t = await party(target, cpacePrs(secret, '4321'));
    const peer = await peerNode();
    const p = await party(peer, cpacePrs(secret, ' ４３２１ '));
    const { out } = await connect(peer);

    const outcome = await p.admission.admit(out);
    if (outcome.kind !== 'admitted') throw new Error(`expected admitted, got ${outcome.kind}`);
    expect(outcome.sessionKey).toHaveLength(32);

    expect(p.admitted.map((a) => [a.peer.toString(), a.direction])).toEqual([
      [target.peerId.toString(), 'initiator']
    ]);
    expect(t.admitted.map((a) => [a.peer.toString(), a.direction])).toEqual([
      [peer.peerId.toString(), 'responder']
    ]);
    expect(t.admitted[0]!.sessionKey).toEqual(outcome.sessionKey);
    expect(p.admitted[0]!.sessionKey).toEqual(outcome.sessionKey);
    expect(outcome.sessionKey.some((b) => b !== 0)).toBe(true);
    expect(peer.admissions.isAdmitted(target.peerId)).toBe(true);
    expect(target.admissions.isAdmitted(peer.peerId)).toBe(true);
    expect([t.failed, p.failed]).toEqual([[], []]);
    expect([t.admission.failures(peer.peerId), p.admission.failures(target.peerId)]).toEqual([
      0, 0
    ]);
    // Each side learnt the media fingerprint the other committed in its associated data.
    expect(p.admitted[0]!.remoteFingerprint).toBe(t.fingerprint);
    expect(t.admitted[0]!.remoteFingerprint).toBe(p.fingerprint);
    expect([p.admitted[0]!.resumed, t.admitted[0]!.resumed]).toEqual([false, false]);
  });

  it('fails when a fingerprint is swapped in flight: it is in the CPace transcript', async () => {
    // Noise keeps a relay from doing this; a broken or hostile client that sends one
    // fingerprint and claims another in its AD fails key confirmation, as a wrong PIN would.
    const prs = random(32);
    const t = await party(target, prs);
    const peer = await peerNode();
    const { out } = await connect(peer);
    const raw = await rawStream(out);
    const honest = await party(peer, prs);
    // The run of an honest initiator, replayed by hand with the fingerprint changed after
    // the share was made for another: the responder's tag cannot verify for the initiator.
    const nonce = random(ADMIT_NONCE_BYTES);
    const { share } = cpaceStart({ prs, ci: random(32), sid: random(32) });
    await raw.messages.write(
      hello({ nonce, share: new Uint8Array(share), fingerprint: honest.fingerprint }),
      AdmitRequest
    );
    const reply = await raw.messages.read(AdmitResponse);
    expect(outcome(reply)).toBe(Outcome.CONTINUE);
    expect(reply.fingerprint).toBe(t.fingerprint);
    await raw.messages.write(
      {
        ...hello(),
        version: 0,
        nonce: new Uint8Array(0),
        share: new Uint8Array(0),
        fingerprint: '',
        tag: random(64)
      },
      AdmitRequest
    );
    expect(outcome(await raw.messages.read(AdmitResponse))).toBe(Outcome.FAILED);
    expect(target.admissions.isAdmitted(peer.peerId)).toBe(false);
  });

  /**
   * `connection`, except that its new streams open only once `gate` settles, and count the bytes
   * they receive: a stand-in for a slow path, to let the other side's run finish first.
   */
  function held(connection: Connection, gate: Promise<unknown>, received: { bytes: number }) {
    return new Proxy(connection, {
      get(target, key) {
        if (key === 'newStream') {
          return async (...args: Parameters<Connection['newStream']>) => {
            await gate;
            const stream = await target.newStream(...args);
            stream.addEventListener('message', (event) => {
              received.bytes += event.data.byteLength;
            });
            return stream;
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
    });
  }

  // Both ends of one connection admit each other. `simultaneous`: at the same moment (the lower
  // peer ID refuses the other's run); `crossing`: at the same moment, but the higher's stream
  // opens only once the lower's run is over, so both runs complete; `lower-last`: the higher's
  // run completes, then the lower runs its own. In every case both keep one session key, the
  // lower's run's whenever it completed.
  it('settles admissions from both ends on the key of the lower peer ID’s run', async () => {
    const prs = random(32);
    const modes = ['simultaneous', 'crossing', 'lower-last'] as const;
    for (let run = 0; run < 12; run++) {
      const mode = modes[run % modes.length]!;
      const t = await party(target, prs);
      const peer = await peerNode();
      const p = await party(peer, prs);
      const { out, back } = await connect(peer);
      const targetIsLower = target.peerId.toString() < peer.peerId.toString();
      const [low, high] = targetIsLower ? [t, p] : [p, t];
      const [lowConnection, highConnection] = targetIsLower ? [back, out] : [out, back];
      const context = `run ${run}, ${mode}, ${targetIsLower ? 'target' : 'peer'} lower`;

      let lower: AdmitOutcome;
      let higher: AdmitOutcome;
      if (mode === 'simultaneous') {
        [lower, higher] = await Promise.all([
          low.admission.admit(lowConnection),
          high.admission.admit(highConnection)
        ]);
      } else if (mode === 'crossing') {
        let lowerDone = () => {};
        const gate = new Promise<void>((resolve) => (lowerDone = resolve));
        const received = { bytes: 0 };
        const highRun = high.admission.admit(held(highConnection, gate, received));
        const lowRun = low.admission.admit(lowConnection);
        void lowRun.finally(lowerDone).catch(() => {});
        [lower, higher] = await Promise.all([lowRun, highRun]);
        // The higher's run was answered (a share and a tag, then ADMITTED), not refused…
        expect(received.bytes, context).toBeGreaterThan(96);
        // …and then dropped on both sides in favour of the lower's.
        expect(higher.kind, context).toBe('duplicate');
      } else {
        higher = await high.admission.admit(highConnection);
        expect(higher.kind, context).toBe('admitted');
        // The responder's end of that run must be over, or the lower's is a duplicate of it.
        await expect
          .poll(() => lowConnection.streams.filter((s) => s.protocol === ADMIT_PROTOCOL))
          .toEqual([]);
        lower = await low.admission.admit(lowConnection);
      }

      expect([lower.kind, higher.kind], context).toContain('admitted');
      const winner = lower.kind === 'admitted' ? lower : higher;
      if (winner.kind !== 'admitted') throw new Error(`${context}: no run completed`);
      const key = winner.sessionKey.slice();
      expect(key.some((b) => b !== 0)).toBe(true);
      for (const side of [t, p]) {
        const last = side.admitted.at(-1);
        expect(last, context).toBeDefined();
        expect(last!.emittedKey, `${context}: final key`).toEqual(key);
        // Nobody wiped a key it handed out.
        expect(last!.sessionKey, context).toEqual(key);
        expect(side.admitted, context).toHaveLength(mode === 'lower-last' ? 2 : 1);
        expect(side.failed, context).toEqual([]);
      }
      expect(target.admissions.isAdmitted(peer.peerId)).toBe(true);
      expect(peer.admissions.isAdmitted(target.peerId)).toBe(true);
      await t.admission.stop();
    }
  });

  it('fails on both sides, counted once each, when the PINs differ', async () => {
    const secret = admissionSecret(random(32));
    const t = await party(target, cpacePrs(secret, '1234'));
    const peer = await peerNode();
    const p = await party(peer, cpacePrs(secret, '1243'));
    const { back } = await connect(peer);

    // The target starts it this time, on the connection the peer dialled.
    await expect(t.admission.admit(back)).rejects.toHaveProperty('name', 'AdmissionFailedError');
    await expect.poll(() => p.admission.failures(target.peerId)).toBe(1);
    expect(failuresOf(p, target)).toEqual([['responder', 'AdmissionFailedError']]);
    expect(failuresOf(t, peer)).toEqual([['initiator', 'AdmissionFailedError']]);
    expect(t.admission.failures(peer.peerId)).toBe(1);
    expect([t.admission.totalFailures, p.admission.totalFailures]).toEqual([1, 1]);
    expect([t.admitted, p.admitted]).toEqual([[], []]);
    expect(target.admissions.isAdmitted(peer.peerId)).toBe(false);
    expect(peer.admissions.isAdmitted(target.peerId)).toBe(false);
  });

  // ---- online guesses ----------------------------------------------------------------------

  // A hostile initiator that has the responder's share and tag can check one guessed PRS
  // offline, whatever it does next. Every way of walking away must cost it a failure, or it
  // could guess without limit.
  for (const [how, leave] of [
    ['closes the stream', (stream: Stream) => stream.close()],
    ['resets the stream', (stream: Stream) => stream.abort(new Error('walking away'))],
    ['closes the connection', (_: Stream, connection: Connection) => connection.close()]
  ] as const) {
    it(`counts a silent guess that ${how} after the responder's tag`, async () => {
      const t = await party(target, random(32));
      const hostile = await peerNode();
      const { out } = await connect(hostile);

      const stream = await guessOnce(out);
      await Promise.resolve(leave(stream, out)).catch(() => {});

      await expect.poll(() => t.admission.failures(hostile.peerId)).toBe(1);
      expect(failuresOf(t, hostile)).toEqual([['responder', 'AdmissionFailedError']]);
      expect(t.failed[0]).toMatchObject({ peerFailures: 1, callFailures: 1 });
      expect(target.admissions.isAdmitted(hostile.peerId)).toBe(false);
    });
  }

  it('counts a silent guess that stalls after the responder’s tag', async () => {
    const t = await party(target, random(32));
    const hostile = await peerNode();
    const { out } = await connect(hostile);

    await guessOnce(out);
    // The responder gives up after ADMIT_TIMEOUT_MS; the guess was made all the same.
    await expect
      .poll(() => t.admission.failures(hostile.peerId), { timeout: ADMIT_TIMEOUT_MS + 5_000 })
      .toBe(1);
    expect(target.admissions.isAdmitted(hostile.peerId)).toBe(false);
  }, 30_000);

  it('answers one guess at a time per peer', async () => {
    await party(target, random(32));
    // One peer opens every admission stream a connection allows at once.
    const hostile = await peerNode();
    const { out } = await connect(hostile);
    const streams = await Promise.all(
      Array.from({ length: ADMIT_MAX_INBOUND_STREAMS }, () => rawStream(out))
    );
    const replies = await Promise.all(
      streams.map(async ({ messages }) => {
        await messages.write(hello(), AdmitRequest);
        return messages.read(AdmitResponse).then(outcome, () => undefined);
      })
    );
    const answered = replies.filter((o) => o === Outcome.CONTINUE).length;
    expect(answered, `outcomes ${replies.join(', ')}`).toBe(1);
    expect(replies).toContain(Outcome.REFUSED_RATE_LIMITED);
  });

  // ---- malformed input ---------------------------------------------------------------------

  /**
   * Ways of breaking the protocol, each sent by a fresh hostile peer: each is reported, and none
   * is counted as a guess, since nobody answered it (an invalid share made no guess).
   */
  const violations: [
    string,
    (s: Awaited<ReturnType<typeof rawStream>>) => Promise<unknown>,
    string
  ][] = [
    [
      'a share of the wrong length',
      ({ messages }) => messages.write(hello({ share: random(31) }), AdmitRequest),
      'MalformedMessageError'
    ],
    [
      'a nonce of the wrong length',
      ({ messages }) => messages.write(hello({ nonce: random(15) }), AdmitRequest),
      'MalformedMessageError'
    ],
    [
      'an unknown version',
      ({ messages }) => messages.write(hello({ version: ADMIT_VERSION + 1 }), AdmitRequest),
      'MalformedMessageError'
    ],
    [
      'a fingerprint that is not a SHA-256 one',
      ({ messages }) => messages.write(hello({ fingerprint: 'sha-1 AB:CD' }), AdmitRequest),
      'MalformedMessageError'
    ],
    [
      'a share beside a resume proof',
      ({ messages }) => messages.write(hello({ resume: random(32) }), AdmitRequest),
      'MalformedMessageError'
    ],
    [
      'a tag in the first request',
      ({ messages }) => messages.write(hello({ tag: random(64) }), AdmitRequest),
      'MalformedMessageError'
    ],
    [
      'the identity as share',
      ({ messages }) => messages.write(hello({ share: new Uint8Array(32) }), AdmitRequest),
      'InvalidShareError'
    ],
    [
      'a non-canonical share',
      ({ messages }) =>
        messages.write(hello({ share: new Uint8Array(32).fill(0xff) }), AdmitRequest),
      'InvalidShareError'
    ],
    [
      'a message over ADMIT_MAX_MESSAGE_BYTES',
      ({ messages }) =>
        messages.write(hello({ nonce: random(ADMIT_MAX_MESSAGE_BYTES) }), AdmitRequest),
      'MalformedMessageError'
    ],
    [
      'a length prefix of 1 MiB',
      async ({ stream }) => stream.send(Uint8Array.of(...varint(1 << 20), 1, 2, 3)),
      'MalformedMessageError'
    ],
    [
      'truncated protobuf',
      // field 2 (nonce), 16 bytes announced, 3 present
      async ({ stream }) => stream.send(Uint8Array.of(5, 0x12, 16, 1, 2, 3)),
      'MalformedMessageError'
    ],
    [
      'bytes that are not protobuf (wire type 7)',
      async ({ stream }) => stream.send(Uint8Array.of(2, 0x2f, 0x00)),
      'MalformedMessageError'
    ]
  ];

  for (const [what, send, reason] of violations) {
    it(`aborts and reports ${what}, counting no guess`, async () => {
      const t = await party(target, random(32));
      const hostile = await peerNode();
      const { out } = await connect(hostile);
      const raw = await rawStream(out);

      await send(raw);
      // The responder aborts the stream: no answer, no share, no tag.
      await expect(raw.messages.read(AdmitResponse)).rejects.toThrow();
      await expect.poll(() => failuresOf(t, hostile)).toEqual([['responder', reason]]);
      expect(t.admission.failures(hostile.peerId)).toBe(0);
      expect(t.admission.totalFailures).toBe(0);
      expect(target.admissions.isAdmitted(hostile.peerId)).toBe(false);
    });
  }

  for (const [what, confirmation, expected, reason] of [
    ['a wrong tag', { tag: random(64) }, Outcome.FAILED, 'AdmissionFailedError'],
    ['a tag of the wrong length', { tag: random(63) }, undefined, 'MalformedMessageError'],
    [
      'a share beside the tag',
      { tag: random(64), share: random(32) },
      undefined,
      'MalformedMessageError'
    ]
  ] as const) {
    it(`answers a confirmation with ${what}, and counts it`, async () => {
      const t = await party(target, random(32));
      const hostile = await peerNode();
      const { out } = await connect(hostile);
      const raw = await rawStream(out);

      await raw.messages.write(hello(), AdmitRequest);
      expect(outcome(await raw.messages.read(AdmitResponse))).toBe(Outcome.CONTINUE);
      await raw.messages.write(
        {
          ...hello(),
          version: 0,
          nonce: new Uint8Array(0),
          share: new Uint8Array(0),
          fingerprint: '',
          ...confirmation
        },
        AdmitRequest
      );
      const reply = await raw.messages.read(AdmitResponse).then(outcome, () => undefined);
      expect(reply).toBe(expected);
      await expect.poll(() => t.admission.failures(hostile.peerId)).toBe(1);
      expect(failuresOf(t, hostile)).toEqual([['responder', reason]]);
      expect(target.admissions.isAdmitted(hostile.peerId)).toBe(false);
    });
  }

  it('survives an oversized message and still admits an honest peer', async () => {
    const prs = random(32);
    const t = await party(target, prs);
    const hostile = await peerNode();
    const raw = await rawStream((await connect(hostile)).out);
    await raw.messages.write({ ...hello(), share: random(64 * 1024) }, AdmitRequest);
    await expect(raw.messages.read(AdmitResponse)).rejects.toThrow();
    await expect
      .poll(() => failuresOf(t, hostile))
      .toEqual([['responder', 'MalformedMessageError']]);

    const honest = await peerNode();
    const h = await party(honest, prs);
    const outcome = await h.admission.admit((await connect(honest)).out);
    expect(outcome.kind).toBe('admitted');
    expect(target.admissions.isAdmitted(honest.peerId)).toBe(true);
    expect(t.admission.totalFailures).toBe(0);
  });

  // ---- limits ------------------------------------------------------------------------------

  it('makes a peer that guessed wrong wait out its backoff, then answers it again', async () => {
    const prs = random(32);
    const t = await party(target, prs);
    const hostile = await peerNode();
    const guesser = await party(hostile, random(32));
    const { out } = await connect(hostile);

    await expect(guesser.admission.admit(out)).rejects.toHaveProperty(
      'name',
      'AdmissionFailedError'
    );
    await expect.poll(() => t.admission.failures(hostile.peerId)).toBe(1);
    // At once again: refused before any CPace work, with how long to wait, and not counted.
    const raw = await rawStream(out);
    await raw.messages.write(hello(), AdmitRequest);
    const refusal = await raw.messages.read(AdmitResponse);
    expect(outcome(refusal)).toBe(Outcome.REFUSED_RATE_LIMITED);
    expect(refusal.retryAfterMs).toBeGreaterThan(0);
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(PEER_BACKOFF_MS[0]!);
    expect([refusal.share.length, refusal.tag.length]).toEqual([0, 0]);
    await expect(guesser.admission.admit(out)).rejects.toHaveProperty(
      'name',
      'AdmissionRateLimitedError'
    );
    expect(t.admission.failures(hostile.peerId)).toBe(1);
    expect(t.limited.map((l) => [l.direction, l.reason])).toContainEqual([
      'responder',
      'peer-backoff'
    ]);

    // After its pause, the same peer is answered again: it was slowed, never blocked. This
    // time it knows the PRS.
    await sleep(PEER_BACKOFF_MS[0]! + 100);
    await guesser.admission.stop();
    const knowing = await party(hostile, prs);
    expect((await knowing.admission.admit(out)).kind).toBe('admitted');
    expect(target.admissions.isAdmitted(hostile.peerId)).toBe(true);
  });

  it('answers a burst of guesses from fresh peers, then slows everyone down, and never locks', async () => {
    const prs = random(32);
    let now = 0;
    const BURST = 3;
    const REFILL_MS = 60_000;
    const t = await party(target, prs, {
      limiter: new AdmissionLimiter({ now: () => now, burst: BURST, refillMs: REFILL_MS })
    });
    // Fresh peer IDs, so no peer's own backoff plays a part: only the call's rate.
    for (let i = 0; i < BURST; i++) {
      const hostile = await peerNode();
      const guesser = await party(hostile, random(32));
      await expect(guesser.admission.admit((await connect(hostile)).out)).rejects.toHaveProperty(
        'name',
        'AdmissionFailedError'
      );
    }
    await expect.poll(() => t.admission.totalFailures).toBe(BURST);

    // Someone honest now has to wait (it is told how long), rather than being locked out…
    const honest = await peerNode();
    const h = await party(honest, prs);
    const { out } = await connect(honest);
    const refused = await h.admission.admit(out).catch((err: unknown) => err);
    expect(refused).toHaveProperty('name', 'AdmissionRateLimitedError');
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBe(REFILL_MS);
    expect(t.limited.map((l) => l.reason)).toContain('call-rate');
    expect(h.failed).toEqual([]);
    // …and is let in once the call's rate allows another.
    now += REFILL_MS;
    expect((await h.admission.admit(out)).kind).toBe('admitted');
    expect(t.admission.totalFailures).toBe(BURST);
  });

  it('keeps a man in the middle from steering the safety words: each try is a counted admission', async () => {
    // Mallory knows the passphrase and PIN. She admits herself with the target and would like
    // the words of that pair to equal the words of her pair with someone else. The target's
    // certificate is committed before the key exists, and so is hers: the words of each run
    // are fixed by keys she cannot choose, and every new try is a new admission at the call's
    // rate.
    const prs = random(32);
    const now = 0;
    const BURST = 4;
    const t = await party(target, prs, {
      limiter: new AdmissionLimiter({ now: () => now, burst: BURST, refillMs: 60_000 })
    });
    const mallory = await peerNode();
    const m = await party(mallory, prs);
    const { out } = await connect(mallory);
    const words = new Set<string>();
    for (let run = 0; run < BURST; run++) {
      const result = await m.admission.admit(out);
      if (result.kind !== 'admitted') throw new Error(`run ${run}: ${result.kind}`);
      // Both sides agree on the words of the pair (Mallory is a real participant to the
      // target), from the committed fingerprints only.
      const mine = safetyWords(
        sessionKeys(result.sessionKey).safetyWords,
        m.fingerprint,
        t.fingerprint
      );
      const theirs = safetyWords(
        sessionKeys(t.admitted.at(-1)!.sessionKey).safetyWords,
        t.admitted.at(-1)!.remoteFingerprint,
        t.fingerprint
      );
      expect(theirs).toEqual(mine);
      expect(t.admitted.at(-1)!.remoteFingerprint).toBe(m.fingerprint);
      words.add(mine.join(' '));
      target.admissions.revoke(mallory.peerId);
    }
    // New words every run (fresh keys), so they cannot be held still while the other pair's
    // are ground…
    expect(words.size).toBe(BURST);
    // …and the runs are rationed: the next one waits for the call's rate.
    await expect(m.admission.admit(out)).rejects.toHaveProperty(
      'name',
      'AdmissionRateLimitedError'
    );
    expect(t.admission.totalFailures).toBe(0);
  });

  it('lets a participant admitted before come back with its resume ticket, without a guess', async () => {
    const prs = random(32);
    const now = 0;
    // One slot in all: the first admission spends it, so a resume must not need one.
    const limiter = new AdmissionLimiter({ now: () => now, burst: 1, refillMs: 60_000 });
    const resumeKeys = new Map<string, Uint8Array>();
    const t = await party(target, prs, {
      limiter,
      resumeKey: (peer) => resumeKeys.get(peer.toString())
    });
    const peer = await peerNode();
    const p = await party(peer, prs, { resumeKey: (peer) => resumeKeys.get(`p:${peer}`) });
    const { out } = await connect(peer);
    const first = await p.admission.admit(out);
    if (first.kind !== 'admitted') throw new Error(first.kind);
    resumeKeys.set(peer.peerId.toString(), sessionKeys(t.admitted[0]!.sessionKey).resume);
    resumeKeys.set(`p:${target.peerId}`, sessionKeys(first.sessionKey).resume);
    expect(limiter.available).toBe(0);

    // The connection drops; admission is forgotten; the peer comes back.
    target.admissions.revoke(peer.peerId);
    peer.admissions.revoke(target.peerId);
    const back = await p.admission.admit(out, { resume: true });
    if (back.kind !== 'admitted') throw new Error(back.kind);
    expect(back.resumed).toBe(true);
    expect(t.admitted.at(-1)).toMatchObject({ resumed: true, direction: 'responder' });
    // A new session key, the same on both sides, and not the old one.
    expect(t.admitted.at(-1)!.emittedKey).toEqual(back.sessionKey);
    expect(back.sessionKey).not.toEqual(first.sessionKey);
    expect(t.admitted.at(-1)!.remoteFingerprint).toBe(p.fingerprint);
    expect(back.remoteFingerprint).toBe(t.fingerprint);
    expect(target.admissions.isAdmitted(peer.peerId)).toBe(true);
    expect([t.failed, t.limited]).toEqual([[], []]);
  });

  it('answers a resume without a ticket with RESUME_UNKNOWN, and the peer proves the passphrase instead', async () => {
    const prs = random(32);
    const t = await party(target, prs);
    const peer = await peerNode();
    // The peer believes it holds a ticket; the target has none for it (it gave up on it).
    const p = await party(peer, prs, { resumeKey: () => random(32) });
    const { out } = await connect(peer);
    const result = await p.admission.admit(out, { resume: true });
    expect(result).toMatchObject({ kind: 'admitted', resumed: false });
    expect(t.admitted.map((a) => a.resumed)).toEqual([false]);
  });

  it('refuses a resume proof made with the wrong key, and does not admit', async () => {
    const prs = random(32);
    const key = random(32);
    const t = await party(target, prs, { resumeKey: () => key });
    const peer = await peerNode();
    const p = await party(peer, prs, { resumeKey: () => random(32) });
    const { out } = await connect(peer);
    await expect(p.admission.admit(out, { resume: true })).rejects.toHaveProperty(
      'name',
      'AdmissionFailedError'
    );
    expect(t.admitted).toEqual([]);
    expect(target.admissions.isAdmitted(peer.peerId)).toBe(false);
  });

  it('admits nobody new while the participants lock the call, but lets a ticket in', async () => {
    const prs = random(32);
    const resumeKey = random(32);
    const t = await party(target, prs, {
      policy: () => 'locked',
      resumeKey: (peer) => (peer.equals(returning.peerId) ? resumeKey : undefined)
    });
    const stranger = await peerNode();
    const s = await party(stranger, prs);
    await expect(s.admission.admit((await connect(stranger)).out)).rejects.toHaveProperty(
      'name',
      'CallLockedError'
    );
    expect(s.failed).toEqual([]);
    const returning = await peerNode();
    const r = await party(returning, prs, { resumeKey: () => resumeKey });
    const result = await r.admission.admit((await connect(returning)).out, { resume: true });
    expect(result).toMatchObject({ kind: 'admitted', resumed: true });
    expect(t.admitted.map((a) => [a.peer.toString(), a.resumed])).toEqual([
      [returning.peerId.toString(), true]
    ]);
  });

  it('refuses a removed peer even with the right passphrase and a ticket', async () => {
    const prs = random(32);
    const removed = await peerNode();
    const key = random(32);
    const t = await party(target, prs, {
      policy: (peer) => (peer.equals(removed.peerId) ? 'refused' : 'open'),
      resumeKey: () => key
    });
    const r = await party(removed, prs, { resumeKey: () => key });
    const { out, back } = await connect(removed);
    await expect(r.admission.admit(out)).rejects.toHaveProperty('name', 'PeerBlockedError');
    await expect(r.admission.admit(out, { resume: true })).rejects.toHaveProperty(
      'name',
      'PeerBlockedError'
    );
    // …and the target does not dial it itself either.
    await expect(t.admission.admit(back)).rejects.toHaveProperty('name', 'PeerBlockedError');
    expect(t.admitted).toEqual([]);
  });

  // ---- gating ------------------------------------------------------------------------------

  it('opens the session protocol and the WebRTC upgrade only once admitted', async () => {
    const prs = random(32);
    const t = await party(target, prs);
    const peer = await peerNode();
    const p = await party(peer, prs);
    const { out } = await connect(peer);

    // A stand-in session handler on the target, to see which streams reach it.
    const served: string[] = [];
    await target.libp2p.handle(
      SESSION_PROTOCOL,
      async (stream, connection) => {
        served.push(connection.remotePeer.toString());
        const messages = pbStream(stream);
        const request = await messages.read(AdmitRequest);
        await messages.write(
          {
            // An answer only this handler gives: the request's marker, echoed.
            outcome: outcomeNumber(
              request.version === 7 ? Outcome.REFUSED_DUPLICATE : Outcome.UNKNOWN
            ),
            share: new Uint8Array(0),
            tag: new Uint8Array(0)
          },
          AdmitResponse
        );
        await stream.close();
      },
      { runOnLimitedConnection: true }
    );
    cleanup.push(() => target.libp2p.unhandle(SESSION_PROTOCOL));
    const refused: string[] = [];
    const onRefused = (event: CustomEvent<RefusedEventDetail>) => refused.push(event.detail.what);
    target.admissions.addEventListener('refused', onRefused);
    cleanup.push(() => target.admissions.removeEventListener('refused', onRefused));
    const session = async () => {
      const stream = await out.newStream(SESSION_PROTOCOL, { runOnLimitedConnection: true });
      const messages = pbStream(stream);
      await messages.write({ ...hello(), version: 7 }, AdmitRequest);
      return outcome(await messages.read(AdmitResponse));
    };
    const webrtc = target.libp2p.getMultiaddrs().find((ma) => WebRTC.matches(ma))!;
    expect(webrtc).toBeDefined();

    // Before admission our own node neither dials WebRTC (its connection gater)…
    await expect(
      peer.libp2p.dial(webrtc, { signal: AbortSignal.timeout(5_000) })
    ).rejects.toHaveProperty('name', 'DialDeniedError');
    // …nor hands out a session stream (libp2p negotiates it before the middleware refuses it,
    // so the target sees it too, and refuses it as well)…
    await expect(session()).rejects.toHaveProperty('name', 'NotAdmittedError');
    // …and when a modified node opens one anyway, the target refuses it before its handler runs.
    peer.admissions.admit(target.peerId);
    await expect(session()).rejects.toThrow();
    peer.admissions.revoke(target.peerId);
    await expect.poll(() => refused.length).toBeGreaterThanOrEqual(1);
    expect(new Set(refused)).toEqual(new Set([SESSION_PROTOCOL]));
    expect(served).toEqual([]);
    const refusals = refused.length;

    // Admitted: both protocols are open, and the WebRTC upgrade goes through.
    expect((await p.admission.admit(out)).kind).toBe('admitted');
    expect(t.admitted).toHaveLength(1);
    expect(await session()).toBe(Outcome.REFUSED_DUPLICATE);
    expect(served).toEqual([peer.peerId.toString()]);
    const direct = await peer.libp2p.dial(webrtc, { signal: AbortSignal.timeout(15_000) });
    expect(direct.direct).toBe(true);
    expect(direct.remotePeer.equals(target.peerId)).toBe(true);
    await expect
      .poll(() => target.libp2p.getConnections(peer.peerId).some((c) => c.direct))
      .toBe(true);
    // Nothing was refused once admitted: neither the session nor the WebRTC signalling.
    expect(refused).toHaveLength(refusals);
    expect(refused).not.toContain(WEBRTC_SIGNALING_PROTOCOL);
  });
});
