/**
 * A call: from a passphrase to a full mesh of admitted, directly connected participants.
 *
 *   passphrase ─argon2id─► room secret ─► rendezvous CIDs ─► DHT: announce + look up
 *                                     └─► CPace PRS (+ PIN) ─► admission over the relay
 *   admitted ─► direct WebRTC connection (libp2p) ─► session: roster, so everyone meets everyone
 *                                                      ├─► media: one MediaSession per participant
 *                                                      └─► chat: ordered, acknowledged
 *
 * The UI talks to the core through this class and its events only (DESIGN.md). Everything a
 * call starts hangs off one AbortController: `leave()` ends streams, connections, DHT
 * announcements and the node, and wipes the keys it holds.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { Circuit, WebRTC } from '@multiformats/multiaddr-matcher';
import { CALL_MARKS, SESSION_PROTOCOL } from './constants.ts';
import { checkChatText, ChatLink } from './chat.ts';
import { AbortedError, ChatBacklogError, MalformedMessageError, SamenError } from './errors.ts';
import { deriveRoomSecretOffThread } from './kdf.ts';
import { admissionSecret, cpacePrs } from './keys.ts';
import type { NetworkProfile } from './network.ts';
import {
  MAX_MEDIA_GENERATION,
  MediaSession,
  type MediaIncoming,
  type MediaKind,
  type PeerConnectionConstructor
} from './media.ts';
import { createCallNode, type CallNode } from './node.ts';
import {
  Admission,
  type AdmittedEventDetail,
  type FailedEventDetail
} from './protocols/admit/index.ts';
import {
  SecurityNotice,
  SESSION_MAX_STREAMS,
  SessionChannel,
  type SessionMessage
} from './protocols/session/index.ts';
import { dialableRelayAddresses, Rendezvous, type FoundPeer } from './rendezvous.ts';
import { ADAPT_INTERVAL_MS, applyVideoLimits, videoLimits } from './adapt.ts';
import { mediaIceConfig } from './media-path.ts';
import { ActiveSpeaker, SPEAKER_POLL_MS } from './speaker.ts';
import {
  inboundAudioLevel,
  PathStatsSampler,
  type PathStats,
  type StatsReportLike
} from './stats.ts';

/** The connection stepper's steps, in order, then `ended` after Leave. */
export type CallStep =
  'deriving-key' | 'finding-network' | 'looking' | 'verifying' | 'connected' | 'ended';

/**
 * What the UI shows per participant (`data-state`): `reconnecting` is someone whose direct
 * connection dropped without a goodbye, while they are found and admitted again.
 */
export type ParticipantState = 'connecting' | 'admitted' | 'direct' | 'reconnecting' | 'left';

/** What a participant is sending (its MediaState). */
export interface RemoteMediaState {
  /** Its microphone is on. */
  readonly audio: boolean;
  /** Its camera, or a shared screen, is on. */
  readonly video: boolean;
  /** Its video is a shared screen. */
  readonly screen: boolean;
}

export interface ParticipantSnapshot {
  readonly peerId: string;
  readonly state: ParticipantState;
  /** Its media, once its DTLS fingerprint is verified against the admission. */
  readonly stream?: MediaStream;
  /** What it says it is sending; undefined until it has said. */
  readonly media?: RemoteMediaState;
  /** The pair's four safety words, once both DTLS fingerprints are known and verified. */
  readonly safetyWords?: readonly string[];
  /** It is the active speaker: the loudest we hear, above the speech threshold (speaker.ts). */
  readonly speaking?: boolean;
}

/** What we send, for {@link Call.setLocalMedia}: undefined leaves a field as it is. */
export interface LocalMedia {
  /** The microphone track, or null for muted (nothing is sent). */
  readonly audio?: MediaStreamTrack | null;
  /** The camera or screen track, or null for camera off. */
  readonly video?: MediaStreamTrack | null;
  /** Whether `video` is a shared screen (told to the others in MediaState). */
  readonly screen?: boolean;
}

/** One chat message, ours or someone else's; each is emitted once. */
export interface ChatEntry {
  /** Unique in this call: `<sender peer ID>:<number>`. */
  readonly id: string;
  /** The sender's peer ID (our own for ours). */
  readonly from: string;
  readonly text: string;
  /** When we sent or received it (ms since the epoch). */
  readonly at: number;
}

/** Security events the participants are told about (role="alert" in the UI). */
export type SecurityEvent =
  /** Someone who found the call failed to prove the passphrase/PIN to us. */
  | { readonly kind: 'intruder'; readonly peerId: string; readonly reason: string }
  /** We could not verify someone who is in the call: the PIN (or passphrase) differs. */
  | { readonly kind: 'verification-failed'; readonly peerId: string; readonly reason: string }
  | { readonly kind: 'peer-blocked'; readonly peerId: string }
  /** Too many failed attempts: this call admits nobody new. */
  | { readonly kind: 'call-locked' }
  /** Another participant's side of the call was locked. */
  | { readonly kind: 'peer-call-locked'; readonly peerId: string }
  /** A peer that is not admitted asked for something only admitted peers get. */
  | { readonly kind: 'refused'; readonly peerId: string; readonly what: string }
  /** A participant's session sent something malformed or oversized, and was cut off. */
  | { readonly kind: 'bad-message'; readonly peerId: string; readonly reason: string }
  /**
   * A participant's media certificate is not the one vouched for with the admission key: its
   * media was cut off before any of it was shown (someone may be in the middle).
   */
  | { readonly kind: 'media-mismatch'; readonly peerId: string };

export interface CallInit {
  readonly passphrase: string;
  /** An optional second secret, checked only by the PAKE (never in the DHT key). */
  readonly pin?: string;
  readonly network: NetworkProfile;
  /** A node that is already started and connected (the start page warms one); else one is made. */
  readonly node?: CallNode;
  /** Node only: see CallNodeInit.rtcBindAddress. */
  readonly rtcBindAddress?: string;
  readonly now?: () => number;
  /**
   * The media peer connections' constructor; defaults to `globalThis.RTCPeerConnection`, and
   * without one (Node) the call has no media. Node tests pass node-datachannel's polyfill.
   */
  readonly RTCPeerConnection?: PeerConnectionConstructor;
  /** The transceivers of each media session (default audio and video; [] for a polyfill). */
  readonly mediaKinds?: readonly MediaKind[];
  /** `relay`: media only through the profile's TURN servers; else direct only (media-path.ts). */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
}

