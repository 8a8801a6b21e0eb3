// `npm run bench:dht`: how rendezvous on the DHT grows with the network. For each swarm size N
// (10, 50, 200 shipped Samen nodes in separate processes, up to 100 each: bench/dht-swarm.ts), ROUNDS rounds
// of two fresh call nodes in this process, each bootstrapped from BOOTSTRAP different random
// nodes of the swarm, as a warm start-page node is: A announces the room's rendezvous CID (the
// app's own, src/p2p/keys.ts) as Rendezvous does, then B runs the app's lookup (findProviders of
// the current and the previous hour's CID at once). Measured on B, from its lookup start to the
// PROVIDER event that carries A with a dialable relayed address:
// - time-to-found (ms);
// - hops: the length of the query path to the peer that answered with A's record (a peer from
//   B's own routing table is hop 1, a peer that hop-k named as closer is hop k+1);
// - contacted: how many DHT servers B had dialled for that query by then.
//
//   node scripts/isolated.ts node bench/dht.ts
//   BENCH_ROUNDS=3 BENCH_DHT_NODES=10,50 node scripts/isolated.ts node bench/dht.ts   (smoke)
import { fork, type ChildProcess } from 'node:child_process';
import type { PeerId } from '@libp2p/interface';
import type { QueryEvent } from '@libp2p/kad-dht';
import { rendezvousCid, rendezvousHours } from '../src/p2p/keys.ts';
import { checkNetworkConfig } from '../src/p2p/network.ts';
import { createCallNode, type CallNode } from '../src/p2p/node.ts';
import { dialableRelayAddresses, QUERY_TIMEOUT_MS } from '../src/p2p/rendezvous.ts';
import type { SwarmReady, SwarmSeeds, SwarmStopped } from './dht-swarm.ts';
import { machine, summary, table, writeResult } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SIZES = (process.env.BENCH_DHT_NODES ?? '10,50,200').split(',').map(Number);
/** Bootstrap nodes per call node: a network.json lists a few, never the whole network. */
const BOOTSTRAP = Number(process.env.BENCH_DHT_BOOTSTRAP ?? 3);
/**
 * DHT server nodes per process. Memory is no limit (about 10 MB a node); starting nodes is
 * CPU-bound, so 200 nodes are split over the machine's two cores.
 */
const NODES_PER_PROCESS = Number(process.env.BENCH_DHT_NODES_PER_PROCESS ?? 100);
/** How long a call node may take to be ready as the start page's warm node is. */
const WARM_TIMEOUT_MS = 15_000;
const SELF_QUERY_WAIT_MS = 5_000;
/**
 * Each round's call nodes open a connection to every server they query, all from 127.0.0.1, and
 * every Samen node takes 5 new connections a second per IP: one round a second stays under it.
 */
const MIN_ROUND_MS = 1_100;

interface Round {
  /** ms from B's lookup start to A found; null when the lookup ended without A. */
  foundMs: number | null;
  hops: number | null;
  contacted: number | null;
  /**
   * Where B's time went for the server that had A's record: from B's starting to dial it to the
   * open stream (connection set-up), and from sending the query to its answer.
   */
  finderDialMs: number | null;
  finderAnswerMs: number | null;
  /** Query errors B saw before finding A (refused or failed connections). */
  queryErrors: number;
  /** A's announcement (provide) from start to end, and how many servers stored the record. */
  announceMs: number;
  storedOn: number;
  /** How many DHT servers A dialled to announce (its closest-peers query, then the stores). */
  announceContacted: number;
  /** B's routing table size when its lookup started. */
  routingTable: number;
}

