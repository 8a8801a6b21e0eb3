/**
 * The connection path of one media peer connection, from its getStats() report: what the
 * "Connection" panel shows and what sender adaptation (adapt.ts) reads.
 *
 *   transport.selectedCandidatePairId ─► candidate-pair ─► local-candidate / remote-candidate
 *                                         (RTT, available outgoing bitrate)   (type, protocol)
 *   outbound-rtp / inbound-rtp, this report and the previous one ─► bitrates, loss, fps, level
 *
 * Field meanings are those of W3C webrtc-stats: RTCIceCandidatePairStats §7.17
 * (currentRoundTripTime, availableOutgoingBitrate), RTCIceCandidateStats §7.16 (candidateType,
 * relayProtocol), RTCTransportStats §7.14 (selectedCandidatePairId), RTCInboundRtpStreamStats
 * §7.4 (packetsLost, framesPerSecond, totalAudioEnergy), RTCOutboundRtpStreamStats §7.7.
 * Counters only ever grow while a stream lives; a counter that went down belongs to a stream that
 * restarted, and that stream is left out of the interval's figures rather than misread.
 */

/** An ICE candidate's type (RFC 8445 §5.1.1, webrtc-pc RTCIceCandidateType). */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** A media path is relayed when either end of the selected pair is a TURN relay candidate. */
export type Route = 'direct' | 'relayed';

export interface VideoFlow {
  /** Frames per second, as the browser measures them (or from frame counters). */
  readonly fps?: number;
  readonly width?: number;
  readonly height?: number;
}

/** A plain summary of a media connection's path and flow, for the UI and adaptation. */
export interface PathStats {
  /** When the report was made (its stats' timestamp, ms). */
  readonly at: number;
  /** Direct or relayed; undefined while ICE has not selected a candidate pair. */
  readonly route?: Route;
  readonly localCandidateType?: CandidateType;
  readonly remoteCandidateType?: CandidateType;
  /** The selected local candidate's transport: `udp` or `tcp`. */
  readonly protocol?: string;
  /** For a local relay candidate, how we reach the TURN server: `udp`, `tcp` or `tls`. */
  readonly relayProtocol?: string;
  /** The selected pair's latest STUN round-trip time, in ms. */
  readonly rttMs?: number;
  /** RTP bytes sent per second over the last interval, in bits/s (audio and video). */
  readonly outgoingBitrate?: number;
  /** RTP bytes received per second over the last interval, in bits/s (audio and video). */
  readonly incomingBitrate?: number;
  /** The browser's congestion-control estimate of what this path can carry out, in bits/s. */
  readonly availableOutgoingBitrate?: number;
  /** The video we receive from this participant. */
  readonly videoIn?: VideoFlow;
  /** The video we send to this participant. */
  readonly videoOut?: VideoFlow;
  /** Incoming packets lost over the last interval, in percent of those expected. */
  readonly packetLossPercent?: number;
  /**
   * The participant's audio level as we play it, 0..1 (1 = full scale): the RMS over the last
   * interval (from totalAudioEnergy / totalSamplesDuration), else the browser's latest level.
   */
  readonly audioLevel?: number;
}

/** What summarising needs of an RTCStatsReport (a Map of stats by id); a Map serves in tests. */
export interface StatsReportLike {
  forEach(callback: (value: unknown, key: string) => void): void;
  get(id: string): unknown;
}

/** The fields of the stats objects read here; the rest of each object is ignored. */
interface Stat {
  readonly id?: string;
  readonly type?: string;
  readonly timestamp?: number;
  readonly kind?: string;
  readonly [field: string]: unknown;
}

const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

/**
 * Summarises a media peer connection's stats report; `previous` (the same connection's last
 * report) gives the rates over the interval between the two. Without it, the rates, the loss and
 * the interval's audio level are left undefined.
 *
 * @example
 * const before = await pc.getStats()
 * // … two seconds later
 * const path = summarisePathStats(await pc.getStats(), before)
 * path.route // 'direct'
 */
