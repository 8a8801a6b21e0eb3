import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { logger } from '@libp2p/logger';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { streamPair } from '@libp2p/utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MAX_MEDIA_REBUILDS,
  PeerLink,
  SESSION_REOPEN_DELAY_MS,
  SESSION_REOPENS,
  type PeerLinkContext
} from '../../src/p2p/call/peer-link.ts';
import type { ChatEntry, SecurityEvent } from '../../src/p2p/call/types.ts';
import { Emitter } from '../../src/p2p/events.ts';
import type { MediaIncoming, MediaSession, MediaSessionEvents } from '../../src/p2p/media.ts';
import {
  SessionChannel,
  type RosterEntry,
  type SessionMessage
} from '../../src/p2p/protocols/session/index.ts';

async function newPeerId(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
}

/** A session channel pair over an in-memory stream: ours for the link, the peer's for the test. */
async function channels(local: PeerId, remote: PeerId) {
  const [ours, theirs] = await streamPair();
  const peer = new SessionChannel(theirs, local);
  const received: SessionMessage[] = [];
  peer.addEventListener('message', (event) => received.push(event.detail));
  return { ours: new SessionChannel(ours, remote), peer, received };
}

/** A stand-in for a media session: what the link uses of one, and a way to fail it. */
class FakeMedia extends Emitter<MediaSessionEvents> {
  closed = false;
  readonly peerConnection = { connectionState: 'new' } as RTCPeerConnection;
  constructor(readonly generation: number) {
    super();
  }
  readonly received: MediaIncoming[] = [];
  receive(message: MediaIncoming): Promise<void> {
    this.received.push(message);
    return Promise.resolve();
  }
  setLocalTracks(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
  fail(name: string): void {
    const error = Object.assign(new Error('failed'), { name });
    this.emit('close', error as never);
  }
}

interface Recorded {
  changed: number;
  security: SecurityEvent[];
  chat: ChatEntry[];
  rosters: RosterEntry[][];
  byes: number;
  attached: number;
  media: FakeMedia[];
  opened: SessionChannel[];
}

function contextFor(local: PeerId, options: { media?: boolean } = {}) {
  const recorded: Recorded = {
    changed: 0,
    security: [],
    chat: [],
    rosters: [],
    byes: 0,
    attached: 0,
    media: [],
    opened: []
  };
  let ended = false;
  let open: (() => Promise<SessionChannel>) | undefined;
  const context: PeerLinkContext = {
    localPeer: local,
    log: logger('samen:test:peer-link'),
    ended: () => ended,
    outgoingMedia: () => ({ audio: null, video: null, screen: false }),
    createMedia: ({ generation }) => {
      if (options.media !== true) return undefined;
      const media = new FakeMedia(generation);
      recorded.media.push(media);
      return media as unknown as MediaSession;
    },
    changed: () => recorded.changed++,
    security: (event) => recorded.security.push(event),
    chat: (entry) => recorded.chat.push(entry),
    roster: (_link, peers) => recorded.rosters.push([...peers]),
    bye: (link) => {
      recorded.byes++;
      link.becomeLeft();
    },
    sessionAttached: () => recorded.attached++,
    openSession: async () => {
      const channel = await open!();
      recorded.opened.push(channel);
      return channel;
    }
  };
  return {
    context,
    recorded,
    end: () => (ended = true),
    onOpen: (fn: () => Promise<SessionChannel>) => (open = fn)
  };
}

const key = () => new Uint8Array(32).fill(7);

/** What the peer committed in its admission: a media certificate fingerprint. */
const FINGERPRINT = `sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`;

describe('PeerLink', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes connecting → admitted → direct → left on a goodbye, wiping its keys; close twice is harmless', async () => {
    const [local, remote] = [await newPeerId(), await newPeerId()];
    const { context, recorded } = contextFor(local);
    const link = new PeerLink(context, remote, { initiator: true, addresses: [] });
    expect(link.snapshot(false).state).toBe('connecting');

    const sessionKey = key();
    link.admitted(sessionKey, 'initiator', FINGERPRINT);
    // Only its subkeys are kept (session-keys.ts); the session key itself is wiped at once.
    expect(sessionKey.every((byte) => byte === 0)).toBe(true);
    const resumeKey = link.resumeKey!;
    expect(resumeKey.some((byte) => byte !== 0)).toBe(true);
    expect(link.snapshot(false).state).toBe('admitted');
    expect(link.becomeDirect()).toBe(true);
    expect(link.becomeDirect()).toBe(false);
    expect(link.snapshot(true)).toEqual({
      peerId: remote.toString(),
      state: 'direct',
      speaking: true
    });

    const { ours, peer } = await channels(local, remote);
    link.attach(ours);
    expect(recorded.attached).toBe(1);
    await peer.send({ bye: {} });
    await vi.waitFor(() => expect(recorded.byes).toBe(1));
    expect(link.snapshot(false).state).toBe('left');
    // Someone who left cannot come back with a ticket.
    expect(link.resumeKey).toBeUndefined();
    expect(resumeKey.every((byte) => byte === 0)).toBe(true);
    expect(ours.closed).toBe(true);
    link.close();
    link.close();
    expect(link.state).toBe('left');
  });

  it('is reconnecting after a drop, keeps chat sent meanwhile and delivers it once when back', async () => {
    const [local, remote] = [await newPeerId(), await newPeerId()];
    const { context } = contextFor(local);
    const link = new PeerLink(context, remote, { initiator: true, addresses: [] });
    link.admitted(key(), 'initiator', FINGERPRINT);
    link.becomeDirect();
    const before = await channels(local, remote);
    link.attach(before.ours);
    const resumeKey = link.resumeKey;

    link.becomeReconnecting(Date.now());
    expect(link.snapshot(false).state).toBe('reconnecting');
    expect(link.present).toBe(true);
    // Its resume key stays, so it comes back without a new guess.
    expect(link.resumeKey).toBe(resumeKey);
    expect(before.ours.closed).toBe(true);
    await link.sendChat('while you were away');

    // Admitted again: still shown as reconnecting until the direct connection is back.
    link.admitted(key(), 'initiator', FINGERPRINT);
    expect(link.snapshot(false).state).toBe('reconnecting');
    expect(link.becomeDirect()).toBe(true);
    expect(link.snapshot(false).state).toBe('direct');
    const after = await channels(local, remote);
    link.attach(after.ours);
    await vi.waitFor(() =>
      expect(after.received.filter((m) => m.chat !== undefined).map((m) => m.chat!.text)).toEqual([
        'while you were away'
      ])
    );
    expect(before.received.filter((m) => m.chat !== undefined)).toEqual([]);
  });

  it('hands each kind of session message to its own handler', async () => {
    const [local, remote, third] = [await newPeerId(), await newPeerId(), await newPeerId()];
    const { context, recorded } = contextFor(local);
    const link = new PeerLink(context, remote, { initiator: false, addresses: [] });
    link.admitted(key(), 'responder', FINGERPRINT);
    link.becomeDirect();
    const { ours, peer, received } = await channels(local, remote);
    link.attach(ours);

    const roster = [{ peerId: third.toString(), addrs: ['/ip4/192.0.2.1/tcp/1'] }];
    await peer.send({ roster: { peers: roster } });
    await peer.send({ mediaState: { audio: false, video: true, screen: true } });
    // A notice (version 1 sent these; nothing does now) is taken and ignored.
    await peer.send({ notice: { kind: 1 } });
    await peer.send({ chat: { link: 9n, seq: 1n, text: 'hello' } });
    // The same message again (a re-send after a broken stream): acknowledged, not shown twice.
    await peer.send({ chat: { link: 9n, seq: 1n, text: 'hello' } });

    await vi.waitFor(() => expect(received.filter((m) => m.chatAck !== undefined)).toHaveLength(2));
    expect(recorded.rosters).toEqual([roster]);
    expect(link.remoteMedia).toEqual({ audio: false, video: true, screen: true });
    expect(recorded.security).toEqual([]);
    expect(recorded.chat.map(({ id, from, text }) => ({ id, from, text }))).toEqual([
      { id: `${remote}:1`, from: remote.toString(), text: 'hello' }
    ]);
    expect(received.filter((m) => m.chatAck !== undefined).map((m) => m.chatAck)).toEqual([
      { link: 9n, seq: 1n },
      { link: 9n, seq: 1n }
    ]);
    // Our own message, acknowledged by the peer, is not sent again on the next channel.
    await link.sendChat('mine');
    const sent = await vi.waitFor(() => {
      const chat = received.find((m) => m.chat?.text === 'mine')?.chat;
      expect(chat).toBeDefined();
      return chat!;
    });
    await peer.send({ chatAck: { link: sent.link, seq: sent.seq } });
    // Messages are handled in order: once this one is, the acknowledgement was too.
    await peer.send({ mediaState: { audio: true, video: false, screen: false } });
    await vi.waitFor(() => expect(link.remoteMedia?.audio).toBe(true));
    const next = await channels(local, remote);
    link.attach(next.ours);
    await vi.waitFor(() =>
      expect(next.received.some((m) => m.mediaState !== undefined)).toBe(true)
    );
    expect(next.received.some((m) => m.chat !== undefined)).toBe(false);
  });

  it('cuts off a peer that sends a malformed message, reports it, and takes no session of it again until it is admitted again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const [local, remote] = [await newPeerId(), await newPeerId()];
    const { context, recorded, onOpen } = contextFor(local);
    onOpen(async () => (await channels(local, remote)).ours);
    const link = new PeerLink(context, remote, { initiator: true, addresses: [] });
    link.admitted(key(), 'initiator', FINGERPRINT);
    link.becomeDirect();
    const { ours, peer } = await channels(local, remote);
    link.attach(ours);
    // Chat numbering starts at 1: a 0 is a broken or hostile peer.
    await peer.send({ chat: { link: 1n, seq: 0n, text: 'x' } });
    await vi.waitFor(() => expect(ours.closed).toBe(true));
    expect(recorded.security).toEqual([
      { kind: 'bad-message', peerId: remote.toString(), reason: 'MalformedMessageError' }
    ]);
    expect(recorded.byes).toBe(0);
    await vi.advanceTimersByTimeAsync(SESSION_REOPEN_DELAY_MS * 2);
    expect(recorded.opened).toEqual([]);
    expect(link.hasSession).toBe(false);

    // A stream it opens again is closed at once: nothing more of it is taken on this admission.
    const again = await channels(local, remote);
    link.attach(again.ours);
    expect(again.ours.closed).toBe(true);
    expect(link.hasSession).toBe(false);
    // A new admission (the peer proved the passphrase again) starts it afresh.
    link.admitted(key(), 'initiator', FINGERPRINT);
    const readmitted = await channels(local, remote);
    link.attach(readmitted.ours);
    expect(link.hasSession).toBe(true);
  });

  it('reopens a session stream that broke, as its opener, at most SESSION_REOPENS times', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const [local, remote] = [await newPeerId(), await newPeerId()];
    const { context, recorded, onOpen } = contextFor(local);
    const peers: SessionChannel[] = [];
    onOpen(async () => {
      const pair = await channels(local, remote);
      peers.push(pair.peer);
      return pair.ours;
    });
    const link = new PeerLink(context, remote, { initiator: true, addresses: [] });
    link.admitted(key(), 'initiator', FINGERPRINT);
    link.becomeDirect();
    const first = await channels(local, remote);
    link.attach(first.ours);
    let current = first.peer;
    for (let reopened = 1; reopened <= SESSION_REOPENS + 1; reopened++) {
      current.close(); // the peer's side ends: for us, the stream ended
      await vi.waitFor(() => expect(link.hasSession).toBe(false));
      await vi.advanceTimersByTimeAsync(SESSION_REOPEN_DELAY_MS + 10);
      const expected = Math.min(reopened, SESSION_REOPENS);
      await vi.waitFor(() => expect(recorded.opened).toHaveLength(expected));
      if (reopened <= SESSION_REOPENS) {
        await vi.waitFor(() => expect(link.hasSession).toBe(true));
        current = peers.at(-1)!;
      }
    }
    expect(recorded.opened).toHaveLength(SESSION_REOPENS);
    expect(link.hasSession).toBe(false);
  });

  it('starts the next media generation after a failure, and gives up after MAX_MEDIA_REBUILDS', async () => {
    const [local, remote] = [await newPeerId(), await newPeerId()];
    const { context, recorded } = contextFor(local, { media: true });
    const link = new PeerLink(context, remote, { initiator: true, addresses: [] });
    link.admitted(key(), 'initiator', FINGERPRINT);
    link.becomeDirect();
    const { ours, received } = await channels(local, remote);
    link.attach(ours);
    expect(recorded.media.map((m) => m.generation)).toEqual([0]);

    for (let failure = 0; failure < MAX_MEDIA_REBUILDS; failure++) {
      recorded.media.at(-1)!.fail('MediaNegotiationError');
    }
    expect(recorded.media.map((m) => m.generation)).toEqual(
      Array.from({ length: MAX_MEDIA_REBUILDS + 1 }, (_, i) => i)
    );
    expect(recorded.media.slice(0, -1).every((m) => m.closed)).toBe(true);
    await vi.waitFor(() =>
      expect(received.filter((m) => m.mediaClose !== undefined)).toHaveLength(MAX_MEDIA_REBUILDS)
    );
    // One failure more: no new generation, the pair stays without media.
    recorded.media.at(-1)!.fail('MediaNegotiationError');
    expect(recorded.media).toHaveLength(MAX_MEDIA_REBUILDS + 1);
    expect(link.peerConnection).toBeUndefined();
  });

  it('refuses media for the rest of the call after a fingerprint mismatch, and says so', async () => {
    const [local, remote] = [await newPeerId(), await newPeerId()];
    const { context, recorded } = contextFor(local, { media: true });
    const link = new PeerLink(context, remote, { initiator: true, addresses: [] });
    link.admitted(key(), 'initiator', FINGERPRINT);
    link.becomeDirect();
    link.attach((await channels(local, remote)).ours);
    recorded.media[0]!.fail('MediaFingerprintMismatchError');
    expect(recorded.security).toEqual([{ kind: 'media-mismatch', peerId: remote.toString() }]);
    // Admitted again (a reconnection): still no media with this peer.
    link.becomeReconnecting(Date.now());
    link.admitted(key(), 'initiator', FINGERPRINT);
    link.becomeDirect();
    link.attach((await channels(local, remote)).ours);
    expect(recorded.media).toHaveLength(1);
  });

  it('drops media messages of another generation', async () => {
    const [local, remote] = [await newPeerId(), await newPeerId()];
    const { context, recorded } = contextFor(local, { media: true });
    const link = new PeerLink(context, remote, { initiator: true, addresses: [] });
    link.admitted(key(), 'initiator', FINGERPRINT);
    link.becomeDirect();
    link.attach((await channels(local, remote)).ours);
    link.onMediaMessage(1, { mediaSignal: { generation: 1, candidate: { candidate: 'x' } } });
    link.onMediaMessage(0, { mediaSignal: { generation: 0, candidate: { candidate: 'y' } } });
    expect(recorded.media[0]!.received.map((m) => m.mediaSignal?.candidate?.candidate)).toEqual([
      'y'
    ]);
    link.onMediaClose(5);
    expect(recorded.media).toHaveLength(1);
    link.onMediaClose(0);
    expect(recorded.media.map((m) => m.generation)).toEqual([0, 1]);
  });
});
