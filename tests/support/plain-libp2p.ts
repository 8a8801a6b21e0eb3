/**
 * Test support: a network of plain js-libp2p nodes, built here from the libp2p packages alone,
 * with nothing of Samen's own node (src/relay) in it. Each one is a Kademlia DHT server on the
 * Amino protocol ID (with identify and ping, which the DHT needs) and a circuit-relay-v2 relay
 * with reservations, listening on loopback TCP (node to node) and WebSockets (browsers). That is
 * all a call needs of a network: the app must work on any such libp2p network, not only ours.
 */
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2';
import { identify, type Identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { kadDHT, passthroughMapper, type KadDHT, type SingleKadDHT } from '@libp2p/kad-dht';
import { noise } from '@libp2p/noise';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';
import { yamux } from '@libp2p/yamux';
import { WebSockets } from '@multiformats/multiaddr-matcher';
import { createLibp2p } from 'libp2p';

export type PlainNode = Libp2p<{
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
  relay: CircuitRelayService;
}>;

export interface PlainNetwork {
  readonly nodes: readonly PlainNode[];
  /** One WebSocket address per node, ending in /p2p/<peer id>: a network.json's bootstrap. */
  readonly bootstrap: readonly string[];
  stop(): Promise<void>;
}

/** The IPFS Amino DHT's protocol ID, the default of the app's network.json too. */
const AMINO_DHT_PROTOCOL = '/ipfs/kad/1.0.0';

/** One plain node on 127.0.0.1, connected to nothing. */
export async function createPlainNode(): Promise<PlainNode> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // The DHT pings peers before it evicts them from its routing table.
      ping: ping(),
      dht: kadDHT({
        protocol: AMINO_DHT_PROTOCOL,
        // Server mode is switched on only for a public address otherwise.
        clientMode: false,
        // The default mapper drops 127.0.0.1, which is every address on this network.
        peerInfoMapper: passthroughMapper
      }),
      relay: circuitRelayServer({ reservations: { maxReservations: 64 } })
    }
  });
}

/**
 * Starts `count` plain nodes on 127.0.0.1 and connects each to every other one, so their DHT
 * routing tables hold each other before a browser arrives.
 */
export async function startPlainNetwork(count: number): Promise<PlainNetwork> {
  const nodes: PlainNode[] = [];
  const stop = async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(await createPlainNode());
    }
    await Promise.all(
      nodes.flatMap((node, i) =>
        nodes
          .slice(i + 1)
          .map((other) => node.dial(tcpAddress(other), { signal: AbortSignal.timeout(10_000) }))
      )
    );
    // Each node sees the others in its DHT routing table once identify has told it they speak
    // the DHT protocol.
    await Promise.all(
      nodes.map((node) =>
        waitFor(() => (node.services.dht as SingleKadDHT).routingTable.size >= count - 1, 10_000)
      )
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const bootstrap = nodes.map((node) => {
    const ws = node.getMultiaddrs().find((ma) => WebSockets.exactMatch(ma));
    if (ws === undefined) {
      throw new Error(`plain node ${node.peerId} has no WebSocket address`);
    }
    return ws.toString();
  });
  return { nodes, bootstrap, stop };
}

function tcpAddress(node: PlainNode) {
  const address = node.getMultiaddrs().find((ma) => !WebSockets.matches(ma));
  if (address === undefined) {
    throw new Error(`plain node ${node.peerId} has no TCP address`);
  }
  return address;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
