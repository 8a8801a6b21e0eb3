// `npm run bench:call`: the media of a real call, for 2 and then 4 participants, on the local
// network in Chromium with its fake camera and microphone. Each participant is a browser context
// of its own (all in one Chromium, or with BENCH_BROWSERS in Chromium and Firefox), joins with the same fresh passphrase and turns its camera on
// (the microphone is on by default). Once the full mesh is up and every remote video decodes,
// and after a short warm-up, the bench watches the call for BENCH_SECONDS (60) and reads, from
// getStats of the media RTCPeerConnections (found with an init script, as the e2e tests do):
// decoded frames per second, resolution, freezes and packet loss of every remote stream, and
// frame rate, resolution and quality limitation of every sender. It also reads the CPU time of
// Chromium's whole process tree and of this Node process (which hosts the Samen nodes and the
// static server, and drives the browser) from /proc, and after the window the JS heap of every
// tab (CDP Runtime.getHeapUsage) and the memory of every renderer process (/proc/<pid>).
//
// Prints JSON, writes bench/results/call.json and bench/results/call.md.
//
//   BENCH_SECONDS=5 npm run bench:call        a smoke run
//   BENCH_SIZES=2 npm run bench:call          one call size only
//   BENCH_CAMERA_FPS=30 npm run bench:call    Chromium's fake camera at 30 fps instead of its default
//   BENCH_BROWSERS=chromium,firefox npm run bench:call
//                                             every second participant in Firefox (bench/browsers.ts);
//                                             CPU and memory are then the two browsers' together
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from '@playwright/test';
import { buildIfNeeded, startLocalStack } from '../scripts/local-stack.ts';
import { CHROMIUM_ARGS, trackPeerConnections } from '../scripts/chromium.ts';
import type { EnginePage } from '../scripts/engines.ts';
import {
  benchEngines,
  browsersShown,
  engineOf,
  launchBrowsers,
  waitUntil,
  type BenchPage,
  type Browsers,
  type Engine
} from './browsers.ts';
import {
  CLOCK_TICKS,
  descendants,
  machineCpuSeconds,
  memoryOf,
  ownCpuSeconds,
  type Memory
} from './proc.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SIZES = (process.env.BENCH_SIZES ?? '2,4').split(',').map(Number);
/** The bandwidth estimate starts low and the encoder ramps up with it: not the steady call. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? Math.min(5, SECONDS));
/** Stats are also sampled within the window, for the lowest resolution and an fps series. */
const SAMPLE_SECONDS = Math.max(1, Math.min(5, SECONDS / 4));
const CAMERA_FPS = process.env.BENCH_CAMERA_FPS;
/** Join → full mesh takes seconds on loopback; this leaves room for a loaded 2-core machine. */
const MESH_TIMEOUT_MS = 90_000;
const MEDIA_TIMEOUT_MS = 45_000;
const ENGINES = benchEngines();

/** Terminal colour codes (ESC [ … m), as Playwright puts in its errors. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** What issue 4 asks of each call size; shown, not asserted. */
const TARGETS: Record<number, { fps: number; noFreezes: boolean }> = {
  2: { fps: 25, noFreezes: true },
  4: { fps: 15, noFreezes: false }
};

// --- What the page reports ------------------------------------------------------------------

interface InVideo {
  /** Stable across snapshots: the peer connection's index on the page and the report's id. */
  key: string;
  peer: string | null;
  t: number;
  framesDecoded: number;
  framesDropped: number;
  frameWidth: number;
  frameHeight: number;
  freezeCount: number;
  totalFreezesDuration: number;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  decoder: string | null;
}

interface InAudio {
  key: string;
  peer: string | null;
  packetsReceived: number;
  packetsLost: number;
  concealedSamples: number;
  totalSamplesReceived: number;
}

interface OutVideo {
  key: string;
  peer: string | null;
  t: number;
  framesEncoded: number;
  framesSent: number;
  frameWidth: number;
  frameHeight: number;
  bytesSent: number;
  qualityLimitationReason: string | null;
  qualityLimitationDurations: Record<string, number>;
  encoder: string | null;
  /**
   * Frames the camera track gave this sender (its media-source stats): what it could encode.
   * Null where the browser does not count them (Firefox).
   */
  sourceFrames: number | null;
}

interface Snapshot {
  /** The page's clock (ms since the epoch) when its stats were read. */
  at: number;
  inVideo: InVideo[];
  inAudio: InAudio[];
  outVideo: OutVideo[];
  /** What the camera delivers (the local track's settings), null while it is off. */
  capture: { width: number; height: number; frameRate: number } | null;
  /** Each remote participant's state as the page lists it (direct, reconnecting…). */
  states: Record<string, string>;
  /** The page's RTCPeerConnections: all it made, the media ones open now, the closed ones. */
  connections: { made: number; media: number; closed: number };
}