/** How long a dial through a relay may take before the peer is tried again later. */
export const RELAY_DIAL_TIMEOUT_MS = 15_000;

/** How long the WebRTC upgrade may take: 110–200 ms on loopback (LIBP2P-NOTES.md). */
export const DIRECT_DIAL_TIMEOUT_MS = 20_000;

/** Attempts at the WebRTC upgrade before a pair stays on its relayed connection. */
export const DIRECT_DIAL_ATTEMPTS = 3;

/**
 * The admission initiator upgrades to WebRTC; if that has not happened this long after the
 * responder admitted it, the responder tries itself (the initiator may have gone quiet).
 */
export const DIRECT_FALLBACK_MS = 4_000;

/** A peer we could not reach is tried again after these pauses (it may be a stale record). */
const REDIAL_DELAYS_MS = [2_000, 5_000, 15_000, 30_000];

/** How long Leave waits to tell the others before it closes everything anyway. */
const BYE_TIMEOUT_MS = 1_000;

/**
 * A participant whose direct connection dropped is dialled again this often (and the DHT is
 * asked again), through its relays, until it is back or RECONNECT_GIVE_UP_MS have passed.
 */
export const RECONNECT_RETRY_MS = 3_000;

/**
 * A reconnecting dial gives up sooner than a first one: while the network is down it would only
 * hold up the next try (a dial through a relay takes well under a second when it works).
 */
export const RECONNECT_DIAL_TIMEOUT_MS = 5_000;

/**
 * After this long unreachable, a participant who dropped without a goodbye is taken to have
 * left. A closed tab says goodbye (the page leaves the call on `pagehide`); this is for a
 * crashed browser or a network that stays down.
 */
export const RECONNECT_GIVE_UP_MS = 45_000;

/**
 * Media sessions a pair may rebuild after a failure, per admission: enough for real network
 * trouble, and a cap on the RTCPeerConnections a broken or hostile peer can make us create.
 */
export const MAX_MEDIA_REBUILDS = 8;

/** How long a closed direct connection's last messages (a goodbye) have to be read. */
const CLOSE_GRACE_MS = 1_000;

/** A session stream that broke on a live direct connection is opened again after this. */
const SESSION_REOPEN_DELAY_MS = 500;

/** How often, per admission: a peer whose streams keep breaking is reconnected instead. */
const SESSION_REOPENS = 3;

/** Where setup is; once `ready`, the step follows the participants. */
type Phase = 'deriving-key' | 'finding-network' | 'ready' | 'ended';

interface Participant {
  readonly id: PeerId;
  state: ParticipantState;
  /** Whether we ran admission as the initiator (then we upgrade and open the session). */
  initiator: boolean;
  addresses: readonly Multiaddr[];
  session?: SessionChannel;
  sessionKey?: Uint8Array;
  fallback?: ReturnType<typeof setTimeout>;
  media?: MediaSession;
  /** The generation of the pair's current media session (media.ts), on this admission. */
  mediaGeneration: number;
  /** Media sessions rebuilt after a failure, on this admission (MAX_MEDIA_REBUILDS). */
  mediaRebuilds: number;
  /** Its media failed verification: none is tried again with it in this call. */
  mediaRefused?: boolean;
  /** When its direct connection dropped without a goodbye; undefined while it has not. */
  reconnectSince?: number;
  reconnectTimer?: ReturnType<typeof setTimeout>;
  /** Session streams opened again on the same admission (SESSION_REOPENS). */
  sessionReopens?: number;
  /** A session stream was attached on this admission before (a new one replaces it). */
  hadSession?: boolean;
  stream?: MediaStream;
  remoteMedia?: RemoteMediaState;
  safetyWords?: readonly string[];
  chat?: ChatLink;
}

export interface CallEvents {
  step: CustomEvent<CallStep>;
  participants: CustomEvent<readonly ParticipantSnapshot[]>;
  security: CustomEvent<SecurityEvent>;
  chat: CustomEvent<ChatEntry>;
}

/**
 * @example
 * const call = new Call({ passphrase, pin, network })
 * call.addEventListener('step', (e) => show(e.detail))
 * await call.start({ signal })     // resolves once we are reachable and looking for others
 * // …
 * await call.leave()
 */
export class Call extends EventTarget {
  readonly #init: CallInit;
  readonly #controller = new AbortController();
  readonly #participants = new Map<string, Participant>();
  /** Peers being dialled now, and peers that could not be reached (with when to retry). */
  readonly #dialling = new Set<string>();
  readonly #unreachable = new Map<string, { misses: number; retryAt: number }>();
  /**
   * Peers whose admission failed (either way): a wrong PIN does not fix itself, so they are
   * not tried again in this call. They may still try us; admission counts and blocks them.
   */
  readonly #failed = new Set<string>();
  #phase: Phase = 'deriving-key';
  #step: CallStep = 'deriving-key';
  #node: CallNode | undefined;
  #admission: Admission | undefined;
  #rendezvous: Rendezvous | undefined;
  #roomSecret: Uint8Array | undefined;
  #started = false;
  readonly #marked = new Set<string>();
  #localMedia: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null; screen: boolean } =
    { audio: null, video: null, screen: false };
  #chatCount = 0;
  /** Aborted when the browser says the network is back: reconnect dials hung on it restart. */
  #online = new AbortController();

  constructor(init: CallInit) {
    super();
    this.#init = init;
  }

  get step(): CallStep {
    return this.#step;
  }

  /** Our peer ID in this call, once the node exists. */
  get peerId(): string | undefined {
    return this.#node?.peerId.toString();
  }

  /** The call's node (for diagnostics and tests). */
  get node(): CallNode | undefined {
    return this.#node;
  }

  /** The admission protocol of this call (its counters, for diagnostics and tests). */
  get admission(): Admission | undefined {
    return this.#admission;
  }

