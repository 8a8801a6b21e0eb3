import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { logger } from '@libp2p/logger';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { streamPair } from '@libp2p/utils';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { WebRTC } from '@multiformats/multiaddr-matcher';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeerAdmissions } from '../../src/p2p/admissions.ts';
import {
  CLOSE_GRACE_MS,
  DIRECT_FALLBACK_MS,
  DIRECT_PATH_DEADLINE_MS,
  MAX_CONCURRENT_DIALS,
  Mesh,
  RECONNECT_GIVE_UP_MS,
  RECONNECT_RETRY_MS,
  WAITING_SIDE_DIALS_AFTER_MS,
  type MeshComponents
} from '../../src/p2p/call/mesh.ts';
import type { SecurityEvent } from '../../src/p2p/call/types.ts';
import { AdmissionFailedError, ProtocolTimeoutError } from '../../src/p2p/errors.ts';
import { Emitter } from '../../src/p2p/events.ts';
import type { AdmissionEvents, AdmitOutcome } from '../../src/p2p/protocols/admit/index.ts';
import { SessionChannel, type SessionMessage } from '../../src/p2p/protocols/session/index.ts';

/**
 * The mesh's state machine against a stand-in for libp2p and admission: connections appear when
 * dialled, admission answers as each test says, and sessions run over in-memory streams.
 */

async function newPeerId(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
}

/** Two peer IDs ordered as asked: `low` < `high` as strings (who redials, who is polite). */
async function orderedPeers(): Promise<{ low: PeerId; high: PeerId }> {
  const [a, b] = [await newPeerId(), await newPeerId()];
  return a.toString() < b.toString() ? { low: a, high: b } : { low: b, high: a };
}

const RELAY = '/ip4/192.0.2.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN';
const relayed = (peer: PeerId) => multiaddr(`${RELAY}/p2p-circuit/p2p/${peer}`);

class FakeLibp2p extends EventTarget {
  readonly connections: Connection[] = [];
  readonly dials: string[] = [];
  readonly hangUps: string[] = [];
  /** What a dial of a relayed address does: connect (default) or fail. */
  relayDial: 'connect' | 'fail' = 'connect';
  /** What the WebRTC upgrade does: connect (default), or fail as a blocked network makes it. */
  webrtcDial: 'connect' | 'fail' = 'connect';
  /** While set, relayed dials wait for it: to see how many run at once. */
  gate: Promise<void> | undefined;
  /** Relayed dials under way now, and the most at once. */
  relayDialsNow = 0;
  relayDialsMost = 0;
  /** The peer's side of every session we open, for the test to read and write. */
  readonly sessions: { channel: SessionChannel; received: SessionMessage[] }[] = [];
  readonly peerStore = { get: () => Promise.reject(new Error('not found')) };

  constructor(readonly local: PeerId) {
    super();
  }

  async dial(target: Multiaddr | Multiaddr[]): Promise<Connection> {
    const address = Array.isArray(target) ? target[0]! : target;
    this.dials.push(address.toString());
    const peerText = address.getComponents().findLast((c) => c.name === 'p2p')!.value!;
    const direct = WebRTC.matches(address);
    if (!direct && this.relayDial === 'fail') {
      throw Object.assign(new Error('no route'), { name: 'DialError' });
    }
    if (direct && this.webrtcDial === 'fail') {
      throw Object.assign(new Error('ICE failed'), { name: 'DialError' });
    }
    if (!direct) {
      this.relayDialsNow++;
      this.relayDialsMost = Math.max(this.relayDialsMost, this.relayDialsNow);
      await this.gate;
      this.relayDialsNow--;
    }
    const remotePeer = (await import('@libp2p/peer-id')).peerIdFromString(peerText);
    return this.connect(remotePeer, direct, address);
  }