/** Runs in the page: the stats of its media connections, each labelled with the remote peer. */
async function pageSnapshot(): Promise<Snapshot> {
  const num = (value: unknown) => (typeof value === 'number' ? value : 0);
  const str = (value: unknown) => (typeof value === 'string' ? value : null);
  // Each remote participant's tile plays the tracks of its connection: track id → peer ID.
  const peerOfTrack = new Map<string, string>();
  const states: Record<string, string> = {};
  for (const tile of document.querySelectorAll<HTMLElement>('[data-testid="participant"]')) {
    states[tile.dataset.peer ?? '?'] = tile.dataset.state ?? '?';
    const stream = tile.querySelector('video')?.srcObject;
    if (stream instanceof MediaStream && tile.dataset.peer !== undefined) {
      for (const track of stream.getTracks()) {
        peerOfTrack.set(track.id, tile.dataset.peer);
      }
    }
  }
  const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
  // libp2p's own WebRTC connections carry data channels only; media ones have transceivers.
  const media = [...pcs.entries()].filter(
    ([, pc]) => pc.connectionState !== 'closed' && pc.getTransceivers().length > 0
  );
  // All at once, so that the stats of one page are of one moment.
  const reports = await Promise.all(media.map(([, pc]) => pc.getStats()));
  const snapshot: Snapshot = {
    at: performance.timeOrigin + performance.now(),
    inVideo: [],
    inAudio: [],
    outVideo: [],
    capture: null,
    states,
    connections: {
      made: pcs.length,
      media: media.length,
      closed: pcs.filter((pc) => pc.connectionState === 'closed').length
    }
  };
  for (const [n, [index, pc]] of media.entries()) {
    const peer =
      pc
        .getReceivers()
        .map((receiver) => peerOfTrack.get(receiver.track.id))
        .find((id) => id !== undefined) ?? null;
    reports[n]!.forEach((r: Record<string, unknown>) => {
      const key = `${index}:${String(r.id)}`;
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        snapshot.inVideo.push({
          key,
          peer,
          t: num(r.timestamp),
          framesDecoded: num(r.framesDecoded),
          framesDropped: num(r.framesDropped),
          frameWidth: num(r.frameWidth),
          frameHeight: num(r.frameHeight),
          freezeCount: num(r.freezeCount),
          totalFreezesDuration: num(r.totalFreezesDuration),
          packetsReceived: num(r.packetsReceived),
          packetsLost: num(r.packetsLost),
          bytesReceived: num(r.bytesReceived),
          decoder: str(r.decoderImplementation)
        });
      } else if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        snapshot.inAudio.push({
          key,
          peer,
          packetsReceived: num(r.packetsReceived),
          packetsLost: num(r.packetsLost),
          concealedSamples: num(r.concealedSamples),
          totalSamplesReceived: num(r.totalSamplesReceived)
        });
      } else if (r.type === 'outbound-rtp' && r.kind === 'video') {
        snapshot.outVideo.push({
          key,
          peer,
          t: num(r.timestamp),
          framesEncoded: num(r.framesEncoded),
          framesSent: num(r.framesSent),
          frameWidth: num(r.frameWidth),
          frameHeight: num(r.frameHeight),
          bytesSent: num(r.bytesSent),
          qualityLimitationReason: str(r.qualityLimitationReason),
          qualityLimitationDurations:
            typeof r.qualityLimitationDurations === 'object' && r.qualityLimitationDurations
              ? (r.qualityLimitationDurations as Record<string, number>)
              : {},
          encoder: str(r.encoderImplementation),
          sourceFrames: (() => {
            const frames: unknown = reports[n]!.get(String(r.mediaSourceId))?.frames;
            return typeof frames === 'number' ? frames : null;
          })()
        });
      }
    });
  }
  const self = document.querySelector<HTMLVideoElement>('[data-testid="self-video"]');
  const camera = (self?.srcObject as MediaStream | null)?.getVideoTracks()[0];
  if (camera !== undefined && camera.readyState === 'live') {
    const settings = camera.getSettings();
    snapshot.capture = {
      width: settings.width ?? 0,
      height: settings.height ?? 0,
      frameRate: settings.frameRate ?? 0
    };
  }
  return snapshot;
}

// --- One participant --------------------------------------------------------------------------

interface Participant {
  readonly label: string;
  readonly engine: Engine;
  readonly page: BenchPage;
  peerId: string;
}

async function openParticipant(browsers: Browsers, engine: Engine, url: string, label: string) {
  const page = await browsers.open(engine, url, { initScripts: [trackPeerConnections] });
  // The start page warms a node while the user types; Join then hands it to the call.
  const status = (name: string, attribute: string) =>
    page.app.evaluate(
      ([n, a]) => document.querySelector(`[data-testid="${n}"]`)?.getAttribute(a ?? '') ?? null,
      [name, attribute]
    );
  await waitUntil(
    () => `${label}'s start page reachable through a relay`,
    MESH_TIMEOUT_MS,
    async () => (await status('relay-status', 'data-ready')) === 'true'
  ).catch(async (err: unknown) => {
    const phase = await status('network-status', 'data-phase').catch(() => 'unknown');
    const errors = page.errors;
    throw new Error(
      `${label}'s start page never reachable through a relay (network ${phase}; ` +
        `${errors.length} page errors: ${errors.slice(0, 2).join(' | ') || 'none'})`,
      { cause: err }
    );
  });
  const participant: Participant = { label, engine, page, peerId: '' };
  return participant;
}

