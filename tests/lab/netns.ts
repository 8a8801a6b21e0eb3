/**
 * Lab network namespaces. Each is held open by a small process made with `unshare --net`
 * (inside the loopback-only namespace the whole lab runs in); commands enter it with
 * `nsenter --net=/proc/<holder>/ns/net`. Nothing is mounted or named anywhere: when the holder
 * and every process inside are gone, the kernel removes the namespace with all its interfaces,
 * addresses, routes and nftables rules. That works alike as root and as an unprivileged user in
 * a user namespace (where we are root over every namespace we make, which is all nsenter needs).
 */
import { chmod, writeFile } from 'node:fs/promises';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LabRequirementError } from './errors.ts';
import { LabProcess, runCommand, type HelperOptions, type RunOptions } from './process.ts';
import { program } from './requirements.ts';

/** Where the lab keeps what it starts, so that closing the lab can stop all of it. */
export interface ProcessRegistry {
  /** Holders are ended last, after everything that runs inside their namespaces. */
  add(process: LabProcess, options?: { holder?: boolean }): void;
}

/** What {@link holdNamespace} made: a namespace held open, and where its lab keeps things. */
export interface NamespaceParts {
  readonly name: string;
  readonly holder: LabProcess;
  readonly inode: string;
  readonly registry: ProcessRegistry;
  readonly tempDir: string;
}

export class Namespace {
  /** A name for messages and generated files: "wan", "a-router", "a1". */
  readonly name: string;
  /** The namespace's identity as the kernel names it ("net:[4026532…]"), for finding its processes. */
  readonly inode: string;
  readonly #holder: LabProcess;
  readonly #registry: ProcessRegistry;
  readonly #tempDir: string;

  constructor(parts: NamespaceParts) {
    this.name = parts.name;
    this.inode = parts.inode;
    this.#holder = parts.holder;
    this.#registry = parts.registry;
    this.#tempDir = parts.tempDir;
  }

  /** The holder's PID: `ip link set DEV netns <pid>` moves an interface into this namespace. */
  get pid(): number {
    return this.#holder.pid!;
  }

  /** The namespace file that `nsenter --net=` takes. */
  get path(): string {
    return `/proc/${this.pid}/ns/net`;
  }

  /** A command line that runs `command args…` inside this namespace. */
  argv(command: string, args: readonly string[] = []): string[] {
    return [program('nsenter'), `--net=${this.path}`, '--', command, ...args];
  }

  /** Runs a command in this namespace to completion and returns its stdout. */
  run(command: string, args: readonly string[] = [], options: RunOptions = {}): Promise<string> {
    return runCommand(this.argv(command, args), options);
  }

  /**
   * Runs a shell script in this namespace (with `set -e`: the first failing command fails it).
   * One process for many commands; see {@link sysctlScript}, {@link ipScript}, {@link nftScript}.
   */
  shell(script: string, options: RunOptions = {}): Promise<string> {
    return this.run(program('sh'), ['-c', `set -e\n${script}`], options);
  }

  /** Runs `ip` commands (one per line, as `ip -batch` reads them) in this namespace. */
  ip(commands: readonly string[], options: RunOptions = {}): Promise<string> {
    return this.shell(ipScript(commands), options);
  }

  /** Loads an nftables ruleset (nft -f syntax) in this namespace. */
  nft(ruleset: string, options: RunOptions = {}): Promise<string> {
    return this.shell(nftScript(ruleset), options);
  }

  /**
   * Starts a long-running process inside this namespace. The lab stops it when it closes (and
   * the kernel kills it if the lab's process dies first: parent-death signal).
   */
  spawn(command: string, args: readonly string[], options: HelperOptions): LabProcess {
    const child = new LabProcess(this.argv(command, args), options);
    this.#registry.add(child);
    return child;
  }

