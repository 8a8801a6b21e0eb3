/**
 * The mesh of a call: every participant found (on the DHT or in a roster) is dialled through
 * its relay, admitted (CPace), upgraded to a direct WebRTC connection and given a session; one
 * whose direct connection drops is found and admitted again.
 *
 *   found ─dial relay─► connecting ─admit─► admitted ─WebRTC upgrade─► direct ─session─► …
 *
 * Each participant is a PeerLink (peer-link.ts); the mesh moves it from state to state, and is
 * its context for what reaches beyond one participant.
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { Circuit, WebRTC } from '@multiformats/multiaddr-matcher';
import { CALL_MARKS } from '../constants.ts';
import { remember } from '../bounded.ts';
import { AbortedError, AdmissionRateLimitedError, ProtocolTimeoutError } from '../errors.ts';
import { errorText, isAdmissionFailure } from '../errors.ts';
import { Emitter } from '../events.ts';
import type { CallNode, CallLibp2p } from '../node.ts';
import type {
  Admission,
  AdmittedEventDetail,
  FailedEventDetail
} from '../protocols/admit/index.ts';
import { SessionChannel, type RosterEntry } from '../protocols/session/index.ts';
import { dialableRelayAddresses } from '../rendezvous.ts';
import { rosterAddress, rosterPeerId } from './handlers.ts';
import { PeerLink, type PeerLinkContext } from './peer-link.ts';
import { dialRelayed, webrtcAddressOf } from './relayed-dial.ts';
import type { ChatEntry, OutgoingMedia, SecurityEvent } from './types.ts';

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
export const REDIAL_DELAYS_MS: readonly number[] = [2_000, 5_000, 15_000, 30_000];

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
 * The side that waits to be dialled after a drop (the higher peer ID) dials too after this long:
 * its own relayed address may be the one that went away.
 */
export const WAITING_SIDE_DIALS_AFTER_MS = 8_000;

/** How long a closed direct connection's last messages (a goodbye) have to be read. */
export const CLOSE_GRACE_MS = 1_000;

/**
 * Peers dialled and admitted at once. Provider records and rosters can name many; a few at a
 * time keep a planted record from costing many admission runs at once (the rest wait).
 */
export const MAX_CONCURRENT_DIALS = 3;

/** Peers waiting for a dial slot; more are dropped (they are found again on the next lookup). */
export const MAX_WAITING_DIALS = 32;

/** Peers remembered as unreachable or failed: a stranger cannot grow these without end. */
export const MAX_REMEMBERED_PEERS = 256;

/**
 * A participant admitted this long ago with no direct connection yet: say so, with what would
 * help (its or our network blocks direct connections). The upgrade goes on trying meanwhile.
 * On loopback it takes 110–200 ms; through a home router with STUN about a second, through TURN
 * a few. Admission itself takes about 5 s in the lab (tests/lab/call.test.ts), so people hear
 * within 20 s of Join that nothing gets through.
 */
export const DIRECT_PATH_DEADLINE_MS = 10_000;

/** What the mesh uses of libp2p: narrow, so that its unit tests can stand in for it. */
export type MeshLibp2p = Pick<
  CallLibp2p,
  'dial' | 'getConnections' | 'hangUp' | 'peerStore' | 'addEventListener'
>;

export interface MeshComponents {
  readonly node: Pick<CallNode, 'peerId' | 'admissions' | 'isTrustedRelay'> & {
    readonly libp2p: MeshLibp2p;
  };
  readonly admission: Pick<Admission, 'admit' | 'waitFor' | 'addEventListener'>;
}

export interface MeshInit {
  /** The call's signal: every dial and stream of the mesh ends with it. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  outgoingMedia(): OutgoingMedia;
  createMedia: PeerLinkContext['createMedia'];
  /** Asks the DHT again now (a participant is reconnecting). */
  lookNow(): void;
  /** Marks a milestone of the call (CALL_MARKS). */
  mark(name: string): void;
  /** Whether the network profile has a TURN server (said when no direct path opens). */
  readonly turnAvailable: boolean;
}