/** Everyone joins with one passphrase; resolves once each lists all the others as `direct`. */
async function joinFullMesh(participants: readonly Participant[], passphrase: string) {
  await Promise.all(
    participants.map(async ({ page: { app }, label }) => {
      await app.fill('textbox', 'Passphrase', passphrase);
      await app.click('button', 'Join call');
      await waitUntil(`${label} on the call page`, MESH_TIMEOUT_MS, async () =>
        /\/call$/.test(app.url())
      );
    })
  );
  for (const participant of participants) {
    const ownId = () =>
      participant.page.app.evaluate(
        () => document.querySelector('[data-testid="self"]')?.getAttribute('data-peer') ?? ''
      );
    await waitUntil(`${participant.label}'s own peer ID`, MESH_TIMEOUT_MS, async () =>
      (await ownId()).startsWith('12D3Koo')
    );
    participant.peerId = await ownId();
  }
  await Promise.all(
    participants.map((participant) => {
      const others = participants
        .filter((other) => other !== participant)
        .map((other) => other.peerId)
        .sort();
      let seen = 'nothing yet';
      return waitUntil(
        () => `${participant.label} in a full mesh (last seen: ${seen})`,
        MESH_TIMEOUT_MS,
        async () => {
          const { listed, step } = await participant.page.app.evaluate(() => ({
            listed: [...document.querySelectorAll<HTMLElement>('[data-testid="participant"]')].map(
              (item) => [item.dataset.peer ?? '', item.dataset.state ?? '']
            ),
            step: document.querySelector('[data-testid="call-step"]')?.getAttribute('data-step')
          }));
          seen = `step ${step}, others ${listed.map(([, state]) => state).join(' ') || 'none'}`;
          const direct = listed.filter(([, state]) => state === 'direct').map(([peer]) => peer);
          return step === 'connected' && JSON.stringify(direct.sort()) === JSON.stringify(others);
        }
      );
    })
  );
}

async function cameraOn(app: EnginePage) {
  const pressed = () => app.attribute('button', 'Camera', 'aria-pressed');
  if ((await pressed()) !== 'true') {
    await app.click('button', 'Camera');
  }
  await waitUntil('the camera on', MEDIA_TIMEOUT_MS, async () => (await pressed()) === 'true');
}

/** Every remote video of every page decodes: frames rise on each inbound stream. */
async function waitForVideo(participants: readonly Participant[]) {
  const expected = participants.length - 1;
  await Promise.all(
    participants.map(({ page, label }) => {
      let seen = 'nothing yet';
      return waitUntil(
        () => `${label} decoding ${expected} remote videos (last seen: ${seen})`,
        MEDIA_TIMEOUT_MS,
        async () => {
          const before = await page.app.evaluate(pageSnapshot);
          await sleep(500);
          const after = await page.app.evaluate(pageSnapshot);
          const rising = after.inVideo.filter((stream) => {
            const old = before.inVideo.find((s) => s.key === stream.key);
            return (
              stream.peer !== null && old !== undefined && stream.framesDecoded > old.framesDecoded
            );
          });
          const decoding = new Set(rising.map((s) => s.peer)).size;
          // What a timeout should tell: how far the page got.
          seen =
            `${decoding} decoding, ${after.inVideo.length} inbound videos, ` +
            `connections ${JSON.stringify(after.connections)}, ` +
            `states ${Object.values(after.states).join(' ')}`;
          return decoding === expected;
        }
      );
    })
  );
}

// --- Figures ----------------------------------------------------------------------------------

function median(values: readonly number[]): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const pct = (part: number, whole: number) => (whole > 0 ? round2((100 * part) / whole) : 0);

interface StreamResult {
  from: string;
  /** Frames decoded over the window / its length: time without the stream counts as no frames. */
  decodedFps: number;
  /** Between two consecutive samples, the lowest and each one. */
  minSampleFps: number;
  fpsSeries: number[];
  /** At the end of the window; 0x0 if there is no stream then. */
  width: number;
  height: number;
  /** The smallest decoded frame seen in the samples of the window. */
  minWidth: number;
  minHeight: number;
  freezes: number;
  freezeSeconds: number;
  framesDropped: number;
  lossPct: number;
  kbps: number;
  decoder: string | null;
  /** Intervals between samples in which the stream was missing or replaced (a reconnection). */
  gaps: number;
}

interface SenderResult {
  to: string;
  /** Frames per second the camera track delivered to this sender; null where not counted. */
  capturedFps: number | null;
  sentFps: number;
  width: number;
  height: number;
  kbps: number;
  qualityLimitationReason: string | null;
  /** Seconds of the window the encoder spent limited, by reason (cpu, bandwidth, other). */
  limitedSeconds: Record<string, number>;
  encoder: string | null;
  gaps: number;
}

/**
 * One remote peer's streams, interval by interval between consecutive samples. A counter is
 * only read as a difference within one stream: a stream replaced by a reconnection starts its
 * counters again, so an interval in which the stream is missing or new adds nothing (a gap).
 */
