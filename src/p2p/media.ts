/**
 * Media with one remote participant: one RTCPeerConnection (DTLS-SRTP), signalled over the
 * admitted session stream, and bound to the admission.
 *
 *   admission: each side committed its media certificate's fingerprint in CPace's associated
 *              data, before the session key existed (media-certificate.ts, protocols/admit)
 *   both: MediaHello { generation, fingerprint,
 *                      mac = HMAC(hello key, "samen/v2 dtls" ‖ peer ID ‖ generation ‖ fp) }
 *         (sent once, before the sender's first description; its fingerprint must be the
 *         committed one, and it must come within MEDIA_HELLO_DEADLINE_MS)
 *   impolite: addTransceiver(audio), addTransceiver(video) ─► offer ─► polite adopts both as
 *             sendrecv ─► answer; camera on/off, device switch, screen share: replaceTrack only
 *   every remote description: its a=fingerprint must equal the committed one, else the
 *             session closes with MediaFingerprintMismatchError before any remote media is shown
 *
 * Negotiation follows the W3C "perfect negotiation" pattern (webrtc-pc §10.7, and the
 * webrtc/samples page): `makingOffer`, `ignoreOffer`, `isSettingRemoteAnswerPending`,
 * `setLocalDescription()` without arguments (rollback is implicit on the polite side). The polite
 * side is the one with the lower peer ID string, so both agree without a message. ICE candidates
 * that arrive before the remote description are queued and added after it.
 *
 * The browser's DTLS handshake checks the remote certificate against the SDP's a=fingerprint
 * (RFC 8122 §5, JSEP §5.8); with the check here against the committed fingerprint, the media is
 * bound to the peer that proved the passphrase in CPace. The fingerprints also feed the safety
 * words, with their own subkey (session-keys.ts): the hello's MAC key is another.
 *
 * A session is one generation of the pair's media: if it fails, the call closes it, tells the
 * peer (MediaClose) and both start the next generation with a new RTCPeerConnection (and the
 * same certificate). Every message carries its generation, and the hello's MAC covers it.
 */
import type { PeerId } from '@libp2p/interface';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { equalBytes, lvCat, wireBytes } from './bytes.ts';
import { Emitter } from './events.ts';
import type { MediaCertificate } from './media-certificate.ts';
import {
  MalformedMessageError,
  MediaFingerprintMismatchError,
  MediaNegotiationError,
  ProtocolTimeoutError,
  SamenError
} from './errors.ts';
import {
  MEDIA_FINGERPRINT_PATTERN,
  type MediaDescription,
  type MediaHello,
  type MediaSignal
} from './protocols/session/index.ts';
import { normaliseFingerprint, safetyWords } from './safety-words.ts';

export type MediaKind = 'audio' | 'video';

/** The RTCPeerConnection constructor: the browser's, or a polyfill in Node tests. */
export type PeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/** A media message for the peer, in the shape of a session message body. */
export type MediaOutgoing =
  { readonly mediaHello: MediaHello } | { readonly mediaSignal: MediaSignal };

/** The largest media generation: a pair that rebuilt its media this often has a broken peer. */
export const MAX_MEDIA_GENERATION = 2 ** 32 - 1;

/** A media message from the peer. */
export interface MediaIncoming {
  readonly mediaHello?: MediaHello;
  readonly mediaSignal?: MediaSignal;
}

export interface LocalTracks {
  /** The microphone track; null sends nothing (muted). Undefined leaves it as it is. */
  readonly audio?: MediaStreamTrack | null;
  /** The camera or screen track; null sends nothing. Undefined leaves it as it is. */
  readonly video?: MediaStreamTrack | null;
}

