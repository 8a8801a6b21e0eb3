/**
 * Part of the DHT server swarm of `bench/dht.ts`, in a process of its own (forked with IPC):
 * `count` shipped Samen nodes (src/relay, default options) on 127.0.0.1, peered as
 * `startSwarm` peers them. A large swarm is split over a few such processes (one per core): the
 * first one hands the others seed addresses, which their first nodes dial.
 *
 * Unlike `startSwarm` it paces the starts. Every Samen node accepts at most 5 new inbound
 * connections a second from one IP address (libp2p's inboundConnectionThreshold), and here every
 * connection comes from 127.0.0.1; each new node's first DHT queries reach most of a small swarm,
 * so starting them back to back gets connections refused and leaves holes in routing tables that
 * a real network, with one address per node, does not have. The default stays as shipped; the
 * benchmark starts at most {@link STARTS_PER_SECOND} nodes a second, over all its processes.
 *
 * It also stops each node's libp2p connection monitor (unless BENCH_DHT_CONNECTION_MONITOR=on).
 * The monitor pings every open connection every 10 s from both ends and drops a connection whose
 * ping times out. Each server keeps a connection to most servers it has queried, so in a swarm
 * of N nodes on one machine the pings grow as N × connections: 60 nodes already kept about half
 * a core busy doing nothing else, and 200 need more than this machine's two cores, at which point
 * pings time out, connections are dropped and redialled, and the swarm thrashes. On a real
 * network each node pings only its own connections on its own machine. The monitor only checks
 * liveness: queries, routing tables and provider records work as shipped, and no option of the
 * shipped node changes (there is none for the monitor; libp2p's internals are reached instead).
 *
 *   node bench/dht-swarm.ts <count> <processes> <seed multiaddrs as JSON> <index of its first node>
 *   child → parent: { type: 'seeds', … } (the first process, once it has a few nodes),
 *                   { type: 'started' } once its nodes are up
 *   parent → child: { type: 'settle' } → { type: 'ready', … } once routing tables are quiet
 *   parent → child: { type: 'stop' } → { type: 'stopped', … }
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SingleKadDHT } from '@libp2p/kad-dht';
import { TCP } from '@multiformats/multiaddr-matcher';
import { SWARM_PEERS_PER_NODE } from '../src/relay/constants.ts';
import { createSamenNode, networkJsonFor, type SamenNode } from '../src/relay/node.ts';
import { listenFor, parseCli } from '../src/relay/options.ts';

/** Below the per-IP threshold of 5 a second, so a node that every newcomer dials keeps up. */
const STARTS_PER_SECOND = 4;
/**
 * Node i listens on TCP BASE_PORT + 10·i, WebSockets + 1 and WebRTC-direct (UDP) + 2 (the
 * CLI's --port layout), below the ephemeral range. Not port 0: for WebRTC-direct, @libp2p/webrtc
 * picks "a free port" by asking for a free TCP port and then binds UDP to that number, which a
 * few hundred UDP listeners in one network namespace soon collide with ("Failed to register ICE
 * UDP mux listener", and the process dies). The benchmark runs in a namespace of its own.
 */
const BASE_PORT = 20_000;
const KEEP_CONNECTION_MONITOR = process.env.BENCH_DHT_CONNECTION_MONITOR === 'on';
/** The first process hands out seeds once it has this many nodes: the swarm is not tiny then. */
const SEED_AFTER = 20;
/** Routing tables are taken as settled when no size changed for this long. */
const SETTLE_QUIET_MS = 2_000;
/** …or after this long at most. */
const SETTLE_MAX_MS = 30_000;

export interface SwarmSeeds {
  readonly type: 'seeds';
  /** TCP multiaddrs of some of the first process's nodes. */
  readonly addresses: readonly string[];
}

export interface SwarmReady {
  readonly type: 'ready';
  readonly nodes: number;
  /** One WebSocket multiaddr per node, ending in /p2p/<id>: what a call node can bootstrap from. */
  readonly bootstrap: readonly string[];
  readonly dhtProtocol: string;
  readonly startMs: number;
  /** CPU seconds this process used to start its nodes. */
  readonly startCpuS: number;
  readonly settleMs: number;
  readonly routingTableSizes: readonly number[];
  readonly connections: readonly number[];
  readonly rssMB: number;
}