function intervalsOf<T extends { key: string; peer: string | null }>(
  series: readonly (readonly T[])[],
  peer: string
): { intervals: [T, T][][]; gaps: number } {
  // A tile may briefly show no video (reconnecting): a stream is its peer's for the whole window.
  const peerOf = new Map<string, string>();
  for (const items of series) {
    for (const item of items) {
      if (item.peer !== null) {
        peerOf.set(item.key, item.peer);
      }
    }
  }
  const mine = series.map((items) => items.filter((item) => peerOf.get(item.key) === peer));
  const intervals: [T, T][][] = [];
  let gaps = 0;
  for (let k = 1; k < mine.length; k++) {
    const pairs: [T, T][] = [];
    for (const item of mine[k]!) {
      const old = mine[k - 1]!.find((o) => o.key === item.key);
      if (old !== undefined) {
        pairs.push([old, item]);
      }
    }
    if (pairs.length === 0) {
      gaps += 1;
    }
    intervals.push(pairs);
  }
  return { intervals, gaps };
}

function sumOver<T>(intervals: readonly [T, T][][], value: (item: T) => number): number {
  return intervals.flat().reduce((sum, [a, b]) => sum + value(b) - value(a), 0);
}

function windowSeconds(own: readonly Snapshot[]): number {
  return (own.at(-1)!.at - own[0]!.at) / 1000;
}

function streamResults(others: readonly Participant[], own: readonly Snapshot[]): StreamResult[] {
  const seconds = windowSeconds(own);
  return others.map((other) => {
    const { intervals, gaps } = intervalsOf(
      own.map((snapshot) => snapshot.inVideo),
      other.peerId
    );
    const fpsSeries = intervals.map((pairs, k) =>
      round1(sumOver([pairs], (s) => s.framesDecoded) / ((own[k + 1]!.at - own[k]!.at) / 1000))
    );
    const seen = own
      .flatMap((snapshot) => snapshot.inVideo)
      .filter((s) => intervals.flat().some(([a, b]) => a === s || b === s) && s.frameWidth > 0);
    const smallest = [...seen].sort(
      (a, b) => a.frameWidth * a.frameHeight - b.frameWidth * b.frameHeight
    )[0];
    const end = intervals.at(-1)?.[0]?.[1];
    const received = sumOver(intervals, (s) => s.packetsReceived);
    const lost = sumOver(intervals, (s) => s.packetsLost);
    return {
      from: other.label,
      decodedFps: round1(sumOver(intervals, (s) => s.framesDecoded) / seconds),
      minSampleFps: fpsSeries.length === 0 ? 0 : Math.min(...fpsSeries),
      fpsSeries,
      width: end?.frameWidth ?? 0,
      height: end?.frameHeight ?? 0,
      minWidth: smallest?.frameWidth ?? 0,
      minHeight: smallest?.frameHeight ?? 0,
      freezes: sumOver(intervals, (s) => s.freezeCount),
      freezeSeconds: round2(sumOver(intervals, (s) => s.totalFreezesDuration)),
      framesDropped: sumOver(intervals, (s) => s.framesDropped),
      lossPct: pct(lost, received + lost),
      kbps: Math.round((sumOver(intervals, (s) => s.bytesReceived) * 8) / seconds / 1000),
      decoder: end?.decoder ?? null,
      gaps
    };
  });
}

function audioResults(others: readonly Participant[], own: readonly Snapshot[]) {
  return others.map((other) => {
    const { intervals, gaps } = intervalsOf(
      own.map((snapshot) => snapshot.inAudio),
      other.peerId
    );
    const received = sumOver(intervals, (s) => s.packetsReceived);
    const lost = sumOver(intervals, (s) => s.packetsLost);
    return {
      from: other.label,
      packetsPerSecond: round1(received / windowSeconds(own)),
      lossPct: pct(lost, received + lost),
      concealedPct: pct(
        sumOver(intervals, (s) => s.concealedSamples),
        sumOver(intervals, (s) => s.totalSamplesReceived)
      ),
      gaps
    };
  });
}

function senderResults(others: readonly Participant[], own: readonly Snapshot[]): SenderResult[] {
  const seconds = windowSeconds(own);
  return others.map((other) => {
    const { intervals, gaps } = intervalsOf(
      own.map((snapshot) => snapshot.outVideo),
      other.peerId
    );
    const limitedSeconds: Record<string, number> = {};
    for (const [a, b] of intervals.flat()) {
      for (const [reason, s] of Object.entries(b.qualityLimitationDurations)) {
        if (reason !== 'none') {
          const spent = s - (a.qualityLimitationDurations[reason] ?? 0);
          limitedSeconds[reason] = round1((limitedSeconds[reason] ?? 0) + spent);
        }
      }
    }
    const end = intervals.at(-1)?.[0]?.[1];
    return {
      to: other.label,
      capturedFps: intervals.flat(2).some((s) => s.sourceFrames === null)
        ? null
        : round1(sumOver(intervals, (s) => s.sourceFrames ?? 0) / seconds),
      sentFps: round1(sumOver(intervals, (s) => s.framesSent) / seconds),
      width: end?.frameWidth ?? 0,
      height: end?.frameHeight ?? 0,
      kbps: Math.round((sumOver(intervals, (s) => s.bytesSent) * 8) / seconds / 1000),
      qualityLimitationReason: end?.qualityLimitationReason ?? null,
      limitedSeconds,
      encoder: end?.encoder ?? null,
      gaps
    };
  });
}

/**
 * Which renderer process runs each page. CDP does not say, but trace events carry the OS pid of
 * the process that emitted them, and the renderer's timeline events name their frame: a short
 * trace while each page runs a task maps every page's main frame to its renderer.
 */
