/** Defaults of the self-hostable Samen node, each with the reason it has that value. */

/** Loopback unless told otherwise: a node on a public address is an explicit decision. */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * Base port of the first node: TCP (node-to-node and the public DHT) on BASE, WebSockets
 * (browsers) on BASE + 1, WebRTC-direct over UDP (browsers, no TLS certificate needed) on
 * BASE + 2. Node i of a local swarm uses BASE + 10·i. Port 0 picks free ports instead.
 */
export const DEFAULT_BASE_PORT = 4001;
export const PORT_STRIDE_PER_NODE = 10;

/**
 * Relay reservations: one per browser that wants to be reachable. libp2p's default of 15 is
 * sized for incidental relaying; a Samen node exists to relay, so it allows more.
 */
export const DEFAULT_MAX_RESERVATIONS = 256;

/**
 * Reservations one client address may hold at once (IPv4: the address; IPv6: its /64, the
 * smallest subnet one link gets, so one host cannot pick a fresh address per reservation).
 * Without it one machine could take all {@link DEFAULT_MAX_RESERVATIONS} slots with throwaway
 * peer IDs and make every other user unreachable. 8 is Kubo's relay default (LIBP2P-NOTES.md):
 * a household or office behind one NAT, each with the app open in a tab or two, fits.
 */
export const DEFAULT_MAX_RESERVATIONS_PER_ADDRESS = 8;

/**
 * Reservations one network may hold at once: a /24 (IPv4) or a /48 (IPv6, a usual site
 * allocation), so that one party renting a block of addresses still gets only a share. Kubo
 * caps 32 per autonomous system; a node of its own has no ASN table, and the prefix is the
 * nearest thing it can see. Only public addresses count: a LAN's private /24 is the site the
 * node was set up for, and capping it would cap the whole LAN (README, "Self-hosting").
 */
export const DEFAULT_MAX_RESERVATIONS_PER_NETWORK = 32;

/** Prefix lengths that make one "address" and one "network" for the two caps above. */
export const IPV4_ADDRESS_PREFIX = 32;
export const IPV4_NETWORK_PREFIX = 24;
export const IPV6_ADDRESS_PREFIX = 64;
export const IPV6_NETWORK_PREFIX = 48;

/**
 * How long a reservation the caps just allowed counts before it shows in the relay's own
 * store. circuit-relay-v2 4.2.13 (server/index.ts, handleReserve) stores it right after our
 * answer, with only microtasks between; without this, RESERVE requests that arrive together
 * would all be checked against the same count and all pass. A grant the store then refuses
 * (it was full) holds its slot no longer than this.
 */
export const PENDING_RESERVATION_MS = 1_000;

/** A reservation lasts an hour; browsers renew before it ends (circuit relay v2 spec). */
export const DEFAULT_RESERVATION_TTL_S = 60 * 60;

/**
 * A relayed connection carries only admission (a few hundred bytes) and WebRTC signalling
 * (a few KiB) before the call moves to a direct connection, so the limits stay small: that
 * keeps a public relay from becoming a free bandwidth proxy.
 */
export const DEFAULT_RELAY_DURATION_LIMIT_S = 2 * 60;
export const DEFAULT_RELAY_DATA_LIMIT_BYTES = 1 << 20;

/**
 * How long libp2p's keep-alive ping of a connection may take before the node aborts it
 * (libp2p's default: 5 s). A browser in a video call answers late when its CPU is busy with
 * video (5–12 s seen with four people on two cores); aborting it then took its relay
 * reservation away, and with it the address others find it at when they reconnect. A peer that
 * is really gone is still noticed within PING_INTERVAL_MS + this.
 */
export const PING_TIMEOUT_MS = 20_000;

/**
 * How often libp2p pings each connection (its default: 10 s). Longer than the timeout: the
 * ping spec allows one outbound ping stream per peer, and a second one, refused, would abort
 * the connection.
 */
export const PING_INTERVAL_MS = 30_000;

/** How many nodes `--nodes` may start in one process (the DHT benchmark uses 200). */
export const MAX_NODES_PER_PROCESS = 256;

/** A local swarm peers each node with this many earlier ones; enough for a connected DHT. */
export const SWARM_PEERS_PER_NODE = 4;
