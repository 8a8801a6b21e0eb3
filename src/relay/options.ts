/**
 * Command-line options of the Samen node, parsed with Node's own `util.parseArgs` and checked
 * into a plain {@link NodeOptions} object that {@link createSamenNode} takes.
 */
import { parseArgs } from 'node:util';
import { multiaddr } from '@multiformats/multiaddr';
import { AMINO_DHT_PROTOCOL } from '../p2p/constants.ts';
import { isIceServerUrl, isTurnUrl } from '../p2p/ice-servers.ts';
import { isProtocolId } from '../p2p/network-json.ts';
import { MAX_TURN_CREDENTIAL_TTL_S } from '../p2p/protocols/turn/index.ts';
import {
  DEFAULT_BASE_PORT,
  DEFAULT_HOST,
  DEFAULT_MAX_RESERVATIONS,
  DEFAULT_MAX_RESERVATIONS_PER_ADDRESS,
  DEFAULT_MAX_RESERVATIONS_PER_NETWORK,
  DEFAULT_RELAY_DATA_LIMIT_BYTES,
  DEFAULT_RELAY_DURATION_LIMIT_S,
  DEFAULT_RESERVATION_TTL_S,
  MAX_NODES_PER_PROCESS,
  PORT_STRIDE_PER_NODE
} from './constants.ts';
import { DEFAULT_TURN_TTL_S, TURN_REQUESTS_PER_PEER, type TurnOptions } from './turn.ts';

export interface RelayLimits {
  readonly maxReservations: number;
  /** Per client address (IPv6: per /64); 0 = no cap (src/relay/reservation-limits.ts). */
  readonly maxReservationsPerAddress: number;
  /** Per public /24 (IPv4) or /48 (IPv6); 0 = no cap. */
  readonly maxReservationsPerNetwork: number;
  readonly reservationTtlMs: number;
  readonly durationLimitMs: number;
  readonly dataLimitBytes: bigint;
}

export interface NodeOptions {
  /** Multiaddrs to listen on. */
  readonly listen: readonly string[];
  /** Multiaddrs to announce instead of the listen addresses (e.g. a public DNS name). */
  readonly announce: readonly string[];
  /** Peers to connect to at start (other Samen nodes, or the public bootstrap list). */
  readonly bootstrap: readonly string[];
  readonly dhtProtocol: string;
  /** Keep private and loopback addresses in DHT records (a LAN or local network). */
  readonly allowPrivateAddresses: boolean;
  readonly relay: RelayLimits;
  /** A file holding the node's private key; created on first start. */
  readonly keyFile?: string;
  /** A directory that keeps the WebRTC-direct certificate and DHT records across restarts. */
  readonly dataDir?: string;
  /** Hand out credentials of the TURN server beside it (relay/turn.ts); the CLI reads the secret. */
  readonly turn?: TurnOptions;
}