  connect(remotePeer: PeerId, direct: boolean, remoteAddr = relayed(remotePeer)): Connection {
    const connection = {
      remotePeer,
      remoteAddr,
      direct,
      status: 'open',
      close: async () => this.drop(connection),
      abort: () => this.drop(connection),
      newStream: async (): Promise<Stream> => {
        const [ours, theirs] = await streamPair();
        const channel = new SessionChannel(theirs, this.local);
        const received: SessionMessage[] = [];
        channel.addEventListener('message', (event) => received.push(event.detail));
        this.sessions.push({ channel, received });
        return ours;
      }
    } as unknown as Connection & { status: string };
    this.connections.push(connection);
    this.dispatchEvent(new CustomEvent('connection:open', { detail: connection }));
    return connection;
  }

  drop(connection: Connection): void {
    const at = this.connections.indexOf(connection);
    if (at >= 0) {
      this.connections.splice(at, 1);
      (connection as { status: string }).status = 'closed';
      this.dispatchEvent(new CustomEvent('connection:close', { detail: connection }));
    }
  }

  getConnections(peer?: PeerId): Connection[] {
    return this.connections.filter((c) => peer === undefined || c.remotePeer.equals(peer));
  }

  async hangUp(peer: PeerId): Promise<void> {
    this.hangUps.push(peer.toString());
    for (const connection of this.getConnections(peer)) this.drop(connection);
  }
}

class FakeAdmission extends Emitter<AdmissionEvents> {
  locked = false;
  readonly runs: string[] = [];
  /** What our own admission runs do. */
  outcome: 'admitted' | 'duplicate' | 'fail' | 'timeout' = 'admitted';

  constructor(private readonly admissions: PeerAdmissions) {
    super();
  }

  waitFor(): number {
    return 0;
  }

  async admit(connection: Connection): Promise<AdmitOutcome> {
    const peer = connection.remotePeer;
    this.runs.push(peer.toString());
    if (this.outcome === 'fail') {
      this.emit('failed', {
        peer,
        direction: 'initiator',
        reason: 'AdmissionFailedError',
        peerFailures: 1,
        callFailures: 1
      });
      throw new AdmissionFailedError('wrong PIN');
    }
    if (this.outcome === 'duplicate') {
      return { kind: 'duplicate' };
    }
    if (this.outcome === 'timeout') {
      throw new ProtocolTimeoutError('admission took too long');
    }
    const sessionKey = new Uint8Array(32).fill(1);
    this.respond(peer, 'initiator', sessionKey);
    return { kind: 'admitted', sessionKey, remoteFingerprint: '', resumed: false };
  }

  /** An admission that completed (ours, or the peer's run that we answered). */
  respond(peer: PeerId, direction: 'initiator' | 'responder', sessionKey = new Uint8Array(32)) {
    this.admissions.admit(peer);
    this.emit('admitted', { peer, direction, sessionKey, remoteFingerprint: '', resumed: false });
  }
}

/** Which relays the node trusts (node.ts isTrustedRelay); the test's RELAY by default. */
let trusted: (relay: string) => boolean = () => true;

function setup(local: PeerId) {
  const libp2p = new FakeLibp2p(local);
  const admissions = new PeerAdmissions();
  const admission = new FakeAdmission(admissions);
  const controller = new AbortController();
  const security: SecurityEvent[] = [];
  let lookups = 0;
  const components = {
    node: { peerId: local, admissions, libp2p, isTrustedRelay: () => true },
    admission
  } as unknown as MeshComponents;
  const mesh = new Mesh(components, {
    signal: controller.signal,
    log: logger('samen:test:mesh'),
    outgoingMedia: () => ({ audio: null, video: null, screen: false }),
    createMedia: () => undefined,
    lookNow: () => lookups++,
    mark: () => {},
    turnAvailable: false
  });
  mesh.addEventListener('security', (event) => security.push(event.detail));
  mesh.start();
  (components.node as { isTrustedRelay: (relay: string) => boolean }).isTrustedRelay = (relay) =>
    trusted(relay);
  cleanups.push(() => controller.abort());
  const states = () => Object.fromEntries(mesh.links.map((l) => [l.key, l.snapshot(false).state]));
  return { mesh, libp2p, admission, admissions, security, states, lookups: () => lookups };
}