export interface MediaSessionInit {
  readonly localPeer: PeerId;
  readonly remotePeer: PeerId;
  /** The MAC key of the pair's MediaHello messages (session-keys.ts); copied, wiped on close. */
  readonly helloKey: Uint8Array;
  /** The key of the pair's safety words (session-keys.ts); copied, wiped on close. */
  readonly wordsKey: Uint8Array;
  /** Our media certificate: its fingerprint was committed in the admission. */
  readonly certificate: MediaCertificate;
  /** The fingerprint the peer committed in the admission: its media must show exactly this. */
  readonly remoteFingerprint: string;
  /** Which of the pair's media sessions this is, 0 first (see the module comment). */
  readonly generation?: number;
  /** STUN/TURN servers, from the network profile. */
  readonly iceServers?: readonly RTCIceServer[];
  /** `relay`: only TURN relay candidates (the user hides their IP); default `all`. */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** Sends one message to the peer over the session; failures are the session's business. */
  readonly send: (message: MediaOutgoing) => Promise<void>;
  /** Defaults to `globalThis.RTCPeerConnection`. */
  readonly RTCPeerConnection?: PeerConnectionConstructor;
  /**
   * The transceivers the impolite side creates: audio and video by default. Empty only where
   * the RTCPeerConnection has no media (Node tests with node-datachannel).
   */
  readonly kinds?: readonly MediaKind[];
  readonly tracks?: LocalTracks;
}

export interface MediaSessionEvents {
  /** Remote media arrived (a new track on the one remote stream), after verification. */
  'remote-stream': CustomEvent<MediaStream>;
  /** Both fingerprints are known and the peer's is verified: the pair's safety words (indices). */
  verified: CustomEvent<readonly number[]>;
  /** The peer connection's connectionState changed. */
  state: CustomEvent<RTCPeerConnectionState>;
  /** The session closed; `detail` is the typed error when it closed badly, else null. */
  close: CustomEvent<SamenError | null>;
}

const DTLS_LABEL = utf8ToBytes('samen/v2 dtls');

/**
 * A media session that has not had the peer's MediaHello this long after it began is closed
 * (and the pair starts the next generation): a hello that comes later is refused with it. An
 * honest peer sends its hello with its first description, a round trip after the session.
 */
export const MEDIA_HELLO_DEADLINE_MS = 20_000;

/**
 * A media connection that failed and is not connected again this long after is closed (and the
 * pair starts the next generation). Only the impolite side restarts ICE, and its restart offer
 * may be lost with the session it went on, or its own connection may not have failed at all:
 * without this deadline the polite side would wait on a restart that never comes.
 */
export const MEDIA_RECOVERY_DEADLINE_MS = 8_000;

/**
 * The MAC of a MediaHello: HMAC-SHA-256(hello key, lv_cat("samen/v2 dtls", peer ID bytes,
 * generation, fingerprint)), with the pair's MediaHello subkey (session-keys.ts), the sender's
 * peer ID (its multihash bytes), the generation as 4 bytes big-endian, and the fingerprint as
 * sent.
 */
export function mediaHelloMac(
  helloKey: Uint8Array,
  sender: PeerId,
  generation: number,
  fingerprint: string
): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(generation) || generation < 0 || generation > MAX_MEDIA_GENERATION) {
    throw new RangeError(`media: generation ${generation} is out of range`);
  }
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, generation);
  return wireBytes(
    hmac(
      sha256,
      helloKey,
      lvCat(DTLS_LABEL, sender.toMultihash().bytes, counter, utf8ToBytes(fingerprint))
    )
  );
}

/**
 * The certificate fingerprint of an SDP (RFC 8122 §5), normalised; undefined when it has none,
 * or has several that differ, or one that is not SHA-256 (what every browser uses).
 */
export function sdpFingerprint(sdp: string): string | undefined {
  const values = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('a=fingerprint:')) {
      const value = line.slice('a=fingerprint:'.length).trim();
      const normalised = normaliseFingerprint(value);
      // Exactly "sha-256 XX:…:XX" (any case): a line with anything more is not a fingerprint.
      const valid = value.split(/\s+/).length === 2 && MEDIA_FINGERPRINT_PATTERN.test(normalised);
      values.add(valid ? normalised : `invalid ${value}`);
    }
  }
  const [only] = values;
  return values.size === 1 && only!.startsWith('sha-256 ') ? only : undefined;
}