/** Sent when stopped: how late this process's event loop ran while the rounds were measured. */
export interface SwarmStopped {
  readonly type: 'stopped';
  readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

const count = Number(process.argv[2]);
const processes = Number(process.argv[3] ?? 1);
const seeds = JSON.parse(process.argv[4] ?? '[]') as string[];
const firstIndex = Number(process.argv[5] ?? 0);
if (!Number.isInteger(count) || count < 1 || !(processes >= 1) || process.send === undefined) {
  console.error('usage: forked by bench/dht.ts with the number of nodes and of processes');
  process.exit(2);
}
const send = (message: object) => process.send!(message);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const options = parseCli(['--port', '0']).node;
const nodes: SamenNode[] = [];

/** As startSwarm: the most recent node (a chain keeps the swarm connected), plus random others. */
function peersFor(): string[] {
  const picked = new Set<SamenNode>();
  if (nodes.length > 0) picked.add(nodes.at(-1)!);
  while (picked.size < Math.min(SWARM_PEERS_PER_NODE, nodes.length)) {
    picked.add(nodes[Math.floor(Math.random() * nodes.length)]!);
  }
  // The first nodes of a later process each join the first process's part through one seed.
  const seed = seeds[nodes.length];
  return [...[...picked].flatMap(tcpAddress), ...(seed === undefined ? [] : [seed])];
}

/** See the header: libp2p's connection monitor, stopped before its first round of pings. */
function stopConnectionMonitor(node: SamenNode): void {
  const components = (node as unknown as { components?: Record<string, unknown> }).components;
  const monitor = components?.connectionMonitor as { stop?: () => void } | undefined;
  if (typeof monitor?.stop !== 'function') {
    // A libp2p that keeps it elsewhere: fail, rather than measure a thrashing swarm unawares.
    throw new Error('no libp2p connection monitor to stop; set BENCH_DHT_CONNECTION_MONITOR=on');
  }
  monitor.stop();
}

function tcpAddress(node: SamenNode): string[] {
  const address = node.getMultiaddrs().find((ma) => TCP.exactMatch(ma));
  return address === undefined ? [] : [address.toString()];
}

const routingTableSizes = () =>
  nodes.map((node) => (node.services.dht as SingleKadDHT).routingTable.size);

const started = performance.now();
for (let i = 0; i < count; i++) {
  const due = started + (i * 1000 * processes) / STARTS_PER_SECOND;
  await sleep(Math.max(0, due - performance.now()));
  const node = await createSamenNode({
    ...options,
    listen: listenFor('127.0.0.1', BASE_PORT, firstIndex + i),
    bootstrap: peersFor()
  });
  if (!KEEP_CONNECTION_MONITOR) stopConnectionMonitor(node);
  nodes.push(node);
  if (seeds.length === 0 && nodes.length === Math.min(SEED_AFTER, count)) {
    const addresses = [...nodes]
      .sort(() => Math.random() - 0.5)
      .slice(0, SWARM_PEERS_PER_NODE)
      .flatMap(tcpAddress);
    send({ type: 'seeds', addresses } satisfies SwarmSeeds);
  }
}
const startMs = performance.now() - started;
const startCpuS = process.cpuUsage().user / 1e6;
send({ type: 'started' });

/** Waits until no routing table of this process changed for SETTLE_QUIET_MS. */
async function settle(): Promise<number> {
  const settleStart = performance.now();
  let last = routingTableSizes().join();
  let quietSince = performance.now();
  while (performance.now() - settleStart < SETTLE_MAX_MS) {
    await sleep(500);
    const now = routingTableSizes().join();
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= SETTLE_QUIET_MS) {
      break;
    }
  }
  return performance.now() - settleStart;
}

// All of this process's nodes share its event loop: if it lags, every DHT answer does.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

process.on('message', (message: { type?: string }) => {
  if (message.type === 'settle') {
    void settle().then((settleMs) => {
      const ready: SwarmReady = {
        type: 'ready',
        nodes: nodes.length,
        bootstrap: networkJsonFor(nodes, 'bench', options.dhtProtocol).bootstrap,
        dhtProtocol: options.dhtProtocol,
        startMs: Math.round(startMs),
        startCpuS: Math.round(startCpuS * 10) / 10,
        settleMs: Math.round(settleMs),
        routingTableSizes: routingTableSizes(),
        connections: nodes.map((node) => node.getConnections().length),
        rssMB: Math.round(process.memoryUsage().rss / 1e6)
      };
      send(ready);
      // Measured from here on: the rounds.
      loopDelay.enable();
    });
  }
  if (message.type === 'stop') {
    loopDelay.disable();
    const ms = (ns: number) => Math.round(ns / 1e6);
    const stopped: SwarmStopped = {
      type: 'stopped',
      loopDelayMs: {
        p50: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max)
      }
    };
    void Promise.allSettled(nodes.map((node) => node.stop())).then(() => {
      process.send?.(stopped, () => process.exit(0));
    });
  }
});
// The parent went away (crashed, or was killed): do not linger with hundreds of nodes.
process.on('disconnect', () => process.exit(0));