async function rendererPids(
  browser: Browser,
  participants: readonly Participant[],
  renderers: ReadonlySet<number>
): Promise<Map<string, number>> {
  const frameOf = new Map<string, string>();
  for (const participant of participants) {
    if (participant.page.cdp === null) {
      continue;
    }
    const tree = (await participant.page.cdp.send('Page.getFrameTree')) as {
      frameTree: { frame: { id: string } };
    };
    frameOf.set(participant.label, tree.frameTree.frame.id);
  }
  /** frame id → pid → events seen. */
  const seen = new Map<string, Map<number, number>>();
  try {
    await browser.startTracing(undefined, { categories: ['devtools.timeline'] });
    for (const { page } of participants) {
      await page.app.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    }
    await sleep(200);
    const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as {
      traceEvents: { pid: number; args?: { data?: { frame?: string } } }[];
    };
    for (const event of trace.traceEvents) {
      const frame = event.args?.data?.frame;
      if (frame !== undefined && renderers.has(event.pid)) {
        const counts = seen.get(frame) ?? new Map<number, number>();
        counts.set(event.pid, (counts.get(event.pid) ?? 0) + 1);
        seen.set(frame, counts);
      }
    }
  } catch (err) {
    console.error(`no renderer pids from a trace: ${(err as Error).message}`);
  }
  const pids = new Map<string, number>();
  for (const [label, frame] of frameOf) {
    const counts = [...(seen.get(frame) ?? new Map<number, number>()).entries()];
    const busiest = counts.sort((a, b) => b[1] - a[1])[0];
    if (busiest !== undefined) {
      pids.set(label, busiest[0]);
    }
  }
  return pids;
}

// --- One call ---------------------------------------------------------------------------------

async function measureCall(url: string, size: number) {
  const args = [...CHROMIUM_ARGS];
  if (CAMERA_FPS !== undefined) {
    const flag = '--use-fake-device-for-media-stream';
    args[args.indexOf(flag)] = `${flag}=fps=${Number(CAMERA_FPS)}`;
  }
  const engines = Array.from({ length: size }, (_, i) => engineOf(ENGINES, i));
  const browsers = await launchBrowsers(engines, args);
  try {
    const participants = await Promise.all(
      engines.map((engine, i) => openParticipant(browsers, engine, url, `p${i + 1}`))
    );
    await joinFullMesh(participants, `bench call ${size} ${crypto.randomUUID()}`);
    for (const { page } of participants) {
      await cameraOn(page.app);
    }
    await waitForVideo(participants);
    console.error(`${size} people: mesh up and video flowing; warm-up ${WARMUP_SECONDS} s`);
    await sleep(WARMUP_SECONDS * 1000);

    // A snapshot reads getStats on every page; on a loaded machine that can take seconds, so the
    // window runs from the end of the first to the end of the last, whatever they took.
    const snapshotMs: number[] = [];
    const snapshotAll = async () => {
      const started = performance.now();
      const all = await Promise.all(
        participants.map(({ page }) => page.app.evaluate(pageSnapshot))
      );
      snapshotMs.push(Math.round(performance.now() - started));
      return all;
    };
    const series: Snapshot[][] = [await snapshotAll()];
    const procsBefore = descendants(process.pid);
    const nodeBefore = ownCpuSeconds();
    const machineBefore = machineCpuSeconds();
    const wallBefore = performance.now();
    do {
      const left = SECONDS * 1000 - (performance.now() - wallBefore);
      await sleep(Math.max(0, Math.min(SAMPLE_SECONDS * 1000, left)));
      series.push(await snapshotAll());
    } while (performance.now() - wallBefore < SECONDS * 1000);
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    const procsAfter = descendants(process.pid);
    const nodeSeconds = ownCpuSeconds() - nodeBefore;
    const machineAfter = machineCpuSeconds();

    // CPU: processes alive at the end, less what they had used at the start (a process that
    // started within the window counts whole; one that exited within it is lost and counted).
    const byType: Record<string, number> = {};
    let browserSeconds = 0;
    for (const proc of procsAfter.values()) {
      const used = proc.cpuSeconds - (procsBefore.get(proc.pid)?.cpuSeconds ?? 0);
      browserSeconds += used;
      byType[proc.type] = round2((byType[proc.type] ?? 0) + used);
    }
    const exited = [...procsBefore.keys()].filter((pid) => !procsAfter.has(pid)).length;
    const cores = cpus().length;
    const cpu = {
      windowSeconds: round2(wallSeconds),
      snapshotMs,
      browserCpuSeconds: round2(browserSeconds),
      browserPctOfOneCore: round1((100 * browserSeconds) / wallSeconds),
      browserPctOfMachine: round1((100 * browserSeconds) / wallSeconds / cores),
      browserCpuSecondsByProcessType: byType,
      browserProcesses: procsAfter.size,
      browserProcessesExitedInWindow: exited,
      nodeCpuSeconds: round2(nodeSeconds),
      nodePctOfOneCore: round1((100 * nodeSeconds) / wallSeconds),
      nodePctOfMachine: round1((100 * nodeSeconds) / wallSeconds / cores),
      // Everything else the machine did meanwhile (other programs): figures from a busy machine
      // are not this call's. The two sources are read a moment apart and count whole ticks, so
      // a quiet machine can come out a little below zero: that is zero.
      othersPctOfMachine: Math.max(
        0,
        round1(
          (100 * (machineAfter.busy - machineBefore.busy - browserSeconds - nodeSeconds)) /
            (machineAfter.total - machineBefore.total)
        )
      ),
      loadAverage1m: round2(loadavg()[0]!)
    };

    // Memory, after the window.
    const renderers = [...procsAfter.values()].filter((proc) => proc.type === 'renderer');
    const pids =
      browsers.chromium === null
        ? new Map<string, number>()
        : await rendererPids(browsers.chromium, participants, new Set(renderers.map((r) => r.pid)));
    const rendererMemory = renderers.map((proc) => ({
      pid: proc.pid,
      // null: no page of ours runs there (Chromium's spare or initial renderers, its own UI).
      tab: [...pids.entries()].find(([, pid]) => pid === proc.pid)?.[0] ?? null,
      cpuSecondsInWindow: round2(proc.cpuSeconds - (procsBefore.get(proc.pid)?.cpuSeconds ?? 0)),
      ...memoryOf(proc.pid)
    }));
    const browserMemory = [...procsAfter.values()]
      .map((proc) => memoryOf(proc.pid))
      .filter((m): m is Memory => m !== undefined);
    const memory = {
      browserRssMB: round1(browserMemory.reduce((sum, m) => sum + m.rssMB, 0)),
      browserPssMB: browserMemory.every((m) => m.pssMB !== null)
        ? round1(browserMemory.reduce((sum, m) => sum + m.pssMB!, 0))
        : null,
      renderers: rendererMemory,
      nodeRssMB: round1(process.memoryUsage().rss / 1e6)
    };

    const perParticipant = [];
    for (const [i, participant] of participants.entries()) {
      const own = series.map((snapshot) => snapshot[i]!);
      const others = participants.filter((other) => other !== participant);
      // Firefox has no DevTools protocol here: its pages' heaps are not read.
      const heap = (await participant.page.cdp?.send('Runtime.getHeapUsage')) as
        { usedSize: number; totalSize: number } | undefined;
      const renderer = rendererMemory.find((r) => r.tab === participant.label);
      const inbound = streamResults(others, own);
      perParticipant.push({
        label: participant.label,
        engine: participant.engine,
        peerId: participant.peerId,
        capture: own.at(-1)!.capture,
        meanDecodedFps: round1(inbound.reduce((sum, s) => sum + s.decodedFps, 0) / inbound.length),
        inbound,
        audio: audioResults(others, own),
        outbound: senderResults(others, own),
        jsHeapUsedMB: heap === undefined ? null : round1(heap.usedSize / 1e6),
        jsHeapTotalMB: heap === undefined ? null : round1(heap.totalSize / 1e6),
        rendererPid: renderer?.pid ?? null,
        rendererRssMB: renderer?.rssMB ?? null,
        rendererPssMB: renderer?.pssMB ?? null,
        rendererCpuPctOfOneCore:
          renderer === undefined ? null : round1((100 * renderer.cpuSecondsInWindow) / wallSeconds),
        pageErrors: participant.page.errors.length,
        firstPageErrors: participant.page.errors.slice(0, 5),
        samples: own
      });
    }
    return { participants: size, browsers: browsers.versions, perParticipant, cpu, memory };
  } finally {
    await browsers.close();
  }
}

