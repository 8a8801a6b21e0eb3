import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MediaSession,
  MAX_EARLY_CANDIDATES,
  MEDIA_HELLO_DEADLINE_MS,
  MEDIA_RECOVERY_DEADLINE_MS,
  mediaHelloMac,
  sdpFingerprint,
  type MediaOutgoing,
  type MediaSessionEvents,
  type PeerConnectionConstructor
} from '../../src/p2p/media.ts';
import type { SamenError } from '../../src/p2p/errors.ts';
import type { MediaCertificate } from '../../src/p2p/media-certificate.ts';
import { sessionKeys } from '../../src/p2p/session-keys.ts';
import { nodeMediaCertificate } from '../support/media-certificate.ts';

// node-datachannel's W3C polyfill has no media (addTransceiver throws), so these sessions carry
// no transceivers (`kinds: []`) and negotiation is triggered by a data channel each. Its
// negotiationneeded event never fires on its own, so the test fires it, on both at once: glare.
/**
 * node-datachannel's RTCPeerConnection, bound to loopback (its `bindAddress` option): in a
 * loopback-only network namespace it has no other interface to gather candidates on.
 */
class LoopbackPeerConnection extends PolyfillPeerConnection {
  constructor(configuration: RTCConfiguration = {}) {
    super({ ...configuration, bindAddress: '127.0.0.1' } as RTCConfiguration);
  }
}
const RTC = LoopbackPeerConnection as unknown as PeerConnectionConstructor;

const FINGERPRINT_A = `sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`;

interface Pair {
  readonly a: MediaSession;
  readonly b: MediaSession;
  readonly keys: { readonly a: PeerId; readonly b: PeerId };
  /** The descriptions each side sent, in order. */
  readonly sent: readonly { from: 'a' | 'b'; type: string }[];
  readonly certificates: { readonly a: MediaCertificate; readonly b: MediaCertificate };
}

const sessions: MediaSession[] = [];

afterEach(() => {
  for (const session of sessions.splice(0)) {
    session.close();
  }
});

async function peers(): Promise<{ low: PeerId; high: PeerId }> {
  const [x, y] = await Promise.all([
    generateKeyPair('Ed25519').then(peerIdFromPrivateKey),
    generateKeyPair('Ed25519').then(peerIdFromPrivateKey)
  ]);
  return x.toString() < y.toString() ? { low: x, high: y } : { low: y, high: x };
}

/**
 * Two sessions wired by an in-memory signalling pipe that keeps order and delays each message
 * by `delayMs`; `tamper` may rewrite what A sends.
 */
async function pair(
  options: {
    delayMs?: number;
    generation?: number;
    tamper?: (
      message: MediaOutgoing,
      from: { helloKey: Uint8Array; peer: PeerId }
    ) => MediaOutgoing | undefined;
    /** What B takes for A's committed fingerprint (A's real one by default). */
    committedA?: string;
  } = {}
): Promise<Pair> {
  const { low, high } = await peers();
  const { mediaHello: helloKey, safetyWords: wordsKey } = sessionKeys(
    crypto.getRandomValues(new Uint8Array(32))
  );
  const [certificateA, certificateB] = await Promise.all([
    nodeMediaCertificate(),
    nodeMediaCertificate()
  ]);
  const delay = options.delayMs ?? 5;
  const sent: { from: 'a' | 'b'; type: string }[] = [];
  const log = (from: 'a' | 'b', message: MediaOutgoing): void => {
    if ('mediaSignal' in message && message.mediaSignal.description !== undefined) {
      sent.push({ from, type: message.mediaSignal.description.type });
    }
  };
  const pipe = (to: () => MediaSession) => {
    let chain = Promise.resolve();
    return (message: MediaOutgoing): Promise<void> => {
      chain = chain
        .then(() => new Promise<void>((resolve) => setTimeout(resolve, delay)))
        .then(() => void to().receive(message));
      return Promise.resolve();
    };
  };
  const toB = pipe(() => b);
  const toA = pipe(() => a);
  // The pipes look the other side up when a message goes, by which time both exist.
  const a: MediaSession = new MediaSession({
    localPeer: low,
    remotePeer: high,
    helloKey,
    wordsKey,
    certificate: certificateA,
    remoteFingerprint: certificateB.fingerprint,
    generation: options.generation,
    RTCPeerConnection: RTC,
    kinds: [],
    iceServers: [],
    send: (message) => {
      log('a', message);
      const out = options.tamper ? options.tamper(message, { helloKey, peer: low }) : message;
      // A message the tamperer drops never arrives.
      return out === undefined ? Promise.resolve() : toB(out);
    }
  });
  const b: MediaSession = new MediaSession({
    localPeer: high,
    remotePeer: low,
    helloKey,
    wordsKey,
    certificate: certificateB,
    remoteFingerprint: options.committedA ?? certificateA.fingerprint,
    generation: options.generation,
    RTCPeerConnection: RTC,
    kinds: [],
    iceServers: [],
    send: (message) => {
      log('b', message);
      return toA(message);
    }
  });
  sessions.push(a, b);
  return {
    a,
    b,
    keys: { a: low, b: high },
    sent,
    certificates: { a: certificateA, b: certificateB }
  };
}

