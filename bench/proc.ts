/**
 * CPU time and memory of a process tree, read from Linux's /proc: what a browser and all its
 * helpers (renderers, GPU, network, audio and capture services) cost, measured from outside.
 * See proc(5) for the fields.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat (100 on Linux). */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in seconds. */
  readonly cpuSeconds: number;
  /** What the process is (processType): renderer, gpu-process, utility:<sub-type>, firefox:tab… */
  readonly type: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // The process exited between listing /proc and reading it.
    return undefined;
  }
}

function readProc(pid: number): ProcInfo | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  const cmdline = readText(`/proc/${pid}/cmdline`);
  if (stat === undefined || cmdline === undefined) {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields after the
  // last ')' are fixed. After it: state (3), ppid (4) … utime (14), stime (15).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { pid, ppid, cpuSeconds: ticks / CLOCK_TICKS, type: processType(cmdline) };
}

/**
 * What a browser process is, from its command line. Chromium: its `--type=` (and utility
 * sub-type), `browser` without one; Chromium rewrites its helpers' argv into one space-separated
 * string, so flags are read by pattern. Firefox (BENCH_BROWSERS): `firefox` for its main process,
 * `firefox:<kind>` for a child (`-contentproc …` ending in tab, rdd, socket, utility…).
 */
function processType(cmdline: string): string {
  const args = cmdline.split('\0').filter((arg) => arg !== '');
  if (args.includes('-contentproc')) {
    return `firefox:${args.at(-1)}`;
  }
  if (/firefox[^/]*$/.test(args[0] ?? '')) {
    return 'firefox';
  }
  const type = cmdline.match(/--type=([^\s\0]+)/)?.[1] ?? 'browser';
  const subType = cmdline.match(/--utility-sub-type=([^\s\0]+)/)?.[1];
  return subType === undefined ? type : `${type}:${subType}`;
}

/** Every live descendant of `root` (not `root` itself), by pid. */
export function descendants(root: number): Map<number, ProcInfo> {
  const all = new Map<number, ProcInfo>();
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry)) {
      const info = readProc(Number(entry));
      if (info !== undefined) {
        all.set(info.pid, info);
      }
    }
  }
  const children = new Map<number, ProcInfo[]>();
  for (const info of all.values()) {
    children.set(info.ppid, [...(children.get(info.ppid) ?? []), info]);
  }
  const found = new Map<number, ProcInfo>();
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.set(child.pid, child);
      queue.push(child.pid);
    }
  }
  return found;
}

export interface Memory {
  /** Resident set size (VmRSS), MB of 10^6 B: pages shared with other processes count fully. */
  readonly rssMB: number;
  /** Proportional set size (smaps_rollup Pss), MB: shared pages split among their users, so
   * these add up across processes. Null if the kernel does not offer it. */
  readonly pssMB: number | null;
}

/** /proc reports kB meaning KiB. */
function kibField(text: string | undefined, field: string): number | null {
  const match = text?.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return match === null || match === undefined ? null : Number(match[1]);
}

const toMB = (kib: number) => Math.round((kib * 1024) / 1e5) / 10;

export function memoryOf(pid: number): Memory | undefined {
  const rss = kibField(readText(`/proc/${pid}/status`), 'VmRSS');
  if (rss === null) {
    return undefined;
  }
  const pss = kibField(readText(`/proc/${pid}/smaps_rollup`), 'Pss');
  return { rssMB: toMB(rss), pssMB: pss === null ? null : toMB(pss) };
}

/** This process's own CPU time so far, seconds. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * The whole machine's CPU time so far (first line of /proc/stat), seconds summed over cores:
 * `busy` is everything but idle and iowait. Read before and after, it tells whether something
 * else was using the machine meanwhile.
 */
export function machineCpuSeconds(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const ticks = fields.slice(0, 8).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = ticks[3]! + ticks[4]!;
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}