type CallResult = Awaited<ReturnType<typeof measureCall>>;

function summarize(call: CallResult) {
  const people = call.perParticipant;
  const streams = people.flatMap((p) => p.inbound);
  const audio = people.flatMap((p) => p.audio);
  const senders = people.flatMap((p) => p.outbound);
  const worst = [...people].sort((a, b) => a.meanDecodedFps - b.meanDecodedFps)[0]!;
  const target = TARGETS[call.participants];
  const freezes = streams.reduce((sum, s) => sum + s.freezes, 0);
  const worstStream = Math.min(...streams.map((s) => s.decodedFps));
  const limits: Record<string, number> = {};
  for (const sender of senders) {
    const reason = sender.qualityLimitationReason ?? 'none at the end';
    limits[reason] = (limits[reason] ?? 0) + 1;
  }
  const pixels = (s: { width: number; height: number }) => s.width * s.height;
  const atEnd = [...streams].sort((a, b) => pixels(a) - pixels(b));
  const middle = atEnd[Math.floor((atEnd.length - 1) / 2)]!;
  const lowest = streams
    .filter((s) => s.minWidth > 0)
    .sort((a, b) => a.minWidth * a.minHeight - b.minWidth * b.minHeight)[0];
  const heaps = people.map((p) => p.jsHeapUsedMB).filter((x): x is number => x !== null);
  const rendererRss = people.map((p) => p.rendererRssMB).filter((x): x is number => x !== null);
  const rendererCpu = people
    .map((p) => p.rendererCpuPctOfOneCore)
    .filter((x): x is number => x !== null);
  return {
    /** Remote video streams: n × (n - 1) in a full mesh. */
    streams: streams.length,
    streamsWithGaps: streams.filter((s) => s.gaps > 0).length,
    decodedFps: {
      medianParticipant: round1(median(people.map((p) => p.meanDecodedFps))),
      worstParticipant: { label: worst.label, meanDecodedFps: worst.meanDecodedFps },
      worstStream
    },
    resolution: {
      medianAtEnd: `${middle.width}x${middle.height}`,
      lowestSeen: lowest === undefined ? null : `${lowest.minWidth}x${lowest.minHeight}`
    },
    freezes: {
      total: freezes,
      seconds: round2(streams.reduce((sum, s) => sum + s.freezeSeconds, 0)),
      worstParticipant: Math.max(...people.map((p) => p.inbound.reduce((n, s) => n + s.freezes, 0)))
    },
    videoLossPct: {
      median: round2(median(streams.map((s) => s.lossPct))),
      max: Math.max(...streams.map((s) => s.lossPct))
    },
    audio: {
      medianPacketsPerSecond: round1(median(audio.map((a) => a.packetsPerSecond))),
      lossPctMax: Math.max(...audio.map((a) => a.lossPct)),
      concealedPctMax: Math.max(...audio.map((a) => a.concealedPct))
    },
    sent: {
      // Of the senders whose browser counts captured frames (not Firefox's).
      medianCapturedFps: round1(
        median(senders.map((s) => s.capturedFps).filter((fps): fps is number => fps !== null))
      ),
      medianFps: round1(median(senders.map((s) => s.sentFps))),
      minFps: Math.min(...senders.map((s) => s.sentFps)),
      qualityLimitationReasons: limits
    },
    capture: people.find((p) => p.capture !== null)?.capture ?? null,
    // Chromium's tabs only (a Firefox tab's heap is not read).
    jsHeapUsedMB: {
      median: round1(median(heaps)),
      max: Math.max(...heaps)
    },
    rendererRssMB:
      rendererRss.length === people.length
        ? { median: round1(median(rendererRss)), max: Math.max(...rendererRss) }
        : null,
    rendererCpuPctOfOneCore:
      rendererCpu.length === people.length
        ? { median: round1(median(rendererCpu)), max: Math.max(...rendererCpu) }
        : null,
    pageErrors: people.reduce((sum, p) => sum + p.pageErrors, 0),
    target:
      target === undefined
        ? null
        : {
            fps: target.fps,
            noFreezes: target.noFreezes,
            met: worstStream >= target.fps && (!target.noFreezes || freezes === 0)
          }
  };
}

