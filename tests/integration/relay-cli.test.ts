/**
 * The `samen-node` command line as a user runs it: a real child process on loopback, its
 * printed addresses, the network.json it writes, its key file, a clean stop on SIGTERM, what it
 * logs with and without --verbose, and its per-address cap on relay reservations, tried by real
 * libp2p clients that connect from distinct loopback addresses (127.0.0.2, 127.0.0.3: all of
 * 127.0.0.0/8 is loopback on Linux).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { tcp, type TCPSocketOptions } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { WebRTCDirect, WebSockets } from '@multiformats/multiaddr-matcher';
import { createLibp2p } from 'libp2p';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseNetworkConfig } from '../../src/p2p/network.ts';

const CLI = fileURLToPath(new URL('../../src/relay/cli.ts', import.meta.url));

/** Starting a few nodes (key generation, WebRTC-direct certificates) takes a second or two. */
const START_TIMEOUT_MS = 30_000;

/** "Exits within a few seconds" of SIGTERM: stopping a node closes its listeners at once. */
const STOP_TIMEOUT_MS = 5_000;

/** What cli.ts prints before every line: an ISO 8601 timestamp and a space. */
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface CliRun {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Every stdout line so far, as printed (timestamp included). */
  readonly lines: readonly string[];
  readonly stderr: () => string;
  /** Settles once the process has exited and its output has been read to the end. */
  readonly closed: Promise<Exit>;
  /**
   * Resolves with the first stdout line (timestamp removed) that `match` accepts, from line
   * `from` on (0 by default: any line printed so far counts).
   */
  waitForLine(match: (message: string) => boolean, what: string, from?: number): Promise<string>;
}

const running = new Set<CliRun>();

function startCli(args: readonly string[]): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<{ match: (message: string) => boolean; resolve: (m: string) => void }>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    const message = line.replace(TIMESTAMP, '');
    for (const waiter of waiters) {
      if (waiter.match(message)) {
        waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

  const run: CliRun = {
    child,
    lines,
    stderr: () => stderr,
    closed,
    waitForLine(match, what, from = 0) {
      const earlier = lines
        .slice(from)
        .map((line) => line.replace(TIMESTAMP, ''))
        .find(match);
      if (earlier !== undefined) {
        return Promise.resolve(earlier);
      }
      return new Promise<string>((resolve, reject) => {
        const waiter = { match, resolve };
        waiters.add(waiter);
        const fail = (why: string) => {
          waiters.delete(waiter);
          reject(new Error(`samen-node ${why} before printing ${what}; stderr: ${stderr}`));
        };
        void closed.then(({ code }) => fail(`exited with code ${code}`));
        const timer = AbortSignal.timeout(START_TIMEOUT_MS);
        timer.addEventListener('abort', () => fail(`took over ${START_TIMEOUT_MS} ms`), {
          once: true
        });
      });
    }
  };
  running.add(run);
  void closed.then(() => running.delete(run));
  return run;
}

/** Sends SIGTERM and resolves with how the process ended, or rejects if it does not end soon. */
async function terminate(run: CliRun): Promise<Exit> {
  run.child.kill('SIGTERM');
  const timeout = AbortSignal.timeout(STOP_TIMEOUT_MS);
  return Promise.race([
    run.closed,
    new Promise<never>((_, reject) =>
      timeout.addEventListener(
        'abort',
        () => reject(new Error(`samen-node still running ${STOP_TIMEOUT_MS} ms after SIGTERM`)),
        { once: true }
      )
    )
  ]);
}

/** Kills whatever a test left running, whether it passed or not. */
async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map((run) => {
      run.child.kill('SIGKILL');
      return run.closed;
    })
  );
}

interface PrintedNode {
  readonly peerId: string;
  readonly addresses: readonly { readonly address: string; readonly browsers: boolean }[];
}