export interface MeshEvents {
  /** Something the UI shows of the participants changed. */
  change: CustomEvent<undefined>;
  security: CustomEvent<SecurityEvent>;
  chat: CustomEvent<ChatEntry>;
}

/**
 * @example
 * const mesh = new Mesh({ node, admission }, { signal, log, outgoingMedia, createMedia, … })
 * mesh.start()
 * rendezvous.addEventListener('peer', (e) => mesh.reach(e.detail.id, e.detail.addresses))
 */
export class Mesh extends Emitter<MeshEvents> {
  readonly #components: MeshComponents;
  readonly #init: MeshInit;
  readonly #links = new Map<string, PeerLink>();
  /** Peers being dialled now, peers waiting for a dial slot, and peers that could not be
   * reached (with when to retry). */
  readonly #dialling = new Set<string>();
  readonly #waiting = new Map<string, { id: PeerId; addresses: readonly Multiaddr[] }>();
  readonly #unreachable = new Map<string, { misses: number; retryAt: number }>();
  /**
   * Peers whose admission failed (either way): a wrong PIN does not fix itself, so they are
   * not tried again in this call. They may still try us; admission counts and blocks them.
   */
  readonly #failed = new Map<string, true>();
  /** Aborted when the browser says the network is back: reconnect dials hung on it restart. */
  #online = new AbortController();
  #ended = false;
  readonly #context: PeerLinkContext;

  constructor(components: MeshComponents, init: MeshInit) {
    super();
    this.#components = components;
    this.#init = init;
    this.#context = {
      localPeer: components.node.peerId,
      log: init.log,
      ended: () => this.#ended,
      outgoingMedia: () => init.outgoingMedia(),
      createMedia: (media) => init.createMedia(media),
      changed: () => this.#changed(),
      security: (event) => this.#security(event),
      chat: (entry) => this.emit('chat', entry),
      roster: (_link, peers) => this.#onRoster(peers),
      bye: (link) => {
        this.#markLeft(link);
        void this.#components.node.libp2p
          .hangUp(link.id)
          .catch((err: unknown) => this.#log('no hang-up with %s: %s', link.key, errorText(err)));
      },
      sessionAttached: () => void this.broadcastRoster(),
      openSession: (link) => this.#openSession(link)
    };
  }

