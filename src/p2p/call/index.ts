/**
 * A call: from a passphrase to a full mesh of admitted, directly connected participants.
 *
 *   passphrase ─argon2id─► room secret ─► rendezvous CIDs ─► DHT: announce + look up
 *                                     └─► CPace PRS (+ PIN) ─► admission over the relay
 *   admitted ─► direct WebRTC connection (libp2p) ─► session: roster, so everyone meets everyone
 *                                                      ├─► media: one MediaSession per participant
 *                                                      └─► chat: ordered, acknowledged
 *
 * This is the facade the UI talks to (DESIGN.md), with its events; the work is done by the mesh
 * (finding, admitting, going direct, reconnecting: mesh.ts), one PeerLink per participant
 * (session, media, chat: peer-link.ts) and the tuning of media (tuning.ts). Everything a call
 * starts hangs off one AbortController: `leave()` ends streams, connections, DHT announcements
 * and the node, and wipes the keys it holds.
 */
import type { ComponentLogger, Logger } from '@libp2p/interface';
import { defaultLogger } from '@libp2p/logger';
import { CALL_MARKS, SESSION_PROTOCOL } from '../constants.ts';
import { checkChatText } from '../chat.ts';
import { AbortedError, ChatBacklogError, SamenError } from '../errors.ts';
import { Emitter } from '../events.ts';
import { deriveRoomSecretOffThread } from '../kdf.ts';
import { admissionSecret, cpacePrs } from '../keys.ts';
import { MediaSession, type PeerConnectionConstructor } from '../media.ts';
import {
  generateMediaCertificate,
  type CertificateFactory,
  type MediaCertificate
} from '../media-certificate.ts';
import { offersTurn } from '../ice-servers.ts';
import { iceConfigFor } from '../media-path.ts';
import { createCallNode, type CallNode } from '../node.ts';
import { Admission } from '../protocols/admit/index.ts';
import { SESSION_MAX_STREAMS } from '../protocols/session/index.ts';
import { Rendezvous } from '../rendezvous.ts';
import type { PathStats } from '../stats.ts';
import { Mesh } from './mesh.ts';
import type { PeerLinkContext } from './peer-link.ts';
import { Tuning } from './tuning.ts';
import type {
  CallEvents,
  CallInit,
  CallStep,
  LocalMedia,
  OutgoingMedia,
  ParticipantSnapshot
} from './types.ts';

export type * from './types.ts';

/** How long Leave waits to tell the others before it closes everything anyway. */
export const BYE_TIMEOUT_MS = 1_000;

/** Where setup is; once `ready`, the step follows the participants. */
type Phase = 'deriving-key' | 'finding-network' | 'ready' | 'ended';

/**
 * @example
 * const call = new Call({ passphrase, pin, network })
 * call.addEventListener('step', (e) => show(e.detail))
 * await call.start({ signal })     // resolves once we are reachable and looking for others
 * // …
 * await call.leave()
 */
export class Call extends Emitter<CallEvents> {
  readonly #init: Omit<CallInit, 'passphrase' | 'pin'>;
  /**
   * The passphrase and PIN, until start() has derived the room secret and the CPace password
   * from them: the call keeps no reference to them after that (a string cannot be wiped, but it
   * need not live as long as the call).
   */
  #secrets: Pick<CallInit, 'passphrase' | 'pin'> | undefined;
  readonly #controller = new AbortController();
  readonly #log: Logger;
  readonly #logger: ComponentLogger;
  #phase: Phase = 'deriving-key';
  #step: CallStep = 'deriving-key';
  #node: CallNode | undefined;
  #admission: Admission | undefined;
  #rendezvous: Rendezvous | undefined;
  #mesh: Mesh | undefined;
  #tuning: Tuning | undefined;
  #roomSecret: Uint8Array | undefined;
  /** The DTLS certificate of our media, committed in every admission; none without WebRTC. */
  #certificate: MediaCertificate | undefined;
  #started = false;
  readonly #marked = new Set<string>();
  #outgoing: OutgoingMedia = { audio: null, video: null, screen: false };
  #chatCount = 0;

