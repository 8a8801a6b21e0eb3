/**
 * Caps on circuit-relay reservations per client address and per network, so that one machine
 * (or one party with a block of addresses) cannot take every slot of a relay with throwaway
 * peer IDs and leave other users unreachable. circuit-relay-v2 caps only the total
 * (`maxReservations`); it asks the connection gater (`denyInboundRelayReservation`) before each
 * new reservation, and that is where these caps apply (src/relay/node.ts).
 */
import { parseIP } from '@chainsafe/is-ip/parse';
import type { PeerId } from '@libp2p/interface';
import { isPrivateIp } from '@libp2p/utils';
import type { Multiaddr } from '@multiformats/multiaddr';
import { Circuit } from '@multiformats/multiaddr-matcher';
import {
  IPV4_ADDRESS_PREFIX,
  IPV4_NETWORK_PREFIX,
  IPV6_ADDRESS_PREFIX,
  IPV6_NETWORK_PREFIX,
  PENDING_RESERVATION_MS
} from './constants.ts';

export interface ReservationCaps {
  /** Reservations per client address (IPv6: per /64); 0 means no cap. */
  readonly perAddress: number;
  /** Reservations per public /24 (IPv4) or /48 (IPv6); 0 means no cap. */
  readonly perNetwork: number;
}

/** The groups a client address counts in for the caps. */
export interface AddressGroups {
  /** The address as a prefix: `203.0.113.7/32`, or `2001:0db8:0001:0002:0000:0000:0000:0000/64`. */
  readonly address: string;
  /** Its network (`203.0.113.0/24`, or a /48); undefined for a private or loopback address. */
  readonly network: string | undefined;
}

/**
 * The groups of the IP address a multiaddr starts with (an IPv4-mapped IPv6 address counts as
 * the IPv4 address it maps), or undefined when it does not start with one.
 *
 * @example
 * addressGroups(multiaddr('/ip4/198.18.0.7/tcp/4001')) // private: { address: '198.18.0.7/32', network: undefined }
 * addressGroups(multiaddr('/ip4/8.8.4.4/tcp/443/ws')) // { address: '8.8.4.4/32', network: '8.8.4.0/24' }
 */
export function addressGroups(ma: Multiaddr): AddressGroups | undefined {
  const first = ma.getComponents()[0];
  if (first === undefined || (first.name !== 'ip4' && first.name !== 'ip6')) {
    return undefined;
  }
  const ip = first.value ?? '';
  let bytes = parseIP(ip);
  if (bytes === undefined) {
    return undefined;
  }
  if (bytes.length === 16 && isIPv4Mapped(bytes)) {
    bytes = bytes.subarray(12);
  }
  const v4 = bytes.length === 4;
  const address = prefix(bytes, v4 ? IPV4_ADDRESS_PREFIX : IPV6_ADDRESS_PREFIX);
  const network =
    isPrivateIp(ip) === false
      ? prefix(bytes, v4 ? IPV4_NETWORK_PREFIX : IPV6_NETWORK_PREFIX)
      : undefined;
  return { address, network };
}

