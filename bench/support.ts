/**
 * What every benchmark shares (bench contract, /work/helpers/bench-contract.md): the machine it
 * ran on, medians and 90th percentiles, and writing `bench/results/<name>.json` and `<name>.md`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromiumPath } from '../scripts/chromium.ts';

export const RESULTS_DIR = 'bench/results';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memGiB: number;
  readonly node: string;
  /** The Chromium the browser benchmarks drive, e.g. "Chromium 156.0.8078.79"; null if none. */
  readonly chromium: string | null;
}

export function machine(): Machine {
  let chromium: string | null;
  try {
    chromium = execFileSync(chromiumPath(), ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    })
      .replace(/ built on .*/s, '')
      .trim();
  } catch {
    chromium = null;
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    chromium
  };
}

/** The value at quantile q (0..1) of the samples, nearest-rank; null when there are none. */
export function quantile(samples: readonly number[], q: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

/** Median as the average of the two middle samples for an even count; null when empty. */
export function median(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** { median, p90, min, max, n } of the samples, rounded to `digits` decimals. */
export function summary(samples: readonly number[], digits = 0) {
  const round = (value: number | null) =>
    value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    median: round(median(samples)),
    p90: round(quantile(samples, 0.9)),
    min: round(samples.length === 0 ? null : Math.min(...samples)),
    max: round(samples.length === 0 ? null : Math.max(...samples)),
    n: samples.length
  };
}

/** A Markdown table; `null` cells print as "–". */
export function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (value: unknown) => (value === null || value === undefined ? '–' : String(value));
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)
  ].join('\n');
}

/** Writes bench/results/<name>.json and <name>.md and prints the JSON on stdout. */
export function writeResult(name: string, result: object, markdown: string): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify(result, null, 2);
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${json}\n`);
  writeFileSync(join(RESULTS_DIR, `${name}.md`), `${markdown.trim()}\n`);
  console.log(json);
}