/** The "node i <peer id> listening on:" blocks of the output, in node order. */
function printedNodes(lines: readonly string[]): PrintedNode[] {
  const nodes: { peerId: string; addresses: { address: string; browsers: boolean }[] }[] = [];
  for (const line of lines) {
    const message = line.replace(TIMESTAMP, '');
    const header = /^node (\d+) (\S+) listening on:$/.exec(message);
    if (header !== null) {
      expect(Number(header[1])).toBe(nodes.length);
      nodes.push({ peerId: header[2] ?? '', addresses: [] });
      continue;
    }
    const address = /^ {2}(\/\S+)( {3}\(browsers\))?$/.exec(message);
    if (address !== null && nodes.length > 0) {
      nodes
        .at(-1)
        ?.addresses.push({ address: address[1] ?? '', browsers: address[2] !== undefined });
    }
  }
  return nodes;
}

function browserAddressesOf(node: PrintedNode): { webSockets: string[]; webRTCDirect: string[] } {
  const marked = node.addresses.filter((a) => a.browsers).map((a) => multiaddr(a.address));
  return {
    webSockets: marked.filter((ma) => WebSockets.exactMatch(ma)).map(String),
    webRTCDirect: marked.filter((ma) => WebRTCDirect.exactMatch(ma)).map(String)
  };
}

/** The node's TCP address (for other nodes; the test's clients use it too). */
function tcpAddressOf(node: PrintedNode): string {
  const address = node.addresses.find(
    (a) => !a.browsers && /^\/ip4\/[\d.]+\/tcp\/\d+\/p2p\//.test(a.address)
  );
  expect(address).toBeDefined();
  return address?.address ?? '';
}

const clients = new Set<Libp2p>();

interface Reservation {
  readonly client: Libp2p;
  /** The client's relayed address through the node, if it got a reservation. */
  readonly relayed?: string;
  /** Why not, if it did not. */
  readonly error?: Error;
}

/**
 * A plain libp2p client (TCP from `localAddress`, Noise, yamux, the circuit relay transport)
 * that starts listening on `relay`/p2p-circuit, which asks the relay for a reservation: what
 * the app does on the relays it meets, with the relay named.
 */
