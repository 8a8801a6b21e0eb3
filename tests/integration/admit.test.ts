import type { Connection, PeerId, Stream } from '@libp2p/interface';
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
  MAX_FAILURES_PER_CALL,
  MAX_FAILURES_PER_PEER,
  type AdmitOutcome,
  type AdmittedEventDetail,
  type FailedEventDetail
} from '../../src/p2p/protocols/admit/index.ts';
import { AdmitRequest, AdmitResponse } from '../../src/p2p/protocols/admit/pb/admit.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

const Outcome = AdmitResponse.Outcome;

/** One side's Admission, with every event it emitted (session keys copied as emitted). */
interface Party {
  readonly node: CallNode;
  readonly admission: Admission;
  readonly admitted: (AdmittedEventDetail & { readonly emittedKey: Uint8Array })[];
  readonly failed: FailedEventDetail[];
  readonly blocked: string[];
  readonly locked: number[];
}

const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));

/** A first AdmitRequest as an honest initiator sends it: a valid share, for some guessed PRS. */
function hello(fields: Partial<AdmitRequest> = {}): AdmitRequest {
  const { share } = cpaceStart({ prs: random(32), ci: random(32), sid: random(32) });
  return {
    version: ADMIT_VERSION,
    nonce: random(ADMIT_NONCE_BYTES),
    share: new Uint8Array(share),
    tag: new Uint8Array(0),
    ...fields
  };
}

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
 * Admission, `/samen/admit/1.0.0`, between real call nodes on a local swarm: relayed
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
  async function party(node: CallNode, prs: Uint8Array): Promise<Party> {
    const admission = new Admission({ libp2p: node.libp2p, admissions: node.admissions }, { prs });
    const recorded: Party = { node, admission, admitted: [], failed: [], blocked: [], locked: [] };
    admission.addEventListener('admitted', (event) => {
      const detail = (event as CustomEvent<AdmittedEventDetail>).detail;
      recorded.admitted.push({ ...detail, emittedKey: detail.sessionKey.slice() });
    });
    admission.addEventListener('failed', (event) => {
      recorded.failed.push((event as CustomEvent<FailedEventDetail>).detail);
    });
    admission.addEventListener('blocked', (event) => {
      recorded.blocked.push((event as CustomEvent<{ peer: PeerId }>).detail.peer.toString());
    });
    admission.addEventListener('locked', (event) => {
      recorded.locked.push((event as CustomEvent<{ failures: number }>).detail.failures);
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
    expect(reply.outcome).toBe(Outcome.CONTINUE);
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

  it('never answers more guesses in parallel than the limits allow', async () => {
    const t = await party(target, random(32));
    // One peer with one failure left opens every admission stream a connection allows at once.
    const hostile = await peerNode();
    const { out } = await connect(hostile);
    for (let i = 1; i < MAX_FAILURES_PER_PEER; i++) {
      await (await guessOnce(out)).close().catch(() => {});
      await expect.poll(() => t.admission.failures(hostile.peerId)).toBe(i);
    }
    const streams = await Promise.all(
      Array.from({ length: ADMIT_MAX_INBOUND_STREAMS }, () => rawStream(out))
    );
    const replies = await Promise.all(
      streams.map(async ({ messages }) => {
        await messages.write(hello(), AdmitRequest);
        return messages.read(AdmitResponse).then(
          (reply) => reply.outcome,
          () => undefined
        );
      })
    );
    const answered = replies.filter((outcome) => outcome === Outcome.CONTINUE).length;
    expect(answered, `outcomes ${replies.join(', ')}`).toBeLessThanOrEqual(1);
  });

  // ---- malformed input ---------------------------------------------------------------------

  /** Ways of breaking the protocol, each sent by a fresh hostile peer; all must be counted. */
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
      ({ messages }) => messages.write(hello({ version: 2 }), AdmitRequest),
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
    it(`aborts and counts ${what}`, async () => {
      const t = await party(target, random(32));
      const hostile = await peerNode();
      const { out } = await connect(hostile);
      const raw = await rawStream(out);

      await send(raw);
      // The responder aborts the stream: no answer, no share, no tag.
      await expect(raw.messages.read(AdmitResponse)).rejects.toThrow();
      await expect.poll(() => t.admission.failures(hostile.peerId)).toBe(1);
      expect(failuresOf(t, hostile)).toEqual([['responder', reason]]);
      expect(target.admissions.isAdmitted(hostile.peerId)).toBe(false);
    });
  }

  for (const [what, confirmation, outcome, reason] of [
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
      expect((await raw.messages.read(AdmitResponse)).outcome).toBe(Outcome.CONTINUE);
      await raw.messages.write(
        {
          ...hello(),
          version: 0,
          nonce: new Uint8Array(0),
          share: new Uint8Array(0),
          ...confirmation
        },
        AdmitRequest
      );
      const reply = await raw.messages.read(AdmitResponse).then(
        (r) => r.outcome,
        () => undefined
      );
      expect(reply).toBe(outcome);
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
    await expect.poll(() => t.admission.failures(hostile.peerId)).toBe(1);
    expect(failuresOf(t, hostile)).toEqual([['responder', 'MalformedMessageError']]);

    const honest = await peerNode();
    const h = await party(honest, prs);
    const outcome = await h.admission.admit((await connect(honest)).out);
    expect(outcome.kind).toBe('admitted');
    expect(target.admissions.isAdmitted(honest.peerId)).toBe(true);
    expect(t.admission.totalFailures).toBe(1);
  });

  // ---- limits ------------------------------------------------------------------------------

  it(`blocks a peer after ${MAX_FAILURES_PER_PEER} failures, even with the right PRS`, async () => {
    const prs = random(32);
    const t = await party(target, prs);
    const hostile = await peerNode();
    const guesser = await party(hostile, random(32));
    const { out, back } = await connect(hostile);

    for (let i = 1; i <= MAX_FAILURES_PER_PEER; i++) {
      await expect(guesser.admission.admit(out)).rejects.toHaveProperty(
        'name',
        'AdmissionFailedError'
      );
      await expect.poll(() => t.admission.failures(hostile.peerId)).toBe(i);
    }
    expect(t.failed.map((f) => f.peerFailures)).toEqual([1, 2, 3]);
    expect(t.blocked).toEqual([hostile.peerId.toString()]);
    expect(t.admission.isBlocked(hostile.peerId)).toBe(true);
    expect(t.locked).toEqual([]);

    // On the wire: refused before any CPace work, and not counted again.
    const raw = await rawStream(out);
    await raw.messages.write(hello(), AdmitRequest);
    const refusal = await raw.messages.read(AdmitResponse);
    expect(refusal).toMatchObject({ outcome: Outcome.REFUSED_BLOCKED });
    expect([refusal.share.length, refusal.tag.length]).toEqual([0, 0]);

    // Through Admission, now knowing the PRS: the target still refuses it.
    await guesser.admission.stop();
    const knowing = await party(hostile, prs);
    await expect(knowing.admission.admit(out)).rejects.toHaveProperty('name', 'PeerBlockedError');
    // …and will not admit it itself either.
    await expect(t.admission.admit(back)).rejects.toHaveProperty('name', 'PeerBlockedError');
    expect(t.admission.failures(hostile.peerId)).toBe(MAX_FAILURES_PER_PEER);
    expect(t.blocked).toHaveLength(1);
    expect(target.admissions.isAdmitted(hostile.peerId)).toBe(false);
    expect(knowing.failed).toEqual([]);
  });

  it(`locks the call after ${MAX_FAILURES_PER_CALL} failures from several peers`, async () => {
    const prs = random(32);
    const t = await party(target, prs);
    const hostiles = await Promise.all(
      Array.from({ length: Math.ceil(MAX_FAILURES_PER_CALL / MAX_FAILURES_PER_PEER) }, () =>
        peerNode()
      )
    );
    let total = 0;
    for (const hostile of hostiles) {
      const guesser = await party(hostile, random(32));
      const { out } = await connect(hostile);
      for (let i = 0; i < MAX_FAILURES_PER_PEER && total < MAX_FAILURES_PER_CALL; i++) {
        await expect(guesser.admission.admit(out)).rejects.toHaveProperty(
          'name',
          'AdmissionFailedError'
        );
        total += 1;
        await expect.poll(() => t.admission.totalFailures).toBe(total);
      }
    }
    expect(t.failed.map((f) => f.callFailures)).toEqual(
      Array.from({ length: MAX_FAILURES_PER_CALL }, (_, i) => i + 1)
    );
    expect(t.locked).toEqual([MAX_FAILURES_PER_CALL]);
    expect(t.admission.locked).toBe(true);

    // An honest peer is refused now, without counting; so is the target's own admission.
    const honest = await peerNode();
    const h = await party(honest, prs);
    const { out, back } = await connect(honest);
    await expect(h.admission.admit(out)).rejects.toHaveProperty('name', 'CallLockedError');
    await expect(t.admission.admit(back)).rejects.toHaveProperty('name', 'CallLockedError');
    expect(h.failed).toEqual([]);
    expect(t.admission.totalFailures).toBe(MAX_FAILURES_PER_CALL);
    expect(t.locked).toHaveLength(1);
    expect(target.admissions.isAdmitted(honest.peerId)).toBe(false);
    expect(honest.admissions.isAdmitted(target.peerId)).toBe(false);
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
            outcome: request.version === 7 ? Outcome.REFUSED_DUPLICATE : Outcome.UNKNOWN,
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
    const onRefused = (event: Event) =>
      refused.push((event as CustomEvent<RefusedEventDetail>).detail.what);
    target.admissions.addEventListener('refused', onRefused);
    cleanup.push(() => target.admissions.removeEventListener('refused', onRefused));
    const session = async () => {
      const stream = await out.newStream(SESSION_PROTOCOL, { runOnLimitedConnection: true });
      const messages = pbStream(stream);
      await messages.write({ ...hello(), version: 7 }, AdmitRequest);
      return (await messages.read(AdmitResponse)).outcome;
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
