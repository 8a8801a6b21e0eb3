// `npm run bench:connect`: Join → `direct` for two Chromium pages on the local network, phase by
// phase, median over RUNS runs. Each run opens two fresh browser contexts on the start page,
// waits until their nodes are connected (the warm node the start page makes), presses Join in
// both at the same instant with a fresh passphrase, and reads the User Timing marks the app sets
// (JoinForm's JOIN_MARK, then Call's CALL_MARKS; src/p2p/constants.ts) once both show each other as `direct`.
//
// Prints JSON and writes bench/results/connect.json. Times are milliseconds from the Join click
// on that page; a run's figure is the slower of its two pages (a call is up when both are), but
// for `found`, the first page to find the other.
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from '@playwright/test';
import { buildIfNeeded, startLocalStack } from '../scripts/local-stack.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.ts';
import { CALL_MARKS, JOIN_MARK } from '../src/p2p/constants.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TIMEOUT_MS = 60_000;

const PHASES = CALL_MARKS;
type Phase = keyof typeof PHASES;
type Timings = Record<Phase, number>;
type PageTimings = Record<Phase, number | null>;

async function openStartPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId('network-status').and(page.locator('[data-phase="connected"]')).waitFor({
    timeout: TIMEOUT_MS
  });
  await page.getByTestId('relay-status').and(page.locator('[data-ready="true"]')).waitFor({
    timeout: TIMEOUT_MS
  });
  return page;
}

/** A page's marks, ms after its Join click; null for a milestone it has not reached. */
async function timings(page: Page): Promise<PageTimings> {
  return page.evaluate(
    ({ phases, joinMark }) => {
      const at = (name: string) => performance.getEntriesByName(name, 'mark').at(-1)?.startTime;
      const join = at(joinMark);
      if (join === undefined) {
        throw new Error(`no ${joinMark} mark`);
      }
      return Object.fromEntries(
        Object.entries(phases).map(([phase, mark]) => {
          const t = at(mark);
          return [phase, t === undefined ? null : Math.round(t - join)];
        })
      ) as PageTimings;
    },
    { phases: PHASES, joinMark: JOIN_MARK }
  );
}

async function run(browser: Browser, url: string, round: number): Promise<Timings> {
  const pages = await Promise.all([openStartPage(browser, url), openStartPage(browser, url)]);
  try {
    const passphrase = `bench ${round} ${crypto.randomUUID()}`;
    for (const page of pages) {
      await page.getByLabel('Passphrase').fill(passphrase);
    }
    // Both click within the same task of the test process: "both join at the same instant".
    await Promise.all(pages.map((page) => page.getByRole('button', { name: 'Join call' }).click()));
    await Promise.all(
      pages.map((page) =>
        page
          .locator('[data-testid="participant"][data-state="direct"]')
          .waitFor({ timeout: TIMEOUT_MS })
      )
    );
    const both = await Promise.all(pages.map(timings));
    return Object.fromEntries(
      (Object.keys(PHASES) as Phase[]).map((phase) => {
        const reached = both.map((t) => t[phase]).filter((t): t is number => t !== null);
        if (phase !== 'found' && reached.length < both.length) {
          throw new Error(`a page has no mark for ${phase}`);
        }
        // One side finding the other is enough: it dials, and the other is reached, not found.
        return [phase, phase === 'found' ? Math.min(...reached) : Math.max(...reached)];
      })
    ) as Timings;
  } finally {
    await Promise.all(pages.map((page) => page.context().close()));
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

buildIfNeeded(console.error);
const stack = await startLocalStack({ port: 0, nodes: 3 });
const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
const runs: Timings[] = [];
try {
  // One unmeasured round first: Chromium's first WebRTC and WebAssembly start-up is not Samen's.
  await run(browser, stack.url, 0);
  for (let round = 1; round <= RUNS; round++) {
    runs.push(await run(browser, stack.url, round));
    console.error(`run ${round}: ${JSON.stringify(runs.at(-1))}`);
  }
} finally {
  await browser.close();
  await stack.stop();
}

const result = {
  benchmark: 'connect',
  date: new Date().toISOString(),
  runs: RUNS,
  unit: 'ms from the Join click; the slower page of the two, except found: the first',
  median: Object.fromEntries(
    (Object.keys(PHASES) as Phase[]).map((phase) => [phase, median(runs.map((r) => r[phase]))])
  ),
  target: { direct: 800 },
  all: runs
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/connect.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