interface SizeResult {
  nodes: number;
  swarm: Omit<SwarmReady, 'type' | 'bootstrap' | 'routingTableSizes' | 'connections'> & {
    processes: number;
    /** How late the swarm processes' event loops ran during the rounds (the worst of them). */
    loopDelayMs: SwarmStopped['loopDelayMs'] | null;
    routingTable: ReturnType<typeof summary>;
    connections: ReturnType<typeof summary>;
  };
  foundMs: ReturnType<typeof summary>;
  hops: ReturnType<typeof summary>;
  contacted: ReturnType<typeof summary>;
  announceMs: ReturnType<typeof summary>;
  misses: number;
  setupFailures: string[];
  rounds: Round[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pick<T>(items: readonly T[], count: number, exclude: ReadonlySet<T> = new Set()): T[] {
  const pool = items.filter((item) => !exclude.has(item));
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

interface Swarm {
  readonly processes: number;
  /** The processes' reports, merged. */
  readonly ready: SwarmReady;
  stop(): Promise<SwarmStopped[]>;
}

/** Waits for the next message of `type` from a child. */
function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`a swarm process exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * N Samen nodes in ceil(N / NODES_PER_PROCESS) processes: the first starts alone and hands the
 * others seed addresses once it has a few nodes; then every process settles its routing tables.
 */
async function startSwarm(nodes: number): Promise<Swarm> {
  const processes = Math.ceil(nodes / NODES_PER_PROCESS);
  const counts = Array.from(
    { length: processes },
    (_, i) => Math.floor(nodes / processes) + (i < nodes % processes ? 1 : 0)
  );
  const spawn = (index: number, seeds: readonly string[]) =>
    fork(
      new URL('./dht-swarm.ts', import.meta.url),
      [
        String(counts[index]),
        String(processes),
        JSON.stringify(seeds),
        String(counts.slice(0, index).reduce((a, b) => a + b, 0))
      ],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }
    );
  const children: ChildProcess[] = [];
  try {
    const first = spawn(0, []);
    children.push(first);
    const started = [nextMessage(first, 'started')];
    if (processes > 1) {
      const { addresses } = await nextMessage<SwarmSeeds>(first, 'seeds');
      for (let index = 1; index < processes; index++) {
        const child = spawn(index, addresses);
        children.push(child);
        started.push(nextMessage(child, 'started'));
      }
    }
    await Promise.all(started);
    const readies = await Promise.all(
      children.map((child) => {
        const ready = nextMessage<SwarmReady>(child, 'ready');
        child.send({ type: 'settle' });
        return ready;
      })
    );
    return {
      processes,
      ready: {
        type: 'ready',
        nodes: readies.reduce((n, r) => n + r.nodes, 0),
        bootstrap: readies.flatMap((r) => r.bootstrap),
        dhtProtocol: readies[0]!.dhtProtocol,
        startMs: Math.max(...readies.map((r) => r.startMs)),
        startCpuS: Math.round(readies.reduce((n, r) => n + r.startCpuS, 0) * 10) / 10,
        settleMs: Math.max(...readies.map((r) => r.settleMs)),
        routingTableSizes: readies.flatMap((r) => r.routingTableSizes),
        connections: readies.flatMap((r) => r.connections),
        rssMB: readies.reduce((n, r) => n + r.rssMB, 0)
      },
      stop: () => Promise.all(children.map(stopChild)).then((s) => s.flatMap((x) => x ?? []))
    };
  } catch (err) {
    await Promise.all(children.map(stopChild));
    throw err;
  }
}

async function stopChild(child: ChildProcess): Promise<SwarmStopped | undefined> {
  if (child.exitCode !== null || !child.connected) return undefined;
  const stopped = nextMessage<SwarmStopped>(child, 'stopped').catch(() => undefined);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  await Promise.race([exited, sleep(20_000).then(() => child.kill('SIGKILL'))]);
  return Promise.race([stopped, Promise.resolve(undefined)]);
}

/** A call node as the start page warms it: connected, a relay reservation, its self-query run. */
async function warmCallNode(bootstrap: readonly string[], dhtProtocol: string): Promise<CallNode> {
  const network = checkNetworkConfig(
    { name: 'bench', bootstrap, dhtProtocol, iceServers: [] },
    'local'
  );
  const signal = AbortSignal.timeout(WARM_TIMEOUT_MS);
  // Every server of this loopback swarm is a private address, and the node bootstraps from a few
  // of them only: the app's gater would let it dial none of the others.
  const node = await createCallNode({
    network,
    rtcBindAddress: '127.0.0.1',
    signal,
    anyPrivateAddress: true
  });
  // kad-dht dispatches this when a self-query is over, which filled the routing table; the start
  // page's node has long done so by the time someone presses Join. It runs once the first
  // bootstrap node is identified, after createCallNode resolves; should it have been quicker
  // than this listener, SELF_QUERY_WAIT_MS bounds the wait.
  const selfQuery = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, SELF_QUERY_WAIT_MS);
    (node.libp2p as unknown as EventTarget).addEventListener(
      'kad-dht:query:self',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true }
    );
  });
  await Promise.all([node.waitForRelay({ signal }), selfQuery]);
  return node;
}

function routingTableSize(node: CallNode): number {
  return (node.libp2p.services.dht as unknown as { routingTable: { size: number } }).routingTable
    .size;
}

async function round(ready: SwarmReady): Promise<Round> {
  const bootstrapA = pick(ready.bootstrap, BOOTSTRAP);
  const bootstrapB = pick(ready.bootstrap, BOOTSTRAP, new Set(bootstrapA));
  const [a, b] = await Promise.all([
    warmCallNode(bootstrapA, ready.dhtProtocol),
    warmCallNode(bootstrapB, ready.dhtProtocol)
  ]);
  try {
    const roomSecret = crypto.getRandomValues(new Uint8Array(32));
    const hours = rendezvousHours();
    const cid = rendezvousCid(roomSecret, hours[0]!);

    // A announces as Rendezvous#announce does: drain provide() for the current hour's CID.
    const announceStart = performance.now();
    let storedOn = 0;
    const announceContacted = new Set<string>();
    for await (const event of a.libp2p.services.dht.provide(cid, {
      signal: AbortSignal.timeout(QUERY_TIMEOUT_MS)
    })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') storedOn++;
      if (event.name === 'DIAL_PEER') announceContacted.add(event.peer.toString());
    }
    const announceMs = performance.now() - announceStart;

    const routingTable = routingTableSize(b);
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(QUERY_TIMEOUT_MS)]);
    const start = performance.now();
    // The app looks up the previous hour's CID alongside: it shares B's connections and time.
    const previous =
      hours[1] === undefined
        ? Promise.resolve()
        : drain(
            b.libp2p.services.dht.findProviders(rendezvousCid(roomSecret, hours[1]), { signal })
          );
    const found = await lookUp(
      b,
      a.peerId,
      b.libp2p.services.dht.findProviders(cid, { signal }),
      start
    );
    controller.abort();
    await previous;
    return {
      ...found,
      announceMs: Math.round(announceMs),
      storedOn,
      announceContacted: announceContacted.size,
      routingTable
    };
  } finally {
    await Promise.allSettled([a.stop(), b.stop()]);
  }
}

async function drain(events: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const _event of events) {
      // runs the query
    }
  } catch {
    // aborted once the measured lookup is over
  }
}

async function lookUp(
  b: CallNode,
  target: PeerId,
  events: AsyncIterable<QueryEvent>,
  start: number
): Promise<
  Pick<Round, 'foundMs' | 'hops' | 'contacted' | 'queryErrors' | 'finderDialMs' | 'finderAnswerMs'>
> {
  const depth = new Map<string, number>();
  const contacted = new Set<string>();
  /** When B began dialling each server, and when its stream was open (the query sent). */
  const dialled = new Map<string, number>();
  const sent = new Map<string, number>();
  let queryErrors = 0;
  try {
    for await (const event of events) {
      switch (event.name) {
        case 'DIAL_PEER':
          contacted.add(event.peer.toString());
          dialled.set(event.peer.toString(), performance.now());
          // Not named by anyone yet: it came from B's own routing table.
          if (!depth.has(event.peer.toString())) depth.set(event.peer.toString(), 1);
          break;
        case 'PEER_RESPONSE': {
          const hop = depth.get(event.from.toString()) ?? 1;
          for (const closer of event.closer) {
            if (!depth.has(closer.id.toString())) depth.set(closer.id.toString(), hop + 1);
          }
          break;
        }
        case 'SEND_QUERY':
          sent.set(event.to.toString(), performance.now());
          break;
        case 'QUERY_ERROR':
          queryErrors++;
          break;
        case 'PROVIDER': {
          // What Rendezvous counts as found: A, with a relayed address that ends in A's ID.
          const provider = event.providers.find((p) => p.id.equals(target));
          if (provider === undefined || provider.id.equals(b.peerId)) break;
          if (dialableRelayAddresses(provider.id, provider.multiaddrs).length === 0) break;
          const from = event.from.toString();
          const at = performance.now();
          return {
            foundMs: Math.round(performance.now() - start),
            hops: depth.get(event.from.toString()) ?? 1,
            contacted: contacted.size,
            queryErrors,
            finderDialMs: elapsed(sent.get(from), dialled.get(from)),
            finderAnswerMs: elapsed(at, sent.get(from))
          };
        }
      }
    }
  } catch {
    // timed out: a miss
  }
  return {
    foundMs: null,
    hops: null,
    contacted: contacted.size,
    queryErrors,
    finderDialMs: null,
    finderAnswerMs: null
  };
}

function elapsed(end: number | undefined, start: number | undefined): number | null {
  return end === undefined || start === undefined ? null : Math.round(end - start);
}

const results: SizeResult[] = [];
const benchStart = performance.now();
for (const nodes of SIZES) {
  const sizeStart = performance.now();
  console.error(`dht: starting ${nodes} Samen nodes…`);
  const swarm = await startSwarm(nodes);
  console.error(
    `dht: ${nodes} nodes in ${swarm.processes} process(es) up in ${swarm.ready.startMs} ms ` +
      `(${swarm.ready.startCpuS} CPU s), settled in ${swarm.ready.settleMs} ms, ${swarm.ready.rssMB} MB`
  );
  const rounds: Round[] = [];
  const setupFailures: string[] = [];
  let stopped: SwarmStopped[];
  try {
    // One unmeasured round: the first queries pay for JIT compilation, not for the network.
    for (let i = 0; i <= ROUNDS; i++) {
      const roundStart = performance.now();
      try {
        const result = await round(swarm.ready);
        if (i > 0) {
          rounds.push(result);
          console.error(`dht N=${nodes} round ${i}: ${JSON.stringify(result)}`);
        }
      } catch (err) {
        // A call node that could not get ready (no bootstrap node answered, no relay) is not a
        // lookup; it is counted and reported, and the round is run again.
        setupFailures.push(`${(err as Error).name}: ${(err as Error).message}`);
        console.error(`dht N=${nodes} round ${i}: setup failed: ${setupFailures.at(-1)}`);
        if (setupFailures.length > ROUNDS)
          throw new Error('call nodes keep failing to start', { cause: err });
        i--;
      }
      await sleep(Math.max(0, MIN_ROUND_MS - (performance.now() - roundStart)));
    }
  } finally {
    stopped = await swarm.stop();
  }
  const found = rounds.filter((r) => r.foundMs !== null);
  const { type: _type, bootstrap: _b, routingTableSizes, connections, ...swarmInfo } = swarm.ready;
  results.push({
    nodes,
    swarm: {
      ...swarmInfo,
      processes: swarm.processes,
      // The worst of the processes.
      loopDelayMs:
        stopped.length === 0
          ? null
          : {
              p50: Math.max(...stopped.map((x) => x.loopDelayMs.p50)),
              p99: Math.max(...stopped.map((x) => x.loopDelayMs.p99)),
              max: Math.max(...stopped.map((x) => x.loopDelayMs.max))
            },
      routingTable: summary(routingTableSizes),
      connections: summary(connections)
    },
    foundMs: summary(found.map((r) => r.foundMs!)),
    hops: summary(found.map((r) => r.hops!)),
    contacted: summary(found.map((r) => r.contacted!)),
    announceMs: summary(rounds.map((r) => r.announceMs)),
    misses: rounds.length - found.length,
    setupFailures,
    rounds
  });
  console.error(`dht: N=${nodes} took ${Math.round((performance.now() - sizeStart) / 1000)} s`);
}

const first = results[0];
const last = results.at(-1);
const growthMs =
  first?.foundMs.median != null && last?.foundMs.median != null && first !== last
    ? last.foundMs.median - first.foundMs.median
    : null;

const result = {
  name: 'dht',
  date: new Date().toISOString(),
  machine: machine(),
  params: {
    rounds: ROUNDS,
    sizes: SIZES,
    bootstrapPerCallNode: BOOTSTRAP,
    lookupTimeoutMs: QUERY_TIMEOUT_MS,
    nodesPerProcess: NODES_PER_PROCESS,
    // Stopped in the swarm unless BENCH_DHT_CONNECTION_MONITOR=on: see bench/dht-swarm.ts.
    swarmConnectionMonitor: process.env.BENCH_DHT_CONNECTION_MONITOR === 'on',
    durationS: Math.round((performance.now() - benchStart) / 1000)
  },
  unit: 'ms; hops and contacted are counts',
  target: { growthMsFrom10To200: '< 1000' },
  growthMs,
  sizes: results
};

const markdown = `### DHT rendezvous scaling

Two fresh call nodes in Node (the app's \`createCallNode\`, ${BOOTSTRAP} random bootstrap nodes each, warmed as the start page warms its node) on a loopback swarm of N shipped Samen nodes (up to ${NODES_PER_PROCESS} per process${process.env.BENCH_DHT_CONNECTION_MONITOR === 'on' ? '' : "; libp2p's connection-monitor pings off, which on one machine would outgrow its cores"}): A announces the app's rendezvous CID, then B looks it up as the app does. Time-to-found runs from B's lookup start to the provider record naming A; hops is the query-path length to the server that held it (1 = a server B already knew); contacted counts the servers B had dialled by then. ${ROUNDS} rounds per N; median / p90, ms.

${table(
  [
    'DHT nodes',
    'Time-to-found',
    'Hops',
    'Contacted',
    'Known to B',
    'Announce',
    'A contacted',
    'Misses'
  ],
  results.map((r) => [
    r.nodes,
    `${r.foundMs.median} / ${r.foundMs.p90}`,
    `${r.hops.median} / ${r.hops.p90}`,
    `${r.contacted.median} / ${r.contacted.p90}`,
    summary(r.rounds.map((x) => x.routingTable)).median,
    `${r.announceMs.median} / ${r.announceMs.p90}`,
    summary(r.rounds.map((x) => x.announceContacted)).median,
    `${r.misses} of ${r.rounds.length}`
  ])
)}

${
  last === undefined
    ? ''
    : `With ${last.nodes} nodes, of B's time-to-found, connecting to the server that held the record took a median of ${summary(last.rounds.flatMap((r) => r.finderDialMs ?? [])).median} ms and its answer ${summary(last.rounds.flatMap((r) => r.finderAnswerMs ?? [])).median} ms. `
}Growth of the median time-to-found from ${first?.nodes} to ${last?.nodes} nodes: ${growthMs ?? '–'} ms (target: under 1000 ms). Announce is A's \`provide\` from start to the last stored record (its closest-peers query runs to the end before it stores anything), and A contacted the servers it dialled for it: when two people join at once, that is how long before either can be found.
`;

writeResult('dht', result, markdown);
