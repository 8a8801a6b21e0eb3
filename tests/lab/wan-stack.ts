/**
 * Runs the local stack (scripts/local-stack.ts: Samen nodes and the static app server) inside
 * the lab's wan, on a wan address. Started by stack.ts through the wan's namespace; says
 * `{ ready, url, networkJson }` on stdout and stops everything at the end of its stdin.
 *
 *   node tests/lab/wan-stack.ts '{"host":"192.0.2.10","port":80,"nodes":3,"iceServers":[…]}'
 */
import { startLocalStack } from '../../scripts/local-stack.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  host: string;
  port: number;
  nodes: number;
  iceServers?: RTCIceServer[];
  buildDir?: string;
  firstNodeListen?: string[];
  turn?: { urls: string[]; secret: string };
};
const stack = await startLocalStack({
  host: options.host,
  port: options.port,
  nodes: options.nodes,
  iceServers: options.iceServers,
  buildDir: options.buildDir,
  firstNodeListen: options.firstNodeListen,
  turn: options.turn,
  log: (message) => process.stderr.write(`${message}\n`)
});
process.stdout.write(
  `${JSON.stringify({ ready: true, url: stack.url, networkJson: stack.networkJson })}\n`
);
process.stdin.resume();
process.stdin.on('end', () => {
  stack.stop().then(
    () => process.exit(0),
    () => process.exit(1)
  );
});
