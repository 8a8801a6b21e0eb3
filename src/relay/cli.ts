#!/usr/bin/env node
/**
 * `samen-node`: run the self-hostable Samen node (or a local swarm of them) until SIGINT/SIGTERM.
 * See `samen-node --help` and the README's "Self-hosting" section.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { writeNetworkJson } from '../p2p/network-json.ts';
import { browserAddresses, networkJsonFor, startSwarm, type SamenNode } from './node.ts';
import { parseCli, USAGE, UsageError } from './options.ts';
import type { TurnOptions } from './turn.ts';

function info(message: string): void {
  console.log(`${new Date().toISOString()} ${message}`);
}

async function main(argv: readonly string[]): Promise<void> {
  let options;
  try {
    options = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`samen-node: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }

  let turn: TurnOptions | undefined;
  if (options.turn !== undefined) {
    // coturn's static-auth-secret as the operator wrote it: one line.
    const secret = await readFile(options.turn.secretFile, 'utf8').then(
      (text) => text.trim(),
      (err: NodeJS.ErrnoException) => {
        console.error(`samen-node: cannot read --turn-secret-file: ${err.code ?? err.message}`);
        return undefined;
      }
    );
    if (secret === undefined || secret === '') {
      if (secret === '') {
        console.error('samen-node: --turn-secret-file is empty');
      }
      process.exitCode = 2;
      return;
    }
    turn = { secret, ttlSeconds: options.turn.ttlSeconds };
  }

  // The handlers go in before the first node starts and before the first line is printed: a
  // supervisor (or a test) may send SIGTERM as soon as it reads a line, and a signal that comes
  // before its handler kills the process without stopping the nodes.
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });

  const nodes: SamenNode[] = await startSwarm(
    options.nodes,
    {
      ...options.node,
      ...(turn === undefined ? {} : { turn }),
      host: options.host,
      basePort: options.basePort,
      listenGiven: options.listenGiven
    },
    options.verbose ? { info, verbose: info } : { info }
  );
  nodes.forEach((node, i) => {
    info(`node ${i} ${node.peerId} listening on:`);
    for (const ma of node.getMultiaddrs()) {
      const forBrowsers = browserAddresses(node).some((b) => b.equals(ma));
      info(`  ${ma}${forBrowsers ? '   (browsers)' : ''}`);
    }
  });
  if (options.networkJson !== undefined) {
    const json = networkJsonFor(
      nodes,
      options.networkName,
      options.node.dhtProtocol,
      options.turn?.urls
    );
    await writeFile(options.networkJson, writeNetworkJson(json));
    info(`wrote ${options.networkJson}`);
  }

  const signal = await stopRequested;
  info(`${signal}: stopping ${nodes.length} node(s)`);
  await Promise.allSettled(nodes.map((node) => node.stop()));
  info('stopped');
}

await main(process.argv.slice(2));