  get participants(): readonly ParticipantSnapshot[] {
    return [...this.#participants.values()].map((p) => ({
      peerId: p.id.toString(),
      state:
        p.reconnectSince !== undefined && p.state !== 'direct' && p.state !== 'left'
          ? 'reconnecting'
          : p.state,
      ...(p.stream === undefined ? {} : { stream: p.stream }),
      ...(p.remoteMedia === undefined ? {} : { media: p.remoteMedia }),
      ...(p.safetyWords === undefined ? {} : { safetyWords: p.safetyWords }),
      ...(this.#isSpeaking(p) ? { speaking: true } : {})
    }));
  }

  /**
   * Sets what we send to everyone, now and to whoever joins later: before or after start, any
   * time. Tracks are swapped in place (replaceTrack), so nothing is renegotiated; the others are
   * told what we send (MediaState). The caller owns the tracks and stops them.
   *
   * @example
   * await call.setLocalMedia({ audio: mic, video: camera })
   * await call.setLocalMedia({ video: screenTrack, screen: true })
   * await call.setLocalMedia({ audio: null })   // mute
   */
  async setLocalMedia(media: LocalMedia): Promise<void> {
    const next = { ...this.#localMedia };
    if (media.audio !== undefined) next.audio = media.audio;
    if (media.video !== undefined) next.video = media.video;
    if (media.screen !== undefined) next.screen = media.screen;
    this.#localMedia = next;
    const tracks = { audio: media.audio, video: media.video };
    // The others learn of a mute or camera-off at once; replaceTrack may wait behind the peer
    // connection's pending operations (a renegotiation, an ICE restart).
    await Promise.all(
      [...this.#participants.values()].map((p) =>
        Promise.all([this.#sendMediaState(p), p.media?.setLocalTracks(tracks).catch(() => {})])
      )
    );
  }

  /**
   * Sends a chat message to everyone in the call, and emits it as a `chat` event. Delivery is
   * ordered and acknowledged per participant: what a broken session did not deliver, or what
   * was sent while someone was reconnecting, is sent when they are back.
   *
   * @throws {ChatTooLongError} over CHAT_MAX_CHARS (nothing is sent)
   * @throws {ChatBacklogError} when too many messages wait for someone (nothing is sent)
   */
  async sendChat(text: string): Promise<void> {
    checkChatText(text);
    const to = [...this.#participants.values()].filter(
      (p) => p.state === 'direct' || p.state === 'admitted' || p.reconnectSince !== undefined
    );
    for (const p of to) {
      if ((p.chat ??= new ChatLink()).full) {
        throw new ChatBacklogError(`too many chat messages wait for ${p.id}`);
      }
    }
    const from = this.peerId ?? '';
    this.#chat({ id: `${from}:${++this.#chatCount}`, from, text, at: Date.now() });
    await Promise.all(
      to.map(async (p) => {
        const { link, seq } = p.chat!.send(text);
        await p.session?.send({ chat: { link, seq: BigInt(seq), text } }).catch(() => {});
      })
    );
  }

  /**
   * Derives the keys, makes sure the node is reachable through a relay, then announces and looks
   * for the others in the background. Resolves once looking has begun.
   *
   * @throws {EmptyPassphraseError} / {PassphraseTooLongError} for an unusable passphrase or PIN
   * @throws {KeyDerivationError} when argon2id fails
   * @throws {NetworkUnreachableError} / {NoRelayError} when the network cannot be reached
   * @throws {AbortedError} when `signal` aborts or Leave is pressed first
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#started) {
      throw new SamenError('a call starts once');
    }
    this.#started = true;
    const signal = options.signal
      ? AbortSignal.any([this.#controller.signal, options.signal])
      : this.#controller.signal;
    const { passphrase, pin = '', network, rtcBindAddress } = this.#init;
    this.#mark(CALL_MARKS.start);
    try {
      this.#setPhase('deriving-key');
      // The node connects while argon2id runs: neither waits for the other.
      const nodeReady = this.#init.node
        ? Promise.resolve(this.#init.node)
        : createCallNode({
            network,
            signal,
            rtcBindAddress,
            iceTransportPolicy: this.#init.iceTransportPolicy
          });
      nodeReady.catch(() => {});
      const roomSecret = await deriveRoomSecretOffThread(passphrase, { signal });
      this.#mark(CALL_MARKS.kdf);
      this.#roomSecret = roomSecret;
      const admission = admissionSecret(roomSecret);
      const prs = cpacePrs(admission, pin);
      admission.fill(0);

      this.#setPhase('finding-network');
      const node = await nodeReady;
      this.#node = node;
      signal.throwIfAborted();
      this.#admission = new Admission(
        { libp2p: node.libp2p, admissions: node.admissions },
        { prs }
      );
      prs.fill(0);
      this.#listen(node, this.#admission, signal);
      await this.#admission.start();
      await node.libp2p.handle(
        SESSION_PROTOCOL,
        (stream, connection) => this.#onSessionStream(stream, connection),
        { maxInboundStreams: SESSION_MAX_STREAMS }
      );
      await node.waitForRelay({ signal });
      this.#mark(CALL_MARKS.reachable);

      this.#rendezvous = new Rendezvous({ node, roomSecret, signal, now: this.#init.now });
      this.#rendezvous.addEventListener('peer', (event) => {
        const { id, addresses } = (event as CustomEvent<FoundPeer>).detail;
        this.#mark(CALL_MARKS.found);
        this.#reach(id, addresses);
      });
      this.#setPhase('ready');
      this.#startAdaptation();
      this.#rendezvous.start();
    } catch (err) {
      if (this.#controller.signal.aborted || options.signal?.aborted === true) {
        throw new AbortedError('the call was left before it started', { cause: err });
      }
      await this.leave();
      throw err;
    }
  }

  /**
   * Leaves: tells the others, stops announcing and looking, closes every stream and connection,
   * stops the node and wipes the keys. Idempotent.
   */
  async leave(): Promise<void> {
    if (this.#phase === 'ended') {
      return;
    }
    this.#setPhase('ended');
    // Goodbyes go first: the abort below stops the node, and with it every connection. Without
    // a goodbye the others would take us for someone reconnecting.
    const byes = [...this.#participants.values()].map(async (p) => {
      clearTimeout(p.fallback);
      clearTimeout(p.reconnectTimer);
      this.#closeMedia(p);
      if (p.session !== undefined && !p.session.closed) {
        const signal = AbortSignal.timeout(BYE_TIMEOUT_MS);
        await p.session.send({ bye: {} }, { signal }).catch(() => {});
        // The stream's graceful close returns once the peer has read what we sent.
        await p.session.end({ signal });
      }
      p.sessionKey?.fill(0);
      p.state = 'left';
    });
    await Promise.allSettled(byes);
    this.#controller.abort();
    await this.#rendezvous?.stop();
    await this.#admission?.stop();
    await this.#node?.stop();
    this.#roomSecret?.fill(0);
    this.#roomSecret = undefined;
    this.#emitParticipants();
  }

  // ---- wiring -----------------------------------------------------------------------------------

  #listen(node: CallNode, admission: Admission, signal: AbortSignal): void {
    const options = { signal };
    admission.addEventListener(
      'admitted',
      (event) => this.#onAdmitted((event as CustomEvent<AdmittedEventDetail>).detail),
      options
    );
    admission.addEventListener(
      'failed',
      (event) => this.#onAdmissionFailed((event as CustomEvent<FailedEventDetail>).detail),
      options
    );
    admission.addEventListener(
      'blocked',
      (event) => {
        const { peer } = (event as CustomEvent<{ peer: PeerId }>).detail;
        this.#security({ kind: 'peer-blocked', peerId: peer.toString() });
        void node.libp2p.hangUp(peer).catch(() => {});
      },
      options
    );
    admission.addEventListener('locked', () => this.#onLocked(), options);
    node.admissions.addEventListener(
      'refused',
      (event) => {
        const { peer, what } = (event as CustomEvent<{ peer: PeerId; what: string }>).detail;
        // Someone who was in the call and is being admitted again after a drop asks a moment
        // early (its old connection's last streams): refused all the same, but no intruder.
        if (!this.#participants.has(peer.toString())) {
          this.#security({ kind: 'refused', peerId: peer.toString(), what });
        }
      },
      options
    );
    node.libp2p.addEventListener(
      'connection:open',
      (event) => this.#onConnectionOpen(event.detail),
      options
    );
    node.libp2p.addEventListener(
      'connection:close',
      (event) => this.#onConnectionClose(event.detail),
      options
    );
    // The browser says the network is back (Node has no such event): whoever is reconnecting is
    // tried at once, rather than after a dial that hung while it was down.
    globalThis.addEventListener?.('online', () => this.#onOnline(), options);
  }

  // ---- finding and admitting --------------------------------------------------------------------

  /**
   * Connects to a peer found on the DHT or in a roster, and admits it. A peer appears in the
   * participant list only once its relayed connection is up: provider records outlive the
   * people who made them, and someone who left an hour ago is not "connecting".
   */
  #reach(id: PeerId, addresses: readonly Multiaddr[]): void {
    const node = this.#node;
    const admission = this.#admission;
    const key = id.toString();
    if (node === undefined || admission === undefined || id.equals(node.peerId)) {
      return;
    }
    if (this.#phase === 'ended' || admission.locked || admission.isBlocked(id)) {
      return;
    }
    const known = this.#participants.get(key);
    const settled =
      known !== undefined && known.state !== 'left' && known.reconnectSince === undefined;
    if (settled || this.#failed.has(key)) {
      return;
    }
    if (known?.reconnectSince !== undefined && !this.#redials(id)) {
      return;
    }
    const unreachable = this.#unreachable.get(key);
    if (
      this.#dialling.has(key) ||
      (unreachable !== undefined && Date.now() < unreachable.retryAt)
    ) {
      return;
    }
    this.#dialling.add(key);
    void this.#dialAndAdmit(id, addresses, node, admission).finally(() => {
      this.#dialling.delete(key);
    });
  }

  async #dialAndAdmit(
    id: PeerId,
    addresses: readonly Multiaddr[],
    node: CallNode,
    admission: Admission
  ): Promise<void> {
    const signal = this.#controller.signal;
    const key = id.toString();
    const reconnecting = this.#participants.get(key)?.reconnectSince !== undefined;
    let connection: Connection;
    try {
      connection = await node.libp2p.dial([...addresses], {
        signal: AbortSignal.any([
          signal,
          ...(reconnecting
            ? [this.#online.signal, AbortSignal.timeout(RECONNECT_DIAL_TIMEOUT_MS)]
            : [AbortSignal.timeout(RELAY_DIAL_TIMEOUT_MS)])
        ])
      });
    } catch {
      // A stale record, or a relay that is gone: try again later, if it is found again.
      const misses = this.#unreachable.get(key)?.misses ?? 0;
      this.#unreachable.set(key, {
        misses: misses + 1,
        retryAt: Date.now() + (REDIAL_DELAYS_MS[misses] ?? 30_000)
      });
      return;
    }
    this.#unreachable.delete(key);
    // The peer may have failed admission with us (as initiator) while we were dialling it, or
    // admitted us by its own run: then that run settled the pair, and a second one would only
    // be cut off when the WebRTC upgrade closes this relayed connection, and counted as failed.
    if (signal.aborted || this.#failed.has(key) || node.admissions.isAdmitted(id)) {
      return;
    }
    const p: Participant = this.#participants.get(key) ?? {
      id,
      state: 'connecting',
      initiator: true,
      addresses,
      mediaGeneration: 0,
      mediaRebuilds: 0
    };
    p.state = 'connecting';
    p.initiator = true;
    p.addresses = addresses;
    this.#participants.set(key, p);
    this.#emitParticipants();
    try {
      const outcome = await admission.admit(connection, { signal });
      if (outcome.kind === 'duplicate') {
        // The peer's own admission of us goes on; its `admitted` event continues from there.
        p.initiator = false;
        return;
      }
      await this.#goDirect(p);
    } catch (err) {
      if (!signal.aborted && p.state === 'connecting') {
        if (isAdmissionFailure(err)) {
          this.#failed.add(key);
        }
        if (p.reconnectSince === undefined) {
          this.#participants.delete(key);
          this.#emitParticipants();
        } else if (isAdmissionFailure(err)) {
          // Someone who was in the call cannot prove it any more: not the same person.
          this.#markLeft(p);
        }
        // Else a reconnecting participant is tried again by its reconnect timer.
      }
    }
  }

  #onAdmitted({ peer, direction, sessionKey }: AdmittedEventDetail): void {
    const key = peer.toString();
    const p: Participant = this.#participants.get(key) ?? {
      id: peer,
      state: 'admitted',
      initiator: direction === 'initiator',
      addresses: [],
      mediaGeneration: 0,
      mediaRebuilds: 0
    };
    this.#participants.set(key, p);
    // After a drop (#markReconnecting closed the media) the pair's media starts again at
    // generation 0 under the new key. Live media stays as it is: a second admission run that
    // completed (both dialled at once) must not cut it, and it keeps the key it was made with.
    if (p.media === undefined) {
      p.mediaGeneration = 0;
      p.mediaRebuilds = 0;
      p.sessionReopens = 0;
      p.hadSession = false;
    }
    p.sessionKey?.fill(0);
    p.sessionKey = sessionKey;
    p.initiator = direction === 'initiator';
    this.#failed.delete(key);
    this.#mark(CALL_MARKS.admitted);
    if (this.#hasDirectConnection(peer)) {
      this.#markDirect(p);
      return;
    }
    p.state = 'admitted';
    this.#emitParticipants();
    if (direction === 'responder') {
      clearTimeout(p.fallback);
      p.fallback = setTimeout(() => {
        if (p.state === 'admitted' && this.#phase !== 'ended') {
          void this.#goDirect(p);
        }
      }, DIRECT_FALLBACK_MS);
    }
  }

  #onAdmissionFailed({ peer, direction, reason }: FailedEventDetail): void {
    const peerId = peer.toString();
    this.#failed.add(peerId);
    const p = this.#participants.get(peerId);
    if (p !== undefined && p.state !== 'direct') {
      this.#participants.delete(peerId);
      this.#emitParticipants();
    }
    this.#security(
      direction === 'responder'
        ? { kind: 'intruder', peerId, reason }
        : { kind: 'verification-failed', peerId, reason }
    );
  }

  #onLocked(): void {
    this.#security({ kind: 'call-locked' });
    for (const p of this.#participants.values()) {
      void p.session?.send({ notice: { kind: SecurityNotice.Kind.CALL_LOCKED } }).catch(() => {});
    }
  }

  // ---- going direct -------------------------------------------------------------------------------

  async #goDirect(p: Participant): Promise<void> {
    const node = this.#node;
    if (node === undefined) {
      return;
    }
    for (let attempt = 0; attempt < DIRECT_DIAL_ATTEMPTS; attempt++) {
      if (this.#phase === 'ended' || p.state === 'direct' || p.state === 'left') {
        return;
      }
      const address = await this.#webrtcAddress(p);
      if (address === undefined) {
        return;
      }
      try {
        const connection = await node.libp2p.dial(address, {
          signal: AbortSignal.any([
            this.#controller.signal,
            AbortSignal.timeout(DIRECT_DIAL_TIMEOUT_MS)
          ])
        });
        if (connection.direct) {
          this.#markDirect(p);
          return;
        }
      } catch {
        // Retried below; after the last attempt the pair stays on its relayed connection.
      }
    }
  }

  /** The peer's WebRTC address: its relayed address with /webrtc before its peer ID. */
  async #webrtcAddress(p: Participant): Promise<Multiaddr | undefined> {
    const node = this.#node!;
    const relayed = node.libp2p
      .getConnections(p.id)
      .map((c) => c.remoteAddr)
      .filter((ma) => Circuit.matches(ma));
    let candidates = dialableRelayAddresses(p.id, [...relayed, ...p.addresses]);
    if (candidates.length === 0) {
      const stored = await node.libp2p.peerStore.get(p.id).catch(() => undefined);
      candidates = dialableRelayAddresses(p.id, stored?.addresses.map((a) => a.multiaddr) ?? []);
    }
    const first = candidates[0];
    return first?.decapsulateCode(421).encapsulate(`/webrtc/p2p/${p.id}`);
  }

  #onConnectionOpen(connection: Connection): void {
    const p = this.#participants.get(connection.remotePeer.toString());
    if (p !== undefined && connection.direct && this.#node?.admissions.isAdmitted(p.id)) {
      this.#markDirect(p);
    }
  }

  #onConnectionClose(connection: Connection): void {
    const p = this.#participants.get(connection.remotePeer.toString());
    if (p === undefined || !connection.direct || p.state !== 'direct') {
      return;
    }
    // A goodbye may still be in the session stream's buffer when the connection's close is
    // seen: read it first, so that someone who left is not shown as reconnecting.
    setTimeout(() => {
      if (p.state === 'direct' && !this.#hasDirectConnection(p.id) && this.#phase !== 'ended') {
        this.#markReconnecting(p);
      }
    }, CLOSE_GRACE_MS);
  }

  /**
   * The direct connection dropped without a goodbye (a network change, a laptop lid, a lost
   * Wi-Fi): keep the participant, with its chat queue, and find and admit it again. The new
   * admission brings a new session key and new media.
   */
  #markReconnecting(p: Participant): void {
    clearTimeout(p.fallback);
    p.state = 'connecting';
    p.reconnectSince = Date.now();
    p.session?.close();
    p.session = undefined;
    this.#closeMedia(p);
    p.sessionKey?.fill(0);
    p.sessionKey = undefined;
    this.#node?.admissions.revoke(p.id);
    this.#emitParticipants();
    clearTimeout(p.reconnectTimer);
    // At once: the peer may still hold its relay reservation, and its dial of us may be quicker.
    this.#retryReconnect(p);
  }

  /**
   * Which side dials to reconnect: the lower peer ID (the polite side of media.ts); the other
   * waits to be dialled. Both dialling at once made two admission runs cross on the new relayed
   * connections, and the one cut off counted as a failed guess.
   */
  #redials(peer: PeerId): boolean {
    return (this.#node?.peerId.toString() ?? '') < peer.toString();
  }

  /** One try at reaching a reconnecting participant again; the next is RECONNECT_RETRY_MS on. */
  #retryReconnect(p: Participant): void {
    if (this.#phase === 'ended' || this.#participants.get(p.id.toString()) !== p) {
      return;
    }
    if (p.reconnectSince === undefined || p.state === 'left' || p.state === 'direct') {
      return;
    }
    if (Date.now() - p.reconnectSince >= RECONNECT_GIVE_UP_MS) {
      this.#markLeft(p);
      return;
    }
    // Its relayed addresses may still hold (it kept its reservation); if not, its new ones
    // come from the DHT once it announces them.
    this.#unreachable.delete(p.id.toString());
    this.#reach(p.id, p.addresses);
    this.#rendezvous?.lookNow();
    p.reconnectTimer = setTimeout(() => this.#retryReconnect(p), RECONNECT_RETRY_MS);
  }

  #onOnline(): void {
    this.#online.abort();
    this.#online = new AbortController();
    for (const p of this.#participants.values()) {
      if (p.reconnectSince !== undefined) {
        clearTimeout(p.reconnectTimer);
        // After the aborted dials have let go of their slot (#dialling).
        p.reconnectTimer = setTimeout(() => this.#retryReconnect(p), 0);
      }
    }
  }

  #markDirect(p: Participant): void {
    if (p.state === 'direct' || this.#phase === 'ended') {
      return;
    }
    clearTimeout(p.fallback);
    clearTimeout(p.reconnectTimer);
    p.reconnectSince = undefined;
    p.state = 'direct';
    this.#mark(CALL_MARKS.direct);
    this.#emitParticipants();
    const node = this.#node!;
    // Once direct, the relay has done its job: close the relayed connection (DESIGN.md).
    for (const connection of node.libp2p.getConnections(p.id)) {
      if (!connection.direct && Circuit.matches(connection.remoteAddr)) {
        void connection.close().catch(() => {});
      }
    }
    if (p.initiator && p.session === undefined) {
      const direct = node.libp2p.getConnections(p.id).find((c) => c.direct && c.status === 'open');
      if (direct !== undefined) {
        SessionChannel.open(direct, { signal: this.#controller.signal }).then(
          (channel) => this.#attachSession(p, channel),
          () => {}
        );
      }
    }
  }

  /** Marks a milestone the first time this call reaches it. */
  #mark(name: string): void {
    if (!this.#marked.has(name)) {
      this.#marked.add(name);
      performance.mark(name);
    }
  }

  #markLeft(p: Participant): void {
    clearTimeout(p.fallback);
    clearTimeout(p.reconnectTimer);
    p.reconnectSince = undefined;
    p.state = 'left';
    p.session?.close();
    p.session = undefined;
    this.#closeMedia(p);
    this.#node?.admissions.revoke(p.id);
    this.#emitParticipants();
  }

  #hasDirectConnection(peer: PeerId): boolean {
    return (
      this.#node?.libp2p.getConnections(peer).some((c) => c.direct && c.status === 'open') ?? false
    );
  }

  // ---- the session --------------------------------------------------------------------------------

  #onSessionStream(stream: Stream, connection: Connection): void {
    const p = this.#participants.get(connection.remotePeer.toString());
    if (p === undefined || this.#phase === 'ended') {
      stream.abort(new AbortedError('no such participant'));
      return;
    }
    this.#attachSession(p, new SessionChannel(stream, connection.remotePeer));
  }

  #attachSession(p: Participant, channel: SessionChannel): void {
    if (this.#phase === 'ended') {
      channel.close();
      return;
    }
    p.session?.close();
    p.session = channel;
    channel.addEventListener('message', (event) => {
      try {
        this.#onSessionMessage(p, (event as CustomEvent<SessionMessage>).detail);
      } catch (err) {
        const error =
          err instanceof SamenError
            ? err
            : new MalformedMessageError('a bad session message', { cause: err });
        channel.close(error);
      }
    });
    channel.addEventListener('close', (event) => {
      const error = (event as CustomEvent<SamenError | null>).detail;
      const bad = error?.name === 'MalformedMessageError' || error?.name === 'MessageTooLargeError';
      if (bad) {
        this.#security({ kind: 'bad-message', peerId: p.id.toString(), reason: error!.name });
      }
      if (p.session === channel) {
        p.session = undefined;
        // A stream that ended or broke (a reset on a flaky network) is opened again; one cut
        // off for a bad message is not.
        if (!bad) {
          this.#reopenSession(p);
        }
      }
    });
    // Everyone tells everyone whom they are connected to: that is how a group meshes fully.
    void this.#broadcastRoster();
    void this.#sendMediaState(p);
    // Chat the last channel did not deliver (it was not acknowledged) goes again, in order.
    for (const { link, seq, text } of p.chat?.pending() ?? []) {
      void channel.send({ chat: { link, seq: BigInt(seq), text } }).catch(() => {});
    }
    const replacing = p.hadSession === true;
    p.hadSession = true;
    const media = p.media;
    if (replacing && media !== undefined && media.peerConnection.connectionState !== 'connected') {
      // Its signalling was lost with the old stream (an ICE restart's offer, say): start the
      // next generation rather than wait on a negotiation that cannot finish.
      void channel.send({ mediaClose: { generation: media.generation } }).catch(() => {});
      this.#nextMediaGeneration(p);
    } else {
      this.#ensureMedia(p);
    }
  }

  /**
   * A session stream that ended or broke while the direct connection is up (a reset on a
   * flaky network) is opened again by the side that opened it, up to SESSION_REOPENS times;
   * the chat queue is re-sent on the new stream, and media that lost its signalling starts a
   * new generation (#attachSession).
   */
  #reopenSession(p: Participant): void {
    if (!p.initiator || p.state !== 'direct' || (p.sessionReopens ?? 0) >= SESSION_REOPENS) {
      return;
    }
    p.sessionReopens = (p.sessionReopens ?? 0) + 1;
    setTimeout(() => {
      const node = this.#node;
      const direct = node?.libp2p.getConnections(p.id).find((c) => c.direct && c.status === 'open');
      if (this.#phase === 'ended' || p.state !== 'direct' || p.session !== undefined || !direct) {
        return;
      }
      SessionChannel.open(direct, { signal: this.#controller.signal }).then(
        (channel) => this.#attachSession(p, channel),
        () => {}
      );
    }, SESSION_REOPEN_DELAY_MS);
  }

  #onSessionMessage(p: Participant, message: SessionMessage): void {
    if (message.roster !== undefined) {
      for (const entry of message.roster.peers) {
        const id = parsePeerId(entry.peerId);
        const addresses = entry.addrs.map(parseMultiaddr);
        this.#reach(id, dialableRelayAddresses(id, addresses));
      }
    } else if (message.bye !== undefined) {
      this.#markLeft(p);
      void this.#node?.libp2p.hangUp(p.id).catch(() => {});
    } else if (message.notice?.kind === SecurityNotice.Kind.CALL_LOCKED) {
      this.#security({ kind: 'peer-call-locked', peerId: p.id.toString() });
    } else if (message.mediaHello !== undefined || message.mediaSignal !== undefined) {
      const generation = message.mediaHello?.generation ?? message.mediaSignal?.generation ?? 0;
      // Only the current generation's messages reach the media session: a late signal of a
      // closed one is dropped, and the next one starts only after a MediaClose.
      if (generation === p.mediaGeneration) {
        this.#ensureMedia(p);
        void p.media?.receive(message as MediaIncoming);
      }
    } else if (message.mediaClose !== undefined) {
      if (message.mediaClose.generation === p.mediaGeneration) {
        this.#nextMediaGeneration(p);
      }
    } else if (message.mediaState !== undefined) {
      const { audio, video, screen } = message.mediaState;
      p.remoteMedia = { audio, video, screen: screen && video };
      this.#emitParticipants();
    } else if (message.chat !== undefined) {
      const { link, seq, text } = message.chat;
      const { ack, deliver } = (p.chat ??= new ChatLink()).receive(link, Number(seq), text);
      void p.session?.send({ chatAck: { link, seq: BigInt(ack) } }).catch(() => {});
      const from = p.id.toString();
      for (const { seq, text } of deliver) {
        this.#chat({ id: `${from}:${seq}`, from, text, at: Date.now() });
      }
    } else if (message.chatAck !== undefined) {
      p.chat?.acknowledge(message.chatAck.link, Number(message.chatAck.seq));
    }
  }

  // ---- media --------------------------------------------------------------------------------------

  /** Creates the participant's media session, once it has a session and we have a key. */
  #ensureMedia(p: Participant): void {
    const node = this.#node;
    const RTC = this.#init.RTCPeerConnection ?? globalThis.RTCPeerConnection;
    if (
      p.media !== undefined ||
      p.mediaRefused === true ||
      p.sessionKey === undefined ||
      p.session === undefined ||
      node === undefined ||
      typeof RTC !== 'function' ||
      this.#phase === 'ended'
    ) {
      return;
    }
    const media = new MediaSession({
      localPeer: node.peerId,
      remotePeer: p.id,
      sessionKey: p.sessionKey,
      generation: p.mediaGeneration,
      ...mediaIceConfig(this.#init.network.iceServers, this.#init.iceTransportPolicy),
      RTCPeerConnection: RTC,
      kinds: this.#init.mediaKinds,
      tracks: { audio: this.#localMedia.audio, video: this.#localMedia.video },
      send: async (message) => {
        if (p.session === undefined) {
          throw new AbortedError('no session with this participant');
        }
        await p.session.send(message);
      }
    });
    p.media = media;
    media.addEventListener('remote-stream', (event) => {
      p.stream = (event as CustomEvent<MediaStream>).detail;
      this.#emitParticipants();
    });
    media.addEventListener('verified', (event) => {
      p.safetyWords = (event as CustomEvent<readonly string[]>).detail;
      this.#emitParticipants();
    });
    media.addEventListener('close', (event) => {
      const error = (event as CustomEvent<SamenError | null>).detail;
      // Closed by the call (#closeMedia) once it is not p.media any more: nothing to do.
      if (p.media !== media) {
        return;
      }
      if (error?.name === 'MediaFingerprintMismatchError') {
        this.#closeMedia(p);
        p.mediaRefused = true;
        this.#security({ kind: 'media-mismatch', peerId: p.id.toString() });
      } else if (error !== null && p.session !== undefined) {
        // A failure of this generation (a negotiation that went wrong): tell the peer, and
        // both start the next one.
        void p.session.send({ mediaClose: { generation: media.generation } }).catch(() => {});
        this.#nextMediaGeneration(p);
      } else {
        this.#closeMedia(p);
      }
      this.#emitParticipants();
    });
  }

  /** Closes the participant's media session, if any, without a MediaClose. */
  #closeMedia(p: Participant): void {
    const media = p.media;
    p.media = undefined;
    p.stream = undefined;
    p.safetyWords = undefined;
    media?.close();
  }

  /** Ends this media generation and starts the next, within MAX_MEDIA_REBUILDS. */
  #nextMediaGeneration(p: Participant): void {
    this.#closeMedia(p);
    if (p.mediaRebuilds >= MAX_MEDIA_REBUILDS || p.mediaGeneration >= MAX_MEDIA_GENERATION) {
      // A pair whose media keeps failing stays without it; chat and the roster go on.
      p.mediaRefused = true;
      this.#emitParticipants();
      return;
    }
    p.mediaRebuilds++;
    p.mediaGeneration++;
    this.#ensureMedia(p);
    this.#emitParticipants();
  }

  async #sendMediaState(p: Participant): Promise<void> {
    const { audio, video, screen } = this.#localMedia;
    await p.session
      ?.send({ mediaState: { audio: audio !== null, video: video !== null, screen } })
      .catch(() => {});
  }

  async #broadcastRoster(): Promise<void> {
    const node = this.#node;
    if (node === undefined) {
      return;
    }
    const inCall = [...this.#participants.values()].filter((p) => p.state === 'direct');
    const entries = await Promise.all(
      inCall.map(async (p) => {
        const stored = await node.libp2p.peerStore.get(p.id).catch(() => undefined);
        const addresses = dialableRelayAddresses(p.id, [
          ...p.addresses,
          ...(stored?.addresses.map((a) => a.multiaddr) ?? [])
        ]).filter((ma) => !WebRTC.matches(ma));
        return { peerId: p.id.toString(), addrs: addresses.map(String) };
      })
    );
    for (const p of inCall) {
      const peers = entries.filter((entry) => entry.peerId !== p.id.toString());
      await p.session?.send({ roster: { peers } }).catch(() => {});
    }
  }

  // ---- state and events ---------------------------------------------------------------------------

  #setPhase(phase: Phase): void {
    this.#phase = phase;
    this.#updateStep();
  }

  #updateStep(): void {
    let step: CallStep;
    if (this.#phase !== 'ready') {
      step = this.#phase;
    } else {
      const states = [...this.#participants.values()].map((p) => p.state);
      step = states.includes('direct')
        ? 'connected'
        : states.includes('connecting') || states.includes('admitted')
          ? 'verifying'
          : 'looking';
    }
    if (step !== this.#step) {
      this.#step = step;
      this.dispatchEvent(new CustomEvent<CallStep>('step', { detail: step }));
    }
  }

  #emitParticipants(): void {
    this.#updateStep();
    this.dispatchEvent(
      new CustomEvent<readonly ParticipantSnapshot[]>('participants', {
        detail: this.participants
      })
    );
  }

  #chat(entry: ChatEntry): void {
    this.dispatchEvent(new CustomEvent<ChatEntry>('chat', { detail: entry }));
  }

  #security(event: SecurityEvent): void {
    this.dispatchEvent(new CustomEvent<SecurityEvent>('security', { detail: event }));
  }

  // ---- adaptation and stats ----------------------------------------------------------------------

  /** Each media peer connection's stats sampler: it keeps the previous report, for rates. */
  readonly #samplers = new WeakMap<RTCPeerConnection, PathStatsSampler>();
  /** Each remote audio receiver's previous stats report, for its level in between. */
  readonly #audioReports = new WeakMap<RTCRtpReceiver, StatsReportLike>();
  /** Peer connections whose video sender took its limits for the current number of remotes. */
  #adapted = new WeakSet<RTCPeerConnection>();
  /** The number of direct participants the limits in force are for. */
  #adaptedFor = -1;
  /** Rounds run one after the other: a getParameters/setParameters pair must not cross another. */
  #adapting: Promise<void> = Promise.resolve();
  #adaptQueued = false;
  readonly #speaker = new ActiveSpeaker();

  /**
   * The connection path to a participant, from its media peer connection's stats: direct or
   * relayed, candidate types, RTT, bitrates, fps, resolution, loss. Undefined while there is no
   * media connection with it.
   *
   * @example
   * const path = await call.pathStats(peerId) // { route: 'direct', rttMs: 12, … }
   */
  async pathStats(peerId: string): Promise<PathStats | undefined> {
    const pc = this.#participants.get(peerId)?.media?.peerConnection;
    if (pc === undefined || pc.signalingState === 'closed') {
      return undefined;
    }
    return this.#sampler(pc)
      .sample()
      .catch(() => undefined);
  }

  /** Adapts every ADAPT_INTERVAL_MS, at once when someone joins or leaves; until Leave. */
  #startAdaptation(): void {
    const signal = this.#controller.signal;
    this.addEventListener(
      'participants',
      () => {
        // A new media connection, or a new number of streams to share the uplink between.
        const waiting = this.#mediaConnections().some(({ pc }) => !this.#adapted.has(pc));
        if (waiting || this.#directCount() !== this.#adaptedFor) {
          void this.#adapt();
        }
      },
      { signal }
    );
    this.#every(ADAPT_INTERVAL_MS, () => this.#adapt(), signal);
    this.#every(SPEAKER_POLL_MS, () => this.#detectSpeaker(), signal);
  }

  /** Runs a round after the one in progress; asks while one already waits to run join it. */
  #adapt(): Promise<void> {
    if (!this.#adaptQueued) {
      this.#adaptQueued = true;
      this.#adapting = this.#adapting
        .then(() => {
          this.#adaptQueued = false;
          return this.#adaptRound();
        })
        .catch(() => {});
    }
    return this.#adapting;
  }

  /** Reads each media connection's stats and sets its video sender's limits (adapt.ts). */
  async #adaptRound(): Promise<void> {
    const remotes = this.#directCount();
    if (remotes !== this.#adaptedFor) {
      this.#adapted = new WeakSet();
      this.#adaptedFor = remotes;
    }
    await Promise.all(
      this.#mediaConnections().map(async ({ pc }) => {
        try {
          const sender = pc
            .getTransceivers()
            .find(
              (t) => t.receiver.track.kind === 'video' && t.currentDirection !== 'stopped'
            )?.sender;
          if (sender === undefined) {
            // Nothing to limit (a data-only connection in Node tests, or the polite side before
            // the first offer): the next round looks again.
            this.#adapted.add(pc);
            return;
          }
          const path = await this.#sampler(pc)
            .sample()
            .catch(() => undefined);
          const limits = videoLimits({
            remotes,
            availableOutgoingBitrate: path?.availableOutgoingBitrate,
            sourceHeight: sender.track?.getSettings().height,
            screen: this.#localMedia.screen
          });
          const outcome = await applyVideoLimits(sender, limits);
          if (outcome === 'applied' || outcome === 'unchanged') {
            this.#adapted.add(pc);
          }
        } catch {
          // A connection closing under us (or a polyfill without media) has nothing to adapt;
          // the next round looks again.
        }
      })
    );
  }

  /** Reads the level of everyone we hear and moves the active-speaker highlight. */
  async #detectSpeaker(): Promise<void> {
    const levels = new Map<string, number>();
    await Promise.all(
      this.#mediaConnections().map(async ({ p, pc }) => {
        if (p.remoteMedia?.audio === false || pc.connectionState !== 'connected') {
          return;
        }
        try {
          const receiver = pc
            .getTransceivers()
            .find((t) => t.receiver.track.kind === 'audio')?.receiver;
          if (receiver === undefined) {
            return;
          }
          const report = await receiver.getStats();
          const level = inboundAudioLevel(report, this.#audioReports.get(receiver));
          this.#audioReports.set(receiver, report);
          if (level !== undefined) {
            levels.set(p.id.toString(), level);
          }
        } catch {
          // Not heard this round (the connection is closing): as if silent.
        }
      })
    );
    const before = this.#speaker.current;
    if (this.#speaker.update(levels, performance.now()) !== before && this.#phase !== 'ended') {
      this.#emitParticipants();
    }
  }

  #isSpeaking(p: Participant): boolean {
    return p.state === 'direct' && this.#speaker.current === p.id.toString();
  }

  /** The participants connected directly that have an open media connection. */
  #mediaConnections(): { p: Participant; pc: RTCPeerConnection }[] {
    const all: { p: Participant; pc: RTCPeerConnection }[] = [];
    for (const p of this.#participants.values()) {
      const pc = p.media?.peerConnection;
      if (p.state === 'direct' && pc !== undefined && pc.signalingState !== 'closed') {
        all.push({ p, pc });
      }
    }
    return all;
  }

  #directCount(): number {
    return [...this.#participants.values()].filter((p) => p.state === 'direct').length;
  }

  #sampler(pc: RTCPeerConnection): PathStatsSampler {
    let sampler = this.#samplers.get(pc);
    if (sampler === undefined) {
      sampler = new PathStatsSampler(() => pc.getStats());
      this.#samplers.set(pc, sampler);
    }
    return sampler;
  }

  /** Runs `round` every `ms` (counted from the end of the last one) until `signal` aborts. */
  #every(ms: number, round: () => Promise<void>, signal: AbortSignal): void {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      void round()
        .catch(() => {})
        .finally(() => {
          if (!signal.aborted) {
            timer = setTimeout(tick, ms);
          }
        });
    };
    timer = setTimeout(tick, ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  }
}

function isAdmissionFailure(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return (
    name === 'AdmissionFailedError' || name === 'PeerBlockedError' || name === 'CallLockedError'
  );
}

function parsePeerId(text: string): PeerId {
  try {
    return peerIdFromString(text);
  } catch (err) {
    throw new MalformedMessageError('a roster entry with a bad peer ID', { cause: err });
  }
}

function parseMultiaddr(text: string): Multiaddr {
  try {
    return multiaddr(text);
  } catch (err) {
    throw new MalformedMessageError('a roster entry with a bad address', { cause: err });
  }
}
