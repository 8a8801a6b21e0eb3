/**
 * What a call tunes while it runs, from its media connections' stats: each video sender's
 * limits for the number of people and the measured upload (adapt.ts), the active speaker
 * (speaker.ts), and the connection path the UI's Connection panel shows (stats.ts).
 */
import type { Logger } from '@libp2p/interface';
import { ADAPT_INTERVAL_MS, applyVideoLimits, videoLimits } from '../adapt.ts';
import { ActiveSpeaker, SPEAKER_POLL_MS } from '../speaker.ts';
import {
  inboundAudioLevel,
  PathStatsSampler,
  type PathStats,
  type StatsReportLike
} from '../stats.ts';
import type { PeerLink } from './peer-link.ts';

export interface TuningInit {
  /** The participants connected directly now. */
  direct(): readonly PeerLink[];
  /** Whether we share a screen (its limits differ: adapt.ts). */
  screen(): boolean;
  /** The active speaker changed. */
  speakerChanged(): void;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** A participant's media connection, while it has an open one. */
interface MediaConnection {
  readonly link: PeerLink;
  readonly pc: RTCPeerConnection;
}

/**
 * @example
 * const tuning = new Tuning({ direct: () => mesh.direct, screen, speakerChanged, signal, log })
 * tuning.start()
 * mesh.addEventListener('change', () => tuning.participantsChanged())
 */
export class Tuning {
  readonly #init: TuningInit;
  /** Each media peer connection's stats sampler: it keeps the previous report, for rates. */
  readonly #samplers = new WeakMap<RTCPeerConnection, PathStatsSampler>();
  /** Each remote audio receiver's previous stats report, for its level in between. */
  readonly #audioReports = new WeakMap<RTCRtpReceiver, StatsReportLike>();
  /** Peer connections whose video sender took its limits for the current number of remotes. */
  #adapted = new WeakSet<RTCPeerConnection>();
  /** The number of direct participants the limits in force are for. */
  #adaptedFor = -1;
  /** Rounds run one after the other: a getParameters/setParameters pair must not cross another. */
  #adapting: Promise<void> = Promise.resolve();
  #adaptQueued = false;
  readonly #speaker = new ActiveSpeaker();

  constructor(init: TuningInit) {
    this.#init = init;
  }

