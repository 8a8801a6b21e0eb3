/**
 * One admitted participant of a call: its state, the timers that move it on, its session
 * channel, its chat link and its media sessions (one generation at a time).
 *
 *   connecting ─admitted─► admitted ─direct connection─► direct ─bye─► left
 *        ▲                                                 │
 *        └──────── reconnecting (no goodbye) ◄─────────────┘ ─45 s─► left
 *
 * The link knows nothing of how peers are found or dialled: the mesh (mesh.ts) moves it from
 * state to state and gives it a context for what reaches beyond one participant (the roster,
 * events for the UI, opening a stream). Incoming session messages go to one handler per message
 * kind (handlers.ts). `close()` ends everything the link holds, and is harmless twice.
 */
import type { Logger, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { ChatLink } from '../chat.ts';
import { AbortedError, ChatBacklogError, MalformedMessageError, SamenError } from '../errors.ts';
import {
  MAX_MEDIA_GENERATION,
  type LocalTracks,
  type MediaIncoming,
  type MediaOutgoing,
  type MediaSession
} from '../media.ts';
import {
  sessionBody,
  type MediaState,
  type RosterEntry,
  type SessionChannel,
  type SessionMessage
} from '../protocols/session/index.ts';
import { sessionKeys, type SessionKeys } from '../session-keys.ts';
import { SESSION_HANDLERS } from './handlers.ts';
import type {
  ChatEntry,
  OutgoingMedia,
  ParticipantSnapshot,
  RemoteMediaState,
  SecurityEvent
} from './types.ts';

/**
 * Media sessions a pair may rebuild after a failure, per admission: enough for real network
 * trouble, and a cap on the RTCPeerConnections a broken or hostile peer can make us create.
 */
export const MAX_MEDIA_REBUILDS = 8;

/** A session stream that broke on a live direct connection is opened again after this. */
export const SESSION_REOPEN_DELAY_MS = 500;

/** How often, per admission: a peer whose streams keep breaking is reconnected instead. */
export const SESSION_REOPENS = 3;

/** The link's own states; `reconnecting` is `connecting` after a drop (see `reconnecting`). */
export type LinkState = 'connecting' | 'admitted' | 'direct' | 'left';

/** What a link needs from the call around it. */
export interface PeerLinkContext {
  readonly localPeer: PeerId;
  readonly log: Logger;
  /** Whether the call has ended: nothing new starts. */
  ended(): boolean;
  /** What we send now. */
  outgoingMedia(): OutgoingMedia;
  /**
   * A media session of this generation with the link's peer, or undefined where there is no
   * WebRTC for media (Node without a polyfill).
   */
  createMedia(init: {
    readonly remotePeer: PeerId;
    /** The pair's MediaHello MAC key and safety-word key (session-keys.ts). */
    readonly helloKey: Uint8Array;
    readonly wordsKey: Uint8Array;
    /** The media certificate fingerprint the peer committed in the admission. */
    readonly remoteFingerprint: string;
    readonly generation: number;
    readonly tracks: LocalTracks;
    readonly send: (message: MediaOutgoing) => Promise<void>;
  }): MediaSession | undefined;
  /** Something the UI shows of this participant changed. */
  changed(): void;
  security(event: SecurityEvent): void;
  chat(entry: ChatEntry): void;
  /** The participant told us whom it is connected to: reach those we do not know. */
  roster(link: PeerLink, peers: readonly RosterEntry[]): void;
  /** The participant said goodbye. */
  bye(link: PeerLink): void;
  /** A session channel was attached to the link (everyone's roster goes out again). */
  sessionAttached(link: PeerLink): void;
  /** Opens a session stream on the direct connection to the link's peer. */
  openSession(link: PeerLink): Promise<SessionChannel>;
}

type TimerName = 'fallback' | 'direct' | 'reconnect' | 'reopen';

/**
 * @example
 * const link = new PeerLink(context, peerId, { initiator: true, addresses })
 * link.admitted(sessionKey, 'initiator')
 * link.becomeDirect()
 * link.attach(await SessionChannel.open(connection))
 * link.close()
 */
export class PeerLink {
  readonly id: PeerId;
  /** The peer ID as text: the key of the mesh's map and of `data-peer`. */
  readonly key: string;
  /** Whether we ran admission as the initiator (then we upgrade and open the session). */
  initiator: boolean;
  /** Its relayed addresses, where we (or a roster) found it. */
  addresses: readonly Multiaddr[];
  /**
   * When it sent its session messages over the last minute, over all its session streams (one
   * after another, or a new one opened to start the count afresh): the rate limit is its own.
   */
  readonly received: number[] = [];
  readonly #context: PeerLinkContext;
  #state: LinkState = 'connecting';
  /** When its direct connection dropped without a goodbye; undefined while it has not. */
  #reconnectSince: number | undefined;
  readonly #timers = new Map<TimerName, ReturnType<typeof setTimeout>>();
  #session: SessionChannel | undefined;
  /**
   * The subkeys of this admission's session key (session-keys.ts; the key itself is gone): for
   * media, wiped when the connection drops, and for resuming, kept until the participant left.
   */
  #mediaKeys: Pick<SessionKeys, 'mediaHello' | 'safetyWords'> | undefined;
  #resumeKey: Uint8Array | undefined;
  /** The fingerprint the peer committed in its admission: its media must show exactly this. */
  #remoteFingerprint = '';
  /** Session streams opened again on the same admission (SESSION_REOPENS). */
  #sessionReopens = 0;
  /** A session stream was attached on this admission before (a new one replaces it). */
  #hadSession = false;
  /**
   * It sent a malformed message or a flood on this admission: no session stream of its is
   * taken any more (a stream it opens again is closed at once) until it is admitted again.
   */
  #sessionRefused = false;
  #media: MediaSession | undefined;
  /** The generation of the pair's current media session (media.ts), on this admission. */
  #mediaGeneration = 0;
  /** Media sessions rebuilt after a failure, on this admission (MAX_MEDIA_REBUILDS). */
  #mediaRebuilds = 0;
  /** Its media failed verification, or kept failing: none is tried again in this call. */
  #mediaRefused = false;
  #stream: MediaStream | undefined;
  #remoteMedia: RemoteMediaState | undefined;
  #safetyWords: readonly number[] | undefined;
  #chat: ChatLink | undefined;
  /** Admitted, but no direct path opened in time (see Mesh's DIRECT_PATH_DEADLINE_MS). */
  #noDirectPath = false;
  #closed = false;

  constructor(
    context: PeerLinkContext,
    id: PeerId,
    init: { initiator: boolean; addresses: readonly Multiaddr[]; state?: LinkState }
  ) {
    this.#context = context;
    this.id = id;
    this.key = id.toString();
    this.initiator = init.initiator;
    this.addresses = init.addresses;
    this.#state = init.state ?? 'connecting';
  }

  get state(): LinkState {
    return this.#state;
  }

  /** Whether its direct connection dropped and it is being found and admitted again. */
  get reconnecting(): boolean {
    return this.#reconnectSince !== undefined;
  }

  /** When it started reconnecting (ms since the epoch), while it is. */
  get reconnectSince(): number | undefined {
    return this.#reconnectSince;
  }

  /**
   * The pair's resume key while the participant may come back with it (admitted before, and
   * not left): admission answers its resume ticket with this (protocols/admit/resume.ts).
   */
  get resumeKey(): Uint8Array | undefined {
    return this.#state === 'left' ? undefined : this.#resumeKey;
  }

  /** Whether the link has a live session channel. */
  get hasSession(): boolean {
    return this.#session !== undefined;
  }

  /** The media peer connection, while there is one (for stats and adaptation). */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.#media?.peerConnection;
  }

  /** What it says it is sending. */
  get remoteMedia(): RemoteMediaState | undefined {
    return this.#remoteMedia;
  }

  /** Whether the participant is in the call: admitted, direct or coming back. */
  get present(): boolean {
    return this.#state === 'direct' || this.#state === 'admitted' || this.reconnecting;
  }

  snapshot(speaking: boolean): ParticipantSnapshot {
    const state =
      this.reconnecting && this.#state !== 'direct' && this.#state !== 'left'
        ? 'reconnecting'
        : this.#state;
    return {
      peerId: this.key,
      state,
      ...(this.#stream === undefined ? {} : { stream: this.#stream }),
      ...(this.#remoteMedia === undefined ? {} : { media: this.#remoteMedia }),
      ...(this.#safetyWords === undefined ? {} : { safetyWords: this.#safetyWords }),
      ...(speaking ? { speaking: true } : {}),
      ...(this.#noDirectPath && state !== 'left' ? { problem: 'no-direct-path' as const } : {})
    };
  }

  // ---- states -----------------------------------------------------------------------------------

  /** Admitted, but no direct path opened in time: the UI says why, until one does. */
  noDirectPath(): void {
    this.#noDirectPath = true;
  }

  /** We dial it (again): it is `connecting` until admission settles. */
  dialling(addresses: readonly Multiaddr[]): void {
    this.#state = 'connecting';
    this.initiator = true;
    this.addresses = addresses;
  }

  /**
   * Admission succeeded with this session key (wiped here, once its subkeys are derived) and the
   * media fingerprint the peer committed. After a drop the pair's media starts again at
   * generation 0 under the new keys. Live media stays as it is: a second admission run that
   * completed (both dialled at once) must not cut it, and it keeps the keys it was made with.
   */
  admitted(
    sessionKey: Uint8Array,
    direction: 'initiator' | 'responder',
    remoteFingerprint: string
  ): void {
    this.#sessionRefused = false;
    if (this.#media === undefined) {
      this.#mediaGeneration = 0;
      this.#mediaRebuilds = 0;
      this.#sessionReopens = 0;
      this.#hadSession = false;
    }
    this.#wipeKeys();
    const { mediaHello, safetyWords, resume } = sessionKeys(sessionKey);
    sessionKey.fill(0);
    this.#mediaKeys = { mediaHello, safetyWords };
    this.#resumeKey = resume;
    this.#remoteFingerprint = remoteFingerprint;
    this.initiator = direction === 'initiator';
    if (this.#state !== 'direct') {
      this.#state = 'admitted';
    }
  }

  /** Its direct connection is up. Returns false when it was direct already (or has left). */
  becomeDirect(): boolean {
    if (this.#state === 'direct' || this.#state === 'left' || this.#context.ended()) {
      return false;
    }
    this.#clearTimer('fallback');
    this.#clearTimer('direct');
    this.#clearTimer('reconnect');
    this.#reconnectSince = undefined;
    this.#noDirectPath = false;
    this.#state = 'direct';
    return true;
  }

  /**
   * Its direct connection dropped without a goodbye (a network change, a laptop lid, a lost
   * Wi-Fi): keep the participant, with its chat queue, until it is admitted again. The new
   * admission brings a new session key and new media.
   */
  becomeReconnecting(now: number): void {
    this.#clearTimer('fallback');
    this.#clearTimer('reconnect');
    this.#state = 'connecting';
    this.#reconnectSince = now;
    this.#closeSession();
    this.closeMedia();
    // Its resume key stays: with it, the pair comes back without a new guess.
    this.#wipeKeys({ keepResume: true });
  }

  /** It left (a goodbye, a failed re-admission, or it stayed away too long). */
  becomeLeft(): void {
    this.#clearAllTimers();
    this.#reconnectSince = undefined;
    this.#state = 'left';
    this.#closeSession();
    this.closeMedia();
    this.#wipeKeys();
  }

  /** Runs `run` after `ms` unless the link moves on first; a timer of the same name is replaced. */
  schedule(name: 'fallback' | 'direct' | 'reconnect', ms: number, run: () => void): void {
    this.#clearTimer(name);
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        run();
      }, ms)
    );
  }

  /** Says goodbye on the session and waits (within `signal`) until the peer has read it. */
  async sayGoodbye(signal: AbortSignal): Promise<void> {
    const session = this.#session;
    if (session === undefined || session.closed) {
      return;
    }
    await session
      .send({ bye: {} }, { signal })
      .catch((err: unknown) =>
        this.#context.log('no goodbye to %s: %s', this.key, (err as Error).message)
      );
    // The stream's graceful close returns once the peer has read what we sent.
    await session.end({ signal });
  }

  /** Ends everything the link holds: timers, session, media, key. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#clearAllTimers();
    this.#closeSession();
    this.closeMedia();
    this.#wipeKeys();
    this.#state = 'left';
  }

  // ---- the session ------------------------------------------------------------------------------

  /** Takes a session channel (ours or the peer's), replacing the one before. */
  attach(channel: SessionChannel): void {
    if (this.#context.ended() || this.#closed || this.#sessionRefused) {
      channel.close();
      return;
    }
    this.#session?.close();
    this.#session = channel;
    channel.addEventListener('message', (event) => {
      try {
        this.receive(event.detail);
      } catch (err) {
        channel.close(
          err instanceof SamenError
            ? err
            : new MalformedMessageError('a bad session message', { cause: err })
        );
      }
    });
    channel.addEventListener('close', (event) => this.#onSessionClose(channel, event.detail));
    this.#context.sessionAttached(this);
    void this.sendMediaState();
    // Chat the last channel did not deliver (it was not acknowledged) goes again, in order.
    for (const { link, seq, text } of this.#chat?.pending() ?? []) {
      void this.send({ chat: { link, seq: BigInt(seq), text } });
    }
    const replacing = this.#hadSession;
    this.#hadSession = true;
    const media = this.#media;
    if (replacing && media !== undefined && media.peerConnection.connectionState !== 'connected') {
      // Its signalling was lost with the old stream (an ICE restart's offer, say): start the
      // next generation rather than wait on a negotiation that cannot finish.
      void this.send({ mediaClose: { generation: media.generation } });
      this.nextMediaGeneration();
    } else {
      this.#ensureMedia();
    }
  }

  /**
   * Sends one message on the session, if there is one. A failure is logged and not thrown: a
   * message lost with a broken stream is the stream's business (chat is re-sent, media starts
   * a new generation, the roster goes out again on the next channel).
   */
  async send(message: SessionMessage, options: { signal?: AbortSignal } = {}): Promise<void> {
    const session = this.#session;
    if (session === undefined) {
      return;
    }
    try {
      await session.send(message, options);
    } catch (err) {
      this.#context.log('not sent to %s: %s', this.key, (err as Error).message);
    }
  }

  /** Handles one message from the peer (a handler per kind: handlers.ts). */
  receive(message: SessionMessage): void {
    const { kind, body } = sessionBody(message);
    // The union of handlers cannot be called with the union of bodies: TypeScript does not
    // correlate them. sessionBody pairs each kind with its own body, so this is sound.
    (SESSION_HANDLERS[kind] as (link: PeerLink, body: unknown, context: PeerLinkContext) => void)(
      this,
      body,
      this.#context
    );
  }

  #onSessionClose(channel: SessionChannel, error: SamenError | null): void {
    const bad = error?.name === 'MalformedMessageError' || error?.name === 'MessageTooLargeError';
    if (bad) {
      // Cut off: its media goes too, and nothing of it starts again on this admission.
      this.#sessionRefused = true;
      this.closeMedia();
      this.#context.security({ kind: 'bad-message', peerId: this.key, reason: error!.name });
    }
    if (this.#session !== channel) {
      return;
    }
    this.#session = undefined;
    // A stream that ended or broke (a reset on a flaky network) is opened again; one cut off
    // for a bad message is not.
    if (!bad) {
      this.#reopenSession();
    }
  }

  /**
   * A session stream that ended or broke while the direct connection is up is opened again by
   * the side that opened it, up to SESSION_REOPENS times; the chat queue is re-sent on the new
   * stream, and media that lost its signalling starts a new generation (attach).
   */
  #reopenSession(): void {
    if (!this.initiator || this.#state !== 'direct' || this.#sessionReopens >= SESSION_REOPENS) {
      return;
    }
    this.#sessionReopens++;
    this.#clearTimer('reopen');
    this.#timers.set(
      'reopen',
      setTimeout(() => {
        this.#timers.delete('reopen');
        if (this.#context.ended() || this.#state !== 'direct' || this.#session !== undefined) {
          return;
        }
        this.#context.openSession(this).then(
          (channel) => this.attach(channel),
          (err: unknown) =>
            this.#context.log('session to %s not reopened: %s', this.key, (err as Error).message)
        );
      }, SESSION_REOPEN_DELAY_MS)
    );
  }

  #closeSession(): void {
    this.#clearTimer('reopen');
    const session = this.#session;
    this.#session = undefined;
    session?.close();
  }

  // ---- media ------------------------------------------------------------------------------------

  /** Hands a media message of the current generation to the media session. */
  onMediaMessage(generation: number, message: MediaIncoming): void {
    // Only the current generation's messages reach the media session: a late signal of a
    // closed one is dropped, and the next one starts only after a MediaClose.
    if (generation !== this.#mediaGeneration) {
      return;
    }
    this.#ensureMedia();
    void this.#media?.receive(message);
  }

  /** The peer closed this generation's media after a failure: both start the next one. */
  onMediaClose(generation: number): void {
    if (generation === this.#mediaGeneration) {
      this.nextMediaGeneration();
    }
  }

  /** What the peer says it sends now. */
  onMediaState({ audio, video, screen }: MediaState): void {
    this.#remoteMedia = { audio, video, screen: screen && video };
    this.#context.changed();
  }

  /** Tells the peer what we send now. */
  async sendMediaState(): Promise<void> {
    const { audio, video, screen } = this.#context.outgoingMedia();
    await this.send({ mediaState: { audio: audio !== null, video: video !== null, screen } });
  }

  /** Swaps what we send on this link's media (replaceTrack: nothing is renegotiated). */
  async setLocalTracks(tracks: LocalTracks): Promise<void> {
    await this.#media
      ?.setLocalTracks(tracks)
      .catch((err: unknown) =>
        this.#context.log('tracks for %s not replaced: %s', this.key, (err as Error).message)
      );
  }

  /** Closes this generation's media session, if any, without a MediaClose. */
  closeMedia(): void {
    const media = this.#media;
    this.#media = undefined;
    this.#stream = undefined;
    this.#safetyWords = undefined;
    media?.close();
  }

  /** Ends this media generation and starts the next, within MAX_MEDIA_REBUILDS. */
  nextMediaGeneration(): void {
    this.closeMedia();
    if (
      this.#mediaRebuilds >= MAX_MEDIA_REBUILDS ||
      this.#mediaGeneration >= MAX_MEDIA_GENERATION
    ) {
      // A pair whose media keeps failing stays without it; chat and the roster go on.
      this.#mediaRefused = true;
      this.#context.changed();
      return;
    }
    this.#mediaRebuilds++;
    this.#mediaGeneration++;
    this.#ensureMedia();
    this.#context.changed();
  }

  /** Creates the media session, once there is a session and a key. */
  #ensureMedia(): void {
    const keys = this.#mediaKeys;
    if (
      this.#media !== undefined ||
      this.#mediaRefused ||
      keys === undefined ||
      // A peer that committed no certificate has no media (a Node peer without WebRTC media).
      this.#remoteFingerprint === '' ||
      this.#session === undefined ||
      this.#context.ended()
    ) {
      return;
    }
    const { audio, video } = this.#context.outgoingMedia();
    const media = this.#context.createMedia({
      remotePeer: this.id,
      helloKey: keys.mediaHello,
      wordsKey: keys.safetyWords,
      remoteFingerprint: this.#remoteFingerprint,
      generation: this.#mediaGeneration,
      tracks: { audio, video },
      send: async (message) => {
        if (this.#session === undefined) {
          throw new AbortedError('no session with this participant');
        }
        await this.#session.send(message);
      }
    });
    if (media === undefined) {
      return;
    }
    this.#media = media;
    media.addEventListener('remote-stream', (event) => {
      this.#stream = event.detail;
      this.#context.changed();
    });
    media.addEventListener('verified', (event) => {
      this.#safetyWords = event.detail;
      this.#context.changed();
    });
    media.addEventListener('close', (event) => this.#onMediaClosed(media, event.detail));
    media.addEventListener('state', (event) =>
      this.#context.log(
        'media with %s, generation %d: %s',
        this.key,
        media.generation,
        event.detail
      )
    );
  }

  #onMediaClosed(media: MediaSession, error: SamenError | null): void {
    // Closed by us (closeMedia) once it is not the current one any more: nothing to do.
    if (this.#media !== media) {
      return;
    }
    if (error?.name === 'MediaFingerprintMismatchError') {
      this.closeMedia();
      this.#mediaRefused = true;
      this.#context.security({ kind: 'media-mismatch', peerId: this.key });
    } else if (error !== null && this.#session !== undefined) {
      // A failure of this generation (a negotiation that went wrong): tell the peer, and both
      // start the next one.
      this.#context.log('media with %s failed: %s', this.key, error.message);
      void this.send({ mediaClose: { generation: media.generation } });
      this.nextMediaGeneration();
    } else {
      this.closeMedia();
    }
    this.#context.changed();
  }

  // ---- chat -------------------------------------------------------------------------------------

  /**
   * Queues a chat message for this participant and sends it if the session is up.
   *
   * @throws {ChatBacklogError} when too many messages wait for it (nothing is queued)
   */
  async sendChat(text: string): Promise<void> {
    const chat = (this.#chat ??= new ChatLink());
    if (chat.full) {
      throw new ChatBacklogError(`too many chat messages wait for ${this.key}`);
    }
    const { link, seq } = chat.send(text);
    await this.send({ chat: { link, seq: BigInt(seq), text } });
  }

  /** Whether a chat message for it would be refused (see sendChat). */
  get chatFull(): boolean {
    return this.#chat?.full ?? false;
  }

  /** A chat message from the peer: acknowledged, and delivered once and in order. */
  onChat(link: bigint, seq: number, text: string): void {
    const { ack, deliver } = (this.#chat ??= new ChatLink()).receive(link, seq, text);
    void this.send({ chatAck: { link, seq: BigInt(ack) } });
    for (const message of deliver) {
      this.#context.chat({
        id: `${this.key}:${message.seq}`,
        from: this.key,
        text: message.text,
        at: Date.now()
      });
    }
  }

  onChatAck(link: bigint, seq: number): void {
    this.#chat?.acknowledge(link, seq);
  }

  // ---- helpers ----------------------------------------------------------------------------------

  #wipeKeys(options: { keepResume?: boolean } = {}): void {
    this.#mediaKeys?.mediaHello.fill(0);
    this.#mediaKeys?.safetyWords.fill(0);
    this.#mediaKeys = undefined;
    if (options.keepResume !== true) {
      this.#resumeKey?.fill(0);
      this.#resumeKey = undefined;
    }
  }

  #clearTimer(name: TimerName): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.delete(name);
  }

  #clearAllTimers(): void {
    for (const timer of this.#timers.values()) {
      clearTimeout(timer);
    }
    this.#timers.clear();
  }
}