  /**
   * Writes an executable shell script into the lab's temp dir that runs `command` (with the
   * script's own arguments after `fixedArgs`) inside this namespace: what Playwright's
   * `executablePath` or any other launcher can start. It works until the lab is closed.
   *
   * @example
   * const chromium = await home.participants[0].wrapper('/usr/bin/chromium')
   * const browser = await playwright.chromium.launch({ executablePath: chromium, args })
   */
  async wrapper(command: string, fixedArgs: readonly string[] = []): Promise<string> {
    const base = command
      .split('/')
      .pop()!
      .replace(/[^\w.-]/g, '_');
    const path = join(this.#tempDir, `${this.name}-${base}`);
    // Under a parent-death signal, as every lab process: a browser whose launcher is killed
    // outright goes too, instead of holding a home's namespace open.
    const argv = [
      program('setpriv'),
      '--pdeathsig',
      'KILL',
      '--',
      ...this.argv(command, fixedArgs)
    ];
    const quoted = argv.map(shellQuote).join(' ');
    await writeFile(
      path,
      '#!/bin/sh\n' +
        `# Generated by tests/lab: runs ${command} in the lab namespace "${this.name}".\n` +
        `exec ${quoted} "$@"\n`
    );
    await chmod(path, 0o755);
    return path;
  }

  /** PIDs of every process now inside this namespace (the holder included). */
  processes(): number[] {
    return processesIn(new Set([this.inode])).map(([pid]) => pid);
  }
}

/**
 * Makes a new network namespace with loopback up, held by a process under the lab's control
 * (registered, so that closing the lab ends it). `setup` is shell run inside first (sysctls
 * that interfaces made later inherit): each process started costs tens of milliseconds on a
 * busy machine, so the lab does as much as it can per process.
 *
 * @throws {LabRequirementError} when this user may not make one.
 */
export async function holdNamespace(
  name: string,
  registry: ProcessRegistry,
  tempDir: string,
  options: { setup?: string; signal?: AbortSignal } = {}
): Promise<NamespaceParts> {
  // The holder sets up, says so, and then only waits: exec keeps its PID, so the PID we hold
  // is the namespace's as soon as "ready" arrives.
  const script = [
    'set -e',
    `${program('ip')} link set lo up`,
    options.setup ?? '',
    `echo '{"ready":true}'`,
    `exec ${program('sleep')} infinity`
  ].join('\n');
  const holder = new LabProcess([program('unshare'), '--net', '--', program('sh'), '-c', script], {
    name: `namespace ${name}`
  });
  registry.add(holder, { holder: true });
  try {
    await holder.nextMessage({ signal: options.signal });
  } catch (err) {
    throw new LabRequirementError(
      `The network lab could not make a network namespace (unshare --net): ${(err as Error).message}. ` +
        'Run it as root, or as a user allowed unprivileged user namespaces, under node ' +
        'scripts/isolated.ts.'
    );
  }
  const inode = readlinkSync(`/proc/${holder.pid}/ns/net`);
  if (inode === readlinkSync('/proc/self/ns/net')) {
    throw new LabRequirementError('unshare --net did not give the lab a namespace of its own');
  }
  return { name, holder, inode, registry, tempDir };
}

/**
 * Shell that sets sysctls (paths under /proc/sys, as "net/ipv4/ip_forward") of the namespace it
 * runs in: /proc/sys/net shows the namespace of whoever reads it. Keys ending in "?" are set
 * only where the kernel has them.
 */
export function sysctlScript(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([key, value]) => {
      const optional = key.endsWith('?');
      const path = `/proc/sys/${optional ? key.slice(0, -1) : key}`;
      return optional
        ? `if [ -e ${path} ]; then echo ${value} > ${path}; fi`
        : `echo ${value} > ${path}`;
    })
    .join('\n');
}

/** Shell that runs `ip` commands (one per line, as `ip -batch` reads them). */
export function ipScript(commands: readonly string[]): string {
  return withInput(`${program('ip')} -batch -`, commands.join('\n'));
}

/** Shell that loads an nftables ruleset (nft -f syntax). */
export function nftScript(ruleset: string): string {
  return withInput(`${program('nft')} -f -`, ruleset);
}

/** Shell that feeds `input` to a command through a here-document. */
export function withInput(command: string, input: string): string {
  const marker = 'LAB_INPUT_END';
  if (input.includes(marker)) {
    throw new TypeError(`input must not contain ${marker}`);
  }
  return `${command} <<'${marker}'\n${input}\n${marker}`;
}

/** [pid, namespace] of every process of ours whose network namespace is one of `inodes`. */
export function processesIn(inodes: ReadonlySet<string>): [number, string][] {
  const result: [number, string][] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const inode = readlinkSync(`/proc/${entry}/ns/net`);
      if (inodes.has(inode)) {
        result.push([Number(entry), inode]);
      }
    } catch {
      // Gone meanwhile, or not ours to look at: either way not one of the lab's.
    }
  }
  return result;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
