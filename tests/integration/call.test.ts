import { Session } from 'node:inspector/promises';
import { pbStream } from '@libp2p/utils';
import { WebRTC } from '@multiformats/multiaddr-matcher';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Call, type ParticipantSnapshot, type SecurityEvent } from '../../src/p2p/call/index.ts';
import { SESSION_PROTOCOL, WEBRTC_SIGNALING_PROTOCOL } from '../../src/p2p/constants.ts';
import { createCallNode, type CallNode } from '../../src/p2p/node.ts';
import { Admission } from '../../src/p2p/protocols/admit/index.ts';
import { AdmitRequest } from '../../src/p2p/protocols/admit/pb/admit.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

/**
 * Calls between Node call nodes on a local swarm of 5 Samen nodes: real libp2p, real DHT,
 * real circuit relays and real WebRTC (node-datachannel) on loopback.
 */
describe('call', () => {
  let swarm: LocalSwarm;
  const calls: Call[] = [];

  beforeAll(async () => {
    swarm = await startLocalSwarm(5);
  });

  afterEach(async () => {
    await Promise.allSettled(calls.splice(0).map((call) => call.leave()));
  });

  afterAll(async () => {
    await swarm?.stop();
  });

  function join(passphrase: string, pin = ''): Call & { security: SecurityEvent[] } {
    const call = Object.assign(
      new Call({ passphrase, pin, network: swarm.profile, rtcBindAddress: '127.0.0.1' }),
      { security: [] as SecurityEvent[] }
    );
    call.addEventListener('security', (e) => call.security.push(e.detail));
    calls.push(call);
    return call;
  }

  /** A passphrase of its own per test, so that one test's DHT records never meet another's. */
  let room = 0;
  const phrase = (suffix = '') => `orbit velvet canyon maple ${++room} ${suffix}`.trim();

  function states(call: Call): Record<string, ParticipantSnapshot['state']> {
    return Object.fromEntries(call.participants.map((p) => [p.peerId, p.state]));
  }

  it('brings two peers with the same passphrase to a direct, admitted connection', async () => {
    const passphrase = phrase('thunder');
    const a = join(passphrase);
    const b = join(`  ${passphrase.toUpperCase().replace(' ', '\t')} `);
    await Promise.all([a.start(), b.start()]);

    await expect.poll(() => states(a), { timeout: 20_000 }).toEqual({ [b.peerId!]: 'direct' });
    await expect.poll(() => states(b), { timeout: 20_000 }).toEqual({ [a.peerId!]: 'direct' });
    expect(a.step).toBe('connected');
    expect(b.step).toBe('connected');
    // The relay only carried admission and signalling: every remaining connection is direct.
    await expect
      .poll(() => a.node!.libp2p.getConnections(b.node!.peerId).map((c) => c.direct))
      .toEqual([true]);
    expect(a.security).toEqual([]);
    expect(b.security).toEqual([]);
  });

  it('keeps no reference to the passphrase or the PIN once it has started', async () => {
    const passphrase = phrase('forget me');
    const pin = '73915';
    const call = join(passphrase, pin);
    // The probe sees them before start (it can fail), and no longer after.
    expect(await heldStrings(call)).toEqual(expect.arrayContaining([passphrase, pin]));
    await call.start();
    const held = await heldStrings(call);
    expect(held).not.toContain(passphrase);
    expect(held).not.toContain(pin);
  });

  it('never brings together peers with different passphrases', async () => {
    const passphrase = phrase();
    const a = join(`${passphrase} thunder`);
    const b = join(`${passphrase} lightning`);
    await Promise.all([a.start(), b.start()]);
    // Both look for long enough to have announced and looked up several times.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(a.participants).toEqual([]);
    expect(b.participants).toEqual([]);
    expect(a.step).toBe('looking');
    expect(a.node!.libp2p.getConnections(b.node!.peerId)).toEqual([]);
  });

  it('fails admission on both sides, counted, with no WebRTC upgrade, when the PINs differ', async () => {
    const passphrase = phrase();
    const a = join(passphrase, '1234');
    const b = join(passphrase, '4321');
    await Promise.all([a.start(), b.start()]);

    await expect
      .poll(() => a.security.length + b.security.length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    // Usually one run fails (one side dialled first, or the other refused the duplicate); when
    // both dial at once and the first run ends before the second is read, both runs fail. Either
    // way each side counts every run it took part in, and nobody tries again.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const runs = a.admission!.failures(b.node!.peerId);
    expect([1, 2]).toContain(runs);
    expect(b.admission!.failures(a.node!.peerId)).toBe(runs);
    expect([a.admission!.totalFailures, b.admission!.totalFailures]).toEqual([runs, runs]);
    const kinds = [...a.security, ...b.security].map((e) => e.kind).sort();
    expect(kinds).toEqual(
      runs === 1
        ? ['intruder', 'verification-failed']
        : ['intruder', 'intruder', 'verification-failed', 'verification-failed']
    );
    expect(a.participants.filter((p) => p.state !== 'left')).toEqual([]);
    expect(b.participants.filter((p) => p.state !== 'left')).toEqual([]);
    expect(a.node!.admissions.isAdmitted(b.node!.peerId)).toBe(false);
    expect(b.node!.admissions.isAdmitted(a.node!.peerId)).toBe(false);
    expect(a.node!.libp2p.getConnections(b.node!.peerId).some((c) => c.direct)).toBe(false);
  });

  it('meshes four peers fully, each pair admitted and direct', async () => {
    const passphrase = phrase();
    const group = [1, 2, 3, 4].map(() => join(passphrase));
    await Promise.all(group.map((call) => call.start()));
    for (const call of group) {
      const others = group.filter((c) => c !== call).map((c) => c.peerId!);
      await expect
        .poll(() => states(call), { timeout: 40_000 })
        .toEqual(Object.fromEntries(others.map((id) => [id, 'direct'])));
    }
  });

  it('tells the others when someone leaves, and releases everything', async () => {
    const passphrase = phrase();
    const a = join(passphrase);
    const b = join(passphrase);
    await Promise.all([a.start(), b.start()]);
    await expect.poll(() => states(a), { timeout: 20_000 }).toEqual({ [b.peerId!]: 'direct' });
    // Their session is up once each has told the other what it sends (MediaState).
    await expect
      .poll(() => [a, b].map((call) => call.participants[0]?.media !== undefined))
      .toEqual([true, true]);

    await b.leave();
    expect(b.step).toBe('ended');
    expect(b.node!.libp2p.status).toBe('stopped');
    await expect.poll(() => states(a), { timeout: 10_000 }).toEqual({ [b.peerId!]: 'left' });
    await b.leave(); // twice is harmless
  });

  it('gives a peer without the passphrase no ICE candidate and no protocol beyond admission', async () => {
    const a = join(phrase());
    await a.start();
    const hostile: CallNode = await createCallNode({
      network: swarm.profile,
      rtcBindAddress: '127.0.0.1'
    });
    try {
      const aId = a.node!.peerId;
      const [relayed] = a.node!.relayAddresses();
      const connection = await hostile.libp2p.dial(relayed!);
      expect(connection.remotePeer.equals(aId)).toBe(true);
      // The hostile node lets itself open every protocol towards A, as a modified client would.
      hostile.admissions.admit(aId);

      // 1. WebRTC signalling straight away: refused before a single message comes back.
      const signalling = await connection.newStream(WEBRTC_SIGNALING_PROTOCOL, {
        runOnLimitedConnection: true
      });
      await expect(pbStream(signalling).read(AdmitRequest)).rejects.toThrow();

      // 2. A WebRTC dial, which sends the hostile's offer: A never answers with its own.
      const webrtc = a.node!.libp2p.getMultiaddrs().find((ma) => WebRTC.matches(ma))!;
      await expect(
        hostile.libp2p.dial(webrtc, { signal: AbortSignal.timeout(10_000) })
      ).rejects.toThrow();
      expect(a.node!.libp2p.getConnections(hostile.peerId).some((c) => c.direct)).toBe(false);

      // 3. The session protocol: not served (never on a relayed connection, nor to strangers).
      const session = await connection
        .newStream(SESSION_PROTOCOL, { runOnLimitedConnection: true })
        .then((stream) => pbStream(stream).read(AdmitRequest))
        .catch((err: Error) => err);
      expect(session).toBeInstanceOf(Error);
      const refused = a.security.filter((e) => e.kind === 'refused').map((e) => e.what);
      expect(refused).toContain(WEBRTC_SIGNALING_PROTOCOL);

      // 4. Admission with a guess: fails, counted and reported; the next guess at once is
      // refused until the guesser's backoff has passed.
      const guesser = new Admission(
        { libp2p: hostile.libp2p, admissions: hostile.admissions },
        { prs: crypto.getRandomValues(new Uint8Array(32)), fingerprint: '' }
      );
      const conn = await hostile.libp2p.dial(relayed!);
      await expect(guesser.admit(conn)).rejects.toHaveProperty('name', 'AdmissionFailedError');
      await expect.poll(() => a.admission!.failures(hostile.peerId)).toBe(1);
      expect(a.security.map((e) => e.kind)).toContain('intruder');
      const again = await hostile.libp2p.dial(relayed!);
      await expect(guesser.admit(again)).rejects.toHaveProperty(
        'name',
        'AdmissionRateLimitedError'
      );
      expect(a.admission!.failures(hostile.peerId)).toBe(1);
      expect(a.node!.admissions.isAdmitted(hostile.peerId)).toBe(false);
      expect(a.participants).toEqual([]);
    } finally {
      await hostile.stop();
    }
  });
});

/**
 * The strings an object holds in its own and private fields, and one level down (the inspector
 * protocol reads private fields, which no JavaScript outside the class can).
 */
interface RemoteValue {
  type: string;
  value?: unknown;
  objectId?: string;
}

async function heldStrings(object: object): Promise<string[]> {
  const session = new Session();
  session.connect();
  const global = globalThis as { __samenProbe?: object };
  global.__samenProbe = object;
  try {
    const { result } = await session.post('Runtime.evaluate', {
      expression: 'globalThis.__samenProbe'
    });
    const strings: string[] = [];
    const visit = async (objectId: string, depth: number): Promise<void> => {
      // The protocol's privateProperties are missing from @types/node's return type.
      const { result: own, privateProperties = [] } = (await session.post('Runtime.getProperties', {
        objectId,
        ownProperties: true
      })) as { result: { value?: RemoteValue }[]; privateProperties?: { value?: RemoteValue }[] };
      for (const { value } of [...own, ...privateProperties]) {
        if (value?.type === 'string') {
          strings.push(value.value as string);
        } else if (value?.type === 'object' && value.objectId !== undefined && depth > 0) {
          await visit(value.objectId, depth - 1);
        }
      }
    };
    await visit(result.objectId!, 1);
    return strings;
  } finally {
    delete global.__samenProbe;
    session.disconnect();
  }
}