  /** Every participant we know, in the order we met them. */
  get links(): readonly PeerLink[] {
    return [...this.#links.values()];
  }

  /** The participants connected directly. */
  get direct(): readonly PeerLink[] {
    return this.links.filter((link) => link.state === 'direct');
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Listens to admission and the node's connections, until the call's signal aborts. */
  start(): void {
    const { node, admission } = this.#components;
    const options = { signal: this.#init.signal };
    admission.addEventListener('admitted', (event) => this.#onAdmitted(event.detail), options);
    admission.addEventListener('failed', (event) => this.#onAdmissionFailed(event.detail), options);
    admission.addEventListener(
      'limited',
      (event) => {
        // We refuse guesses for a while because of the call-wide rate: worth saying once. Our own
        // runs that wait, and one peer's backoff, are nothing the people in the call must know.
        if (event.detail.direction === 'responder' && event.detail.reason === 'call-rate') {
          this.#security({ kind: 'admissions-limited' });
        }
      },
      options
    );
    node.admissions.addEventListener(
      'refused',
      (event) => {
        const { peer, what } = event.detail;
        // Someone who was in the call and is being admitted again after a drop asks a moment
        // early (its old connection's last streams): refused all the same, but no intruder.
        if (!this.#links.has(peer.toString())) {
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

  /** The call is ending: nothing new starts (goodbyes may still go out). */
  end(): void {
    this.#ended = true;
  }

  /** Says goodbye to everyone, within `timeoutMs`, and closes every link. */
  async close(timeoutMs: number): Promise<void> {
    this.#ended = true;
    await Promise.allSettled(
      this.links.map(async (link) => {
        link.closeMedia();
        await link.sayGoodbye(AbortSignal.timeout(timeoutMs));
        link.close();
      })
    );
  }

  /** The session protocol's handler: a participant opened its session with us. */
  onSessionStream(stream: Stream, connection: Connection): void {
    const link = this.#links.get(connection.remotePeer.toString());
    if (link === undefined || this.#ended) {
      stream.abort(new AbortedError('no such participant'));
      return;
    }
    link.attach(new SessionChannel(stream, connection.remotePeer, { received: link.received }));
  }

  // ---- finding and admitting --------------------------------------------------------------------

  /**
   * Connects to a peer found on the DHT or in a roster, and admits it. A peer appears in the
   * participant list only once its relayed connection is up: provider records outlive the
   * people who made them, and someone who left an hour ago is not "connecting".
   */
  reach(id: PeerId, addresses: readonly Multiaddr[]): void {
    const { node, admission } = this.#components;
    const key = id.toString();
    // A peer that guessed wrong waits out its backoff before we run with it again.
    if (id.equals(node.peerId) || this.#ended || admission.waitFor(id) > 0) {
      return;
    }
    const known = this.#links.get(key);
    const settled = known !== undefined && known.state !== 'left' && !known.reconnecting;
    if (settled || this.#failed.has(key)) {
      return;
    }
    if (known?.reconnecting === true && !this.#redials(known)) {
      return;
    }
    const unreachable = this.#unreachable.get(key);
    if (
      this.#dialling.has(key) ||
      (unreachable !== undefined && Date.now() < unreachable.retryAt)
    ) {
      return;
    }
    if (this.#dialling.size >= MAX_CONCURRENT_DIALS) {
      if (this.#waiting.has(key) || this.#waiting.size < MAX_WAITING_DIALS) {
        this.#waiting.set(key, { id, addresses });
      }
      return;
    }
    this.#waiting.delete(key);
    this.#dialling.add(key);
    void this.#dialAndAdmit(id, addresses).finally(() => {
      this.#dialling.delete(key);
      this.#dialNext();
    });
  }

  /** A dial slot came free: the next waiting peer takes it. */
  #dialNext(): void {
    const next = this.#waiting.values().next();
    if (next.done !== true) {
      this.#waiting.delete(next.value.id.toString());
      this.reach(next.value.id, next.value.addresses);
    }
  }

  async #dialAndAdmit(id: PeerId, addresses: readonly Multiaddr[]): Promise<void> {
    const { node, admission } = this.#components;
    const signal = this.#init.signal;
    const key = id.toString();
    const reconnecting = this.#links.get(key)?.reconnecting === true;
    let connection: Connection;
    try {
      connection = await dialRelayed(
        node.libp2p,
        id,
        addresses,
        AbortSignal.any([
          signal,
          ...(reconnecting
            ? [this.#online.signal, AbortSignal.timeout(RECONNECT_DIAL_TIMEOUT_MS)]
            : [AbortSignal.timeout(RELAY_DIAL_TIMEOUT_MS)])
        ])
      );
    } catch (err) {
      // A stale record, or a relay that is gone: try again later, if it is found again.
      this.#log('%s unreachable: %s', key, errorText(err));
      const misses = this.#unreachable.get(key)?.misses ?? 0;
      const retryAt = Date.now() + (REDIAL_DELAYS_MS[misses] ?? REDIAL_DELAYS_MS.at(-1)!);
      remember(this.#unreachable, key, { misses: misses + 1, retryAt }, MAX_REMEMBERED_PEERS);
      return;
    }
    this.#unreachable.delete(key);
    // The peer may have failed admission with us (as initiator) while we were dialling it, or
    // admitted us by its own run: then that run settled the pair, and a second one would only
    // be cut off when the WebRTC upgrade closes this relayed connection, and counted as failed.
    if (signal.aborted || this.#failed.has(key) || node.admissions.isAdmitted(id)) {
      return;
    }
    const link = this.#link(id, { initiator: true, addresses });
    link.dialling(addresses);
    this.#changed();
    try {
      // Someone who was in the call comes back with its resume ticket: no new guess.
      const outcome = await admission.admit(connection, { signal, resume: link.reconnecting });
      if (outcome.kind === 'duplicate') {
        // The peer's own admission of us goes on; its `admitted` event continues from there.
        link.initiator = false;
        return;
      }
      await this.#goDirect(link);
    } catch (err) {
      if (signal.aborted || link.state !== 'connecting') {
        return;
      }
      this.#log('admission of %s ended: %s', key, errorText(err));
      if (err instanceof ProtocolTimeoutError && !connection.direct) {
        // A relayed connection that died unseen (dialRelayed reuses open ones): dial anew.
        connection.abort(err);
      }
      if (err instanceof AdmissionRateLimitedError) {
        // Not a verdict on the peer: try again once the limit allows (found again, or by the
        // reconnect timer), and list nobody meanwhile.
        const retryAt = Date.now() + err.retryAfterMs;
        remember(this.#unreachable, key, { misses: 0, retryAt }, MAX_REMEMBERED_PEERS);
      }
      if ((err as Error).name === 'CallLockedError') {
        this.#security({ kind: 'call-locked', peerId: key });
      }
      const failed = isAdmissionFailure(err);
      if (failed) {
        remember(this.#failed, key, true, MAX_REMEMBERED_PEERS);
      }
      if (!link.reconnecting) {
        this.#links.delete(key);
        this.#changed();
      } else if (failed) {
        // Someone who was in the call cannot prove it any more: not the same person.
        this.#markLeft(link);
      }
      // Else a reconnecting participant is tried again by its reconnect timer.
    }
  }

  #onAdmitted({ peer, direction, sessionKey, remoteFingerprint }: AdmittedEventDetail): void {
    const link = this.#link(peer, { initiator: direction === 'initiator', addresses: [] });
    link.admitted(sessionKey, direction, remoteFingerprint);
    this.#failed.delete(link.key);
    this.#init.mark(CALL_MARKS.admitted);
    if (this.#hasDirectConnection(peer)) {
      this.#markDirect(link);
      return;
    }
    this.#changed();
    if (direction === 'responder') {
      link.schedule('fallback', DIRECT_FALLBACK_MS, () => {
        if (link.state === 'admitted' && !this.#ended) {
          void this.#goDirect(link);
        }
      });
    }
    link.schedule('direct', DIRECT_PATH_DEADLINE_MS, () => {
      if (link.state === 'admitted' && !this.#ended) {
        // Both of us proved the passphrase, but no direct path opens: a network in between
        // blocks it. Say so (the upgrade keeps trying), rather than "verifying" for ever.
        link.noDirectPath();
        this.#security({
          kind: 'no-direct-path',
          peerId: link.key,
          turn: this.#init.turnAvailable
        });
        this.#changed();
      }
    });
  }

  #onAdmissionFailed({ peer, direction, reason }: FailedEventDetail): void {
    const peerId = peer.toString();
    remember(this.#failed, peerId, true, MAX_REMEMBERED_PEERS);
    const link = this.#links.get(peerId);
    if (link !== undefined && link.state !== 'direct') {
      this.#links.delete(peerId);
      link.close();
      this.#changed();
    }
    this.#security(
      direction === 'responder'
        ? { kind: 'intruder', peerId, reason }
        : { kind: 'verification-failed', peerId, reason }
    );
  }

  /** The resume key of a participant who may come back with it (see PeerLink.resumeKey). */
  resumeKey(peer: PeerId): Uint8Array | undefined {
    return this.#links.get(peer.toString())?.resumeKey;
  }

  #onRoster(peers: readonly RosterEntry[]): void {
    const { node } = this.#components;
    for (const entry of peers) {
      const id = rosterPeerId(entry.peerId);
      const addresses = entry.addrs.map(rosterAddress);
      // Only through relays we trust (node.ts isTrustedRelay), as for provider records.
      this.reach(
        id,
        dialableRelayAddresses(id, addresses, (relay) => node.isTrustedRelay(relay))
      );
    }
  }

  /** Tells every direct participant whom else we are connected to, so the group meshes. */
  async broadcastRoster(): Promise<void> {
    const { node } = this.#components;
    const inCall = this.direct;
    const entries = await Promise.all(
      inCall.map(async (link) => {
        // A peer the store does not know has only the addresses we found it at.
        const stored = await node.libp2p.peerStore.get(link.id).catch(() => undefined);
        const addresses = dialableRelayAddresses(link.id, [
          ...link.addresses,
          ...(stored?.addresses.map((a) => a.multiaddr) ?? [])
        ]).filter((ma) => !WebRTC.matches(ma));
        return { peerId: link.key, addrs: addresses.map(String) };
      })
    );
    for (const link of inCall) {
      const peers = entries.filter((entry) => entry.peerId !== link.key);
      await link.send({ roster: { peers } });
    }
  }

  // ---- going direct -----------------------------------------------------------------------------

  async #goDirect(link: PeerLink): Promise<void> {
    for (let attempt = 0; attempt < DIRECT_DIAL_ATTEMPTS; attempt++) {
      if (this.#ended || link.state === 'direct' || link.state === 'left') {
        return;
      }
      const address = await webrtcAddressOf(this.#components.node.libp2p, link.id, link.addresses);
      if (address === undefined) {
        this.#log('no WebRTC address for %s', link.key);
        return;
      }
      try {
        const connection = await this.#components.node.libp2p.dial(address, {
          signal: AbortSignal.any([this.#init.signal, AbortSignal.timeout(DIRECT_DIAL_TIMEOUT_MS)])
        });
        if (connection.direct) {
          this.#markDirect(link);
          return;
        }
      } catch (err) {
        // Tried again; after the last attempt the pair stays on its relayed connection.
        this.#log('WebRTC upgrade to %s, attempt %d: %s', link.key, attempt + 1, errorText(err));
      }
    }
  }

  #onConnectionOpen(connection: Connection): void {
    const link = this.#links.get(connection.remotePeer.toString());
    if (
      link === undefined ||
      !connection.direct ||
      !this.#components.node.admissions.isAdmitted(link.id)
    ) {
      return;
    }
    if (link.state !== 'direct') {
      this.#markDirect(link);
      return;
    }
    // A new direct connection while the participant still counts as direct: the old one failed
    // after a network cut, and libp2p dialled again within CLOSE_GRACE_MS, so it never showed
    // as reconnecting. Its session died with the old connection and could not be reopened
    // then (there was no direct connection yet): the opener opens it on this one, and the
    // media starts a new generation on it (PeerLink.attach). Without this the pair stayed
    // "direct" with no session and no media for the rest of the call (seen in
    // tests/e2e/recovery.test.ts).
    if (link.initiator && !link.hasSession) {
      this.#openSession(link).then(
        (channel) => link.attach(channel),
        (err: unknown) => this.#log('no session with %s: %s', link.key, errorText(err))
      );
    }
  }

  #onConnectionClose(connection: Connection): void {
    const link = this.#links.get(connection.remotePeer.toString());
    if (link === undefined || !connection.direct || link.state !== 'direct') {
      return;
    }
    // A goodbye may still be in the session stream's buffer when the connection's close is
    // seen: read it first, so that someone who left is not shown as reconnecting.
    setTimeout(() => {
      if (link.state === 'direct' && !this.#hasDirectConnection(link.id) && !this.#ended) {
        this.#markReconnecting(link);
      }
    }, CLOSE_GRACE_MS);
  }

  #markDirect(link: PeerLink): void {
    if (!link.becomeDirect()) {
      return;
    }
    this.#init.mark(CALL_MARKS.direct);
    this.#changed();
    const { libp2p } = this.#components.node;
    // Once direct, the relay has done its job: close the relayed connection (DESIGN.md).
    for (const connection of libp2p.getConnections(link.id)) {
      if (!connection.direct && Circuit.matches(connection.remoteAddr)) {
        void connection
          .close()
          .catch((err: unknown) => this.#log('relayed connection kept: %s', errorText(err)));
      }
    }
    if (link.initiator && !link.hasSession) {
      this.#openSession(link).then(
        (channel) => link.attach(channel),
        (err: unknown) => this.#log('no session with %s: %s', link.key, errorText(err))
      );
    }
  }

