/**
 * A router's uplink to the wan, with one-way delay, jitter and loss. The kernel here has no
 * netem, so the link is a pair of TUN devices joined by forwarder.py (Python's standard library
 * only), running in the router's namespace: packets read from one device are written to the
 * other after their delay. See forwarder.py for exactly what jitter and loss do.
 */
import { fileURLToPath } from 'node:url';
import { LabProcessError } from './errors.ts';
import type { Namespace } from './netns.ts';
import type { LabProcess } from './process.ts';
import { python } from './requirements.ts';

const FORWARDER = fileURLToPath(new URL('./forwarder.py', import.meta.url));

/** How long the forwarder may take to answer a control line (it answers within a loop turn). */
const CONTROL_TIMEOUT_MS = 5_000;

/** One direction of a link. All fields default to 0. */
export interface LinkSettings {
  /** One-way delay in milliseconds (0 to 60 000). */
  readonly delayMs?: number;
  /** Each packet's delay varies uniformly by up to ± this much; packets keep their order. */
  readonly jitterMs?: number;
  /** Chance that a packet is dropped, in percent (0 to 100). */
  readonly lossPct?: number;
}

/**
 * Settings for both directions of a link: one {@link LinkSettings} used both ways, or one per
 * direction (`up`: from the home to the wan, `down`: back).
 */
export type LinkConfig =
  LinkSettings | { readonly up?: LinkSettings; readonly down?: LinkSettings };

export interface LinkStats {
  readonly forwarded: number;
  readonly lost: number;
  /** Dropped because too many packets were waiting (a bound on memory, not a setting). */
  readonly overflow: number;
  /** Could not be written (the other device was down). */
  readonly errors: number;
}

/** Counters of a link since it was made, per direction. */
export interface LinkCounters {
  readonly up: LinkStats;
  readonly down: LinkStats;
}

export function directions(config: LinkConfig): { up: LinkSettings; down: LinkSettings } {
  if ('up' in config || 'down' in config) {
    const split = config as { up?: LinkSettings; down?: LinkSettings };
    return { up: split.up ?? {}, down: split.down ?? {} };
  }
  const both = config as LinkSettings;
  return { up: both, down: both };
}

/**
 * The round trip a link adds between its two ends with these settings (no jitter, no loss):
 * what a ping across it should measure, give or take the forwarder's scheduling.
 */
export function linkRoundTripMs(config: LinkConfig): number {
  const { up, down } = directions(config);
  return (up.delayMs ?? 0) + (down.delayMs ?? 0);
}

/** The longest round trip these settings allow: both delays plus both jitters. */
export function linkWorstRoundTripMs(config: LinkConfig): number {
  const { up, down } = directions(config);
  return linkRoundTripMs(config) + (up.jitterMs ?? 0) + (down.jitterMs ?? 0);
}

function check(settings: LinkSettings, label: string): void {
  const ranges: [keyof LinkSettings, number, number][] = [
    ['delayMs', 0, 60_000],
    ['jitterMs', 0, 60_000],
    ['lossPct', 0, 100]
  ];
  for (const [key, low, high] of ranges) {
    const value = settings[key];
    if (value !== undefined && (!Number.isFinite(value) || value < low || value > high)) {
      throw new RangeError(`${label}.${key} must be a number from ${low} to ${high}, not ${value}`);
    }
  }
}

function forwarderConfig(config: LinkConfig): { ab: LinkSettings; ba: LinkSettings } {
  const { up, down } = directions(config);
  check(up, 'up');
  check(down, 'down');
  // Device a is the router's side, b the wan's: a → b is the home's upload.
  const full = (s: LinkSettings) => ({
    delayMs: s.delayMs ?? 0,
    jitterMs: s.jitterMs ?? 0,
    lossPct: s.lossPct ?? 0
  });
  return { ab: full(up), ba: full(down) };
}

export class Link {
  readonly #forwarder: LabProcess;
  #config: LinkConfig;
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(forwarder: LabProcess, config: LinkConfig) {
    this.#forwarder = forwarder;
    this.#config = config;
  }

  /**
   * Starts the forwarder in `router`, which creates both TUN devices there; the caller moves
   * `wanDevice` into the wan and configures both ends.
   */
  static async start(
    router: Namespace,
    routerDevice: string,
    wanDevice: string,
    config: LinkConfig,
    seed: number | undefined,
    signal?: AbortSignal
  ): Promise<Link> {
    const args = [
      FORWARDER,
      '--a',
      routerDevice,
      '--b',
      wanDevice,
      '--config',
      JSON.stringify(forwarderConfig(config))
    ];
    if (seed !== undefined) {
      args.push('--seed', String(seed));
    }
    const forwarder = router.spawn(python(), args, {
      name: `forwarder ${router.name}`,
      stdin: true
    });
    const ready = await forwarder.nextMessage({ signal });
    if (ready.ready !== true) {
      throw new LabProcessError(`forwarder ${router.name} did not start: ${JSON.stringify(ready)}`);
    }
    return new Link(forwarder, config);
  }

  get config(): LinkConfig {
    return this.#config;
  }

  /** Changes the link's delay, jitter or loss at once (for packets read from now on). */
  async set(config: LinkConfig): Promise<void> {
    const answer = await this.#control(forwarderConfig(config));
    if (answer.ok !== true) {
      throw new LabProcessError(
        `forwarder rejected ${JSON.stringify(config)}: ${JSON.stringify(answer)}`
      );
    }
    this.#config = config;
  }

  async counters(): Promise<LinkCounters> {
    const answer = await this.#control({ stats: true });
    const stats = answer.stats as { ab: LinkStats; ba: LinkStats } | undefined;
    if (stats === undefined) {
      throw new LabProcessError(`forwarder gave no counters: ${JSON.stringify(answer)}`);
    }
    return { up: stats.ab, down: stats.ba };
  }

  /** One control line at a time: answers come in order, so each caller reads its own. */
  #control(message: unknown): Promise<Record<string, unknown>> {
    const answer = this.#pending.then(() => {
      this.#forwarder.send(message);
      return this.#forwarder.nextMessage({ timeoutMs: CONTROL_TIMEOUT_MS });
    });
    this.#pending = answer.catch(() => {});
    return answer;
  }
}
