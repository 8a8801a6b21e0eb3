/**
 * Which hosts the app contacts, read from the network profile it runs on: what the privacy page
 * lists (with what each one learns), and what a test that records the browser's real traffic
 * compares with. Pure: no network, no UI.
 *
 * @module
 */
import { multiaddr } from '@multiformats/multiaddr';
import { iceServerUrls, isTurnUrl } from './ice-servers.ts';
import type { NetworkProfile } from './network.ts';

/**
 * What a host is to the app:
 * - `app`: serves the app's static files and its network.json;
 * - `bootstrap`: a node of the network the app connects to first (DHT server and relay);
 * - `dns-resolver`: a DNS-over-HTTPS resolver that libp2p asks for a `/dnsaddr` address;
 * - `stun` / `turn`: an ICE server of the profile (RFC 8489 / RFC 8656).
 */
export type HostRole = 'app' | 'bootstrap' | 'dns-resolver' | 'stun' | 'turn';

/**
 * What a host learns, as a code the UI puts in words (one per role, kept apart from the role so
 * that a sentence can change without a role changing):
 * - `app-loads`: your IP address each time the app's files or network.json are loaded;
 * - `ip-rendezvous-relay`: your IP address while the app is open, the hourly rendezvous keys you
 *   announce and look for, and (as a relay) who you connect to while you admit each other;
 *   never the passphrase or anything said;
 * - `ip-and-lookup`: your IP address and the name looked up;
 * - `ip-at-connection`: your IP address each time a WebRTC connection is set up;
 * - `ip-and-relayed-media`: that, and the IP address of whoever your media is relayed to, with
 *   the encrypted media itself.
 */
export type HostLearning =
  | 'app-loads'
  | 'ip-rendezvous-relay'
  | 'ip-and-lookup'
  | 'ip-at-connection'
  | 'ip-and-relayed-media';

export interface ContactedHost {
  /** A host name in lower case, or an IP address (IPv6 without brackets). */
  readonly host: string;
  readonly role: HostRole;
  readonly learns: HostLearning;
  /** The profile's entries that name this host in this role (multiaddrs, ICE URLs, origin). */
  readonly addresses: readonly string[];
}

/**
 * The DNS-over-HTTPS resolvers @multiformats/dns uses in a browser (its
 * `resolvers/default.browser.js`), which libp2p asks to resolve a `/dnsaddr` address. A unit
 * test checks these against the installed package.
 */
export const DNSADDR_RESOLVERS: readonly string[] = ['cloudflare-dns.com', 'dns.google'];

const LEARNS: Readonly<Record<HostRole, HostLearning>> = {
  app: 'app-loads',
  bootstrap: 'ip-rendezvous-relay',
  'dns-resolver': 'ip-and-lookup',
  stun: 'ip-at-connection',
  turn: 'ip-and-relayed-media'
};

/** Multiaddr components that name a host, the first of which is the one dialled. */
const HOST_COMPONENTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr']);

/**
 * Every host the app contacts by name or address on this profile: the app's own host, each
 * bootstrap node, the DNS-over-HTTPS resolvers when a bootstrap address is a `/dnsaddr`, and the
 * STUN and TURN servers. One entry per host and role, in that order, then in the profile's order.
 * Hosts that cannot be known in advance (see {@link discoveredContacts}) are not in it.
 *
 * @param appOrigin the origin the app is served from (`location.origin`)
 * @example
 * contactedHosts(profile, 'https://samen.example.org')
 * // [{ host: 'samen.example.org', role: 'app', … },
 * //  { host: 'node1.example.org', role: 'bootstrap', … }, …]
 */
