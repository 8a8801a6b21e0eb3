/**
 * What a call shows the UI and what it takes: snapshots, events and options. Types only, so the
 * UI's `import type` of these never names the heavy modules (libp2p, the mesh) behind them.
 */
import type { ComponentLogger } from '@libp2p/interface';
import type { CallNode } from '../node.ts';
import type { NetworkProfile } from '../network.ts';
import type { MediaKind, PeerConnectionConstructor } from '../media.ts';
import type { MediaCertificate } from '../media-certificate.ts';
import type { MediaPath } from '../media-path.ts';

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
  /**
   * The pair's four safety words as indices into the word lists, the same in every language
   * (safety-words.ts), once both DTLS fingerprints are known and verified.
   */
  readonly safetyWords?: readonly number[];
  /** It is the active speaker: the loudest we hear, above the speech threshold (speaker.ts). */
  readonly speaking?: boolean;
  /**
   * Admitted, but no direct connection opened in time: a network in between blocks it (the
   * Connection panel and an alert say what would help). Cleared once it connects.
   */
  readonly problem?: 'no-direct-path';
}

/** What we send, for `Call.setLocalMedia`: undefined leaves a field as it is. */
export interface LocalMedia {
  /** The microphone track, or null for muted (nothing is sent). */
  readonly audio?: MediaStreamTrack | null;
  /** The camera or screen track, or null for camera off. */
  readonly video?: MediaStreamTrack | null;
  /** Whether `video` is a shared screen (told to the others in MediaState). */
  readonly screen?: boolean;
}

/** What we send now: every field set. */
export interface OutgoingMedia {
  readonly audio: MediaStreamTrack | null;
  readonly video: MediaStreamTrack | null;
  readonly screen: boolean;
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
  /** The call we try to join is locked by its participants: nobody new is let in. */
  | { readonly kind: 'call-locked'; readonly peerId: string }
  /**
   * Too many wrong guesses at the passphrase or PIN lately: new admissions are answered more
   * slowly for a while (protocols/admit/limits.ts). Nobody is locked out.
   */
  | { readonly kind: 'admissions-limited' }
  /** A peer that is not admitted asked for something only admitted peers get. */
  | { readonly kind: 'refused'; readonly peerId: string; readonly what: string }
  /** A participant's session sent something malformed or oversized, and was cut off. */
  | { readonly kind: 'bad-message'; readonly peerId: string; readonly reason: string }
  /**
   * A participant's media certificate is not the one vouched for with the admission key: its
   * media was cut off before any of it was shown (someone may be in the middle).
   */
  | { readonly kind: 'media-mismatch'; readonly peerId: string }
  /**
   * Someone proved the passphrase, but no direct connection to them opens: a network in
   * between blocks it. `turn`: whether the network profile offers a TURN server (if not, one
   * would help; if so, even it could not be reached).
   */
  | { readonly kind: 'no-direct-path'; readonly peerId: string; readonly turn: boolean };

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
  /**
   * Our media certificate (media-certificate.ts); made with the browser's
   * RTCPeerConnection.generateCertificate when not given. Node tests give one, as
   * node-datachannel cannot make one.
   */
  readonly mediaCertificate?: MediaCertificate;
  /** The transceivers of each media session (default audio and video; [] for a polyfill). */
  readonly mediaKinds?: readonly MediaKind[];
  /** How its connections to participants travel (media-path.ts): `auto` by default. */
  readonly mediaPath?: MediaPath;
  /**
   * Where the call logs (namespaces `samen:call:*`, off unless `localStorage.debug` or `DEBUG`
   * asks for them); @libp2p/logger's default logger when undefined.
   */
  readonly logger?: ComponentLogger;
}

/** The events of a `Call`, each a CustomEvent with its detail. */
export interface CallEvents {
  step: CustomEvent<CallStep>;
  participants: CustomEvent<readonly ParticipantSnapshot[]>;
  security: CustomEvent<SecurityEvent>;
  chat: CustomEvent<ChatEntry>;
}
