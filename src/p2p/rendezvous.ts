/**
 * Rendezvous on the DHT: everyone in a call announces itself (kad-dht provide) under the
 * current hour's rendezvous CID and looks up (findProviders) the current and the previous
 * hour's CIDs, so that people who share a passphrase find each other's relayed addresses.
 *
 * Finding someone here proves nothing: the record is public. Admission (protocols/admit) is
 * what decides whether a found peer knows the passphrase.
 */
import type { AbortOptions, PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { Circuit } from '@multiformats/multiaddr-matcher';
import type { CID } from 'multiformats/cid';
import { CustomProgressEvent, type ProgressEvent } from 'progress-events';
import { Emitter } from './events.ts';
import { rendezvousCid, rendezvousHours, RENDEZVOUS_PERIOD_MS } from './keys.ts';
import type { CallNode } from './node.ts';

/**
 * Pauses between lookups. Quick at first, because two people who press Join together each
 * announce a few hundred milliseconds after they first look; then patient, because a lookup on
 * the public DHT is a multi-hop query.
 */
export const LOOKUP_DELAYS_MS: readonly number[] = [
  150, 150, 200, 200, 300, 400, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 8_000
];

/** Once someone is found, others still join later: keep looking at this pace. */
export const LOOKUP_INTERVAL_WHILE_IN_CALL_MS = 15_000;

/**
 * Re-announce this often while in the call: provider records outlive us on the DHT servers,
 * but a DHT server that restarted, or joined since, does not have ours.
 */
export const REANNOUNCE_INTERVAL_MS = 5 * 60_000;

/**
 * Providers taken from one lookup (those with an address through a relay we trust; the others
 * are skipped uncounted): a call has at most 8 people, and records outlive them a while. One DHT
 * answer may carry any number: a hostile server that plants a hundred must not make us dial a
 * hundred (each dial is a run at our admission limits, and an IP to a relay).
 */
export const MAX_PROVIDERS_PER_LOOKUP = 16;

/** One lookup or announcement may take this long before it is abandoned and retried. */
export const QUERY_TIMEOUT_MS = 20_000;

export interface FoundPeer {
  readonly id: PeerId;
  /** Relayed addresses that end in the peer's own /p2p/<id>, ready to dial. */
  readonly addresses: readonly Multiaddr[];
}

export type RendezvousProgressEvents =
  | ProgressEvent<'samen:rendezvous:announced', { hour: number; cid: string }>
  | ProgressEvent<'samen:rendezvous:lookup', { hours: readonly number[]; attempt: number }>
  | ProgressEvent<'samen:rendezvous:found', FoundPeer>;

export interface RendezvousInit extends AbortOptions {
  readonly node: CallNode;
  /** The room secret (keys.ts); the CIDs are derived from it hour by hour. Not copied. */
  readonly roomSecret: Uint8Array;
  /** The clock; tests move it across hour boundaries. */
  readonly now?: () => number;
  onProgress?(event: RendezvousProgressEvents): void;
}

/**
 * Announces and looks up until its signal aborts.
 *
 * @example
 * const rendezvous = new Rendezvous({ node, roomSecret, signal })
 * rendezvous.addEventListener('peer', (e) => dial(e.detail))
 * rendezvous.start()
 */
export interface RendezvousEvents {
  /** A provider of the room's CID, with relayed addresses to dial. */
  peer: CustomEvent<FoundPeer>;
}

export class Rendezvous extends Emitter<RendezvousEvents> {
  readonly #init: RendezvousInit;
  readonly #signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #announced = new Map<number, CID>();
  #wake: (() => void) | undefined;
  #wakeAnnounce: (() => void) | undefined;
  #found = false;
  #started = false;

  constructor(init: RendezvousInit) {
    super();
    this.#init = init;
    this.#signal = AbortSignal.any([
      this.#controller.signal,
      ...(init.signal === undefined ? [] : [init.signal])
    ]);
  }

  /** Starts announcing and looking; both run until {@link stop} or the init signal. */
  start(): void {
    if (this.#started) {
      return;
    }
    this.#started = true;
    void this.#announceLoop();
    void this.#lookupLoop();
  }

  /** Stops both loops and stops re-providing our records. Idempotent. */
  async stop(): Promise<void> {
    this.#controller.abort();
    const dht = this.#init.node.libp2p.services.dht;
    await Promise.allSettled([...this.#announced.values()].map((cid) => dht.cancelReprovide(cid)));
    this.#announced.clear();
  }

  /** Looks again now (e.g. after our own announcement, or when the network comes back). */
  lookNow(): void {
    this.#wake?.();
  }

  async #announceLoop(): Promise<void> {
    const { node } = this.#init;
    let lastAddresses = '';
    const onUpdate = () => {
      // New relay reservations mean new addresses: announce them, or nobody can dial them.
      const addresses = node.relayAddresses().map(String).sort().join(' ');
      if (addresses !== lastAddresses) {
        this.#wakeAnnounce?.();
      }
    };
    node.libp2p.addEventListener('self:peer:update', onUpdate, { signal: this.#signal });
    while (!this.#signal.aborted) {
      const now = this.#now();
      const hour = rendezvousHours(now)[0]!;
      lastAddresses = node.relayAddresses().map(String).sort().join(' ');
      if (lastAddresses !== '') {
        await this.#announce(hour);
        // Someone who looked while we announced missed us; look again right away.
        this.lookNow();
      }
      const untilNextHour = RENDEZVOUS_PERIOD_MS - (now % RENDEZVOUS_PERIOD_MS) + 50;
      await this.#sleep(Math.min(untilNextHour, REANNOUNCE_INTERVAL_MS), 'announce');
    }
  }

  async #announce(hour: number): Promise<void> {
    const { node, roomSecret, onProgress } = this.#init;
    const cid = rendezvousCid(roomSecret, hour);
    const signal = AbortSignal.any([this.#signal, AbortSignal.timeout(QUERY_TIMEOUT_MS)]);
    try {
      for await (const _event of node.libp2p.services.dht.provide(cid, { signal })) {
        // The query's own events are not needed; draining it runs it.
      }
      this.#announced.set(hour, cid);
      onProgress?.(
        new CustomProgressEvent('samen:rendezvous:announced', { hour, cid: cid.toString() })
      );
    } catch {
      // A failed announcement is retried by the loop; lookups go on meanwhile.
    }
  }

  async #lookupLoop(): Promise<void> {
    const { roomSecret, onProgress } = this.#init;
    for (let attempt = 0; !this.#signal.aborted; attempt++) {
      const hours = rendezvousHours(this.#now());
      onProgress?.(new CustomProgressEvent('samen:rendezvous:lookup', { hours, attempt }));
      await Promise.all(hours.map((hour) => this.#lookup(rendezvousCid(roomSecret, hour))));
      const delay = this.#found
        ? LOOKUP_INTERVAL_WHILE_IN_CALL_MS
        : (LOOKUP_DELAYS_MS[attempt] ?? LOOKUP_INTERVAL_WHILE_IN_CALL_MS);
      await this.#sleep(delay, 'lookup');
    }
  }

  async #lookup(cid: CID): Promise<void> {
    const { node, onProgress } = this.#init;
    const signal = AbortSignal.any([this.#signal, AbortSignal.timeout(QUERY_TIMEOUT_MS)]);
    let taken = 0;
    try {
      for await (const event of node.libp2p.services.dht.findProviders(cid, { signal })) {
        if (event.name !== 'PROVIDER') {
          continue;
        }
        for (const provider of event.providers) {
          if (provider.id.equals(node.peerId) || taken >= MAX_PROVIDERS_PER_LOOKUP) {
            continue;
          }
          const addresses = dialableRelayAddresses(provider.id, provider.multiaddrs, (relay) =>
            node.isTrustedRelay(relay)
          );
          // Only what we would dial counts against the cap: records through relays we never
          // dial cost nothing, and must not crowd out a participant listed after them.
          if (addresses.length === 0) {
            continue;
          }
          taken++;
          const found: FoundPeer = { id: provider.id, addresses };
          this.#found = true;
          onProgress?.(new CustomProgressEvent('samen:rendezvous:found', found));
          this.emit('peer', found);
        }
      }
    } catch {
      // Retried by the loop.
    }
  }

  #now(): number {
    return (this.#init.now ?? Date.now)();
  }

  /** Sleeps, unless woken (lookNow / new addresses) or aborted. */
  #sleep(ms: number, which: 'lookup' | 'announce'): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#signal.removeEventListener('abort', done);
        if (which === 'lookup') {
          this.#wake = undefined;
        } else {
          this.#wakeAnnounce = undefined;
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#signal.addEventListener('abort', done, { once: true });
      if (which === 'lookup') {
        this.#wake = done;
      } else {
        this.#wakeAnnounce = done;
      }
    });
  }
}

/**
 * The relayed addresses of a provider, each ending in the provider's own `/p2p/<id>` (a record
 * may carry `…/p2p/RELAY/p2p-circuit` without it, which would dial the relay itself), through
 * relays `trusted` accepts (all by default: the addresses we found ourselves).
 */
export function dialableRelayAddresses(
  peer: PeerId,
  addresses: readonly Multiaddr[],
  trusted: (relay: string) => boolean = () => true
): Multiaddr[] {
  const id = peer.toString();
  const result = new Map<string, Multiaddr>();
  for (const address of addresses) {
    if (!Circuit.matches(address)) {
      continue;
    }
    const components = address.getComponents();
    const circuitAt = components.findIndex((c) => c.name === 'p2p-circuit');
    // Up to and including /p2p-circuit: the relay's address; then exactly our peer's ID.
    const relayPart = components.slice(0, circuitAt + 1);
    const relay = relayPart.findLast((c) => c.name === 'p2p')?.value;
    if (relay === undefined || !trusted(relay)) {
      continue;
    }
    const dialable = multiaddr(relayPart).encapsulate(`/p2p/${id}`);
    result.set(dialable.toString(), dialable);
  }
  return [...result.values()];
}

/** The multicodec of /p2p-circuit. */
const CIRCUIT_CODE = 421;

/**
 * The address to dial for a direct WebRTC connection to `peer` through a relayed address of it:
 * the relay part with /webrtc before the peer's ID (`…/p2p-circuit/webrtc/p2p/<peer>`).
 */
export function webrtcAddressVia(relayed: Multiaddr, peer: PeerId): Multiaddr {
  return relayed.decapsulateCode(CIRCUIT_CODE).encapsulate(`/webrtc/p2p/${peer}`);
}
