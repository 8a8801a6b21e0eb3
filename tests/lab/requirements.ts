/**
 * What the lab needs from this machine, checked up front so that a missing piece fails the run
 * with one sentence naming it (and the Debian package that has it), never a skipped test or a
 * confusing error three steps later.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LabRequirementError } from './errors.ts';

/** Programs the lab runs, and the Debian package each comes from. */
export const PROGRAMS = {
  unshare: 'util-linux',
  nsenter: 'util-linux',
  setpriv: 'util-linux',
  sleep: 'coreutils',
  sh: 'dash',
  ip: 'iproute2',
  ss: 'iproute2',
  nft: 'nftables',
  turnserver: 'coturn',
  turnutils_natdiscovery: 'coturn',
  turnutils_uclient: 'coturn'
} as const;

export type Program = keyof typeof PROGRAMS;

/**
 * Directories searched after $PATH: a non-root user's $PATH on Debian has no sbin, where `ip`
 * and `nft` live.
 */
const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

const found = new Map<string, string>();

/**
 * The absolute path of a program the lab needs.
 *
 * @throws {LabRequirementError} naming the program and its Debian package when it is missing.
 */
export function program(name: Program): string {
  const cached = found.get(name);
  if (cached !== undefined) {
    return cached;
  }
  const path = findExecutable(name);
  if (path === undefined) {
    throw new LabRequirementError(
      `The network lab needs the program "${name}", which is not installed: install Debian's ` +
        `${PROGRAMS[name]} package (apt-get install ${PROGRAMS[name]}).`
    );
  }
  found.set(name, path);
  return path;
}

/**
 * Python 3 for the link forwarder: Debian's own first (a pyenv shim on $PATH starts far slower
 * and may point anywhere), else whatever `python3` is on $PATH. Standard library only.
 */
export function python(): string {
  const path = ['/usr/bin/python3'].find(isExecutable) ?? findExecutable('python3');
  if (path === undefined) {
    throw new LabRequirementError(
      'The network lab needs python3 (standard library only) for its delay/loss forwarder: ' +
        "install Debian's python3 package."
    );
  }
  return path;
}

function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN_DIRS];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The interfaces of the network namespace this process is in (from /proc/self/net/dev). */
export function ownInterfaces(): string[] {
  return readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter(Boolean);
}

/**
 * The lab must be built inside a namespace that has only loopback (scripts/isolated.ts): then
 * nothing in it can reach the machine's real interfaces, whatever a test does.
 *
 * @throws {LabRequirementError} when this process sees any interface besides `lo`.
 */
export function assertIsolated(): void {
  const others = ownInterfaces().filter((name) => name !== 'lo');
  if (others.length > 0) {
    throw new LabRequirementError(
      `The network lab must run in a network namespace with loopback only, but this one also ` +
        `has ${others.join(', ')}: run it under node scripts/isolated.ts (npm run test:lab).`
    );
  }
}

/** Reads what a failed kernel-feature probe printed and turns it into a sentence. */
export function kernelFeatureError(feature: string, detail: string): LabRequirementError {
  return new LabRequirementError(
    `The network lab needs ${feature}, which this kernel or namespace refused: ${detail.trim()}`
  );
}