  constructor(init: CallInit) {
    super();
    const { passphrase, pin, ...rest } = init;
    this.#init = rest;
    this.#secrets = { passphrase, pin };
    this.#logger = init.logger ?? defaultLogger();
    this.#log = this.#logger.forComponent('samen:call');
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
    const tuning = this.#tuning;
    return (this.#mesh?.links ?? []).map((link) =>
      link.snapshot(tuning?.isSpeaking(link) ?? false)
    );
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
    this.#outgoing = {
      audio: media.audio === undefined ? this.#outgoing.audio : media.audio,
      video: media.video === undefined ? this.#outgoing.video : media.video,
      screen: media.screen ?? this.#outgoing.screen
    };
    const tracks = { audio: media.audio, video: media.video };
    // The others learn of a mute or camera-off at once; replaceTrack may wait behind the peer
    // connection's pending operations (a renegotiation, an ICE restart).
    await Promise.all(
      (this.#mesh?.links ?? []).map((link) =>
        Promise.all([link.sendMediaState(), link.setLocalTracks(tracks)])
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
    const to = (this.#mesh?.links ?? []).filter((link) => link.present);
    const full = to.find((link) => link.chatFull);
    if (full !== undefined) {
      throw new ChatBacklogError(`too many chat messages wait for ${full.key}`);
    }
    const from = this.peerId ?? '';
    this.emit('chat', { id: `${from}:${++this.#chatCount}`, from, text, at: Date.now() });
    await Promise.all(to.map((link) => link.sendChat(text)));
  }

  /**
   * The connection path to a participant, from its media peer connection's stats: direct or
   * relayed, candidate types, RTT, bitrates, fps, resolution, loss. Undefined while there is no
   * media connection with it.
   *
   * @example
   * const path = await call.pathStats(peerId) // { route: 'direct', rttMs: 12, … }
   */
  pathStats(peerId: string): Promise<PathStats | undefined> {
    const link = this.#mesh?.links.find((l) => l.key === peerId);
    return this.#tuning?.pathStats(link) ?? Promise.resolve(undefined);
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
    const { passphrase, pin = '' } = this.#secrets!;
    this.#secrets = undefined;
    const { network, rtcBindAddress } = this.#init;
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
            mediaPath: this.#init.mediaPath
          });
      // Its failure is thrown by the await below; this only keeps it from being unhandled
      // while argon2id runs.
      nodeReady.catch(() => {});
      // The media certificate is made meanwhile too: its fingerprint goes into every admission.
      const certificateReady = this.#makeCertificate();
      certificateReady.catch(() => {});
      const roomSecret = await deriveRoomSecretOffThread(passphrase, { signal });
      this.#mark(CALL_MARKS.kdf);
      this.#roomSecret = roomSecret;
      const admission = admissionSecret(roomSecret);
      const prs = cpacePrs(admission, pin);
      admission.fill(0);

      this.#setPhase('finding-network');
      const node = await nodeReady;
      this.#node = node;
      this.#certificate = await certificateReady;
      signal.throwIfAborted();
      this.#admission = new Admission(
        { libp2p: node.libp2p, admissions: node.admissions },
        {
          prs,
          fingerprint: this.#certificate?.fingerprint ?? '',
          resumeKey: (peer) => this.#mesh?.resumeKey(peer)
        }
      );
      prs.fill(0);
      const mesh = this.#startMesh(node, this.#admission);
      await this.#admission.start();
      await node.libp2p.handle(
        SESSION_PROTOCOL,
        (stream, connection) => mesh.onSessionStream(stream, connection),
        { maxInboundStreams: SESSION_MAX_STREAMS }
      );
      await node.waitForRelay({ signal });
      // Before anyone is met: the media and the WebRTC upgrade then have the TURN login.
      await node.turn.refresh();
      this.#mark(CALL_MARKS.reachable);