/**
 * @example
 * const media = new MediaSession({ localPeer, remotePeer, sessionKey, iceServers, send })
 * media.addEventListener('remote-stream', (e) => (video.srcObject = e.detail))
 * media.addEventListener('verified', (e) => showSafetyWords(e.detail))
 * session.addEventListener('message', (e) => media.receive(e.detail))
 * await media.setLocalTracks({ audio: mic, video: camera })
 * media.close()
 */
export class MediaSession extends Emitter<MediaSessionEvents> {
  readonly polite: boolean;
  readonly generation: number;
  readonly #init: MediaSessionInit;
  readonly #pc: RTCPeerConnection;
  readonly #controller = new AbortController();
  readonly #helloKey: Uint8Array;
  readonly #wordsKey: Uint8Array;
  #helloDeadline: ReturnType<typeof setTimeout> | undefined;
  /** Runs from a 'failed' connection state until it is 'connected' again (or the deadline). */
  #recoveryDeadline: ReturnType<typeof setTimeout> | undefined;
  readonly #transceivers = new Map<MediaKind, RTCRtpTransceiver>();
  readonly #tracks = new Map<MediaKind, MediaStreamTrack | null>();
  /** Incoming messages, handled one at a time and in order. */
  #queue: Promise<void> = Promise.resolve();
  /** Candidates that came before the remote description. */
  #early: RTCIceCandidateInit[] = [];
  #makingOffer = false;
  #ignoreOffer = false;
  #isSettingRemoteAnswerPending = false;
  #helloSent = false;
  /** Our fingerprint, once our own SDP showed it is the committed one. */
  #localFingerprint: string | undefined;
  /** The peer's committed fingerprint, once its MediaHello confirmed it under the MAC. */
  #remoteFingerprint: string | undefined;
  /** A remote description has been checked against the MediaHello and applied. */
  #remoteChecked = false;
  #safetyWords: readonly number[] | undefined;
  #remoteStream: MediaStream | undefined;
  #closed = false;