  /** Adapts every ADAPT_INTERVAL_MS and follows the speaker every SPEAKER_POLL_MS, until abort. */
  start(): void {
    const { signal, log } = this.#init;
    every(ADAPT_INTERVAL_MS, () => this.#adapt(), signal, log);
    every(SPEAKER_POLL_MS, () => this.#detectSpeaker(), signal, log);
  }

  /** Adapts at once when someone joins or leaves, or a new media connection appeared. */
  participantsChanged(): void {
    const waiting = this.#mediaConnections().some(({ pc }) => !this.#adapted.has(pc));
    if (waiting || this.#init.direct().length !== this.#adaptedFor) {
      void this.#adapt();
    }
  }

  /** Whether this participant is the active speaker. */
  isSpeaking(link: PeerLink): boolean {
    return link.state === 'direct' && this.#speaker.current === link.key;
  }

  /**
   * The connection path to a participant, from its media peer connection's stats: direct or
   * relayed, candidate types, RTT, bitrates, fps, resolution, loss. Undefined while there is no
   * media connection with it.
   */
  async pathStats(link: PeerLink | undefined): Promise<PathStats | undefined> {
    const pc = link?.peerConnection;
    if (pc === undefined || pc.signalingState === 'closed') {
      return undefined;
    }
    try {
      return await this.#sampler(pc).sample();
    } catch (err) {
      // Closed while we read it: nothing to show.
      this.#init.log('no stats for %s: %s', link!.key, (err as Error).message);
      return undefined;
    }
  }

  /** Runs a round after the one in progress; asks while one already waits to run join it. */
  #adapt(): Promise<void> {
    if (!this.#adaptQueued) {
      this.#adaptQueued = true;
      this.#adapting = this.#adapting
        .then(() => {
          this.#adaptQueued = false;
          return this.#adaptRound();
        })
        .catch((err: unknown) => this.#init.log.error('adaptation round failed: %e', err));
    }
    return this.#adapting;
  }

  /** Reads each media connection's stats and sets its video sender's limits (adapt.ts). */
  async #adaptRound(): Promise<void> {
    const remotes = this.#init.direct().length;
    if (remotes !== this.#adaptedFor) {
      this.#adapted = new WeakSet();
      this.#adaptedFor = remotes;
    }
    await Promise.all(
      this.#mediaConnections().map(async ({ link, pc }) => {
        try {
          const sender = pc
            .getTransceivers()
            .find(
              (t) => t.receiver.track.kind === 'video' && t.currentDirection !== 'stopped'
            )?.sender;
          if (sender === undefined) {
            // Nothing to limit (a data-only connection in Node tests, or the polite side before
            // the first offer): the next round looks again.
            this.#adapted.add(pc);
            return;
          }
          const path = await this.pathStats(link);
          const limits = videoLimits({
            remotes,
            availableOutgoingBitrate: path?.availableOutgoingBitrate,
            sourceHeight: sender.track?.getSettings().height,
            screen: this.#init.screen()
          });
          const outcome = await applyVideoLimits(sender, limits);
          if (outcome === 'applied' || outcome === 'unchanged') {
            this.#adapted.add(pc);
          }
        } catch (err) {
          // A connection closing under us (or a polyfill without media) has nothing to adapt;
          // the next round looks again.
          this.#init.log('not adapted for %s: %s', link.key, (err as Error).message);
        }
      })
    );
  }

  /** Reads the level of everyone we hear and moves the active-speaker highlight. */
  async #detectSpeaker(): Promise<void> {
    const levels = new Map<string, number>();
    await Promise.all(
      this.#mediaConnections().map(async ({ link, pc }) => {
        if (link.remoteMedia?.audio === false || pc.connectionState !== 'connected') {
          return;
        }
        try {
          const receiver = pc
            .getTransceivers()
            .find((t) => t.receiver.track.kind === 'audio')?.receiver;
          if (receiver === undefined) {
            return;
          }
          const report = await receiver.getStats();
          const level = inboundAudioLevel(report, this.#audioReports.get(receiver));
          this.#audioReports.set(receiver, report);
          if (level !== undefined) {
            levels.set(link.key, level);
          }
        } catch {
          // Not heard this round (the connection is closing): as if silent. Every 500 ms, so
          // not logged.
        }
      })
    );
    const before = this.#speaker.current;
    if (this.#speaker.update(levels, performance.now()) !== before && !this.#init.signal.aborted) {
      this.#init.speakerChanged();
    }
  }

  /** The participants connected directly that have an open media connection. */
  #mediaConnections(): MediaConnection[] {
    return this.#init.direct().flatMap((link) => {
      const pc = link.peerConnection;
      return pc !== undefined && pc.signalingState !== 'closed' ? [{ link, pc }] : [];
    });
  }

  #sampler(pc: RTCPeerConnection): PathStatsSampler {
    let sampler = this.#samplers.get(pc);
    if (sampler === undefined) {
      sampler = new PathStatsSampler(() => pc.getStats());
      this.#samplers.set(pc, sampler);
    }
    return sampler;
  }
}

/** Runs `round` every `ms` (counted from the end of the last one) until `signal` aborts. */
function every(ms: number, round: () => Promise<void>, signal: AbortSignal, log: Logger): void {
  let timer: ReturnType<typeof setTimeout>;
  const tick = () => {
    void round()
      .catch((err: unknown) => log.error('a tuning round failed: %e', err))
      .finally(() => {
        if (!signal.aborted) {
          timer = setTimeout(tick, ms);
        }
      });
  };
  timer = setTimeout(tick, ms);
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
}
