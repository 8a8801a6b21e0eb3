/**
 * The lab's address plan and tunables, each with the reason it has that value.
 *
 * Every address a lab namespace has on its way to another namespace comes from the three
 * documentation ranges of RFC 5737 (the "internet" of the lab) or from RFC 1918 (the homes'
 * LANs): none of them is routed on the internet, and the whole lab runs inside a namespace with
 * loopback only (scripts/isolated.ts), so even a colliding address of the machine's own network
 * can never be reached from it.
 */

/** TEST-NET-1 (RFC 5737): the servers in the wan (coturn, Samen nodes, the app, probes). */
export const SERVER_SUBNET = '192.0.2.0/24';
/** coturn's primary address: STUN, TURN over UDP and TCP on 3478, TCP on 443, relays. */
export const TURN_ADDRESS = '192.0.2.1';
/**
 * coturn's second address. RFC 5780 behaviour discovery needs a STUN server with two addresses
 * (OTHER-ADDRESS, CHANGE-REQUEST), which is how `turnutils_natdiscovery` classifies a NAT.
 */
export const TURN_ALT_ADDRESS = '192.0.2.2';
/** The Samen nodes and the static app server ({@link startWanStack}). */
export const APP_ADDRESS = '192.0.2.10';
/** The probe server's two addresses: mapping and filtering tests need two of each. */
export const PROBE_ADDRESSES = ['192.0.2.20', '192.0.2.21'] as const;
/** Two UDP ports per probe address, for the same reason. */
export const PROBE_UDP_PORTS = [4000, 4001] as const;
/** TCP ports the probe server listens on: what `udp-blocked` allows (80, 443) and one it does not. */
export const PROBE_TCP_PORTS = [80, 443, 4000] as const;
/** Further server addresses ({@link Lab.addWanAddress}) are handed out from here up. */
export const FIRST_EXTRA_SERVER_HOST = 100;
export const LAST_EXTRA_SERVER_HOST = 254;

/** TEST-NET-2: each router's address on the wan (router i has 198.51.100.(i + 1)). */
export const ROUTER_UPLINK_PREFIX = '198.51.100.';
/**
 * TEST-NET-3: the public subnets of `none` homes. Home i gets 203.0.113.(16 i)/28: the router
 * is .1, participants .2 on; 16 homes fit in the /24.
 */
export const PUBLIC_HOME_PREFIX = '203.0.113.';
export const PUBLIC_HOME_SUBNET_SIZE = 16;
/** RFC 1918: home i's LAN by default (its router is .1, its participants .2 on). */
export const defaultLanSubnet = (index: number): string => `192.168.${index + 1}.0/24`;

/** At most this many homes: router uplink addresses and public /28s both run out beyond. */
export const MAX_HOMES = PUBLIC_HOME_SUBNET_SIZE;
/** Participants behind one router: the LAN's addresses are .2 to .(1 + n). */
export const MAX_PARTICIPANTS_PER_HOME = 8;
/**
 * A home's name becomes part of interface names (`up-<home>` in the wan), and Linux allows 15
 * bytes for those (IFNAMSIZ - 1).
 */
export const HOME_NAME_PATTERN = /^[a-z][a-z0-9]{0,9}$/;

/** How long a lab command (ip, nft, sysctl) may take before the lab gives up on it. */
export const COMMAND_TIMEOUT_MS = 10_000;
/** How long a helper process (forwarder, probe server, coturn, wan stack) may take to be ready. */
export const READY_TIMEOUT_MS = 20_000;
/** After SIGTERM, how long a lab process gets to exit before it is killed outright. */
export const STOP_GRACE_MS = 2_000;
