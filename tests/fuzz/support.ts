/**
 * Fuzzing support (fast-check): how many inputs a target tries, and the one property every
 * decoder and parser of outside input shares: it returns a value that satisfies its documented
 * invariants, or throws one of Samen's typed errors (a SamenError subclass, or TypeError /
 * RangeError where the module documents that for misuse of its own API), never anything else,
 * and never takes long over one input.
 *
 * `SAMEN_FUZZ_RUNS` sets the inputs per target: a few thousand under `npm test` (the default
 * below), 100 000 under `npm run fuzz`. A failure prints fast-check's counterexample with its
 * seed and path; `SAMEN_FUZZ_SEED` and `SAMEN_FUZZ_PATH` replay exactly that run, and
 * `SAMEN_FUZZ_SHRINK=1` shrinks it to the smallest counterexample.
 *
 * @example
 * fuzz(fc.property(fc.string(), (text) => {
 *   const parsed = attempt(() => parseNetworkJson(text))
 *   if (parsed.ok) checkInvariants(parsed.value)
 *   else expectErrorNamed(parsed.error, ['InvalidNetworkConfigError'])
 * }))
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { SamenError } from '../../src/p2p/errors.ts';

/** Inputs per target unless SAMEN_FUZZ_RUNS says otherwise: the whole small set stays < 60 s. */
export const DEFAULT_FUZZ_RUNS = 2_000;

/**
 * The longest one input may take. Every input is bounded by a named limit (64 KiB at most), so
 * anything near this is super-linear work (a regular expression that backtracks, a loop that
 * does not end), not load: the slowest input of a target takes milliseconds here.
 */
export const PER_INPUT_BUDGET_MS = 2_000;

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') {
    return fallback;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** Inputs per target in this run. */
export const FUZZ_RUNS = positiveInteger('SAMEN_FUZZ_RUNS', DEFAULT_FUZZ_RUNS);

/** The parameters of every target: the run count, and the seed and path to replay, if given. */
export function fuzzParameters<Ts>(overrides: fc.Parameters<Ts> = {}): fc.Parameters<Ts> {
  const seed = process.env.SAMEN_FUZZ_SEED;
  const path = process.env.SAMEN_FUZZ_PATH;
  return {
    numRuns: FUZZ_RUNS,
    // The failing input's own error in the report, beside the counterexample.
    includeErrorInReport: true,
    // Shrinking a failure of a large input (a roster of long addresses) took longer than CI's
    // whole budget: the first counterexample is reported as found, with its seed and path;
    // SAMEN_FUZZ_SHRINK=1 with those two shrinks it to the smallest.
    endOnFailure: process.env.SAMEN_FUZZ_SHRINK !== '1',
    ...(seed === undefined || seed === '' ? {} : { seed: Number(seed) }),
    ...(path === undefined || path === '' ? {} : { path }),
    ...overrides
  };
}

/**
 * Runs a synchronous property over FUZZ_RUNS inputs: the test fails with fast-check's report
 * (the shrunk counterexample, its seed and path) when one input breaks it.
 */
export function fuzz<Ts>(property: fc.IProperty<Ts>, overrides?: fc.Parameters<Ts>): void {
  const details = fc.check(property, fuzzParameters(overrides));
  expect(details.failed, fc.defaultReportMessage(details)).toBe(false);
}

/** The same for an asynchronous property. */
export async function fuzzAsync<Ts>(
  property: fc.IAsyncProperty<Ts>,
  overrides?: fc.Parameters<Ts>
): Promise<void> {
  const details = await fc.check(property, fuzzParameters(overrides));
  expect(details.failed, fc.defaultReportMessage(details)).toBe(false);
}

/** An error constructor a module documents for misuse of its own API. */
export type ApiMisuse = typeof TypeError | typeof RangeError;

/** Not one of our typed errors: what a fuzz target must never see. */
export class UntypedError extends Error {
  override name = 'UntypedError';
}

/** Whether `value` is one of Samen's typed errors (or an allowed API-misuse error). */
export function isTypedError(
  value: unknown,
  misuse: readonly ApiMisuse[] = []
): value is SamenError | TypeError | RangeError {
  return value instanceof SamenError || misuse.some((Misuse) => value instanceof Misuse);
}

/** What one input came to: a value, or one of the typed errors allowed for it. */
export type Attempt<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: SamenError | TypeError | RangeError };

/**
 * Calls `fn` on one input. Anything thrown that is not a typed error, or an input that takes
 * over PER_INPUT_BUDGET_MS, fails the property (fast-check then shrinks the input).
 */
export function attempt<T>(fn: () => T, misuse: readonly ApiMisuse[] = []): Attempt<T> {
  const started = performance.now();
  let result: Attempt<T>;
  try {
    result = { ok: true, value: fn() };
  } catch (err) {
    if (!isTypedError(err, misuse)) {
      throw untyped(err);
    }
    result = { ok: false, error: err };
  }
  withinBudget(started);
  return result;
}

/** The asynchronous {@link attempt}. */
export async function attemptAsync<T>(
  fn: () => Promise<T>,
  misuse: readonly ApiMisuse[] = []
): Promise<Attempt<T>> {
  const started = performance.now();
  let result: Attempt<T>;
  try {
    result = { ok: true, value: await fn() };
  } catch (err) {
    if (!isTypedError(err, misuse)) {
      throw untyped(err);
    }
    result = { ok: false, error: err };
  }
  withinBudget(started);
  return result;
}

/** Fails unless `value` is a typed error of exactly one of `names`. */
export function expectErrorNamed(value: unknown, names: readonly string[]): void {
  if (!(value instanceof Error) || !names.includes(value.name)) {
    throw new UntypedError(
      `expected one of ${names.join(', ')}, got ${value instanceof Error ? value.name : typeof value}`
    );
  }
}

/** An invariant of a returned value: fails the property with `what` when it does not hold. */
export function invariant(holds: boolean, what: string): asserts holds {
  if (!holds) {
    throw new UntypedError(`invariant broken: ${what}`);
  }
}

function withinBudget(started: number): void {
  const took = performance.now() - started;
  if (took > PER_INPUT_BUDGET_MS) {
    throw new UntypedError(`one input took ${Math.round(took)} ms (> ${PER_INPUT_BUDGET_MS} ms)`);
  }
}

function untyped(err: unknown): UntypedError {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : `a thrown ${typeof err}`;
  return new UntypedError(`not a typed error: ${what}`, { cause: err });
}
