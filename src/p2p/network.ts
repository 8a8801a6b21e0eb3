/**
 * Network profiles: which libp2p nodes a call bootstraps from, which DHT protocol it speaks, and
 * which ICE servers its WebRTC connections may use.
 *
 * - `public`: the libp2p public bootstrap nodes and the IPFS Amino DHT. Works with nothing of
 *   ours running. libp2p's browser safeguards stay on: no private or loopback addresses, no
 *   insecure WebSockets.
 * - `local` / `custom`: the nodes in a `network.json` served beside the app, or typed in
 *   settings: the project's own self-hostable node (`src/relay`), a LAN, an organisation's own
 *   infrastructure, and every test. Only these may dial private and loopback addresses.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { InvalidNetworkConfigError } from './errors.ts';

export type NetworkProfileName = 'public' | 'local' | 'custom';

export interface NetworkProfile {
  /** Which kind of profile this is; only `local` and `custom` allow private addresses. */
  readonly profile: NetworkProfileName;
  /** A human name, shown in the UI ("Samen local network", an organisation's name…). */
  readonly name: string;
  /** Multiaddrs of bootstrap peers, each ending in /p2p/<peer id>. */
  readonly bootstrap: readonly string[];
  /** The Kademlia protocol ID; the IPFS Amino DHT's by default. */
  readonly dhtProtocol: string;
  /** ICE servers for WebRTC; empty means host candidates only (no STUN, no TURN). */
  readonly iceServers: readonly RTCIceServer[];
  /** Whether loopback, private and insecure-WebSocket addresses may be dialled. */
  readonly allowPrivateAddresses: boolean;
}

/** The Amino DHT's protocol ID: what the public IPFS/libp2p DHT speaks. */
export const AMINO_DHT_PROTOCOL = '/ipfs/kad/1.0.0';

/**
 * The libp2p/IPFS public bootstrap peers (as used by Helia and kubo). `/dnsaddr` resolves to the
 * secure WebSocket, WebTransport and WebRTC-direct addresses a browser can dial; va1 is listed by
 * its resolved address because it is not in the dnsaddr TXT records.
 */
