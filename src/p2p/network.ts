/**
 * Network profiles: which libp2p nodes a call bootstraps from, which DHT protocol it speaks, and
 * which ICE servers its WebRTC connections may use.
 *
 * - `public`: the libp2p public bootstrap nodes and the IPFS Amino DHT. Works with nothing of
 *   ours running. libp2p's browser safeguards stay on: no private or loopback addresses, no
 *   insecure WebSockets.
 * - `local` / `custom`: the nodes in a `network.json` served beside the app (host-network.ts
 *   fetches it), or typed in settings: the project's own self-hostable node (`src/relay`), a
 *   LAN, an organisation's own infrastructure, and every test. Only these may dial private and
 *   loopback addresses.
 */
import { AMINO_DHT_PROTOCOL } from './constants.ts';
import { checkNetworkJson, parseNetworkJson, type NetworkJson } from './network-json.ts';

export type NetworkProfileName = 'public' | 'local' | 'custom';

/** A network to call on: a network.json's fields (network-json.ts) and how far to trust it. */
export interface NetworkProfile extends NetworkJson {
  /** Which kind of profile this is; only `local` and `custom` allow private addresses. */
  readonly profile: NetworkProfileName;
  /** Whether loopback, private and insecure-WebSocket addresses may be dialled. */
  readonly allowPrivateAddresses: boolean;
}

/**
 * The libp2p/IPFS public bootstrap peers (those of Helia and kubo), each by an address a browser
 * dials as it is: a secure WebSocket URL whose host name the browser resolves with its own DNS.
 * Never `/dnsaddr`: libp2p resolves those TXT records with @multiformats/dns, which in a browser
 * asks DNS-over-HTTPS resolvers (dns.google and cloudflare-dns.com), so every user's IP would go
 * to two more operators that the privacy page would have to name (LIBP2P-NOTES.md, "Public
 * network facts").
 *
 * sjc-1, ams-2 and nrt-1 are the hosts behind bootstrap.libp2p.io's dnsaddr records, on secure
 * WebSockets at port 443; va1 is not in those records and is listed by its own `/tls/ws` address.
 * NOT CHECKED: these names were neither resolved nor dialled when this list was written (the
 * machine had no internet). Before a release, compare them with
 * `dig +short TXT _dnsaddr.bootstrap.libp2p.io` and the TXT records it points to; should one
 * host move, the others still bootstrap the node.
 */
export const PUBLIC_BOOTSTRAP: readonly string[] = [
  '/dns4/sjc-1.bootstrap.libp2p.io/tcp/443/wss/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dns4/ams-2.bootstrap.libp2p.io/tcp/443/wss/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dns4/nrt-1.bootstrap.libp2p.io/tcp/443/wss/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
  '/dns/va1.bootstrap.libp2p.io/tcp/443/tls/ws/p2p/12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8'
];

/**
 * Public STUN servers (the set @libp2p/webrtc would use by default). A STUN server sees the
 * caller's IP address when a call starts; the user can replace them or turn them off.
 */
export const PUBLIC_STUN_SERVERS: readonly RTCIceServer[] = [
  { urls: ['stun:stun.l.google.com:19302', 'stun:global.stun.twilio.com:3478'] },
  { urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.services.mozilla.com:3478'] }
];

/**
 * The public profile.
 *
 * @example
 * const profile = publicProfile({ iceServers: [] }) // STUN off
 */
export function publicProfile(
  options: { iceServers?: readonly RTCIceServer[] } = {}
): NetworkProfile {
  return {
    profile: 'public',
    name: 'Public libp2p network',
    bootstrap: PUBLIC_BOOTSTRAP,
    dhtProtocol: AMINO_DHT_PROTOCOL,
    iceServers: options.iceServers ?? PUBLIC_STUN_SERVERS,
    allowPrivateAddresses: false
  };
}

/**
 * The profile of a network.json's text (network-json.ts `parseNetworkJson`): a host's or the
 * user's own nodes, which may be on private addresses.
 *
 * @throws {InvalidNetworkConfigError} when the text is not JSON or does not fit the format.
 * @example
 * const profile = parseNetworkConfig(await (await fetch('network.json')).text(), 'local')
 */
export function parseNetworkConfig(
  text: string,
  profile: Exclude<NetworkProfileName, 'public'>
): NetworkProfile {
  return localProfile(parseNetworkJson(text), profile);
}

/** The profile of an already-parsed network description; see {@link parseNetworkConfig}. */
export function checkNetworkConfig(
  value: unknown,
  profile: Exclude<NetworkProfileName, 'public'>
): NetworkProfile {
  return localProfile(checkNetworkJson(value), profile);
}

function localProfile(
  json: NetworkJson,
  profile: Exclude<NetworkProfileName, 'public'>
): NetworkProfile {
  return { profile, ...json, allowPrivateAddresses: true };
}
