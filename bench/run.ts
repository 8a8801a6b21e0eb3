// `npm run bench`: every benchmark in sequence, each as a child process, then one report.
// Each writes bench/results/<name>.json and <name>.md; this merges those of this run into
// bench/results/latest.json ({ date, machine, totalS, steps, results }) and latest.md (a header
// line with the date and the machine, then each benchmark's section). A benchmark's progress
// goes to stderr; its own JSON is in its file. The whole run should take under 15 minutes on two
// cores: each step's duration is printed, and kept in latest.json.
//
//   node scripts/isolated.ts node bench/run.ts            all of them (the npm script)
//   node scripts/isolated.ts node bench/run.ts kdf dht    some of them
//   BENCH_ROUNDS=2 BENCH_SECONDS=5 npm run bench          a smoke run (each reads its own env)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine, RESULTS_DIR } from './support.ts';

/** In this order: the quick, quiet ones first; the long browser ones last. */
const ALL = ['kdf', 'bundle', 'dht', 'setup', 'call'] as const;
/** issue 5: `npm run bench` runs end to end in under 15 minutes on this machine. */
const BUDGET_S = 15 * 60;

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(ALL as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  process.exit(2);
}
const names = asked.length > 0 ? ALL.filter((name) => asked.includes(name)) : [...ALL];

interface Step {
  name: string;
  status: 'ok' | 'failed' | 'missing';
  durationS: number;
  detail?: string;
}

const started = new Date();
/** Durations from the monotonic clock; `started` only dates the results. */
const startedMs = performance.now();
const steps: Step[] = [];
for (const name of names) {
  const script = join('bench', `${name}.ts`);
  if (!existsSync(script)) {
    console.error(`\n== ${name}: skipped, ${script} does not exist yet`);
    steps.push({ name, status: 'missing', durationS: 0, detail: `${script} does not exist` });
    continue;
  }
  console.error(`\n== ${name}: node ${script}`);
  const stepStart = performance.now();
  const stepStartEpoch = Date.now();
  // Progress on stderr; the JSON a benchmark prints on stdout is the file it writes, left out.
  const child = spawnSync(process.execPath, [script], { stdio: ['ignore', 'ignore', 2] });
  const durationS = Math.round((performance.now() - stepStart) / 100) / 10;
  const result = join(RESULTS_DIR, `${name}.json`);
  // A result from an earlier run is not this run's: only a file written during the step counts.
  const fresh = existsSync(result) && statSync(result).mtimeMs >= stepStartEpoch;
  if (child.status === 0 && fresh) {
    steps.push({ name, status: 'ok', durationS });
  } else {
    const why = child.error?.message ?? `exit ${child.status ?? child.signal}`;
    steps.push({
      name,
      status: 'failed',
      durationS,
      detail: fresh ? why : `${why}; it wrote no ${result}`
    });
  }
  console.error(`== ${name}: ${steps.at(-1)!.status} in ${durationS} s`);
}
const totalS = Math.round((performance.now() - startedMs) / 1000);

const ran = steps.filter((step) => step.status === 'ok');
const results = Object.fromEntries(
  ran.map((step) => [
    step.name,
    JSON.parse(readFileSync(join(RESULTS_DIR, `${step.name}.json`), 'utf8')) as unknown
  ])
);
const host = machine();
const latest = {
  date: started.toISOString(),
  machine: host,
  totalS,
  budgetS: BUDGET_S,
  steps,
  results
};
writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(latest, null, 2)}\n`);

const day = started.toISOString().slice(0, 10);
const where =
  `${host.cpus} cores ${host.cpuModel}, ${host.memGiB} GiB, Node ${host.node}` +
  (host.chromium === null ? '' : `, ${host.chromium}`);
const notRun = steps.filter((step) => step.status !== 'ok');
const markdown = [
  `Measured on ${day} on ${where}; \`npm run bench\` took ${Math.round(totalS / 60)} min ` +
    `(${steps.map((s) => `${s.name} ${Math.round(s.durationS)} s`).join(', ')}).`,
  ...(notRun.length === 0
    ? []
    : [`Not in this run: ${notRun.map((s) => `${s.name} (${s.detail})`).join('; ')}.`]),
  ...ran.map((step) => readFileSync(join(RESULTS_DIR, `${step.name}.md`), 'utf8').trim())
].join('\n\n');
writeFileSync(join(RESULTS_DIR, 'latest.md'), `${markdown}\n`);

console.error('\n== summary');
for (const step of steps) {
  console.error(
    `${step.name.padEnd(8)} ${step.status.padEnd(8)} ${String(step.durationS).padStart(6)} s` +
      (step.detail === undefined ? '' : `  ${step.detail}`)
  );
}
console.error(
  `total    ${totalS} s${totalS > BUDGET_S ? ` — over the ${BUDGET_S / 60}-minute budget` : ''}`
);
console.error(`wrote ${RESULTS_DIR}/latest.json and ${RESULTS_DIR}/latest.md`);
console.log(JSON.stringify({ date: latest.date, totalS, steps }));
process.exit(steps.every((step) => step.status === 'ok') ? 0 : 1);