// --- Report -------------------------------------------------------------------------------------

type Summary = ReturnType<typeof summarize>;

function markdown(result: {
  date: string;
  machine: { cpus: number; cpuModel: string; browsers: string };
  params: { sizes: number[]; seconds: number; warmupSeconds: number; cameraFps: string };
  calls: (CallResult & { summary: Summary })[];
  failed: { participants: number; error: string }[];
}): string {
  const media = result.calls.map(({ participants, summary: s }) => {
    const target =
      s.target === null
        ? '–'
        : `≥ ${s.target.fps} fps${s.target.noFreezes ? ', 0 freezes' : ''}: ` +
          (s.target.met ? 'met' : '**not met**');
    const limits = Object.entries(s.sent.qualityLimitationReasons)
      .map(([reason, n]) => `${reason} ×${n}`)
      .join(', ');
    return (
      `| ${participants} | ${s.decodedFps.medianParticipant} ` +
      `(${s.decodedFps.worstParticipant.meanDecodedFps} / ${s.decodedFps.worstStream}) ` +
      `| ${s.resolution.medianAtEnd} (${s.resolution.lowestSeen}) ` +
      `| ${s.freezes.total} (${s.freezes.seconds} s; worst participant ${s.freezes.worstParticipant}) ` +
      `| ${s.videoLossPct.median} / ${s.videoLossPct.max} ` +
      `| ${s.sent.medianCapturedFps} | ${s.sent.medianFps} (${s.sent.minFps}); ${limits} ` +
      `| ${s.audio.medianPacketsPerSecond} / ${s.audio.lossPctMax} % | ${target} |`
    );
  });
  const resources = result.calls.map(({ participants, summary: s, cpu, memory }) => {
    const renderers = cpu.browserCpuSecondsByProcessType.renderer ?? 0;
    const others = memory.renderers.filter((r) => r.tab === null);
    return (
      `| ${participants} | ${cpu.browserPctOfOneCore} % (${cpu.browserPctOfMachine} %) ` +
      `| ${Math.round((100 * renderers) / cpu.browserCpuSeconds)} % ` +
      `| ${s.rendererCpuPctOfOneCore === null ? 'n/a' : `${s.rendererCpuPctOfOneCore.median} % (${s.rendererCpuPctOfOneCore.max} %)`} ` +
      `| ${cpu.nodePctOfOneCore} % | ${cpu.othersPctOfMachine} % | ${s.jsHeapUsedMB.median} (${s.jsHeapUsedMB.max}) ` +
      `| ${s.rendererRssMB === null ? 'n/a' : `${s.rendererRssMB.median} (${s.rendererRssMB.max})`} ` +
      `| ${memory.browserRssMB} / ${memory.browserPssMB ?? 'n/a'} ` +
      `| ${others.length}: ${Math.round(others.reduce((sum, r) => sum + (r.pssMB ?? 0), 0))} |`
    );
  });
  // What makes a row less than a steady call: say it under the table, not only in the JSON.
  const troubles = [
    ...result.failed.flatMap(({ participants, error }) => [
      `With ${participants}: **not measured**: ${error}`,
      ''
    ]),
    ...result.calls.flatMap(({ participants, summary: s }) =>
      s.streamsWithGaps > 0 || s.pageErrors > 0
        ? [
            `With ${participants}: ${s.streamsWithGaps} of ${s.streams} remote videos missing or ` +
              `replaced for part of the window (counted as no frames then); ${s.pageErrors} page ` +
              `errors (in the JSON).`,
            ''
          ]
        : []
    )
  ];
  const capture = result.calls.find((c) => c.summary.capture !== null)?.summary.capture;
  const captureNote =
    capture === undefined || capture === null
      ? 'The camera settings could not be read.'
      : `The fake camera delivers ${capture.width}x${capture.height} at ${capture.frameRate} fps ` +
        `(the local track's settings; the app asks for 1280x720 ideal and no frame rate; ` +
        `${result.params.cameraFps}), so no stream can decode more than ${capture.frameRate} fps` +
        (capture.frameRate < 25
          ? ': the 25 fps target for two cannot be met with this source ' +
            '(`BENCH_CAMERA_FPS=30` runs the fake camera at 30 fps, as most webcams deliver).'
          : '.');
  return [
    `### Call media: ${result.params.sizes.join(' and ')} participants` +
      (result.machine.browsers.includes(' and ') ? `, ${result.machine.browsers} mixed` : ''),
    '',
    `Each participant is a browser context with the fake camera and microphone, in headless ` +
      `${result.machine.browsers} on ${result.machine.cpus} cores ` +
      `(${result.machine.cpuModel}), joined on the local network in a full mesh; after a ` +
      `${result.params.warmupSeconds} s warm-up, ${result.params.seconds} s of getStats on the ` +
      `media connections, CPU time from /proc, memory at the end (${result.date}).`,
    '',
    '| People | Decoded fps: median participant (worst participant / worst stream) | Resolution at the end: median (lowest seen) | Freezes (time) | Video loss %: median / max | Captured fps: median | Sent fps: median (min); encoders limited by | Audio: packets/s median / loss max | Target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...media,
    '',
    ...troubles,
    '| People | Browser CPU: of one core (of the machine) | Renderers’ share | Renderer CPU per tab, of one core: median (max) | Node CPU (nodes, server, driver): of one core | Other programs, of the machine | JS heap MB per tab: median (max) | Renderer RSS MB per tab: median (max) | Whole browser RSS / PSS MB | Other renderers: count, PSS MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...resources,
    '',
    `${captureNote} Fps: frames decoded per second of each remote stream over the window; a ` +
      `participant's figure is the mean over its remote streams. Freezes: getStats' ` +
      `freezeCount. JS heap: the page's main heap (CDP Runtime.getHeapUsage). MB = 10^6 B. RSS ` +
      `counts pages shared between processes in full, PSS splits them; a tab's renderer also ` +
      `runs its service worker. Other renderers run no page of ours (Chromium's spare and UI ` +
      `renderers). Other programs: the CPU the rest of the machine used in the window; more ` +
      `than a few % means these figures are not a quiet machine's.`,
    ''
  ].join('\n');
}