async function reserveFrom(localAddress: string, relay: string): Promise<Reservation> {
  // @libp2p/tcp hands dialOpts to net.connect (src/tcp.ts); its type lists only a few options.
  const dialOpts: TCPSocketOptions & { localAddress: string } = { localAddress };
  const client = await createLibp2p({
    start: false,
    addresses: { listen: [`${relay}/p2p-circuit`] },
    transports: [tcp({ dialOpts }), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  });
  clients.add(client);
  try {
    await client.start();
  } catch (err) {
    return { client, error: err as Error };
  }
  const relayed = client
    .getMultiaddrs()
    .map(String)
    .find((a) => a === `${relay}/p2p-circuit/p2p/${client.peerId}`);
  return { client, relayed };
}

async function stopClients(): Promise<void> {
  await Promise.allSettled([...clients].map((client) => client.stop()));
  clients.clear();
}

describe('samen-node command line', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samen-cli-'));
  });

  afterEach(async () => {
    await stopClients();
    await killAll();
  });

  afterAll(async () => {
    await stopClients();
    await killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts 2 nodes, prints a WebSockets and a WebRTC-direct address for browsers of each, writes network.json, and stops on SIGTERM with code 0', async () => {
    const networkJson = join(dir, 'network.json');
    const run = startCli(['--port', '0', '--nodes', '2', '--network-json', networkJson]);
    await run.waitForLine((m) => m === `wrote ${networkJson}`, 'the network.json line');

    expect(run.lines.every((line) => TIMESTAMP.test(line))).toBe(true);
    const nodes = printedNodes(run.lines);
    expect(nodes).toHaveLength(2);
    expect(new Set(nodes.map((node) => node.peerId)).size).toBe(2);
    const webSockets: string[] = [];
    for (const node of nodes) {
      for (const { address } of node.addresses) {
        expect(address.endsWith(`/p2p/${node.peerId}`)).toBe(true);
        expect(address).toMatch(/^\/ip4\/127\.0\.0\.1\//);
      }
      const forBrowsers = browserAddressesOf(node);
      expect(forBrowsers.webSockets).toHaveLength(1);
      expect(forBrowsers.webRTCDirect).toHaveLength(1);
      expect(forBrowsers.webRTCDirect[0]).toMatch(/\/udp\/\d+\/webrtc-direct\/certhash\/\w/);
      // Only those two are marked: the TCP address is for other nodes.
      expect(node.addresses.filter((a) => a.browsers)).toHaveLength(2);
      webSockets.push(...forBrowsers.webSockets);
    }

    const profile = parseNetworkConfig(await readFile(networkJson, 'utf8'), 'local');
    expect(profile).toEqual({
      profile: 'local',
      name: 'Samen local network',
      bootstrap: webSockets,
      dhtProtocol: '/ipfs/kad/1.0.0',
      iceServers: [],
      allowPrivateAddresses: true
    });

    const exit = await terminate(run);
    expect(exit).toEqual({ code: 0, signal: null });
    const messages = run.lines.map((line) => line.replace(TIMESTAMP, ''));
    expect(messages).toContain('SIGTERM: stopping 2 node(s)');
    expect(messages.at(-1)).toBe('stopped');
    expect(run.stderr()).toBe('');
  });

  it('stops cleanly on a SIGTERM sent as soon as its first line appears', async () => {
    // A supervisor may signal the node the moment it prints anything; the handler must already
    // be there (it once went in only after network.json was written, and the signal killed it).
    const networkJson = join(dir, 'early-network.json');
    const run = startCli(['--port', '0', '--network-json', networkJson]);
    await run.waitForLine((m) => m.startsWith('node 0 '), 'the first node line');
    expect(await terminate(run)).toEqual({ code: 0, signal: null });
    const messages = run.lines.map((line) => line.replace(TIMESTAMP, ''));
    expect(messages).toContain('SIGTERM: stopping 1 node(s)');
    expect(messages.at(-1)).toBe('stopped');
    expect(run.stderr()).toBe('');
  });

  it('keeps the peer ID in --key-file (mode 0600) across a restart', async () => {
    const keyFile = join(dir, 'peer.key');
    const networkJson = join(dir, 'key-network.json');
    const args = ['--port', '0', '--key-file', keyFile, '--network-json', networkJson];
    await expect(stat(keyFile)).rejects.toMatchObject({ code: 'ENOENT' });

    const first = startCli(args);
    await first.waitForLine((m) => m === `wrote ${networkJson}`, 'the network.json line');
    const [firstNode] = printedNodes(first.lines);
    expect(firstNode?.peerId).toMatch(/^12D3KooW\w+$/);
    const key = await stat(keyFile);
    expect(key.isFile()).toBe(true);
    expect(key.mode & 0o777).toBe(0o600);
    const keyBytes = await readFile(keyFile);
    expect(await terminate(first)).toEqual({ code: 0, signal: null });

    const second = startCli(args);
    await second.waitForLine((m) => m === `wrote ${networkJson}`, 'the network.json line');
    const secondNodes = printedNodes(second.lines);
    expect(secondNodes).toHaveLength(1);
    expect(secondNodes[0]?.peerId).toBe(firstNode?.peerId);
    const forBrowsers = browserAddressesOf(secondNodes[0]!);
    expect(forBrowsers.webSockets).toHaveLength(1);
    expect(forBrowsers.webRTCDirect).toHaveLength(1);
    // The key was read, not replaced.
    expect(await readFile(keyFile)).toEqual(keyBytes);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await terminate(second)).toEqual({ code: 0, signal: null });
    expect(second.lines.at(-1)?.replace(TIMESTAMP, '')).toBe('stopped');
  });

  it('writes the TURN URLs into network.json with --turn-url and --turn-secret-file, and exits 2 when the secret file cannot be read', async () => {
    const secretFile = join(dir, 'turn.secret');
    await writeFile(secretFile, 'the coturn static-auth-secret\n', { mode: 0o600 });
    const networkJson = join(dir, 'turn-network.json');
    const url = 'turn:turn.example.org:443?transport=tcp';
    const turn = ['--turn-url', url, '--turn-secret-file'];
    const run = startCli(['--port', '0', '--network-json', networkJson, ...turn, secretFile]);
    await run.waitForLine((m) => m === `wrote ${networkJson}`, 'the network.json line');
    const written = parseNetworkConfig(await readFile(networkJson, 'utf8'), 'local');
    expect(written.turnFromNodes).toEqual([url]);
    expect(written.iceServers).toEqual([]);
    expect(await readFile(networkJson, 'utf8')).not.toContain('static-auth-secret');
    expect(await terminate(run)).toEqual({ code: 0, signal: null });

    const missing = startCli(['--port', '0', ...turn, join(dir, 'no-such.secret')]);
    expect(await missing.closed).toEqual({ code: 2, signal: null });
    expect(missing.stderr()).toContain('cannot read --turn-secret-file: ENOENT');
  });

  it('prints the usage on stdout and exits 0 for --help', async () => {
    const run = startCli(['--help']);
    expect(await run.closed).toEqual({ code: 0, signal: null });
    expect(run.lines[0]).toBe('Usage: samen-node [options]');
    const options = run.lines.map((line) => line.trimStart().split(' ')[0]);
    expect(options).toEqual(
      expect.arrayContaining([
        '--key-file',
        '--relay-max-reservations-per-ip',
        '--relay-max-reservations-per-network',
        '--verbose'
      ])
    );
    expect(run.stderr()).toBe('');
  });

  it('logs no client peer ID or IP address by default, and both with --verbose', async () => {
    /**
     * Starts the node, lets a client from 127.0.0.2 connect, reserve and leave, stops the node;
     * returns its log. With --verbose it waits for the node to log the departure.
     */
    const logOf = async (extra: readonly string[]) => {
      const networkJson = join(dir, `log${extra.join('')}.json`);
      const run = startCli(['--port', '0', '--network-json', networkJson, ...extra]);
      await run.waitForLine((m) => m === `wrote ${networkJson}`, 'the network.json line');
      const [node] = printedNodes(run.lines);
      const { client, relayed } = await reserveFrom('127.0.0.2', tcpAddressOf(node!));
      expect(relayed).toBeDefined();
      const printed = run.lines.length;
      await client.stop();
      if (extra.includes('--verbose')) {
        await run.waitForLine(
          (m) => m === `peer disconnected ${client.peerId}`,
          "the client's departure",
          printed
        );
      }
      expect(await terminate(run)).toEqual({ code: 0, signal: null });
      expect(run.stderr()).toBe('');
      return { log: run.lines.join('\n'), client: client.peerId.toString(), node: node! };
    };

    const quiet = await logOf([]);
    expect(quiet.log).not.toContain(quiet.client);
    expect(quiet.log).not.toContain('127.0.0.2');
    // Still there: what it listens on (its own peer ID), and the stop.
    expect(quiet.log).toContain(`node 0 ${quiet.node.peerId} listening on:`);
    expect(quiet.log).toMatch(/stopped$/);

    const verbose = await logOf(['--verbose']);
    const messages = verbose.log.split('\n').map((line) => line.replace(TIMESTAMP, ''));
    expect(messages).toContainEqual(
      expect.stringMatching(
        new RegExp(`^peer connected ${verbose.client} at /ip4/127\\.0\\.0\\.2/tcp/\\d+`)
      )
    );
    expect(messages).toContainEqual(
      expect.stringMatching(/^relay reservation for \/ip4\/127\.0\.0\.2\/tcp\/\d+/)
    );
  });

  it('refuses a client a reservation over --relay-max-reservations-per-ip while another address gets one, and frees the slot when a holder disconnects', async () => {
    const networkJson = join(dir, 'caps.json');
    const run = startCli([
      '--port',
      '0',
      '--network-json',
      networkJson,
      '--relay-max-reservations-per-ip',
      '2',
      '--verbose'
    ]);
    await run.waitForLine((m) => m === `wrote ${networkJson}`, 'the network.json line');
    const relay = tcpAddressOf(printedNodes(run.lines)[0]!);

    const first = await reserveFrom('127.0.0.2', relay);
    const second = await reserveFrom('127.0.0.2', relay);
    expect(first.relayed).toBeDefined();
    expect(second.relayed).toBeDefined();

    const third = await reserveFrom('127.0.0.2', relay);
    expect(third.relayed).toBeUndefined();
    // libp2p names the listen address it could not use, and the relay's answer:
    // PERMISSION_DENIED (circuit v2 spec), which the relay sends when the gater says no; a full
    // relay would answer RESERVATION_REFUSED.
    expect(third.error?.name).toBe('UnsupportedListenAddressesError');
    expect(third.error?.message).toContain('reservation failed with status PERMISSION_DENIED');
    await run.waitForLine(
      (m) =>
        m ===
        `relay reservation refused for ${third.client.peerId}: 127.0.0.2/32 holds 2 (the address cap)`,
      'the refusal'
    );

    const elsewhere = await reserveFrom('127.0.0.3', relay);
    expect(elsewhere.relayed).toBeDefined();

    // A reservation is valid only while its peer stays connected (circuit v2 spec): once the
    // first client leaves, its slot is free for the next one from 127.0.0.2.
    // Only a line printed after the stop: an earlier drop and redial would print one too.
    const printed = run.lines.length;
    await first.client.stop();
    await run.waitForLine(
      (m) => m === `peer disconnected ${first.client.peerId}`,
      "the first client's disconnection",
      printed
    );
    const fourth = await reserveFrom('127.0.0.2', relay);
    expect(fourth.error, `the node's log:\n${run.lines.join('\n')}`).toBeUndefined();
    expect(fourth.relayed).toBeDefined();

    expect(await terminate(run)).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
  });

  it('gives the only slot of --relay-max-reservations 1 to the next client once its holder disconnects', async () => {
    const networkJson = join(dir, 'one-slot.json');
    const run = startCli([
      '--port',
      '0',
      '--network-json',
      networkJson,
      '--relay-max-reservations',
      '1',
      '--verbose'
    ]);
    await run.waitForLine((m) => m === `wrote ${networkJson}`, 'the network.json line');
    const relay = tcpAddressOf(printedNodes(run.lines)[0]!);

    const holder = await reserveFrom('127.0.0.2', relay);
    expect(holder.relayed).toBeDefined();
    // A full relay answers RESERVATION_REFUSED (its own total), not the caps' PERMISSION_DENIED.
    const waiting = await reserveFrom('127.0.0.3', relay);
    expect(waiting.error?.message).toContain('reservation failed with status RESERVATION_REFUSED');

    // circuit-relay-v2 alone would keep the holder's reservation for its hour (--relay-reservation-ttl).
    const printed = run.lines.length;
    await holder.client.stop();
    await run.waitForLine(
      (m) => m === `peer disconnected ${holder.client.peerId}`,
      "the holder's disconnection",
      printed
    );
    const next = await reserveFrom('127.0.0.4', relay);
    expect(next.error, `the node's log:\n${run.lines.join('\n')}`).toBeUndefined();
    expect(next.relayed).toBeDefined();
    expect(await terminate(run)).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
  });

  it.each([
    { args: ['--bogus'], message: /^samen-node: .*'--bogus'/ },
    {
      args: ['--nodes', '0'],
      message: /^samen-node: --nodes must be a whole number from 1 to 256$/m
    },
    {
      args: ['--nodes', '2', '--key-file', 'peer.key'],
      message: /^samen-node: --key-file and --data-dir keep one identity: use them with one node$/m
    }
  ])('exits 2 with a message and the usage on stderr for $args', async ({ args, message }) => {
    const run = startCli(args);
    expect(await run.closed).toEqual({ code: 2, signal: null });
    expect(run.stderr()).toMatch(message);
    expect(run.stderr()).toContain('Usage: samen-node [options]');
    expect(run.lines).toEqual([]);
  });
});
