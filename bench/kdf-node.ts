// Times the room-secret KDF (argon2id, 64 MiB, t=3, p=1 through hash-wasm) in Node:
// `node bench/kdf-node.ts` prints {"medianMs": …, "runs": [...]}. DESIGN.md aims under 1 s on a
// laptop; a browser's WebAssembly is usually a little slower than Node's.
import { deriveRoomSecret } from '../src/p2p/keys.ts';

const RUNS = 5; // odd, so the median is one measured run; enough to see a warm-up outlier

const runs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  await deriveRoomSecret(`bench passphrase ${i}`);
  runs.push(Math.round(performance.now() - start));
}
const medianMs = [...runs].sort((a, b) => a - b)[Math.floor(RUNS / 2)];
console.log(JSON.stringify({ medianMs, runs }));