      this.#rendezvous = new Rendezvous({ node, roomSecret, signal, now: this.#init.now });
      this.#rendezvous.addEventListener('peer', (event) => {
        this.#mark(CALL_MARKS.found);
        mesh.reach(event.detail.id, event.detail.addresses);
      });
      this.#setPhase('ready');
      this.#startTuning(mesh);
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
    await this.#mesh?.close(BYE_TIMEOUT_MS);
    this.#controller.abort();
    await this.#rendezvous?.stop();
    await this.#admission?.stop();
    await this.#node?.stop();
    this.#roomSecret?.fill(0);
    this.#roomSecret = undefined;
    this.#emitParticipants();
  }

  // ---- parts ------------------------------------------------------------------------------------

  #startMesh(node: CallNode, admission: Admission): Mesh {
    const mesh = new Mesh(
      { node, admission },
      {
        signal: this.#controller.signal,
        log: this.#logger.forComponent('samen:call:mesh'),
        outgoingMedia: () => this.#outgoing,
        createMedia: (init) => this.#createMedia(node, init),
        lookNow: () => this.#rendezvous?.lookNow(),
        mark: (name) => this.#mark(name),
        // "Direct only" leaves the profile's TURN server out (media-path.ts).
        turnAvailable: this.#init.mediaPath !== 'direct' && offersTurn(this.#init.network)
      }
    );
    this.#mesh = mesh;
    const options = { signal: this.#controller.signal };
    mesh.addEventListener('change', () => this.#emitParticipants(), options);
    mesh.addEventListener('security', (event) => this.emit('security', event.detail), options);
    mesh.addEventListener('chat', (event) => this.emit('chat', event.detail), options);
    mesh.start();
    return mesh;
  }

  #startTuning(mesh: Mesh): void {
    this.#tuning = new Tuning({
      direct: () => mesh.direct,
      screen: () => this.#outgoing.screen,
      speakerChanged: () => {
        if (this.#phase !== 'ended') this.#emitParticipants();
      },
      signal: this.#controller.signal,
      log: this.#logger.forComponent('samen:call:tuning')
    });
    this.#tuning.start();
  }

  /** The media peer connections' constructor, where there is one. */
  #rtc(): PeerConnectionConstructor | undefined {
    const RTC = this.#init.RTCPeerConnection ?? globalThis.RTCPeerConnection;
    return typeof RTC === 'function' ? RTC : undefined;
  }

  /**
   * Our media certificate: the one given (Node tests), or a new one from the browser; none
   * where there is no WebRTC for media at all (then we commit no fingerprint, and have no media).
   */
  async #makeCertificate(): Promise<MediaCertificate | undefined> {
    const RTC = this.#rtc();
    if (RTC === undefined) {
      return undefined;
    }
    return this.#init.mediaCertificate ?? generateMediaCertificate(RTC as CertificateFactory);
  }

  /** A media session with a participant, or undefined where there is no WebRTC for media. */
  #createMedia(
    node: CallNode,
    init: Parameters<PeerLinkContext['createMedia']>[0]
  ): MediaSession | undefined {
    const RTC = this.#rtc();
    const certificate = this.#certificate;
    if (RTC === undefined || certificate === undefined) {
      return undefined;
    }
    return new MediaSession({
      localPeer: node.peerId,
      certificate,
      ...init,
      ...iceConfigFor(node.turn.iceServers(), this.#init.mediaPath),
      RTCPeerConnection: RTC,
      kinds: this.#init.mediaKinds
    });
  }

  // ---- state and events -------------------------------------------------------------------------

  #setPhase(phase: Phase): void {
    this.#phase = phase;
    if (phase === 'ended') {
      this.#mesh?.end();
    }
    this.#updateStep();
  }

  #updateStep(): void {
    let step: CallStep;
    if (this.#phase !== 'ready') {
      step = this.#phase;
    } else {
      // A reconnecting participant counts as connecting: someone is being verified.
      const states = (this.#mesh?.links ?? []).map((link) => link.state);
      step = states.includes('direct')
        ? 'connected'
        : states.includes('connecting') || states.includes('admitted')
          ? 'verifying'
          : 'looking';
    }
    if (step !== this.#step) {
      this.#step = step;
      this.#log('step %s', step);
      this.emit('step', step);
    }
  }

  #emitParticipants(): void {
    this.#updateStep();
    this.#tuning?.participantsChanged();
    this.emit('participants', this.participants);
  }

  /** Marks a milestone the first time this call reaches it. */
  #mark(name: string): void {
    if (!this.#marked.has(name)) {
      this.#marked.add(name);
      performance.mark(name);
    }
  }
}