  async #openSession(link: PeerLink): Promise<SessionChannel> {
    const direct = this.#components.node.libp2p
      .getConnections(link.id)
      .find((c) => c.direct && c.status === 'open');
    if (direct === undefined) {
      throw new AbortedError('no direct connection');
    }
    return SessionChannel.open(direct, { signal: this.#init.signal, received: link.received });
  }

  // ---- reconnecting -----------------------------------------------------------------------------

  /** The direct connection dropped without a goodbye: find and admit the participant again. */
  #markReconnecting(link: PeerLink): void {
    link.becomeReconnecting(Date.now());
    this.#components.node.admissions.revoke(link.id);
    this.#changed();
    // At once: the peer may still hold its relay reservation, and its dial of us may be quicker.
    this.#retryReconnect(link);
  }

  /**
   * Which side dials to reconnect: the lower peer ID (the polite side of media.ts) at once; the
   * other waits to be dialled, and dials too once WAITING_SIDE_DIALS_AFTER_MS have passed. Both
   * dialling at once made two admission runs cross on the new relayed connections, and the one
   * cut off counted as a failed guess. But the lower side can only dial the higher one's relayed
   * address, and when it was the higher side that lost its network, that address may be gone
   * (its relay reservation went with the network) until it announces a new one; the higher side
   * can still dial the lower one's, which held (tests/e2e/recovery.test.ts).
   */
  #redials(link: PeerLink): boolean {
    const waited = Date.now() - (link.reconnectSince ?? Date.now());
    return (
      this.#components.node.peerId.toString() < link.key || waited >= WAITING_SIDE_DIALS_AFTER_MS
    );
  }

  /** One try at reaching a reconnecting participant again; the next is RECONNECT_RETRY_MS on. */
  #retryReconnect(link: PeerLink): void {
    if (this.#ended || this.#links.get(link.key) !== link) {
      return;
    }
    const since = link.reconnectSince;
    if (since === undefined || link.state === 'left' || link.state === 'direct') {
      return;
    }
    if (Date.now() - since >= RECONNECT_GIVE_UP_MS) {
      this.#markLeft(link);
      return;
    }
    // Its relayed addresses may still hold (it kept its reservation); if not, its new ones
    // come from the DHT once it announces them.
    this.#unreachable.delete(link.key);
    this.reach(link.id, link.addresses);
    this.#init.lookNow();
    link.schedule('reconnect', RECONNECT_RETRY_MS, () => this.#retryReconnect(link));
  }

  #onOnline(): void {
    this.#online.abort();
    this.#online = new AbortController();
    for (const link of this.#links.values()) {
      if (link.reconnecting) {
        // After the aborted dials have let go of their slot (#dialling).
        link.schedule('reconnect', 0, () => this.#retryReconnect(link));
      }
    }
  }

  #markLeft(link: PeerLink): void {
    link.becomeLeft();
    this.#components.node.admissions.revoke(link.id);
    this.#changed();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** The participant's link, made when it is new. */
  #link(id: PeerId, init: { initiator: boolean; addresses: readonly Multiaddr[] }): PeerLink {
    const key = id.toString();
    let link = this.#links.get(key);
    if (link === undefined || link.state === 'left') {
      link?.close();
      link = new PeerLink(this.#context, id, init);
      this.#links.set(key, link);
    }
    return link;
  }

  #hasDirectConnection(peer: PeerId): boolean {
    return this.#components.node.libp2p
      .getConnections(peer)
      .some((c) => c.direct && c.status === 'open');
  }

  #changed(): void {
    this.emit('change', undefined);
  }

  #security(event: SecurityEvent): void {
    this.emit('security', event);
  }

  #log(format: string, ...args: unknown[]): void {
    this.#init.log(format, ...args);
  }
}