export function contactedHosts(profile: NetworkProfile, appOrigin: string): ContactedHost[] {
  const found = new Map<string, { host: string; role: HostRole; addresses: string[] }>();
  const add = (host: string, role: HostRole, address: string) => {
    const key = `${role} ${host}`;
    const entry = found.get(key) ?? { host, role, addresses: [] };
    if (!entry.addresses.includes(address)) {
      entry.addresses.push(address);
    }
    found.set(key, entry);
  };

  add(unbracket(new URL(appOrigin).hostname.toLowerCase()), 'app', appOrigin);
  const resolved: string[] = [];
  for (const address of profile.bootstrap) {
    const host = multiaddrHost(address);
    if (host === undefined) {
      continue;
    }
    if (host.dnsaddr) {
      resolved.push(address);
    } else {
      add(host.name, 'bootstrap', address);
    }
  }
  for (const address of resolved) {
    for (const resolver of DNSADDR_RESOLVERS) {
      add(resolver, 'dns-resolver', address);
    }
  }
  const ice = [...profile.iceServers.flatMap(iceServerUrls), ...(profile.turnFromNodes ?? [])];
  for (const role of ['stun', 'turn'] as const) {
    for (const url of ice) {
      if ((role === 'turn') === isTurnUrl(url)) {
        const host = iceUrlHost(url);
        if (host !== undefined) {
          add(host, role, url);
        }
      }
    }
  }
  return [...found.values()].map((entry) => ({ ...entry, learns: LEARNS[entry.role] }));
}

/**
 * Whom the app also contacts but cannot name in advance:
 * - `dht-nodes`: other nodes of the network's DHT, which the bootstrap nodes tell it about (on
 *   the public network, any of thousands; on a network of one's own, its other nodes);
 * - `dnsaddr-hosts`: the nodes a `/dnsaddr` bootstrap address resolves to (`domains` lists the
 *   names whose DNS records decide);
 * - `participants`: the devices of the people in a call, directly, or only through the TURN
 *   server when media is always relayed.
 */
export type DiscoveredContact =
  | { readonly kind: 'dht-nodes' }
  | { readonly kind: 'dnsaddr-hosts'; readonly domains: readonly string[] }
  | { readonly kind: 'participants'; readonly throughTurn: boolean };

/**
 * See {@link DiscoveredContact}.
 *
 * @param options.alwaysRelay media (and the call's WebRTC connections) only through TURN
 */
export function discoveredContacts(
  profile: NetworkProfile,
  options: { alwaysRelay?: boolean } = {}
): DiscoveredContact[] {
  const domains = [
    ...new Set(
      profile.bootstrap.flatMap((address) => {
        const host = multiaddrHost(address);
        return host?.dnsaddr === true ? [host.name] : [];
      })
    )
  ];
  return [
    { kind: 'dht-nodes' },
    ...(domains.length > 0 ? [{ kind: 'dnsaddr-hosts' as const, domains }] : []),
    { kind: 'participants', throughTurn: options.alwaysRelay === true }
  ];
}

/** The host a multiaddr dials first (its first ip/dns component); undefined if none. */
function multiaddrHost(address: string): { name: string; dnsaddr: boolean } | undefined {
  let components;
  try {
    components = multiaddr(address).getComponents();
  } catch {
    return undefined;
  }
  const first = components.find((c) => HOST_COMPONENTS.has(c.name));
  if (first?.value === undefined) {
    return undefined;
  }
  const name = first.name.startsWith('dns') ? first.value.toLowerCase() : first.value;
  return { name, dnsaddr: first.name === 'dnsaddr' };
}

/**
 * The host of a STUN or TURN URL (RFC 7064 §3.1, RFC 7065 §3.1: `scheme:host[:port][?transport=…]`,
 * an IPv6 address in brackets). Lenient with a `//` after the scheme, which some write.
 */
function iceUrlHost(url: string): string | undefined {
  const rest = url
    .trim()
    .replace(/^[a-z]+:/i, '')
    .replace(/^\/\//, '')
    .replace(/[?/].*$/, '');
  const host = rest.startsWith('[') ? rest.slice(1, rest.indexOf(']')) : rest.split(':')[0];
  return host === undefined || host === '' ? undefined : host.toLowerCase();
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
