/**
 * Which remote peers of a call have proved that they know the passphrase (and PIN). The call
 * node consults it before it dials a WebRTC address or answers WebRTC signalling, and every
 * Samen protocol beyond admission consults it before it serves a stream.
 */
import type { PeerId } from '@libp2p/interface';
import { Emitter } from './events.ts';

export interface RefusedEventDetail {
  readonly peer: PeerId;
  /** The protocol (or action) that was refused. */
  readonly what: string;
}

/**
 * @example
 * node.admissions.admit(peer)          // after CPace and key confirmation succeeded
 * node.admissions.isAdmitted(peer)     // true
 * node.admissions.addEventListener('refused', (e) => console.warn(e.detail))
 */
export interface PeerAdmissionsEvents {
  refused: CustomEvent<RefusedEventDetail>;
}

export class PeerAdmissions extends Emitter<PeerAdmissionsEvents> {
  readonly #admitted = new Set<string>();

  isAdmitted(peer: PeerId): boolean {
    return this.#admitted.has(peer.toString());
  }

  admit(peer: PeerId): void {
    this.#admitted.add(peer.toString());
  }

  /** Forgets a peer (it left, or its connection was replaced); it must be admitted again. */
  revoke(peer: PeerId): void {
    this.#admitted.delete(peer.toString());
  }

  /** Records that a peer that is not admitted asked for something only admitted peers get. */
  refused(peer: PeerId, what: string): void {
    this.emit('refused', { peer, what });
  }
}