export function summarisePathStats(report: StatsReportLike, previous?: StatsReportLike): PathStats {
  const stats = statsOf(report);
  const pair = selectedPair(report, stats);
  const local = pair === undefined ? undefined : stat(report.get(String(pair.localCandidateId)));
  const remote = pair === undefined ? undefined : stat(report.get(String(pair.remoteCandidateId)));
  const localType = candidateType(local);
  const remoteType = candidateType(remote);
  const route: Route | undefined =
    localType === undefined || remoteType === undefined
      ? undefined
      : localType === 'relay' || remoteType === 'relay'
        ? 'relayed'
        : 'direct';

  const outbound = stats.filter((s) => s.type === 'outbound-rtp');
  const inbound = stats.filter((s) => s.type === 'inbound-rtp');
  const rtt = numberOf(pair?.currentRoundTripTime);
  const videoIn = busiest(
    inbound.filter((s) => s.kind === 'video'),
    'bytesReceived'
  );
  const videoOut = busiest(
    outbound.filter((s) => s.kind === 'video'),
    'bytesSent'
  );
  const audioIn = busiest(
    inbound.filter((s) => s.kind === 'audio'),
    'bytesReceived'
  );

  return compact({
    at: Math.max(0, ...stats.map((s) => numberOf(s.timestamp) ?? 0)),
    route,
    localCandidateType: localType,
    remoteCandidateType: remoteType,
    protocol: stringOf(local?.protocol),
    relayProtocol: localType === 'relay' ? stringOf(local?.relayProtocol) : undefined,
    rttMs: rtt === undefined ? undefined : rtt * 1000,
    outgoingBitrate: previous && bitrate(outbound, previous, 'bytesSent'),
    incomingBitrate: previous && bitrate(inbound, previous, 'bytesReceived'),
    availableOutgoingBitrate: numberOf(pair?.availableOutgoingBitrate),
    videoIn: videoIn && videoFlow(videoIn, previous, 'framesDecoded'),
    videoOut: videoOut && videoFlow(videoOut, previous, 'framesEncoded'),
    packetLossPercent: previous && packetLoss(inbound, previous),
    audioLevel: audioIn && audioLevelOf(audioIn, previous)
  });
}

/**
 * The level of the loudest incoming audio stream of a report (an RTCRtpReceiver's getStats()
 * has just its own), 0..1: the RMS since `previous` when both have energy counters, else the
 * browser's latest level; undefined when the report has no incoming audio.
 *
 * @example
 * const level = inboundAudioLevel(await receiver.getStats(), lastReport)
 */
export function inboundAudioLevel(
  report: StatsReportLike,
  previous?: StatsReportLike
): number | undefined {
  const levels = statsOf(report)
    .filter((s) => s.type === 'inbound-rtp' && s.kind === 'audio')
    .map((s) => audioLevelOf(s, previous))
    .filter((level) => level !== undefined);
  return levels.length === 0 ? undefined : Math.max(...levels);
}

/**
 * Takes a connection's stats when asked, and keeps the previous report so that each summary has
 * rates. Asked again within `minIntervalMs` of the last report, it returns that report's summary:
 * rates over a few milliseconds would be noise, and the panel and the adaptation loop share it.
 */
export class PathStatsSampler {
  readonly #getStats: () => Promise<StatsReportLike>;
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  #previous: StatsReportLike | undefined;
  #last: { readonly at: number; readonly stats: PathStats } | undefined;
  #pending: Promise<PathStats> | undefined;

  constructor(
    getStats: () => Promise<StatsReportLike>,
    options: { minIntervalMs?: number; now?: () => number } = {}
  ) {
    this.#getStats = getStats;
    this.#minIntervalMs = options.minIntervalMs ?? MIN_SAMPLE_INTERVAL_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The path now; concurrent calls share one getStats(). */
  sample(): Promise<PathStats> {
    const last = this.#last;
    if (last !== undefined && this.#now() - last.at < this.#minIntervalMs) {
      return Promise.resolve(last.stats);
    }
    this.#pending ??= this.#take().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #take(): Promise<PathStats> {
    const report = await this.#getStats();
    const stats = summarisePathStats(report, this.#previous);
    this.#previous = report;
    this.#last = { at: this.#now(), stats };
    return stats;
  }
}

/**
 * Reports closer together than this are not summarised again: the panel refreshes every 2 s
 * and adaptation every 2.5 s, and a rate over a shorter window says more about packet timing
 * than about the path.
 */
export const MIN_SAMPLE_INTERVAL_MS = 1_000;

// ---- reading a report -----------------------------------------------------------------------

function statsOf(report: StatsReportLike): Stat[] {
  const all: Stat[] = [];
  report.forEach((value) => {
    const s = stat(value);
    if (s !== undefined) {
      all.push(s);
    }
  });
  return all;
}

function stat(value: unknown): Stat | undefined {
  return typeof value === 'object' && value !== null ? (value as Stat) : undefined;
}

/**
 * The candidate pair ICE selected: the transport's selectedCandidatePairId (the standard way,
 * Chromium and Safari), else a pair flagged `selected` (Firefox). A pair that is merely
 * nominated or succeeded is not taken: ICE may still be comparing pairs.
 */
function selectedPair(report: StatsReportLike, stats: readonly Stat[]): Stat | undefined {
  for (const s of stats) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      const pair = stat(report.get(s.selectedCandidatePairId));
      if (pair?.type === 'candidate-pair') {
        return pair;
      }
    }
  }
  return stats.find((s) => s.type === 'candidate-pair' && s.selected === true);
}