  constructor(init: MediaSessionInit) {
    super();
    this.#init = init;
    this.#helloKey = Uint8Array.from(init.helloKey);
    this.#wordsKey = Uint8Array.from(init.wordsKey);
    this.generation = init.generation ?? 0;
    this.polite = init.localPeer.toString() < init.remotePeer.toString();
    const Constructor = init.RTCPeerConnection ?? globalThis.RTCPeerConnection;
    this.#pc = new Constructor({
      iceServers: [...(init.iceServers ?? [])],
      iceTransportPolicy: init.iceTransportPolicy ?? 'all',
      // Exactly the certificate whose fingerprint the admission committed (media-certificate.ts).
      ...init.certificate.configuration
    } as RTCConfiguration);
    this.#helloDeadline = setTimeout(() => {
      if (this.#remoteFingerprint === undefined) {
        this.close(new ProtocolTimeoutError('no media hello from the peer in time'));
      }
    }, MEDIA_HELLO_DEADLINE_MS);
    for (const [kind, track] of Object.entries(init.tracks ?? {})) {
      this.#tracks.set(kind as MediaKind, track ?? null);
    }
    const options = { signal: this.#controller.signal };
    const pc = this.#pc;
    pc.addEventListener('negotiationneeded', () => void this.#negotiate(), options);
    pc.addEventListener('icecandidate', (event) => this.#onIceCandidate(event), options);
    pc.addEventListener('track', (event) => this.#onTrack(event), options);
    pc.addEventListener('connectionstatechange', () => this.#onConnectionState(), options);
    if (!this.polite) {
      // One side creates the transceivers, so there is never a pair of each (an offer's m-lines
      // are not matched to transceivers made by addTransceiver on the other side: webrtc-pc
      // §4.4.1.6); the polite side adopts the ones the offer brings.
      for (const kind of init.kinds ?? ['audio', 'video']) {
        const transceiver = pc.addTransceiver(kind, { direction: 'sendrecv' });
        this.#transceivers.set(kind, transceiver);
        void this.#apply(kind);
      }
    }
  }

  /** The peer connection (for diagnostics and tests). */
  get peerConnection(): RTCPeerConnection {
    return this.#pc;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The remote media, once a verified remote description brought a track. */
  get remoteStream(): MediaStream | undefined {
    return this.#remoteStream;
  }

  /**
   * The pair's safety words, as indices into the word lists (safety-words.ts), once both
   * fingerprints are known and the peer's is verified.
   */
  get safetyWords(): readonly number[] | undefined {
    return this.#safetyWords;
  }

  get localFingerprint(): string | undefined {
    return this.#localFingerprint;
  }

  /** The peer's fingerprint from its verified MediaHello. */
  get remoteFingerprint(): string | undefined {
    return this.#remoteFingerprint;
  }

  /**
   * Sets what we send: replaceTrack on the existing transceivers, so that camera on/off, a
   * device switch or a screen share never renegotiate. A track for a kind whose transceiver
   * does not exist yet (the polite side before the first offer) is applied when it does.
   */
  async setLocalTracks(tracks: LocalTracks): Promise<void> {
    const changed: MediaKind[] = [];
    for (const kind of ['audio', 'video'] as const) {
      const track = tracks[kind];
      if (track !== undefined) {
        this.#tracks.set(kind, track);
        changed.push(kind);
      }
    }
    await Promise.all(changed.map((kind) => this.#apply(kind)));
  }

  /** Takes a media message from the peer; messages are handled in the order they came. */
  receive(message: MediaIncoming): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      if (this.#closed) {
        return;
      }
      try {
        if (message.mediaHello !== undefined) {
          this.#onHello(message.mediaHello);
        } else if (message.mediaSignal?.description !== undefined) {
          await this.#onDescription(message.mediaSignal.description);
        } else if (message.mediaSignal?.candidate !== undefined) {
          await this.#onCandidate(message.mediaSignal.candidate);
        }
      } catch (err) {
        this.close(
          err instanceof SamenError
            ? err
            : new MediaNegotiationError('a media signal failed', { cause: err })
        );
      }
    });
    return this.#queue;
  }

  /**
   * Restarts ICE (after the network changed). Only the impolite side does it, so two restarts
   * never cross; the polite side's connection recovers with the impolite side's new offer, or
   * else with the next generation (MEDIA_RECOVERY_DEADLINE_MS).
   */
  restartIce(): void {
    if (!this.#closed && !this.polite) {
      this.#pc.restartIce();
    }
  }

  /** Closes the peer connection and wipes the key (with `error` when it ended badly). Idempotent. */
  close(error?: SamenError): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#controller.abort();
    clearTimeout(this.#helloDeadline);
    clearTimeout(this.#recoveryDeadline);
    this.#pc.close();
    this.#helloKey.fill(0);
    this.#wordsKey.fill(0);
    this.#early = [];
    this.emit('close', error ?? null);
  }

  // ---- negotiation ------------------------------------------------------------------------------

  async #negotiate(): Promise<void> {
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      await this.#sendLocalDescription();
    } catch (err) {
      this.close(new MediaNegotiationError('could not make an offer', { cause: err }));
    } finally {
      this.#makingOffer = false;
    }
  }

  async #onDescription({ type, sdp }: MediaDescription): Promise<void> {
    const pc = this.#pc;
    if (type !== 'offer' && type !== 'answer') {
      throw new MalformedMessageError('a media description of an unknown type');
    }
    const description: RTCSessionDescriptionInit = { type, sdp };
    checkMediaSections(sdp);
    // The binding to the admission comes first: nothing of a description that carries another
    // certificate reaches the peer connection.
    this.#checkRemoteFingerprint(description.sdp ?? '');
    this.#remoteChecked = true;
    const readyForOffer =
      !this.#makingOffer && (pc.signalingState === 'stable' || this.#isSettingRemoteAnswerPending);
    const offerCollision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.polite && offerCollision;
    if (this.#ignoreOffer) {
      return;
    }
    this.#isSettingRemoteAnswerPending = description.type === 'answer';
    try {
      await pc.setRemoteDescription(description);
    } finally {
      this.#isSettingRemoteAnswerPending = false;
    }
    await this.#addEarlyCandidates();
    if (description.type === 'offer') {
      this.#adoptTransceivers();
      await pc.setLocalDescription();
      await this.#sendLocalDescription();
    }
    this.#maybeVerified();
  }

  async #onCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!hasDescription(this.#pc.remoteDescription)) {
      if (this.#early.length >= MAX_EARLY_CANDIDATES) {
        throw new MalformedMessageError('too many ICE candidates before a description');
      }
      this.#early.push(candidate);
      return;
    }
    try {
      await this.#pc.addIceCandidate(candidate);
    } catch {
      // A candidate of an offer we ignored, or of a generation an ICE restart replaced, does
      // not apply; one bad candidate is no reason to drop the media (ICE uses the others).
    }
  }

  async #addEarlyCandidates(): Promise<void> {
    const early = this.#early;
    this.#early = [];
    for (const candidate of early) {
      await this.#onCandidate(candidate);
    }
  }

  async #sendLocalDescription(): Promise<void> {
    const local = this.#pc.localDescription;
    if (this.#closed || !hasDescription(local)) {
      return;
    }
    if (!this.#helloSent) {
      const fingerprint = sdpFingerprint(local.sdp);
      if (fingerprint !== this.#init.certificate.fingerprint) {
        // The browser did not take our certificate: the peer would refuse this DTLS anyway.
        throw new MediaNegotiationError('our own SDP does not show the committed certificate');
      }
      this.#localFingerprint = fingerprint;
      this.#helloSent = true;
      const { generation } = this;
      const mac = mediaHelloMac(this.#helloKey, this.#init.localPeer, generation, fingerprint);
      await this.#send({ mediaHello: { generation, fingerprint, mac } });
    }
    await this.#send({
      mediaSignal: {
        generation: this.generation,
        description: { type: local.type, sdp: local.sdp }
      }
    });
    this.#maybeVerified();
  }

  #onIceCandidate(event: RTCPeerConnectionIceEvent): void {
    const candidate = event.candidate;
    // A null candidate (or an empty one) marks the end of gathering; the peer needs nothing.
    if (candidate === null || candidate.candidate === '') {
      return;
    }
    void this.#send({
      mediaSignal: {
        generation: this.generation,
        candidate: {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid ?? undefined,
          sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
          usernameFragment: candidate.usernameFragment ?? undefined
        }
      }
    });
  }

  async #send(message: MediaOutgoing): Promise<void> {
    if (!this.#closed) {
      await this.#init.send(message).catch(() => {});
    }
  }

  #onConnectionState(): void {
    const state = this.#pc.connectionState;
    this.emit('state', state);
    if (state === 'connected') {
      clearTimeout(this.#recoveryDeadline);
      this.#recoveryDeadline = undefined;
    } else if (state === 'failed') {
      this.#recoveryDeadline ??= setTimeout(() => {
        if (this.#pc.connectionState !== 'connected') {
          this.close(new ProtocolTimeoutError('the media connection failed and did not recover'));
        }
      }, MEDIA_RECOVERY_DEADLINE_MS);
      this.restartIce();
    }
  }

  // ---- the binding to the admission -----------------------------------------------------------

  #onHello({ fingerprint, mac }: MediaHello): void {
    // The call hands us only this generation's messages; the MAC covers the generation anyway.
    const expected = mediaHelloMac(
      this.#helloKey,
      this.#init.remotePeer,
      this.generation,
      fingerprint
    );
    if (!equalBytes(expected, mac)) {
      throw new MediaFingerprintMismatchError('the media hello MAC did not verify');
    }
    // The certificate was committed in the admission, before the session key existed: a hello
    // for any other one is someone trying certificates until the safety words match.
    const normalised = normaliseFingerprint(fingerprint);
    if (normalised !== normaliseFingerprint(this.#init.remoteFingerprint)) {
      throw new MediaFingerprintMismatchError('a media hello for another certificate');
    }
    if (this.#remoteFingerprint !== undefined) {
      throw new MalformedMessageError('a second media hello in one media session');
    }
    this.#remoteFingerprint = normalised;
  }

  #checkRemoteFingerprint(sdp: string): void {
    if (this.#remoteFingerprint === undefined) {
      throw new MediaFingerprintMismatchError('a media description before the media hello');
    }
    if (sdpFingerprint(sdp) !== this.#remoteFingerprint) {
      throw new MediaFingerprintMismatchError(
        'the media description carries another certificate fingerprint'
      );
    }
  }

  #maybeVerified(): void {
    const local = this.#localFingerprint;
    const remote = this.#remoteFingerprint;
    if (this.#safetyWords !== undefined || this.#closed || !this.#remoteChecked) {
      return;
    }
    if (local !== undefined && remote !== undefined) {
      this.#safetyWords = Object.freeze(safetyWords(this.#wordsKey, local, remote));
      this.emit('verified', this.#safetyWords);
    }
  }

  // ---- tracks -----------------------------------------------------------------------------------

  /** The polite side takes the transceivers the impolite side's offer created, as sendrecv. */
  #adoptTransceivers(): void {
    if (!this.polite) {
      return;
    }
    for (const transceiver of this.#pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind as MediaKind;
      if (
        (kind === 'audio' || kind === 'video') &&
        !this.#transceivers.has(kind) &&
        transceiver.mid !== null &&
        transceiver.currentDirection !== 'stopped'
      ) {
        transceiver.direction = 'sendrecv';
        this.#transceivers.set(kind, transceiver);
        void this.#apply(kind);
      }
    }
  }

  async #apply(kind: MediaKind): Promise<void> {
    const transceiver = this.#transceivers.get(kind);
    const track = this.#tracks.get(kind);
    if (transceiver === undefined || track === undefined || this.#closed) {
      return;
    }
    // replaceTrack never renegotiates between tracks of the same kind (webrtc-pc §5.2).
    await transceiver.sender.replaceTrack(track);
  }

  #onTrack(event: RTCTrackEvent): void {
    // Tracks come only from a description whose fingerprint was checked (#onDescription).
    if (!this.#remoteChecked || this.#closed) {
      return;
    }
    const stream = (this.#remoteStream ??= new MediaStream());
    if (!stream.getTracks().includes(event.track)) {
      stream.addTrack(event.track);
    }
    this.emit('remote-stream', stream);
  }
}

function hasDescription(
  description: RTCSessionDescription | null
): description is RTCSessionDescription {
  // node-datachannel returns an empty description rather than null.
  return description !== null && description.sdp !== '' && description.type !== undefined;
}

/** ICE candidates held until the first remote description; a peer that sends more is hostile. */
export const MAX_EARLY_CANDIDATES = 64;

/**
 * What a call's description may carry: an audio and a video section, and a data section (for
 * tests that negotiate with data channels only). Anything more is a peer trying to make us
 * open decoders or ports without limit.
 */
const ALLOWED_SECTIONS: Readonly<Record<string, number>> = { audio: 1, video: 1, application: 1 };

function checkMediaSections(sdp: string): void {
  const seen = new Map<string, number>();
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.startsWith('m=')) {
      continue;
    }
    const kind = line.slice(2).split(' ', 1)[0] ?? '';
    const count = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, count);
    if (count > (ALLOWED_SECTIONS[kind] ?? 0)) {
      throw new MalformedMessageError(`a media description with ${count} ${kind} sections`);
    }
  }
}
