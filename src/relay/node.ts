/**
 * The self-hostable Samen node: a Kademlia DHT server, a circuit-relay-v2 relay that browsers
 * reserve slots on, and a bootstrap peer. It knows nothing of Samen's calls: a call's
 * rendezvous is an opaque CID and its content is Noise-encrypted end to end, so any plain
 * libp2p node with the same services works too (README, "Self-hosting").
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { identify, type Identify } from '@libp2p/identify';
import { KEEP_ALIVE, type Libp2p, type PrivateKey } from '@libp2p/interface';
import {
  kadDHT,
  passthroughMapper,
  removePrivateAddressesMapper,
  type KadDHT
} from '@libp2p/kad-dht';
import { keychain } from '@libp2p/keychain';
import { noise } from '@libp2p/noise';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { webRTCDirect } from '@libp2p/webrtc';
import { webSockets } from '@libp2p/websockets';
import { yamux } from '@libp2p/yamux';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { WebRTCDirect, WebSockets } from '@multiformats/multiaddr-matcher';
import { FsDatastore } from 'datastore-fs';
import { createLibp2p } from 'libp2p';
import type { NetworkJson } from '../p2p/network-json.ts';
import { PING_INTERVAL_MS, PING_TIMEOUT_MS, SWARM_PEERS_PER_NODE } from './constants.ts';
import { listenFor, type NodeOptions } from './options.ts';
import { ReservationLimiter } from './reservation-limits.ts';
import { serveTurnCredentials } from './turn.ts';

export type SamenNode = Libp2p<{
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
  relay: CircuitRelayService;
}>;

export interface NodeLogger {
  /** What an operator always sees: starting, listening, errors. Never a client's ID or IP. */
  info(message: string): void;
  /**
   * Each connection, reservation and refusal, with the client's peer ID and IP address; only
   * when the operator asks for it (`samen-node --verbose`): a relay's log is a record of who
   * was online when, and from where.
   */
  verbose?(message: string): void;
}

const silent: NodeLogger = { info: () => {} };

/**
 * Creates and starts one Samen node.
 *
 * @example
 * const node = await createSamenNode({ ...options.node, listen: listenFor('127.0.0.1', 0, 0) })
 * console.log(node.getMultiaddrs().map(String))
 */
