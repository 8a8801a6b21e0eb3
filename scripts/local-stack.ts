/**
 * The local stack `npm start` runs and the browser tests use: a swarm of Samen nodes on
 * 127.0.0.1, and a static server for the built app that also answers /network.json with the
 * swarm's addresses. Nothing listens beyond loopback, unless `host` says otherwise (the network
 * lab runs the stack on a wan address inside its own namespace: tests/lab/stack.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';
import { writeNetworkJson, type NetworkJson } from '../src/p2p/network-json.ts';
import { networkJsonFor, startSwarm, type SamenNode } from '../src/relay/node.ts';
import { parseCli } from '../src/relay/options.ts';
import { DEFAULT_TURN_TTL_S } from '../src/relay/turn.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

export const HOST = '127.0.0.1';
export const BUILD_DIR = 'build';

export interface LocalStack {
  readonly url: string;
  readonly nodes: readonly SamenNode[];
  readonly networkJson: NetworkJson;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  readonly port: number;
  /**
   * The address the nodes and the app server bind to and announce (in network.json and the
   * URL); loopback by default.
   */
  readonly host?: string;
  /** network.json's `iceServers` (STUN and TURN); none by default, as loopback needs none. */
  readonly iceServers?: readonly RTCIceServer[];
  /**
   * A TURN server whose credentials the nodes hand out (relay/turn.ts): its URLs go into
   * network.json's `turnFromNodes`, its shared secret to every node.
   */
  readonly turn?: { readonly urls: readonly string[]; readonly secret: string };
  /** How many Samen nodes to start; 0 serves the app alone (give `networkJsonOverride`). */
  readonly nodes: number;
  /**
   * The first node's listen addresses instead of the usual three on random ports (the lab gives
   * it WebSockets on port 443, as behind an operator's TLS proxy, for homes that may reach web
   * ports only).
   */
  readonly firstNodeListen?: readonly string[];
  /** Serve this instead of the swarm's network.json (tests of a malformed file, say). */
  readonly networkJsonOverride?: string;
  /**
   * Serve the app from here instead of build/: a copy that a rebuild of build/ cannot swap under
   * a long run (a benchmark's pages would load an index.html whose chunks are gone).
   */
  readonly buildDir?: string;
  readonly log?: (message: string) => void;
}

/** Builds the app unless build/ is newer than every source it is made from. */
export function buildIfNeeded(log: (message: string) => void = () => {}): void {
  const built = join(BUILD_DIR, 'index.html');
  const sources = [
    'src',
    'static',
    'messages',
    'package-lock.json',
    'vite.config.ts',
    'svelte.config.js'
  ];
  if (existsSync(built) && newestMtime(sources) < statSync(built).mtimeMs) {
    return;
  }
  log('building the app (vite build)…');
  // Called from a vitest test (the network lab's), the build must not inherit vitest's
  // environment: vite.config.ts leaves the PWA and Paraglide plugins out when VITEST is set.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key, value]) => !key.startsWith('VITEST') && !(key === 'NODE_ENV' && value === 'test')
    )
  );
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], {
    stdio: 'inherit',
    env
  });
}

function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) {
      continue;
    }
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const entries = readdirSync(path).map((entry) => join(path, entry));
      newest = Math.max(newest, newestMtime(entries));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const host = options.host ?? HOST;
  // The node options are the CLI's defaults (which want at least one node); `startSwarm` itself
  // starts as many as it is told, none included.
  const cli = parseCli(['--port', '0', '--nodes', String(Math.max(1, options.nodes))]);
  const nodes = await startSwarm(
    options.nodes,
    {
      ...cli.node,
      host,
      basePort: 0,
      ...(options.turn === undefined
        ? {}
        : { turn: { secret: options.turn.secret, ttlSeconds: DEFAULT_TURN_TTL_S } }),
      ...(options.firstNodeListen === undefined
        ? {}
        : { listen: [...options.firstNodeListen], listenGiven: true })
    },
    {
      info: (message) => log(message)
    }
  );
  const networkJson = networkJsonFor(
    nodes,
    'Samen local network',
    cli.node.dhtProtocol,
    options.turn?.urls
  );
  const served =
    options.iceServers === undefined
      ? networkJson
      : { ...networkJson, iceServers: [...options.iceServers] };
  const networkBody = options.networkJsonOverride ?? writeNetworkJson(served);

  const assets = sirv(options.buildDir ?? BUILD_DIR, {
    extensions: ['html'],
    dev: false,
    etag: true
  });
  const server = createServer((req, res) => {
    // What docs/hosting.md asks of every host: never framed, camera and microphone for the app
    // alone, no referrer, no sniffing.
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      res.setHeader(name, value);
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/network.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(networkBody);
      return;
    }
    if (path === '/sw.js') {
      // The browser must always see a new service worker as soon as there is one.
      res.setHeader('Cache-Control', 'no-cache');
    }
    assets(req, res, () => {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not found');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  return {
    url: `http://${host}:${port}/`,
    nodes,
    networkJson: served,
    stop: async () => {
      await closeServer(server);
      await Promise.allSettled(nodes.map((node) => node.stop()));
    }
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
