import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesIn } from './netns.ts';
import { ownInterfaces } from './requirements.ts';
import {
  createLab,
  LabCommandError,
  ProbeServer,
  type Home,
  type Lab,
  type Namespace
} from './index.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

/** Addresses outside every lab range: a public resolver's and a private one no home uses. */
const OUTSIDE = ['9.9.9.9', '10.255.255.1'];
/** What a connection to an address with no route through the lab may end in. */
const NO_ROUTE = ['EHOSTUNREACH', 'ENETUNREACH', 'timeout'];
/** How long a killed lab's processes may take to be gone (signal delivery, reaping). */
const GONE_WITHIN_MS = 5_000;

interface Link {
  ifname: string;
  linkinfo?: { info_kind?: string };
}
interface Route {
  dst: string;
  dev: string;
  gateway?: string;
}

async function links(ns: Namespace): Promise<string[]> {
  const list = JSON.parse(await ns.run('ip', ['-j', '-d', 'link'])) as Link[];
  return list.map((l) => `${l.ifname}:${l.linkinfo?.info_kind ?? 'none'}`).sort();
}

async function routes(ns: Namespace): Promise<string[]> {
  const list = JSON.parse(await ns.run('ip', ['-j', 'route'])) as Route[];
  return list
    .map((r) => `${r.dst} ${r.gateway === undefined ? '' : `via ${r.gateway} `}dev ${r.dev}`)
    .sort();
}

async function goneWithin(inodes: ReadonlySet<string>): Promise<[number, string][]> {
  const deadline = Date.now() + GONE_WITHIN_MS;
  let left = processesIn(inodes);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesIn(inodes);
  }
  return left;
}

let lab: Lab;
let probe: ProbeServer;
let natted: Home;
let open: Home;

beforeAll(async () => {
  lab = await createLab();
  [probe, natted, open] = await Promise.all([
    ProbeServer.start(lab),
    lab.addHome('a', { preset: 'port-restricted' }),
    lab.addHome('p', { preset: 'none' })
  ]);
});

afterAll(async () => {
  await lab?.close();
});

describe('lab topology', () => {
  it('runs in a namespace that has loopback only', () => {
    expect(ownInterfaces()).toEqual(['lo']);
  });

  it('gives every namespace only the interfaces the lab made', async () => {
    expect(await links(lab.wan)).toEqual(['lo:none', 'up-a:tun', 'up-p:tun']);
    for (const home of [natted, open]) {
      expect(await links(home.router)).toEqual(['br0:bridge', 'lo:none', 'p1:veth', 'up0:tun']);
      expect(await links(home.participants[0]!)).toEqual(['lan0:veth', 'lo:none']);
    }
  });

  it('routes the wan to each router only, and each home through its router only', async () => {
    expect(await routes(lab.wan)).toEqual([
      '198.51.100.1 dev up-a',
      '198.51.100.2 dev up-p',
      '203.0.113.16/28 dev up-p'
    ]);
    expect(await routes(natted.router)).toEqual(['192.168.1.0/24 dev br0', 'default dev up0']);
    expect(await routes(natted.participants[0]!)).toEqual([
      '192.168.1.0/24 dev lan0',
      'default via 192.168.1.1 dev lan0'
    ]);
    expect(await routes(open.participants[0]!)).toEqual([
      '203.0.113.16/28 dev lan0',
      'default via 203.0.113.17 dev lan0'
    ]);
  });

  it("reaches neither the machine's own addresses nor anything beyond the wan", async () => {
    // scripts/isolated.ts lists them; without it the lab would not have been built at all.
    expect(process.env.SAMEN_HOST_ADDRESSES).toBeDefined();
    const host = (process.env.SAMEN_HOST_ADDRESSES ?? '').split(',').filter(Boolean);
    const participant = natted.participants[0]!;
    for (const address of [...OUTSIDE, ...host]) {
      let route: string;
      try {
        route = await lab.wan.run('ip', ['route', 'get', address]);
      } catch (err) {
        expect(err).toBeInstanceOf(LabCommandError);
        expect((err as LabCommandError).stderr).toContain('Network is unreachable');
        const tcp = await probe.tcp(participant, `${address}:9`, 1_000);
        expect(tcp.connected).toBe(false);
        expect(NO_ROUTE).toContain(tcp.error);
        continue;
      }
      // A machine address that is also one of the lab's own server addresses (documentation
      // ranges are popular for VMs): inside the lab it names the lab's wan, nothing else.
      expect(route).toMatch(new RegExp(`^local ${address.replace(/\./g, '\\.')} dev lo `));
    }
  });

  it('removes every namespace, process and file it made when closed', async () => {
    const other = await createLab({ log: () => {} });
    const home = await other.addHome('x', { preset: 'symmetric' });
    // A process the lab did not start itself (as a browser a test forgets to close).
    const stray = spawn(await home.participants[0]!.wrapper('/usr/bin/sleep'), ['600']);
    const strayEnd = new Promise((resolve) => stray.once('exit', (_, signal) => resolve(signal)));
    const inodes = new Set(other.namespaces.map((ns) => ns.inode));
    expect(inodes.size).toBe(3);
    // Three holders, the uplink's forwarder, and the stray.
    await expect.poll(() => processesIn(inodes).length).toBe(5);
    await other.close();
    expect(await goneWithin(inodes)).toEqual([]);
    expect(await strayEnd).toBe('SIGKILL');
    expect(existsSync(other.tempDir)).toBe(false);
    await other.close(); // twice is harmless
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'tears a lab down when its process gets %s',
    async (signal) => {
      const { child, made } = await holdLab();
      child.kill(signal);
      const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? s)));
      expect(code).toBe(signal);
      expect(await goneWithin(made.inodes)).toEqual([]);
      expect(existsSync(made.tempDir)).toBe(false);
    }
  );

  it('takes a killed lab process (SIGKILL) down with it, all but its temp dir', async () => {
    const { child, made } = await holdLab();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The parent-death signal of every lab process: nothing could run cleanup code.
    expect(await goneWithin(made.inodes)).toEqual([]);
    expect(existsSync(made.tempDir)).toBe(true);
    rmSync(made.tempDir, { recursive: true });
  });

  it('refuses to build outside a loopback-only namespace, naming what it saw', async () => {
    const participant = open.participants[0]!;
    const attempt = participant.run(process.execPath, [CLI, '--count', '0']);
    await expect(attempt).rejects.toThrow(LabCommandError);
    const stderr = await attempt.catch((err: LabCommandError) => err.stderr);
    expect(stderr).toContain('LabRequirementError');
    expect(stderr).toContain('must run in a network namespace with loopback only');
    expect(stderr).toContain('also has lan0');
  });
});

/** Starts `cli.ts --hold` as a process of its own and reads what it made. */
async function holdLab() {
  const child = spawn(process.execPath, [CLI, '--hold', '--count', '0', '--preset', 'same-nat'], {
    stdio: ['ignore', 'pipe', 'ignore']
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`cli.ts exited (${code}) before holding`)));
  });
  const held = JSON.parse(line) as { tempDir: string; namespaces: { inode: string }[] };
  const made = { tempDir: held.tempDir, inodes: new Set(held.namespaces.map((ns) => ns.inode)) };
  // wan, router and two participants, each held by a live process.
  expect(made.inodes.size).toBe(4);
  expect(processesIn(made.inodes).length).toBeGreaterThanOrEqual(4);
  return { child, made };
}