export async function createSamenNode(
  options: NodeOptions,
  log: NodeLogger = silent
): Promise<SamenNode> {
  const privateKey =
    options.keyFile !== undefined || options.dataDir !== undefined
      ? await loadOrCreateKey(options.keyFile ?? join(options.dataDir ?? '.', 'peer.key'))
      : await generateKeyPair('Ed25519');
  const persistent = options.dataDir === undefined ? undefined : await openDataDir(options.dataDir);

  // The gater is given before the node exists; it asks the node once there is one.
  const late: { node?: SamenNode } = {};
  const limiter = new ReservationLimiter({
    caps: {
      perAddress: options.relay.maxReservationsPerAddress,
      perNetwork: options.relay.maxReservationsPerNetwork
    },
    reservations: () => late.node?.services.relay.reservations ?? [],
    connections: (peer) => late.node?.getConnections(peer) ?? []
  });

  const node: SamenNode = await createLibp2p({
    privateKey,
    datastore: persistent?.datastore,
    addresses: {
      listen: [...options.listen],
      announce: [...options.announce]
    },
    transports: [tcp(), webSockets(), webRTCDirect()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // circuit-relay-v2 asks this before each new reservation (and each renewal).
      denyInboundRelayReservation: (peer) => {
        const decision = limiter.check(peer);
        if (!decision.allowed) {
          log.verbose?.(
            decision.reason === 'no-address'
              ? `relay reservation refused for ${peer}: no IP address to count it against`
              : `relay reservation refused for ${peer}: ${decision.group} holds ${decision.cap} (the ${decision.reason} cap)`
          );
        }
        return !decision.allowed;
      }
    },
    connectionManager: {
      // A relay and DHT server talks to many browsers at once.
      maxConnections: 1024
    },
    connectionMonitor: {
      pingInterval: PING_INTERVAL_MS,
      pingTimeout: { minTimeout: PING_TIMEOUT_MS, maxTimeout: PING_TIMEOUT_MS }
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: options.dhtProtocol,
        clientMode: false,
        // On loopback or a LAN the default mapper would drop every address we have.
        peerInfoMapper: options.allowPrivateAddresses
          ? passthroughMapper
          : removePrivateAddressesMapper
      }),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: options.relay.maxReservations,
          reservationTtl: options.relay.reservationTtlMs,
          applyDefaultLimit: true,
          defaultDurationLimit: options.relay.durationLimitMs,
          defaultDataLimit: options.relay.dataLimitBytes
        }
      }),
      ...(persistent === undefined ? {} : { keychain: keychain({ pass: persistent.pass }) })
    }
  });

  late.node = node;

  // "The reservation remains valid until its expiration, as long as there is an active
  // connection from the peer to the relay. If the peer disconnects, the reservation is no longer
  // valid" (libp2p specs, relay/circuit-v2.md). circuit-relay-v2 4.2.13 keeps it until it expires
  // (an hour): a page reloaded a few times, or a peer that reserves and disconnects over and
  // over, would hold the caps and the relay's slots with reservations nobody can use.
  node.addEventListener('peer:disconnect', ({ detail: peer }) => {
    const reservation = node.services.relay.reservations.get(peer);
    if (reservation !== undefined) {
      // Its timer would otherwise delete a later reservation of the same peer when it fires.
      reservation.signal.clear();
      node.services.relay.reservations.delete(peer);
    }
  });

  const verbose = log.verbose?.bind(log);
  if (verbose !== undefined) {
    node.addEventListener('connection:open', ({ detail: connection }) =>
      verbose(`peer connected ${connection.remotePeer} at ${connection.remoteAddr}`)
    );
    node.addEventListener('peer:disconnect', ({ detail: peer }) =>
      verbose(`peer disconnected ${peer}`)
    );
    node.services.relay.addEventListener('relay:reservation', ({ detail: reservation }) =>
      verbose(`relay reservation for ${reservation.addr}`)
    );
  }
  if (persistent !== undefined) {
    node.addEventListener('stop', () => void persistent.datastore.close(), { once: true });
  }

  if (options.turn !== undefined) {
    await serveTurnCredentials(node, options.turn, log);
  }
  await connectTo(node, options.bootstrap, log);
  return node;
}

/**
 * Starts `count` nodes in this process and peers them into one swarm (each node connects to up
 * to {@link SWARM_PEERS_PER_NODE} earlier ones, so the DHT is connected whatever `count` is).
 */
export async function startSwarm(
  count: number,
  options: NodeOptions & { host: string; basePort: number; listenGiven?: boolean },
  log: NodeLogger = silent
): Promise<SamenNode[]> {
  const nodes: SamenNode[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const listen =
        options.listenGiven === true && i === 0
          ? options.listen
          : listenFor(options.host, options.basePort, i);
      const earlier = pickPeers(nodes, SWARM_PEERS_PER_NODE).flatMap((peer) =>
        dialableAddress(peer)
      );
      nodes.push(
        await createSamenNode(
          { ...options, listen, bootstrap: [...options.bootstrap, ...earlier] },
          prefixed(log, count > 1 ? `[node ${i}] ` : '')
        )
      );
    }
  } catch (err) {
    await Promise.allSettled(nodes.map((node) => node.stop()));
    throw err;
  }
  return nodes;
}

/** The WebSockets and WebRTC-direct addresses of a node: what a browser can dial. */
export function browserAddresses(node: Pick<SamenNode, 'getMultiaddrs'>): Multiaddr[] {
  return node
    .getMultiaddrs()
    .filter((ma) => WebSockets.exactMatch(ma) || WebRTCDirect.exactMatch(ma));
}