const cleanups: (() => void)[] = [];

describe('Mesh', () => {
  afterEach(() => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
    vi.useRealTimers();
    trusted = () => true;
  });

  it('brings a found peer through connecting and admitted to direct, and opens the session', async () => {
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, states } = setup(low);
    const seen: string[] = [];
    mesh.addEventListener('change', () => seen.push(states()[high.toString()] ?? 'none'));

    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(states()).toEqual({ [high.toString()]: 'direct' }));
    expect(seen.filter((s, i) => s !== seen[i - 1])).toEqual(['connecting', 'admitted', 'direct']);
    // The upgrade dialled its WebRTC address through the same relay, and the relayed
    // connection was closed once direct.
    expect(libp2p.dials).toEqual([`${relayed(high)}`, `${RELAY}/p2p-circuit/webrtc/p2p/${high}`]);
    expect(libp2p.getConnections(high).map((c) => c.direct)).toEqual([true]);
    // As the initiator we opened the session; the peer is told what we send.
    await vi.waitFor(() => expect(libp2p.sessions).toHaveLength(1));
    await vi.waitFor(() =>
      expect(libp2p.sessions[0]!.received.some((m) => m.mediaState !== undefined)).toBe(true)
    );
  });

  it('leaves a duplicate run to the peer, and goes direct itself if the peer stays quiet', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, admission, states } = setup(high);
    admission.outcome = 'duplicate';
    mesh.reach(low, [relayed(low)]);
    await vi.waitFor(() => expect(admission.runs).toEqual([low.toString()]));
    // The peer's run, which we answer, admits the pair: we are its responder.
    admission.respond(low, 'responder');
    expect(states()).toEqual({ [low.toString()]: 'admitted' });
    expect(libp2p.dials).toHaveLength(1);
    // The initiator should upgrade; when it has not after DIRECT_FALLBACK_MS, we do.
    await vi.advanceTimersByTimeAsync(DIRECT_FALLBACK_MS + 10);
    await vi.waitFor(() => expect(states()).toEqual({ [low.toString()]: 'direct' }));
    expect(libp2p.dials.at(-1)).toContain('/webrtc/');
    // As the responder we do not open the session: the peer does.
    expect(libp2p.sessions).toHaveLength(0);
    expect(mesh.links[0]!.initiator).toBe(false);
  });

  it('forgets a peer that fails admission and never dials it again in this call', async () => {
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, admission, security, states } = setup(low);
    admission.outcome = 'fail';
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(security).toHaveLength(1));
    expect(security).toEqual([
      { kind: 'verification-failed', peerId: high.toString(), reason: 'AdmissionFailedError' }
    ]);
    await vi.waitFor(() => expect(states()).toEqual({}));
    mesh.reach(high, [relayed(high)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(libp2p.dials).toHaveLength(1);
  });

  it('admits over a relayed connection already open to the peer, and closes one whose run timed out', async () => {
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, admission, states } = setup(low);
    // The peer dialled us through a relay (its dial and ours crossed, or libp2p redialled it).
    const theirs = libp2p.connect(high, false);
    admission.outcome = 'timeout';
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(admission.runs).toEqual([high.toString()]));
    expect(libp2p.dials).toEqual([]);
    // A run that timed out says the connection may have died unseen: it is closed, and the
    // next try dials anew.
    await vi.waitFor(() => expect(theirs.status).toBe('closed'));
    expect(states()).toEqual({});
    admission.outcome = 'admitted';
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(states()).toEqual({ [high.toString()]: 'direct' }));
    expect(libp2p.dials[0]).toBe(`${relayed(high)}`);
  });

  it('does not dial a peer it could not reach again before its retry time', async () => {
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, states } = setup(low);
    libp2p.relayDial = 'fail';
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(libp2p.dials).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    mesh.reach(high, [relayed(high)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(libp2p.dials).toHaveLength(1);
    // Never reached, never listed: a stale record is not a participant.
    expect(states()).toEqual({});
  });

  it('shows a dropped participant as reconnecting; the lower peer ID redials and it is direct again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, admissions, states, lookups } = setup(low);
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(states()).toEqual({ [high.toString()]: 'direct' }));

    libp2p.drop(libp2p.getConnections(high)[0]!);
    // A goodbye may still be on its way: nothing changes within CLOSE_GRACE_MS.
    expect(states()).toEqual({ [high.toString()]: 'direct' });
    await vi.advanceTimersByTimeAsync(CLOSE_GRACE_MS + 10);
    // We are the lower peer ID: we dial again at once, and it is admitted and direct again.
    await vi.waitFor(() => expect(states()).toEqual({ [high.toString()]: 'direct' }));
    expect(libp2p.dials.filter((d) => !d.includes('/webrtc/'))).toHaveLength(2);
    expect(lookups()).toBeGreaterThanOrEqual(1);
    expect(admissions.isAdmitted(high)).toBe(true);
  });

  it('opens the session again on a new direct connection that came up before the old one was missed', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, states } = setup(low);
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(states()).toEqual({ [high.toString()]: 'direct' }));
    await vi.waitFor(() => expect(libp2p.sessions).toHaveLength(1));

    // The old direct connection fails, and its session with it (the peer's end closes) ...
    libp2p.drop(libp2p.getConnections(high).find((c) => c.direct)!);
    await libp2p.sessions[0]!.channel.close();
    // ... and a new direct connection is up within CLOSE_GRACE_MS, after the session's
    // reopen found none.
    await vi.advanceTimersByTimeAsync(CLOSE_GRACE_MS / 2);
    libp2p.connect(high, true, multiaddr(`${RELAY}/p2p-circuit/webrtc/p2p/${high}`));
    await vi.advanceTimersByTimeAsync(CLOSE_GRACE_MS);

    // Never shown as reconnecting, and the session runs on the new connection.
    expect(states()).toEqual({ [high.toString()]: 'direct' });
    await vi.waitFor(() => expect(libp2p.sessions).toHaveLength(2));
    expect(mesh.links[0]!.hasSession).toBe(true);
  });

  it('waits to be dialled as the higher peer ID, dials itself after WAITING_SIDE_DIALS_AFTER_MS, and gives up after RECONNECT_GIVE_UP_MS', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, admissions, states } = setup(high);
    mesh.reach(low, [relayed(low)]);
    await vi.waitFor(() => expect(states()).toEqual({ [low.toString()]: 'direct' }));
    libp2p.drop(libp2p.getConnections(low)[0]!);
    libp2p.relayDial = 'fail';
    await vi.advanceTimersByTimeAsync(CLOSE_GRACE_MS + 10);
    expect(states()).toEqual({ [low.toString()]: 'reconnecting' });
    expect(admissions.isAdmitted(low)).toBe(false);
    const dials = libp2p.dials.length;
    // The lower side dials first: the higher one waits ...
    await vi.advanceTimersByTimeAsync(WAITING_SIDE_DIALS_AFTER_MS - 1_000);
    expect(libp2p.dials).toHaveLength(dials);
    // ... then dials too: its own relayed address may be the one that went away.
    await vi.advanceTimersByTimeAsync(RECONNECT_RETRY_MS + 1_000);
    expect(libp2p.dials.length).toBeGreaterThan(dials);
    await vi.advanceTimersByTimeAsync(RECONNECT_GIVE_UP_MS);
    expect(states()).toEqual({ [low.toString()]: 'left' });
  });

  it('takes a goodbye as leaving at once, and hangs up', async () => {
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, states } = setup(low);
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(libp2p.sessions).toHaveLength(1));
    await libp2p.sessions[0]!.channel.send({ bye: {} });
    await vi.waitFor(() => expect(states()).toEqual({ [high.toString()]: 'left' }));
    expect(libp2p.hangUps).toEqual([high.toString()]);
  });

  it('says goodbye to every participant when the call closes', async () => {
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, states } = setup(low);
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(libp2p.sessions).toHaveLength(1));
    const { received } = libp2p.sessions[0]!;
    // Attached once it has told the peer what it sends.
    await vi.waitFor(() => expect(received.some((m) => m.mediaState !== undefined)).toBe(true));
    await mesh.close(1_000);
    await vi.waitFor(() => expect(received.some((m) => m.bye !== undefined)).toBe(true));
    expect(states()).toEqual({ [high.toString()]: 'left' });
    // Nothing new starts once closed.
    const third = await newPeerId();
    mesh.reach(third, [relayed(third)]);
    expect(libp2p.dials).toHaveLength(2);
  });

  it('says when no direct path opens within DIRECT_PATH_DEADLINE_MS, and clears it once one does', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { low, high } = await orderedPeers();
    const { mesh, libp2p, security, states } = setup(low);
    libp2p.webrtcDial = 'fail';
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(states()).toEqual({ [high.toString()]: 'admitted' }));
    expect(security).toEqual([]);
    await vi.advanceTimersByTimeAsync(DIRECT_PATH_DEADLINE_MS);
    expect(security).toEqual([{ kind: 'no-direct-path', peerId: high.toString(), turn: false }]);
    expect(mesh.links[0]!.snapshot(false)).toMatchObject({
      state: 'admitted',
      problem: 'no-direct-path'
    });
    // The network lets it through after all (the other side's upgrade, say): the problem goes.
    libp2p.connect(high, true, multiaddr(`${RELAY}/p2p-circuit/webrtc/p2p/${high}`));
    expect(mesh.links[0]!.snapshot(false)).toEqual({ peerId: high.toString(), state: 'direct' });
  });

  it('dials at most MAX_CONCURRENT_DIALS found peers at once; the others wait their turn', async () => {
    const local = await newPeerId();
    const { mesh, libp2p, states } = setup(local);
    let open = () => {};
    libp2p.gate = new Promise<void>((resolve) => (open = resolve));
    const found = await Promise.all(Array.from({ length: MAX_CONCURRENT_DIALS + 3 }, newPeerId));
    for (const peer of found) {
      mesh.reach(peer, [relayed(peer)]);
    }
    await vi.waitFor(() => expect(libp2p.relayDialsNow).toBe(MAX_CONCURRENT_DIALS));
    open();
    await vi.waitFor(() =>
      expect(Object.values(states()).filter((s) => s === 'direct')).toHaveLength(found.length)
    );
    expect(libp2p.relayDialsMost).toBe(MAX_CONCURRENT_DIALS);
  });

  it('dials a roster entry only through a relay it trusts', async () => {
    const { low, high } = await orderedPeers();
    const { mesh, libp2p } = setup(low);
    mesh.reach(high, [relayed(high)]);
    await vi.waitFor(() => expect(libp2p.sessions).toHaveLength(1));
    await vi.waitFor(() =>
      expect(libp2p.sessions[0]!.received.some((m) => m.mediaState !== undefined)).toBe(true)
    );
    const [stranger, friend] = [await newPeerId(), await newPeerId()];
    const hostileRelay =
      '/ip4/203.0.113.9/tcp/4001/ws/p2p/12D3KooWHfSjWNhf5XCD5mnTqomEBmLyKXnmgKtnSX3j1y5CCRyB';
    trusted = (relay) => RELAY.endsWith(relay);
    await libp2p.sessions[0]!.channel.send({
      roster: {
        peers: [
          { peerId: stranger.toString(), addrs: [`${hostileRelay}/p2p-circuit/p2p/${stranger}`] },
          { peerId: friend.toString(), addrs: [`${relayed(friend)}`] }
        ]
      }
    });
    await vi.waitFor(() =>
      expect(libp2p.dials.some((d) => d.endsWith(friend.toString()))).toBe(true)
    );
    expect(libp2p.dials.some((d) => d.includes('203.0.113.9'))).toBe(false);
  });
});
