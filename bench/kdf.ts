// `npm run bench:kdf`: the room-secret KDF (argon2id at ROOM_KDF_V1: 64 MiB, t = 3, p = 1,
// through hash-wasm; src/p2p/keys.ts) in Node and in Chromium.
//
// - Node: `deriveRoomSecret` on the main thread, RUNS times; the first run of the process (which
//   compiles hash-wasm's WebAssembly) is reported apart as cold.
// - Chromium: the app's own KDF worker as the build ships it (build/_app/immutable/workers/
//   kdf.worker-*.js, a module worker, same origin), driven with the app's KdfRequest messages as
//   src/p2p/kdf.ts drives it: per run a new worker is started and warmed ('warm', as the start
//   page does while the user types), then timed from 'derive' to 'derived' (what Join waits
//   for). Cold: in a fresh browser context, a worker that was not warmed, from `new Worker` to
//   'derived' (fetching the chunk and compiling the WebAssembly included).
// Every derived secret is checked against Node's for the same passphrase.
//
//   node scripts/isolated.ts node bench/kdf.ts          BENCH_ROUNDS=3 for a smoke run
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext } from '@playwright/test';
import sirv from 'sirv';
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.ts';
import { BUILD_DIR, buildIfNeeded, HOST } from '../scripts/local-stack.ts';
import type { KdfRequest, KdfResponse } from '../src/p2p/kdf.ts';
import { deriveRoomSecret, ROOM_KDF_V1 } from '../src/p2p/keys.ts';
import { normalisePassphrase } from '../src/p2p/passphrase.ts';
import { machine, summary, table, writeResult } from './support.ts';

const RUNS = Number(process.env.BENCH_ROUNDS ?? 10);
/** DESIGN.md: the KDF should take under a second on a laptop. */
const TARGET_MS = 1000;
const WORKERS_DIR = join(BUILD_DIR, '_app/immutable/workers');
/** A same-origin page with nothing else running in it: the worker has the machine to itself. */
const BLANK_PAGE = '/kdf-bench.html';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** One passphrase per run (the cold one first), the same in Node and in Chromium. */
const phrases = Array.from({ length: RUNS + 1 }, (_, i) => `bench kdf ${i} ${crypto.randomUUID()}`);

// Node: the first derivation of the process is the cold one.
const nodeRuns: number[] = [];
const expected: string[] = [];
let nodeColdMs = 0;
for (const [i, phrase] of phrases.entries()) {
  const start = performance.now();
  const secret = await deriveRoomSecret(phrase);
  const ms = performance.now() - start;
  if (i === 0) nodeColdMs = ms;
  else nodeRuns.push(ms);
  expected.push(hex(secret));
}
console.error(`kdf: Node cold ${Math.round(nodeColdMs)} ms, runs ${nodeRuns.map(Math.round)}`);

buildIfNeeded(console.error);
const workerFile = readdirSync(WORKERS_DIR).find((name) => /^kdf\.worker-.*\.js$/.test(name));
if (workerFile === undefined) throw new Error(`no kdf.worker-*.js in ${WORKERS_DIR}`);
const workerPath = `/_app/immutable/workers/${workerFile}`;

const assets = sirv(BUILD_DIR, { dev: false, etag: true });
const server = createServer((req, res) => {
  if (new URL(req.url ?? '/', 'http://localhost').pathname === BLANK_PAGE) {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>kdf bench</title>');
    return;
  }
  assets(req, res, () => {
    res.writeHead(404);
    res.end();
  });
});
await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
const origin = `http://${HOST}:${(server.address() as AddressInfo).port}`;