function next<K extends keyof MediaSessionEvents>(
  target: MediaSession,
  type: K
): Promise<MediaSessionEvents[K]['detail']> {
  return new Promise((resolve) =>
    target.addEventListener(type, (event) => resolve(event.detail), { once: true })
  );
}

function connected(session: MediaSession): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (session.peerConnection.connectionState === 'connected') {
        resolve();
      }
    };
    session.addEventListener('state', check);
    check();
  });
}

/**
 * A peer connection whose connection state the test sets (`to`), as the browser would, and
 * that counts its ICE restarts (the polyfill has none).
 */
class ScriptedPeerConnection extends LoopbackPeerConnection {
  #state: RTCPeerConnectionState = 'new';
  iceRestarts = 0;

  override restartIce(): Promise<void> {
    this.iceRestarts++;
    return Promise.resolve();
  }

  override get connectionState(): RTCPeerConnectionState {
    return this.#state;
  }

  to(state: RTCPeerConnectionState): void {
    this.#state = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
}

/** One media session (no peer behind it) on a ScriptedPeerConnection, polite or impolite. */
async function scripted(polite: boolean): Promise<{
  session: MediaSession;
  pc: ScriptedPeerConnection;
}> {
  const { low, high } = await peers();
  const { mediaHello: helloKey, safetyWords: wordsKey } = sessionKeys(new Uint8Array(32));
  const session = new MediaSession({
    localPeer: polite ? low : high,
    remotePeer: polite ? high : low,
    helloKey,
    wordsKey,
    certificate: await nodeMediaCertificate(),
    remoteFingerprint: FINGERPRINT_A,
    RTCPeerConnection: ScriptedPeerConnection as unknown as PeerConnectionConstructor,
    kinds: [],
    iceServers: [],
    send: () => Promise.resolve()
  });
  sessions.push(session);
  expect(session.polite).toBe(polite);
  return { session, pc: session.peerConnection as unknown as ScriptedPeerConnection };
}

/** Both sides want to negotiate at the same moment. */
function offerAtOnce(...sides: MediaSession[]): RTCDataChannel[] {
  const channels = sides.map((s) => s.peerConnection.createDataChannel('glare'));
  for (const side of sides) {
    side.peerConnection.dispatchEvent(new Event('negotiationneeded'));
  }
  return channels;
}

describe('MediaSession', () => {
  it('takes the lower peer ID string as the polite side', async () => {
    const { a, b, keys } = await pair();
    expect(keys.a.toString() < keys.b.toString()).toBe(true);
    expect([a.polite, b.polite]).toEqual([true, false]);
  });

  it('connects both sides and agrees on safety words when both offer at once', async () => {
    const { a, b, sent } = await pair({ delayMs: 10 });
    const closes: (SamenError | null)[] = [];
    a.addEventListener('close', (e) => closes.push(e.detail));
    b.addEventListener('close', (e) => closes.push(e.detail));
    const words = Promise.all([next(a, 'verified'), next(b, 'verified')]);

    const [channelA] = offerAtOnce(a, b);
    const opened = new Promise<void>((resolve) =>
      channelA!.addEventListener('open', () => resolve(), { once: true })
    );
    await Promise.all([connected(a), connected(b), opened]);
    const [wordsA, wordsB] = await words;

    expect(a.peerConnection.signalingState).toBe('stable');
    expect(b.peerConnection.signalingState).toBe('stable');
    expect(a.peerConnection.connectionState).toBe('connected');
    expect(b.peerConnection.connectionState).toBe('connected');
    // Both offered (glare); the polite A rolled back and answered B's offer, B ignored A's.
    expect(sent).toEqual([
      { from: 'a', type: 'offer' },
      { from: 'b', type: 'offer' },
      { from: 'a', type: 'answer' }
    ]);
    expect(wordsA).toHaveLength(4);
    expect(wordsA).toEqual(wordsB);
    expect(a.remoteFingerprint).toBe(b.localFingerprint);
    expect(b.remoteFingerprint).toBe(a.localFingerprint);
    expect(closes).toEqual([]);
    expect([a.closed, b.closed]).toEqual([false, false]);
  });

  it('closes with MediaFingerprintMismatchError when the hello MAC does not verify', async () => {
    const { a, b } = await pair({
      tamper: (message) => {
        if ('mediaHello' in message) {
          const mac = Uint8Array.from(message.mediaHello.mac);
          mac[0]! ^= 1;
          return { mediaHello: { ...message.mediaHello, mac } };
        }
        return message;
      }
    });
    const closed = next(b, 'close');
    offerAtOnce(a);

    const error = await closed;
    expect(error?.name).toBe('MediaFingerprintMismatchError');
    expect(b.closed).toBe(true);
    expect(b.peerConnection.connectionState).toBe('closed');
    expect(b.safetyWords).toBeUndefined();
  });

  it('closes with MediaFingerprintMismatchError on a hello for another certificate than the committed one, even with a valid MAC', async () => {
    const { a, b } = await pair({
      tamper: (message, { helloKey, peer }) => {
        if ('mediaHello' in message) {
          // A hello that verifies (made with the real key) for a certificate never committed:
          // what someone trying certificates after the key exists would send.
          const mac = mediaHelloMac(helloKey, peer, 0, FINGERPRINT_A);
          return { mediaHello: { generation: 0, fingerprint: FINGERPRINT_A, mac } };
        }
        return message;
      }
    });
    const closed = next(b, 'close');
    offerAtOnce(a);

    const error = await closed;
    expect(error?.name).toBe('MediaFingerprintMismatchError');
    expect(error?.message).toMatch(/another certificate/);
    expect(b.closed).toBe(true);
    expect(b.remoteStream).toBeUndefined();
    expect(b.safetyWords).toBeUndefined();
  });

  it('closes with MediaFingerprintMismatchError when the peer uses another certificate than it committed', async () => {
    // A committed one certificate in its admission (as B believes) and uses another for media.
    const { a, b } = await pair({ committedA: FINGERPRINT_A });
    const closed = next(b, 'close');
    offerAtOnce(a);

    const error = await closed;
    expect(error?.name).toBe('MediaFingerprintMismatchError');
    expect(b.remoteStream).toBeUndefined();
    expect(b.safetyWords).toBeUndefined();
  });

  it('uses exactly the committed certificate for its own DTLS', async () => {
    const { a, b, certificates } = await pair();
    const verified = Promise.all([next(a, 'verified'), next(b, 'verified')]);
    offerAtOnce(a);
    await verified;
    expect(a.localFingerprint).toBe(certificates.a.fingerprint);
    expect(b.localFingerprint).toBe(certificates.b.fingerprint);
    expect(b.remoteFingerprint).toBe(certificates.a.fingerprint);
  });

  it('refuses a hello that comes after MEDIA_HELLO_DEADLINE_MS', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { b, keys } = await pair({
        // A's hello is held back until the deadline has passed.
        tamper: (message) => ('mediaHello' in message ? undefined : message)
      });
      const closed = next(b, 'close');
      vi.advanceTimersByTime(MEDIA_HELLO_DEADLINE_MS);
      const error = await closed;
      expect(error?.name).toBe('ProtocolTimeoutError');
      const mac = mediaHelloMac(new Uint8Array(32), keys.a, 0, FINGERPRINT_A);
      await b.receive({ mediaHello: { generation: 0, fingerprint: FINGERPRINT_A, mac } });
      expect(b.remoteFingerprint).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ['polite', true],
    ['impolite', false]
  ])(
    'closes (%s) a connection that failed and is not connected again within MEDIA_RECOVERY_DEADLINE_MS',
    async (_, polite) => {
      const { session, pc } = await scripted(polite);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const closed = next(session, 'close');
        pc.to('connected');
        pc.to('disconnected');
        pc.to('failed');
        // Only the impolite side restarts ICE; the polite one waits for its offer.
        expect(pc.iceRestarts).toBe(polite ? 0 : 1);
        // An ICE restart under way does not stop the deadline; only 'connected' does.
        pc.to('connecting');
        vi.advanceTimersByTime(MEDIA_RECOVERY_DEADLINE_MS - 1);
        expect(session.closed).toBe(false);
        vi.advanceTimersByTime(1);
        const error = await closed;
        expect(error?.name).toBe('ProtocolTimeoutError');
        expect(error?.message).toMatch(/did not recover/);
      } finally {
        vi.useRealTimers();
      }
    }
  );