/** ::ffff:a.b.c.d (RFC 4291, section 2.5.5.2): what a dual-stack socket reports for IPv4. */
function isIPv4Mapped(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** The first `bits` of an address (a whole number of bytes here), the rest zeroed, as text. */
function prefix(bytes: Uint8Array, bits: number): string {
  const kept = bytes.map((b, i) => (i < bits / 8 ? b : 0));
  if (kept.length === 4) {
    return `${kept.join('.')}/${bits}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < kept.length; i += 2) {
    groups.push((((kept[i] ?? 0) << 8) | (kept[i + 1] ?? 0)).toString(16).padStart(4, '0'));
  }
  return `${groups.join(':')}/${bits}`;
}

/** What the limiter needs of the relay node; libp2p's own objects fit it. */
export interface ReservationLimiterInit {
  readonly caps: ReservationCaps;
  /** The relay's reservations (circuit-relay-v2's `CircuitRelayService.reservations`). */
  reservations(): Iterable<readonly [PeerId, { readonly addr: Multiaddr }]>;
  /** The open connections of a peer (libp2p's `getConnections(peer)`). */
  connections(peer: PeerId): readonly { readonly remoteAddr: Multiaddr }[];
  /** A monotonic clock in milliseconds; `performance.now` unless a test gives one. */
  now?(): number;
}

export type ReservationDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** Which cap: the address's, the network's, or no IP address to apply them to. */
      readonly reason: 'address' | 'network' | 'no-address';
      /** The group that is full (`203.0.113.7/32`), when there is one. */
      readonly group?: string;
      readonly cap?: number;
    };

/**
 * Decides whether a peer may get a new reservation: not when its address (or, for a public
 * address, its network) already holds as many as the caps allow. A peer that holds one already
 * may always renew it. Counts the relay's reservations and those it allowed in the last
 * {@link PENDING_RESERVATION_MS} that the relay has not stored yet.
 *
 * @example
 * const limiter = new ReservationLimiter({
 *   caps: { perAddress: 8, perNetwork: 32 },
 *   reservations: () => node.services.relay.reservations,
 *   connections: (peer) => node.getConnections(peer)
 * })
 * const denyInboundRelayReservation = (peer: PeerId) => !limiter.check(peer).allowed
 */
export class ReservationLimiter {
  readonly #init: ReservationLimiterInit;
  readonly #now: () => number;
  /** Allowed but not seen stored yet, by peer ID: its groups and until when it counts. */
  readonly #pending = new Map<string, { peer: PeerId; groups: AddressGroups[]; until: number }>();

  constructor(init: ReservationLimiterInit) {
    for (const [name, cap] of Object.entries(init.caps)) {
      if (!Number.isInteger(cap) || cap < 0) {
        throw new RangeError(`ReservationLimiter: caps.${name} must be a whole number ≥ 0`);
      }
    }
    this.#init = init;
    this.#now = init.now ?? (() => performance.now());
  }

  check(peer: PeerId): ReservationDecision {
    const now = this.#now();
    for (const [id, pending] of this.#pending) {
      if (pending.until <= now) {
        this.#pending.delete(id);
      }
    }

    const perAddress = new Map<string, number>();
    const perNetwork = new Map<string, number>();
    const count = (groups: AddressGroups) => {
      perAddress.set(groups.address, (perAddress.get(groups.address) ?? 0) + 1);
      if (groups.network !== undefined) {
        perNetwork.set(groups.network, (perNetwork.get(groups.network) ?? 0) + 1);
      }
    };
    const stored = new Set<string>();
    for (const [id, reservation] of this.#init.reservations()) {
      stored.add(id.toString());
      // Stored: from now on the store counts it (and its release frees the slot at once).
      this.#pending.delete(id.toString());
      if (id.equals(peer)) {
        // A renewal keeps the slot it has.
        return { allowed: true };
      }
      // A reservation is valid only while its peer is connected (circuit v2 spec); the relay
      // drops it on disconnection (node.ts), and until then it holds no slot here either.
      if (!this.#directConnections(id).length) {
        continue;
      }
      const groups = addressGroups(reservation.addr);
      if (groups !== undefined) {
        count(groups);
      }
    }
    for (const [id, pending] of this.#pending) {
      // Not yet stored, and its peer still connected (one that left will never be stored).
      const waiting = !stored.has(id) && !pending.peer.equals(peer);
      if (waiting && this.#directConnections(pending.peer).length > 0) {
        pending.groups.forEach(count);
      }
    }

    // A reservation arrives on a direct connection (the relay refuses one over a circuit); its
    // peer may have more than one, and the relay keeps the address of the one it came on, so
    // every direct connection's address must be within the caps.
    const mine = this.#directConnections(peer).map((connection) =>
      addressGroups(connection.remoteAddr)
    );
    const known = mine.filter((groups) => groups !== undefined);
    if (known.length === 0 || known.length < mine.length) {
      return { allowed: false, reason: 'no-address' };
    }
    const { perAddress: addressCap, perNetwork: networkCap } = this.#init.caps;
    for (const groups of known) {
      if (addressCap > 0 && (perAddress.get(groups.address) ?? 0) >= addressCap) {
        return { allowed: false, reason: 'address', group: groups.address, cap: addressCap };
      }
      if (
        networkCap > 0 &&
        groups.network !== undefined &&
        (perNetwork.get(groups.network) ?? 0) >= networkCap
      ) {
        return { allowed: false, reason: 'network', group: groups.network, cap: networkCap };
      }
    }
    this.#pending.set(peer.toString(), {
      peer,
      groups: known,
      until: now + PENDING_RESERVATION_MS
    });
    return { allowed: true };
  }

  #directConnections(peer: PeerId): readonly { readonly remoteAddr: Multiaddr }[] {
    return this.#init
      .connections(peer)
      .filter((connection) => !Circuit.matches(connection.remoteAddr));
  }
}