export interface CliOptions {
  readonly nodes: number;
  readonly node: NodeOptions;
  /** Listen settings per node index, when a swarm is started (see {@link listenFor}). */
  readonly host: string;
  readonly basePort: number;
  readonly listenGiven: boolean;
  /** Write a network.json describing the started nodes here. */
  readonly networkJson?: string;
  /**
   * The TURN server beside the nodes: its URLs (for network.json's turnFromNodes), the file
   * holding coturn's static-auth-secret, and how long the credentials the nodes mint live.
   */
  readonly turn?: {
    readonly urls: readonly string[];
    readonly secretFile: string;
    readonly ttlSeconds: number;
  };
  readonly networkName: string;
  /** Log each connection and reservation with the client's peer ID and IP address. */
  readonly verbose: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: samen-node [options]

Runs a Samen node: a Kademlia DHT server, a circuit-relay-v2 relay (reservations for browsers)
and a bootstrap peer, reachable over TCP, WebSockets and WebRTC-direct.

Options:
  --host <ip>               address to listen on (default ${DEFAULT_HOST})
  --port <n>                base port: TCP on n, WebSockets on n+1, WebRTC-direct (UDP) on n+2;
                            node i of --nodes uses n+${PORT_STRIDE_PER_NODE}·i; 0 = free ports (default ${DEFAULT_BASE_PORT})
  --listen <multiaddr>      listen on exactly this address (repeatable; replaces --host/--port)
  --announce <multiaddr>    announce this address instead (repeatable), e.g.
                            /dns4/samen.example.org/tcp/443/wss behind a TLS proxy
  --bootstrap <multiaddr>   connect to this peer at start (repeatable)
  --dht-protocol <id>       Kademlia protocol (default ${AMINO_DHT_PROTOCOL}, the public Amino DHT)
  --public                  the node is on the internet: drop private addresses from DHT records
  --key-file <path>         keep the node's identity in this file (created if missing)
  --data-dir <path>         keep the WebRTC-direct certificate and DHT records here
  --relay-max-reservations <n>   (default ${DEFAULT_MAX_RESERVATIONS})
  --relay-max-reservations-per-ip <n>
                            per client IP address, an IPv6 /64 counting as one; 0 = no cap
                            (default ${DEFAULT_MAX_RESERVATIONS_PER_ADDRESS}). Behind a proxy on this machine every
                            WebSockets client has the proxy's address: raise it, or 0
  --relay-max-reservations-per-network <n>
                            per public /24 (IPv4) or /48 (IPv6); private and loopback
                            addresses are not counted here; 0 = no cap (default ${DEFAULT_MAX_RESERVATIONS_PER_NETWORK})
  --relay-reservation-ttl <s>    (default ${DEFAULT_RESERVATION_TTL_S})
  --relay-duration-limit <s>     per relayed connection (default ${DEFAULT_RELAY_DURATION_LIMIT_S})
  --relay-data-limit <bytes>     per relayed connection (default ${DEFAULT_RELAY_DATA_LIMIT_BYTES})
  --nodes <n>               start n peered nodes in this process, for a local swarm (default 1)
  --network-json <path>     write a network.json for the app describing the started nodes
  --network-name <name>     the name in that network.json (default "Samen local network")
  --turn-url <url>          a turn: or turns: URL of the TURN server beside this node
                            (repeatable; written to network.json's turnFromNodes)
  --turn-secret-file <path> the file holding that server's static-auth-secret (coturn's
                            use-auth-secret): the node hands connected browsers credentials
                            minted from it, at most ${TURN_REQUESTS_PER_PEER} a minute each
  --turn-ttl <s>            how long those credentials live (default ${DEFAULT_TURN_TTL_S})
  --verbose                 log every connection, reservation and refusal with the client's
                            peer ID and IP address (by default the log holds neither: only
                            starting, listening addresses and errors)
  -h, --help                show this help
`;

/**
 * Parses the command line of `samen-node`.
 *
 * @throws {UsageError} for an unknown option or a value out of range.
 * @example
 * const options = parseCli(['--nodes', '3', '--port', '0'])
 */
export function parseCli(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string', default: DEFAULT_HOST },
        port: { type: 'string', default: String(DEFAULT_BASE_PORT) },
        listen: { type: 'string', multiple: true, default: [] },
        announce: { type: 'string', multiple: true, default: [] },
        bootstrap: { type: 'string', multiple: true, default: [] },
        // The public DHT's, so that a node on the internet joins it unless told otherwise.
        'dht-protocol': { type: 'string', default: AMINO_DHT_PROTOCOL },
        public: { type: 'boolean', default: false },
        'key-file': { type: 'string' },
        'data-dir': { type: 'string' },
        'relay-max-reservations': { type: 'string', default: String(DEFAULT_MAX_RESERVATIONS) },
        'relay-max-reservations-per-ip': {
          type: 'string',
          default: String(DEFAULT_MAX_RESERVATIONS_PER_ADDRESS)
        },
        'relay-max-reservations-per-network': {
          type: 'string',
          default: String(DEFAULT_MAX_RESERVATIONS_PER_NETWORK)
        },
        'relay-reservation-ttl': { type: 'string', default: String(DEFAULT_RESERVATION_TTL_S) },
        'relay-duration-limit': { type: 'string', default: String(DEFAULT_RELAY_DURATION_LIMIT_S) },
        'relay-data-limit': { type: 'string', default: String(DEFAULT_RELAY_DATA_LIMIT_BYTES) },
        nodes: { type: 'string', default: '1' },
        'network-json': { type: 'string' },
        'network-name': { type: 'string', default: 'Samen local network' },
        'turn-url': { type: 'string', multiple: true, default: [] },
        'turn-secret-file': { type: 'string' },
        'turn-ttl': { type: 'string', default: String(DEFAULT_TURN_TTL_S) },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      }
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const nodes = integer('--nodes', v.nodes, 1, MAX_NODES_PER_PROCESS);
  if (nodes > 1 && (v['key-file'] !== undefined || v['data-dir'] !== undefined)) {
    throw new UsageError('--key-file and --data-dir keep one identity: use them with one node');
  }
  if (nodes > 1 && v.listen.length > 0) {
    throw new UsageError('--listen gives one node its addresses: use --host/--port with --nodes');
  }
  if (!isProtocolId(v['dht-protocol'])) {
    throw new UsageError(`--dht-protocol must be a protocol ID such as ${AMINO_DHT_PROTOCOL}`);
  }
  const host = v.host;
  const basePort = integer('--port', v.port, 0, 65535 - PORT_STRIDE_PER_NODE * nodes);
  const listen = v.listen.length > 0 ? v.listen.map((a) => address('--listen', a)) : [];
  const turnUrls = v['turn-url'];
  if (turnUrls.length > 0 !== (v['turn-secret-file'] !== undefined)) {
    throw new UsageError('--turn-url and --turn-secret-file go together');
  }
  for (const url of turnUrls) {
    if (!isIceServerUrl(url) || !isTurnUrl(url)) {
      throw new UsageError(`--turn-url ${url} is not a turn: or turns: URL`);
    }
  }
  const turn =
    v['turn-secret-file'] === undefined
      ? undefined
      : {
          urls: turnUrls,
          secretFile: v['turn-secret-file'],
          ttlSeconds: integer('--turn-ttl', v['turn-ttl'], 60, MAX_TURN_CREDENTIAL_TTL_S)
        };
  return {
    nodes,
    host,
    basePort,
    listenGiven: listen.length > 0,
    networkJson: v['network-json'],
    ...(turn === undefined ? {} : { turn }),
    networkName: v['network-name'],
    verbose: v.verbose,
    help: v.help,
    node: {
      listen: listen.length > 0 ? listen : listenFor(host, basePort, 0),
      announce: v.announce.map((a) => address('--announce', a)),
      bootstrap: v.bootstrap.map((a) => address('--bootstrap', a)),
      dhtProtocol: v['dht-protocol'],
      allowPrivateAddresses: !v.public,
      keyFile: v['key-file'],
      dataDir: v['data-dir'],
      relay: {
        maxReservations: integer('--relay-max-reservations', v['relay-max-reservations'], 1, 1e6),
        maxReservationsPerAddress: integer(
          '--relay-max-reservations-per-ip',
          v['relay-max-reservations-per-ip'],
          0,
          1e6
        ),
        maxReservationsPerNetwork: integer(
          '--relay-max-reservations-per-network',
          v['relay-max-reservations-per-network'],
          0,
          1e6
        ),
        reservationTtlMs:
          1000 * integer('--relay-reservation-ttl', v['relay-reservation-ttl'], 60, 86_400),
        durationLimitMs:
          1000 * integer('--relay-duration-limit', v['relay-duration-limit'], 10, 86_400),
        dataLimitBytes: BigInt(
          integer('--relay-data-limit', v['relay-data-limit'], 16_384, Number.MAX_SAFE_INTEGER)
        )
      }
    }
  };
}

/**
 * The listen addresses of node `index` of a swarm on `host`: TCP, WebSockets, WebRTC-direct.
 *
 * @example
 * listenFor('127.0.0.1', 0, 0) // free ports on loopback
 */
export function listenFor(host: string, basePort: number, index: number): string[] {
  const family = host.includes(':') ? 'ip6' : 'ip4';
  const port = (offset: number) =>
    basePort === 0 ? 0 : basePort + PORT_STRIDE_PER_NODE * index + offset;
  return [
    `/${family}/${host}/tcp/${port(0)}`,
    `/${family}/${host}/tcp/${port(1)}/ws`,
    `/${family}/${host}/udp/${port(2)}/webrtc-direct`
  ];
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function address(flag: string, text: string): string {
  try {
    return multiaddr(text).toString();
  } catch {
    throw new UsageError(`${flag} ${text} is not a valid multiaddr`);
  }
}
