/**
 * `npm start`: build the app if needed, start a local Samen network (3 nodes by default) on
 * 127.0.0.1, serve the app with that network's network.json, and print where everything is.
 * Ctrl-C stops it all.
 *
 *   PORT=4173 SAMEN_NODES=3 npm start
 */
import { buildIfNeeded, startLocalStack } from './local-stack.ts';

const port = Number(process.env.PORT ?? 4173);
const nodes = Number(process.env.SAMEN_NODES ?? 3);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not ${process.env.PORT}`);
  process.exit(2);
}
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64) {
  console.error(`SAMEN_NODES must be a whole number from 1 to 64, not ${process.env.SAMEN_NODES}`);
  process.exit(2);
}

buildIfNeeded(console.log);
const stack = await startLocalStack({ port, nodes });

console.log(`\nSamen is running on a local network of ${nodes} node(s).\n`);
console.log(`  Open:  ${stack.url}\n`);
console.log('  Nodes (also in /network.json):');
for (const address of stack.networkJson.bootstrap) {
  console.log(`    ${address}`);
}
console.log('\n  Two tabs, the same passphrase: a call. Ctrl-C stops everything.\n');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) {
      return;
    }
    stopping = true;
    console.log('\nStopping…');
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1)
    );
  });
}