  it('keeps a connection that failed and was connected again within the deadline, and starts a new deadline at the next failure', async () => {
    const { session, pc } = await scripted(true);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      pc.to('failed');
      vi.advanceTimersByTime(MEDIA_RECOVERY_DEADLINE_MS - 1);
      pc.to('connected');
      vi.advanceTimersByTime(MEDIA_RECOVERY_DEADLINE_MS);
      expect(session.closed).toBe(false);

      const closed = next(session, 'close');
      pc.to('failed');
      vi.advanceTimersByTime(MEDIA_RECOVERY_DEADLINE_MS);
      expect((await closed)?.name).toBe('ProtocolTimeoutError');
    } finally {
      vi.useRealTimers();
    }
  });

  it('binds the hello to its generation: a hello of generation 0 does not verify in generation 1', async () => {
    const { a, b } = await pair({
      tamper: (message, { helloKey, peer }) => {
        if ('mediaHello' in message) {
          // A real hello, with the real key and certificate, but made for generation 0.
          const { fingerprint } = message.mediaHello;
          const mac = mediaHelloMac(helloKey, peer, 0, fingerprint);
          return { mediaHello: { generation: 1, fingerprint, mac } };
        }
        return message;
      },
      generation: 1
    });
    expect([a.generation, b.generation]).toEqual([1, 1]);
    const closed = next(b, 'close');
    offerAtOnce(a);

    const error = await closed;
    expect(error?.name).toBe('MediaFingerprintMismatchError');
    expect(error?.message).toMatch(/MAC/);
  });

  it('gives each generation its own hello MAC, and refuses a generation out of range', async () => {
    const key = new Uint8Array(32).fill(9);
    const { low: peer } = await peers();
    const macs = [0, 1, 2 ** 32 - 1].map((g) =>
      Buffer.from(mediaHelloMac(key, peer, g, FINGERPRINT_A)).toString('hex')
    );
    expect(new Set(macs).size).toBe(3);
    for (const bad of [-1, 1.5, 2 ** 32]) {
      expect(() => mediaHelloMac(key, peer, bad, FINGERPRINT_A)).toThrow(RangeError);
    }
  });

  it('closes with MalformedMessageError on a description with more sections than a call has', async () => {
    const { b } = await pair();
    const closed = next(b, 'close');
    const sdp = ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'm=audio 9 UDP/TLS/RTP/SAVPF 111'];
    await b.receive({
      mediaSignal: { generation: 0, description: { type: 'offer', sdp: sdp.join('\r\n') } }
    });

    const error = await closed;
    expect(error?.name).toBe('MalformedMessageError');
    expect(b.peerConnection.connectionState).toBe('closed');
  });

  it('closes with MalformedMessageError on a flood of candidates before any description', async () => {
    const { b } = await pair();
    const closed = next(b, 'close');
    for (let i = 0; i <= MAX_EARLY_CANDIDATES; i++) {
      await b.receive({
        mediaSignal: {
          generation: 0,
          candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${1000 + i} typ host` }
        }
      });
    }

    const error = await closed;
    expect(error?.name).toBe('MalformedMessageError');
  });

  it('reads one SHA-256 fingerprint from an SDP and refuses several that differ', () => {
    const fp = FINGERPRINT_A.slice('sha-256 '.length);
    expect(sdpFingerprint(`v=0\r\na=fingerprint:SHA-256 ${fp.toLowerCase()}\r\n`)).toBe(
      FINGERPRINT_A
    );
    expect(
      sdpFingerprint(`v=0\r\na=fingerprint:sha-256 ${fp}\r\na=fingerprint:sha-256 ${fp}\r\n`)
    ).toBe(FINGERPRINT_A);
    expect(
      sdpFingerprint(
        `a=fingerprint:sha-256 ${fp}\r\na=fingerprint:sha-256 ${fp.replace('AB', 'CD')}`
      )
    ).toBeUndefined();
    expect(sdpFingerprint(`a=fingerprint:sha-1 ${fp}`)).toBeUndefined();
    expect(sdpFingerprint(`a=fingerprint:sha-256 ${fp} trailing`)).toBeUndefined();
    expect(sdpFingerprint(`a=fingerprint:sha-256 ${fp.slice(3)}`)).toBeUndefined();
    expect(sdpFingerprint('v=0\r\n')).toBeUndefined();
  });
});