/**
 * A network.json (src/p2p/network-json.ts, the app's own format) that points the app at these
 * nodes; `writeNetworkJson` turns it into the file, checked as the app will read it.
 *
 * @example
 * await writeFile(path, writeNetworkJson(networkJsonFor(nodes, 'Home', AMINO_DHT_PROTOCOL)))
 */
export function networkJsonFor(
  nodes: readonly Pick<SamenNode, 'getMultiaddrs'>[],
  name: string,
  dhtProtocol: string,
  turnUrls: readonly string[] = []
): NetworkJson {
  return {
    name,
    // One address per node: browsers dial every bootstrap entry, and one connection per node is
    // what they need. WebSockets first: it connects fastest (LIBP2P-NOTES.md).
    bootstrap: nodes.flatMap((node) => {
      const addresses = browserAddresses(node);
      const preferred = addresses.find((ma) => WebSockets.exactMatch(ma)) ?? addresses[0];
      return preferred === undefined ? [] : [preferred.toString()];
    }),
    dhtProtocol,
    // Loopback and LAN calls need no STUN: host candidates connect directly.
    iceServers: [],
    // The nodes hand out this TURN server's credentials (--turn-url, --turn-secret-file).
    ...(turnUrls.length === 0 ? {} : { turnFromNodes: [...turnUrls] })
  };
}

function prefixed(log: NodeLogger, prefix: string): NodeLogger {
  const verbose = log.verbose?.bind(log);
  return {
    info: (message) => log.info(prefix + message),
    ...(verbose === undefined ? {} : { verbose: (message: string) => verbose(prefix + message) })
  };
}

function dialableAddress(node: SamenNode): string[] {
  const tcpAddress = node
    .getMultiaddrs()
    .find((ma) => !WebSockets.matches(ma) && ma.toString().includes('/tcp/'));
  return tcpAddress === undefined ? [] : [tcpAddress.toString()];
}

function pickPeers<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) {
    return [...items];
  }
  // The most recent neighbour keeps the swarm a chain; the rest spread links across it.
  const picked = new Set<T>([items[items.length - 1] as T]);
  while (picked.size < count) {
    picked.add(items[Math.floor(Math.random() * items.length)] as T);
  }
  return [...picked];
}

async function connectTo(node: SamenNode, addresses: readonly string[], log: NodeLogger) {
  await Promise.all(
    addresses.map(async (address) => {
      const ma = multiaddr(address);
      const peerId = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
      try {
        const connection = await node.dial(ma, { signal: AbortSignal.timeout(10_000) });
        // Keep bootstrap peers connected: libp2p redials peers tagged keep-alive.
        await node.peerStore.merge(connection.remotePeer, { tags: { [KEEP_ALIVE]: {} } });
      } catch (err) {
        log.info(`could not reach bootstrap peer ${peerId ?? address}: ${(err as Error).message}`);
      }
    })
  );
}

/**
 * Loads the node's private key from `path`, or creates it there (mode 0600) on first start.
 * The file holds the libp2p protobuf encoding of an Ed25519 key.
 */
export async function loadOrCreateKey(path: string): Promise<PrivateKey> {
  try {
    return privateKeyFromProtobuf(await readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
  }
  const key = await generateKeyPair('Ed25519');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' });
  return key;
}

async function openDataDir(dir: string): Promise<{ datastore: FsDatastore; pass: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  // The keychain (which keeps the WebRTC-direct certificate's key) wants a password to encrypt
  // with; the directory's permissions are the real protection, so a random one is kept beside.
  const passFile = join(dir, 'keychain.pass');
  let pass: string;
  try {
    pass = (await readFile(passFile, 'utf8')).trim();
  } catch {
    pass = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
    await writeFile(passFile, pass, { mode: 0o600, flag: 'wx' });
  }
  const datastore = new FsDatastore(join(dir, 'datastore'));
  await datastore.open();
  return { datastore, pass };
}