function candidateType(candidate: Stat | undefined): CandidateType | undefined {
  const type = candidate?.candidateType;
  return typeof type === 'string' && CANDIDATE_TYPES.includes(type)
    ? (type as CandidateType)
    : undefined;
}

/** Of several RTP streams of one kind (after a renegotiation), the one that carried the most. */
function busiest(streams: readonly Stat[], counter: string): Stat | undefined {
  let best: Stat | undefined;
  for (const s of streams) {
    if (best === undefined || (numberOf(s[counter]) ?? 0) > (numberOf(best[counter]) ?? 0)) {
      best = s;
    }
  }
  return best;
}

/** The same stream in the previous report, and the seconds between the two; undefined if none. */
function before(
  s: Stat,
  previous: StatsReportLike | undefined
): { readonly prev: Stat; readonly seconds: number } | undefined {
  const prev = s.id === undefined ? undefined : stat(previous?.get(s.id));
  const now = numberOf(s.timestamp);
  const then = numberOf(prev?.timestamp);
  if (prev === undefined || now === undefined || then === undefined || now <= then) {
    return undefined;
  }
  return { prev, seconds: (now - then) / 1000 };
}

/** A counter's growth since the previous report; undefined when it is missing or went down. */
function growth(s: Stat, prev: Stat, counter: string): number | undefined {
  const now = numberOf(s[counter]);
  const then = numberOf(prev[counter]);
  return now === undefined || then === undefined || now < then ? undefined : now - then;
}

/** Bits per second over the streams that existed, unrestarted, in both reports. */
function bitrate(
  streams: readonly Stat[],
  previous: StatsReportLike,
  counter: 'bytesSent' | 'bytesReceived'
): number | undefined {
  let total: number | undefined;
  for (const s of streams) {
    const span = before(s, previous);
    const bytes = span && growth(s, span.prev, counter);
    if (span !== undefined && bytes !== undefined) {
      total = (total ?? 0) + (bytes * 8) / span.seconds;
    }
  }
  return total === undefined ? undefined : Math.round(total);
}

/**
 * Lost packets in percent of expected (lost + received) over the interval, summed over the
 * incoming streams. packetsLost may go down a little (a late packet counted as lost arrives,
 * RFC 3550 §6.4.1), so the interval's loss is clamped at 0, never dropped.
 */
function packetLoss(streams: readonly Stat[], previous: StatsReportLike): number | undefined {
  let lost = 0;
  let received = 0;
  let counted = false;
  for (const s of streams) {
    const span = before(s, previous);
    const got = span && growth(s, span.prev, 'packetsReceived');
    const nowLost = numberOf(s.packetsLost);
    const thenLost = numberOf(span?.prev.packetsLost);
    if (got === undefined || nowLost === undefined || thenLost === undefined) {
      continue;
    }
    counted = true;
    received += got;
    lost += nowLost - thenLost;
  }
  lost = Math.max(0, lost);
  if (!counted || lost + received === 0) {
    return undefined;
  }
  return (lost / (lost + received)) * 100;
}

function videoFlow(
  s: Stat,
  previous: StatsReportLike | undefined,
  frames: 'framesDecoded' | 'framesEncoded'
): VideoFlow {
  let fps = numberOf(s.framesPerSecond);
  if (fps === undefined) {
    const span = before(s, previous);
    const count = span && growth(s, span.prev, frames);
    fps = span === undefined || count === undefined ? undefined : count / span.seconds;
  }
  return compact({ fps, width: numberOf(s.frameWidth), height: numberOf(s.frameHeight) });
}

/**
 * RMS = sqrt(Δ totalAudioEnergy / Δ totalSamplesDuration) (webrtc-stats §7.4, totalAudioEnergy:
 * "can be used to obtain a root mean square value that uses the same units as audioLevel").
 */
function audioLevelOf(s: Stat, previous: StatsReportLike | undefined): number | undefined {
  const span = before(s, previous);
  const energy = span && growth(s, span.prev, 'totalAudioEnergy');
  const duration = span && growth(s, span.prev, 'totalSamplesDuration');
  if (energy !== undefined && duration !== undefined && duration > 0) {
    return Math.min(1, Math.sqrt(energy / duration));
  }
  const level = numberOf(s.audioLevel);
  return level === undefined ? undefined : Math.min(1, Math.max(0, level));
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The object without its undefined fields, so that summaries compare and print cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