buildIfNeeded(console.error);
const calls: (CallResult & { summary: Summary })[] = [];
/** A size that could not be measured: said in the results, and the exit code, not hidden. */
const failed: { participants: number; error: string }[] = [];
for (const size of SIZES) {
  // A fresh network for each call: nothing the previous call left on the nodes (reservations,
  // routing table entries, connections closing) weighs on this one.
  const stack = await startLocalStack({ port: 0, nodes: 3 });
  try {
    const call = await measureCall(stack.url, size);
    const summary = summarize(call);
    calls.push({ ...call, summary });
    console.error(`${size} people: ${JSON.stringify(summary)}`);
  } catch (err) {
    // Playwright colours its messages; the Markdown wants the words.
    const message = (err as Error).message.replace(ANSI_COLOUR, '');
    const error = message.split('\n')[0] ?? message;
    failed.push({ participants: size, error });
    console.error(`${size} people: failed: ${(err as Error).stack ?? error}`);
  } finally {
    await stack.stop();
  }
}

const result = {
  name: 'call',
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    browsers: browsersShown(calls.map((call) => call.browsers))
  },
  params: {
    sizes: SIZES,
    engines: `${ENGINES.join(', ')}, dealt out to the participants in turn`,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    sampleSeconds: SAMPLE_SECONDS,
    clockTicks: CLOCK_TICKS,
    cameraFps:
      CAMERA_FPS === undefined
        ? "Chromium's fake device at its default rate"
        : `Chromium's fake device at fps=${CAMERA_FPS}`
  },
  calls,
  failed
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/call.json', `${JSON.stringify(result, null, 2)}\n`);
writeFileSync('bench/results/call.md', markdown(result));
console.log(JSON.stringify(result));
// Exit now that the results are written: once, after a failed call, something (a Chromium
// helper slow to die on a loaded machine, a libp2p timer) kept this process alive for minutes,
// and `npm run bench` waits for each bench in turn.
process.exit(failed.length > 0 ? 1 : 0);