/** In the page: one derivation in a new worker, warmed first or not, as kdf.ts does it. */
async function deriveInWorker(
  context: BrowserContext,
  phrase: string,
  warm: boolean
): Promise<{ ms: number; secret: string }> {
  const page = context.pages()[0] ?? (await context.newPage());
  if (page.url() !== origin + BLANK_PAGE) await page.goto(origin + BLANK_PAGE);
  // kdf.ts sends the normalised passphrase's UTF-8 bytes.
  const normalised = normalisePassphrase(phrase);
  return page.evaluate(
    async ({ workerPath, normalised, warm }) => {
      const worker = new Worker(workerPath, { type: 'module' });
      const reply = () =>
        new Promise<KdfResponse>((resolve, reject) => {
          worker.addEventListener('message', (e) => resolve(e.data as KdfResponse), {
            once: true
          });
          worker.addEventListener('error', (e) => reject(new Error(e.message)), { once: true });
        });
      let start = performance.now();
      if (warm) {
        worker.postMessage({ type: 'warm' } satisfies KdfRequest);
        await reply();
        start = performance.now();
      }
      const password = new TextEncoder().encode(normalised);
      worker.postMessage({ type: 'derive', password } satisfies KdfRequest, [password.buffer]);
      const response = await reply();
      const ms = performance.now() - start;
      worker.terminate();
      if (response.type !== 'derived') throw new Error(`the worker answered ${response.type}`);
      return {
        ms,
        secret: [...response.secret].map((b) => b.toString(16).padStart(2, '0')).join('')
      };
    },
    { workerPath, normalised, warm }
  );
}

const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
const chromiumRuns: number[] = [];
let chromiumColdMs: number;
let chromiumVersion: string;
let mismatches = 0;
try {
  chromiumVersion = browser.version();
  // Cold: a fresh context, so the worker chunk is fetched and its WebAssembly compiled.
  const coldContext = await browser.newContext();
  const cold = await deriveInWorker(coldContext, phrases[0]!, false);
  await coldContext.close();
  chromiumColdMs = cold.ms;
  if (cold.secret !== expected[0]) mismatches++;
  const context = await browser.newContext();
  for (let i = 1; i <= RUNS; i++) {
    const run = await deriveInWorker(context, phrases[i]!, true);
    if (run.secret !== expected[i]) mismatches++;
    chromiumRuns.push(run.ms);
  }
} finally {
  await browser.close();
  server.close();
}
console.error(
  `kdf: Chromium cold ${Math.round(chromiumColdMs)} ms, runs ${chromiumRuns.map(Math.round)}`
);
if (mismatches > 0) {
  throw new Error(`the worker's room secret differs from Node's in ${mismatches} runs`);
}

const { version, memorySize, iterations, parallelism, hashLength } = ROOM_KDF_V1;
const node = {
  coldMs: Math.round(nodeColdMs),
  ...summary(nodeRuns),
  runs: nodeRuns.map(Math.round)
};
const browserResult = {
  coldMs: Math.round(chromiumColdMs),
  ...summary(chromiumRuns),
  runs: chromiumRuns.map(Math.round)
};
const result = {
  name: 'kdf',
  date: new Date().toISOString(),
  machine: machine(),
  params: {
    runs: RUNS,
    kdf: { version, memoryKiB: memorySize, iterations, parallelism, hashLength },
    chromium: chromiumVersion,
    worker: workerPath
  },
  unit: 'ms',
  target: { medianMs: TARGET_MS },
  node,
  chromiumWorker: browserResult,
  checkedAgainstNode: chromiumRuns.length + 1
};

const markdown = `### Room-secret KDF (argon2id)

argon2id at the app's parameters (${memorySize / 1024} MiB, t = ${iterations}, p = ${parallelism}, hash-wasm), ${RUNS} runs each: in Node on the main thread, and in Chromium in the app's own built KDF worker, warmed as the start page warms it, timed from the request to the room secret (what Join waits for). Cold: the first derivation of a Node process; in Chromium, a fresh context's unwarmed worker, from starting it (fetch and WebAssembly compilation included). Durations in ms.

${table(
  ['Where', 'Median', 'p90', 'Cold (first)', 'Target'],
  [
    ['Node', node.median, node.p90, node.coldMs, `median ≤ ${TARGET_MS}`],
    [
      'Chromium, Web Worker',
      browserResult.median,
      browserResult.p90,
      browserResult.coldMs,
      `median ≤ ${TARGET_MS}`
    ]
  ]
)}
`;

writeResult('kdf', result, markdown);