export const PUBLIC_BOOTSTRAP: readonly string[] = [
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
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

/** Where the app looks for a host-provided network, relative to the app's own URL. */
export const NETWORK_JSON_PATH = 'network.json';

/** network.json is a few hundred bytes; anything far larger is a mistake or an attack. */
export const MAX_NETWORK_JSON_BYTES = 64 * 1024;

/** More bootstrap peers than this is a misconfiguration: each one is dialled at start. */
export const MAX_BOOTSTRAP_PEERS = 32;

/** The same bound for ICE servers: each one is contacted on every WebRTC connection. */
export const MAX_ICE_SERVERS = 16;

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
 * Parses and checks a network description (the documented `network.json` format):
 * `{ "name": string, "bootstrap": [multiaddr, ...], "dhtProtocol"?: string,
 *    "iceServers"?: RTCIceServer[] }`. Unknown keys are ignored.
 *
 * @throws {InvalidNetworkConfigError} when the text is not JSON or does not fit the format.
 * @example
 * const profile = parseNetworkConfig(await (await fetch('network.json')).text(), 'local')
 */
export function parseNetworkConfig(
  text: string,
  profile: Exclude<NetworkProfileName, 'public'>
): NetworkProfile {
  if (text.length > MAX_NETWORK_JSON_BYTES) {
    throw new InvalidNetworkConfigError(`network config is over ${MAX_NETWORK_JSON_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidNetworkConfigError('network config is not valid JSON');
  }
  return checkNetworkConfig(value, profile);
}

/** Checks an already-parsed network description; see {@link parseNetworkConfig}. */
export function checkNetworkConfig(
  value: unknown,
  profile: Exclude<NetworkProfileName, 'public'>
): NetworkProfile {
  if (!isRecord(value)) {
    throw new InvalidNetworkConfigError('network config must be a JSON object');
  }
  const { name, bootstrap, dhtProtocol, iceServers } = value;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
    throw new InvalidNetworkConfigError('"name" must be a non-empty string of at most 100 chars');
  }
  if (!Array.isArray(bootstrap) || bootstrap.length === 0) {
    throw new InvalidNetworkConfigError('"bootstrap" must be a non-empty array of multiaddrs');
  }
  if (bootstrap.length > MAX_BOOTSTRAP_PEERS) {
    throw new InvalidNetworkConfigError(`"bootstrap" lists more than ${MAX_BOOTSTRAP_PEERS} peers`);
  }
  const addresses = bootstrap.map((entry: unknown, i) => checkBootstrapAddress(entry, i));
  if (dhtProtocol !== undefined && !isProtocolId(dhtProtocol)) {
    throw new InvalidNetworkConfigError(
      '"dhtProtocol" must be a protocol ID such as /ipfs/kad/1.0.0'
    );
  }
  return {
    profile,
    name: name.trim(),
    bootstrap: addresses,
    dhtProtocol: dhtProtocol ?? AMINO_DHT_PROTOCOL,
    iceServers: iceServers === undefined ? [] : checkIceServers(iceServers),
    allowPrivateAddresses: true
  };
}

/**
 * Parses a bootstrap multiaddr as typed by a user or found in network.json.
 *
 * @throws {InvalidNetworkConfigError} when it is not a multiaddr ending in /p2p/<peer id>.
 */
export function checkBootstrapAddress(entry: unknown, index = 0): string {
  if (typeof entry !== 'string' || entry.length > 1024) {
    throw new InvalidNetworkConfigError(`bootstrap[${index}] must be a multiaddr string`);
  }
  let ma: Multiaddr;
  try {
    ma = multiaddr(entry.trim());
  } catch {
    throw new InvalidNetworkConfigError(`bootstrap[${index}] is not a valid multiaddr`);
  }
  if (ma.getComponents().at(-1)?.name !== 'p2p') {
    throw new InvalidNetworkConfigError(`bootstrap[${index}] must end in /p2p/<peer id>`);
  }
  return ma.toString();
}

function checkIceServers(value: unknown): RTCIceServer[] {
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVERS) {
    throw new InvalidNetworkConfigError(
      `"iceServers" must be an array of at most ${MAX_ICE_SERVERS} RTCIceServer objects`
    );
  }
  return value.map((server: unknown, i) => {
    if (!isRecord(server)) {
      throw new InvalidNetworkConfigError(`iceServers[${i}] must be an object`);
    }
    const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
    if (
      !Array.isArray(urls) ||
      urls.length === 0 ||
      !urls.every((url) => typeof url === 'string' && /^(stun|stuns|turn|turns):/.test(url))
    ) {
      throw new InvalidNetworkConfigError(`iceServers[${i}].urls must be stun: or turn: URLs`);
    }
    const checked: RTCIceServer = { urls };
    for (const key of ['username', 'credential'] as const) {
      const field = server[key];
      if (field !== undefined) {
        if (typeof field !== 'string') {
          throw new InvalidNetworkConfigError(`iceServers[${i}].${key} must be a string`);
        }
        checked[key] = field;
      }
    }
    return checked;
  });
}

/** Whether a profile offers a TURN server (needed to hide one's IP behind a relay). */
export function hasTurnServer(profile: NetworkProfile): boolean {
  return profile.iceServers.some((server) =>
    (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => /^turns?:/.test(url))
  );
}

export type LoadedNetwork =
  | { readonly profile: NetworkProfile; readonly source: 'network.json' | 'public' }
  | {
      readonly profile: NetworkProfile;
      readonly source: 'public';
      /** Why the host's network.json was not used. */
      readonly error: InvalidNetworkConfigError;
    };

export interface LoadNetworkOptions {
  /** The URL of network.json (resolved against the app's base URL by the caller). */
  readonly url: string | URL;
  readonly fetch?: typeof globalThis.fetch;
  readonly signal?: AbortSignal;
  /** Options for the public profile used when the host serves no network.json. */
  readonly publicOptions?: Parameters<typeof publicProfile>[0];
}

/**
 * Loads the host's network.json when there is one, else the public profile. A malformed file is
 * reported (as `error`) and the public profile is used instead, so the app keeps working.
 *
 * @example
 * const { profile, error } = await loadNetwork({ url: new URL('network.json', document.baseURI) })
 */
export async function loadNetwork(options: LoadNetworkOptions): Promise<LoadedNetwork> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const fallback = publicProfile(options.publicOptions);
  let response: Response;
  try {
    // Always from the network: the host may change its nodes, and the service worker never
    // caches this file (see vite.config.ts).
    response = await fetchFn(options.url, { cache: 'no-store', signal: options.signal });
  } catch {
    options.signal?.throwIfAborted();
    // Offline, or no server: nothing to report, the public profile is the documented default.
    return { profile: fallback, source: 'public' };
  }
  if (response.status === 404) {
    return { profile: fallback, source: 'public' };
  }
  if (!response.ok) {
    return {
      profile: fallback,
      source: 'public',
      error: new InvalidNetworkConfigError(`network.json answered HTTP ${response.status}`)
    };
  }
  try {
    const profile = parseNetworkConfig(await readLimited(response), 'local');
    return { profile, source: 'network.json' };
  } catch (err) {
    options.signal?.throwIfAborted();
    if (err instanceof InvalidNetworkConfigError) {
      return { profile: fallback, source: 'public', error: err };
    }
    throw err;
  }
}

async function readLimited(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_NETWORK_JSON_BYTES) {
    throw new InvalidNetworkConfigError(`network config is over ${MAX_NETWORK_JSON_BYTES} bytes`);
  }
  return response.text();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isProtocolId(value: unknown): value is string {
  return typeof value === 'string' && /^\/[\x21-\x7e]{1,200}$/.test(value);
}
