/**
 * The processes the lab starts: one-shot commands (`ip`, `nft`) and helpers that stay up
 * (namespace holders, forwarders, coturn, servers). Helpers talk in JSON lines on stdout (and
 * take them on stdin); every helper is started under `setpriv --pdeathsig KILL`, so that even a
 * lab process killed outright (SIGKILL, a crashed test worker) takes all of them with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { COMMAND_TIMEOUT_MS, READY_TIMEOUT_MS, STOP_GRACE_MS } from './constants.ts';
import { LabCommandError, LabProcessError } from './errors.ts';
import { program } from './requirements.ts';

/** How much of a helper's stderr is kept for error messages: the end is what explains a crash. */
const STDERR_TAIL_BYTES = 8 * 1024;

export interface RunOptions {
  /** Written to the command's stdin (then closed). */
  readonly input?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/**
 * Runs a command to completion and returns its stdout.
 *
 * @throws {LabCommandError} with the command line and its stderr when it exits non-zero or
 *   does not finish within `timeoutMs`.
 */
export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? COMMAND_TIMEOUT_MS);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      signal,
      killSignal: 'SIGKILL'
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {}); // a command that exits without reading its input
    child.stdin.end(options.input ?? '');
    child.once('error', (err) => {
      const why = timeout.aborted
        ? `timed out after ${options.timeoutMs ?? COMMAND_TIMEOUT_MS} ms`
        : err.message;
      reject(new LabCommandError(`${argv.join(' ')}: ${why}\n${stderr}`.trim(), { stderr }));
    });
    child.once('close', (code, killedBy) => {
      if (code === 0) {
        resolve(stdout);
      } else if (!signal.aborted) {
        const exitCode = code ?? killedBy ?? undefined;
        reject(
          new LabCommandError(
            `${argv.join(' ')} failed (${exitCode}): ${stderr.trim() || stdout.trim()}`,
            { exitCode, stderr }
          )
        );
      }
    });
  });
}

export interface HelperOptions {
  /** A short name for messages: "forwarder home-a", "coturn". */
  readonly name: string;
  /** Keep stdin open: the helper reads commands from it (and stops at its end). */
  readonly stdin?: boolean;
  /** Where stdout goes: JSON lines to read (default), or nowhere. */
  readonly stdout?: 'lines' | 'ignore';
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * A helper process of the lab. Started with {@link startHelper}; read its JSON lines with
 * {@link LabProcess.nextMessage}, stop it with {@link LabProcess.stop} (idempotent).
 */
export class LabProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  #stderr = '';
  #lines: string[] = [];
  #partial = '';
  #waiters: (() => void)[] = [];
  #exitCode: number | string | undefined;

  constructor(argv: readonly string[], options: HelperOptions) {
    this.name = options.name;
    this.child = spawn(program('setpriv'), ['--pdeathsig', 'KILL', '--', ...argv], {
      stdio: [
        options.stdin === true ? 'pipe' : 'ignore',
        options.stdout === 'ignore' ? 'ignore' : 'pipe',
        'pipe'
      ],
      env: options.env ?? process.env,
      cwd: options.cwd
    });
    this.child.stdin?.on('error', () => {}); // writes after the helper died are dropped
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      this.#lines.push(...parts.filter((line) => line.trim() !== ''));
      this.#wake();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.#stderr += err.message;
        this.#exitCode = 'spawn error';
        this.#wake();
        resolve('spawn error');
      });
      this.child.once('exit', (code, signal) => {
        this.#exitCode = code ?? signal ?? 'unknown';
        this.#wake();
        resolve(this.#exitCode);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** The end of what the helper wrote to stderr. */
  get stderr(): string {
    return this.#stderr;
  }

  /**
   * The next JSON line the helper writes on stdout (lines that are not JSON are skipped).
   *
   * @throws {LabProcessError} when the helper exits first or says nothing within `timeoutMs`.
   */
  async nextMessage<T = Record<string, unknown>>(
    options: { timeoutMs?: number; signal?: AbortSignal } = {}
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      options.signal?.throwIfAborted();
      const line = this.#lines.shift();
      if (line !== undefined) {
        try {
          return JSON.parse(line) as T;
        } catch {
          continue;
        }
      }
      if (this.#exitCode !== undefined) {
        throw new LabProcessError(
          `${this.name} exited (${this.#exitCode}) before answering: ${this.#stderr.trim()}`
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new LabProcessError(
          `${this.name} said nothing within ${timeoutMs} ms: ${this.#stderr.trim()}`
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const onAbort = () => done();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiters.push(done);
        function done() {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      });
    }
  }

  /** Writes one JSON line to the helper's stdin. */
  send(message: unknown): void {
    this.child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.#exitCode !== undefined) {
      return;
    }
    this.child.stdin?.end();
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** For exit and signal handlers, which cannot wait: SIGKILL now. */
  killNow(): void {
    if (this.#exitCode === undefined) {
      this.child.kill('SIGKILL');
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) {
      wake();
    }
  }
}
