// `npm run bench:setup`: how long a call takes to set up, Samen against a central-server call
// (PeerJS with its own `peer` signalling server) and a serverless peer (Trystero's BitTorrent
// strategy with a local WebSocket tracker), in one run on the same loopback and Chromium.
//
// Each round runs the three systems one after the other, in an order that rotates from round to
// round, each with two fresh browser contexts (fresh ids, room, passphrase), in Chromium or, with
// BENCH_BROWSERS, one page in each engine. In every system the
// camera is opened before t0, as a pre-join preview, and both pages press Join at the same
// instant (trusted key presses sent to both pages at once; their skew is reported). The figure of a round is the later of the
// two pages' first presented remote video frame (HTMLVideoElement.requestVideoFrameCallback,
// the frame's presentationTime) minus the earlier of the two clicks. performance.timeOrigin + a
// page's timestamp is the machine's clock, which pages share even in two browsers.
//
// - Samen: the built app and a local swarm (scripts/local-stack.ts). On the start page the
//   Camera toggle opens the camera, the warm node connects (as in bench/connect.ts), then both
//   type the same fresh passphrase and press Join. Phases are the app's User Timing marks
//   (JOIN_MARK, CALL_MARKS in src/p2p/constants.ts) and the first frame. The KDF (argon2id) is a
//   deliberate security cost, so it is also reported apart, and the total without it.
// - PeerJS: bench/baselines/peerjs, against the `peer` server on 127.0.0.1. Join = connect to
//   the server; ids are fixed per round, the caller calls once registered (see its main.ts).
// - Trystero: bench/baselines/trystero, `@trystero-p2p/torrent` against bittorrent-tracker's
//   WebSocket server on 127.0.0.1. Join = joinRoom.
// No STUN or TURN anywhere (iceServers: []), as Samen's local network profile; the baseline
// pages are bundled by Vite here, at the start of the run, and served from 127.0.0.1.
//
// Prints JSON, writes bench/results/setup.json and bench/results/setup.md.
//
//   BENCH_ROUNDS=2 npm run bench:setup      a smoke run (default 10 rounds)
//   BENCH_BROWSERS=chromium,firefox npm run bench:setup
//                                           the second page of every call in Firefox (bench/browsers.ts)
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Server as TrackerServer } from 'bittorrent-tracker';
import { PeerServer } from 'peer';
import sirv from 'sirv';
import { build } from 'vite';
import { BUILD_DIR, buildIfNeeded, HOST, startLocalStack } from '../scripts/local-stack.ts';
import { CHROMIUM_ARGS } from '../scripts/chromium.ts';
import type { Role } from '../scripts/engines.ts';
import { CALL_MARKS, JOIN_MARK } from '../src/p2p/constants.ts';
import {
  benchEngines,
  browsersShown,
  engineOf,
  launchBrowsers,
  waitUntil,
  type BenchPage,
  type Browsers
} from './browsers.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
/** Join → first frame takes about a second on loopback; this leaves room for a loaded machine. */
const TIMEOUT_MS = 60_000;
/** Samen's targets from issue 5, shown beside the figures, not asserted. */
const TARGETS = { samenMedianMs: 1000, samenWithoutKdfOverTrystero: 1.5 };
const BASELINES_DIR = 'bench/baselines';
/** The two pages' engines: both Chromium unless BENCH_BROWSERS says otherwise. */
const ENGINES = [0, 1].map((i) => engineOf(benchEngines(), i));
/** How often a wait asks the page again. */
const POLL_MS = 100;

const SYSTEMS = ['samen', 'peerjs', 'trystero'] as const;
type SystemName = (typeof SYSTEMS)[number];

const LABELS: Record<SystemName, string> = {
  samen: 'Samen (KDF included)',
  peerjs: 'PeerJS (central server: `peer` on 127.0.0.1)',
  trystero: 'Trystero (BitTorrent strategy, local WebSocket tracker)'
};

/**
 * The milestones read from each system's pages, as User Timing mark names, and how the two pages'
 * times combine into the round's: a call is up when both are (`max`), but one side finding the
 * other is enough (`min`). `media` (the first frame) is added to every system.
 */
const PHASES: Record<SystemName, Record<string, { mark: string; combine: 'min' | 'max' }>> = {
  samen: {
    // The call page is up and the call starts (argon2id first): what the click costs before it.
    start: { mark: CALL_MARKS.start, combine: 'max' },
    kdf: { mark: CALL_MARKS.kdf, combine: 'max' },
    reachable: { mark: CALL_MARKS.reachable, combine: 'max' },
    found: { mark: CALL_MARKS.found, combine: 'min' },
    admitted: { mark: CALL_MARKS.admitted, combine: 'max' },
    direct: { mark: CALL_MARKS.direct, combine: 'max' }
  },
  peerjs: {
    registered: { mark: 'bench:open', combine: 'max' },
    called: { mark: 'bench:call', combine: 'max' },
    stream: { mark: 'bench:stream', combine: 'max' }
  },
  trystero: {
    peer: { mark: 'bench:peer', combine: 'max' },
    stream: { mark: 'bench:stream', combine: 'max' }
  }
};

const JOIN_MARKS: Record<SystemName, string> = {
  samen: JOIN_MARK,
  peerjs: 'bench:join',
  trystero: 'bench:join'
};

// --- In the page ------------------------------------------------------------------------------

/**
 * Init script: watches for remote video elements (the same data-testid in Samen and in the
 * baselines) and records, in the shared clock, when the first frame of any of them is presented.
 */
function watchRemoteVideo(): void {
  const selector = 'video[data-testid="remote-video"]';
  const w = window as unknown as { __benchFirstFrame?: number };
  const watched = new WeakSet<HTMLVideoElement>();
  const watch = (video: HTMLVideoElement) => {
    if (watched.has(video)) {
      return;
    }
    watched.add(video);
    video.requestVideoFrameCallback((_now, metadata) => {
      w.__benchFirstFrame ??= performance.timeOrigin + metadata.presentationTime;
    });
  };
  const scan = (node: Node) => {
    if (node instanceof HTMLVideoElement && node.matches(selector)) {
      watch(node);
    }
    if (node instanceof Element) {
      node.querySelectorAll<HTMLVideoElement>(selector).forEach(watch);
    }
  };
  new MutationObserver((records) => {
    for (const record of records) {
      record.addedNodes.forEach(scan);
    }
  }).observe(document, { childList: true, subtree: true });
}

/** The pre-join preview is up: the self-view plays a live camera track. */
function cameraLive(): boolean {
  const stream = document.querySelector<HTMLVideoElement>('[data-testid="self-video"]')?.srcObject;
  return (
    stream instanceof MediaStream && stream.getVideoTracks().some((t) => t.readyState === 'live')
  );
}

interface PageTimes {
  /** Each mark's first occurrence, in the shared clock (timeOrigin + startTime). */
  marks: Record<string, number>;
  frame: number | null;
  error: string | null;
}

function readPage(): PageTimes {
  const marks: Record<string, number> = {};
  for (const entry of performance.getEntriesByType('mark')) {
    marks[entry.name] ??= performance.timeOrigin + entry.startTime;
  }
  const frame = (window as unknown as { __benchFirstFrame?: number }).__benchFirstFrame;
  return { marks, frame: frame ?? null, error: document.body.dataset.error ?? null };
}

// --- The three systems ------------------------------------------------------------------------

interface Endpoints {
  samenUrl: string;
  baselinesUrl: string;
  peerPort: number;
  trackerUrl: string;
}

interface System {
  /**
   * Two pages of fresh contexts, on their start page with the camera open, ready to join. Each
   * page is added to `pages` as soon as it exists, so that it is closed (and looked at) whatever
   * happens next.
   */
  open(browsers: Browsers, round: number, pages: BenchPage[]): Promise<[BenchPage, BenchPage]>;
  /** Presses Join on both pages at the same instant. */
  join(pages: [BenchPage, BenchPage], round: number): Promise<void>;
}

/**
 * Presses both buttons at once from the keyboard (a trusted key press: the pages get a user
 * activation, as from a person). A click runs its actionability checks page by page, and on a
 * loaded machine two clicks landed up to half a second apart; a mouse click at a measured point
 * missed when the page's layout moved in between. Here the focus comes first, then Enter goes
 * down on both pages (which activates a focused button), then up.
 */
async function pressTogether(pages: readonly BenchPage[], role: Role, name: string): Promise<void> {
  await Promise.all(pages.map(({ app }) => app.focus(role, name)));
  await Promise.all(pages.map(({ app }) => app.key('down', 'Enter')));
  await Promise.all(pages.map(({ app }) => app.key('up', 'Enter')));
}

/** Waits until `fn` returns true in the page. */
function waitInPage<A>(
  page: BenchPage,
  what: string,
  fn: (arg: A) => boolean,
  arg?: A,
  timeoutMs = TIMEOUT_MS
): Promise<void> {
  return waitUntil(what, timeoutMs, () => page.app.evaluate(fn, arg), POLL_MS);
}

async function newPage(
  browsers: Browsers,
  i: number,
  url: string,
  pages: BenchPage[]
): Promise<BenchPage> {
  const page = await browsers.open(ENGINES[i]!, url, {
    initScripts: [watchRemoteVideo],
    timeoutMs: TIMEOUT_MS
  });
  pages.push(page);
  return page;
}

function samen(url: string): System {
  const openOne = async (browsers: Browsers, i: number, pages: BenchPage[]) => {
    const page = await newPage(browsers, i, url, pages);
    // The pre-join preview: the camera opens before Join.
    await page.app.click('button', 'Camera');
    await waitInPage(page, 'the camera preview', cameraLive);
    // The start page's warm node has reached the network (as in bench/connect.ts).
    await waitInPage(
      page,
      'the network',
      () =>
        document.querySelector('[data-testid="network-status"]')?.getAttribute('data-phase') ===
          'connected' &&
        document.querySelector('[data-testid="relay-status"]')?.getAttribute('data-ready') ===
          'true'
    );
    return page;
  };
  return {
    open: async (browsers, _round, pages) =>
      Promise.all([openOne(browsers, 0, pages), openOne(browsers, 1, pages)]),
    join: async (pages, round) => {
      const passphrase = `bench setup ${round} ${crypto.randomUUID()}`;
      for (const { app } of pages) {
        await app.fill('textbox', 'Passphrase', passphrase);
      }
      await pressTogether(pages, 'button', 'Join call');
    }
  };
}

function baseline(urls: (round: number) => [string, string]): System {
  const openOne = async (browsers: Browsers, i: number, url: string, pages: BenchPage[]) => {
    const page = await newPage(browsers, i, url, pages);
    await waitInPage(
      page,
      'the page ready',
      () => document.body.dataset.ready === 'true' || document.body.dataset.error !== undefined
    );
    const error = await page.app.evaluate(() => document.body.dataset.error);
    if (error !== undefined) {
      throw new Error(error);
    }
    await waitInPage(page, 'the camera preview', cameraLive);
    return page;
  };
  return {
    open: async (browsers, round, pages) => {
      const [a, b] = urls(round);
      return Promise.all([openOne(browsers, 0, a, pages), openOne(browsers, 1, b, pages)]);
    },
    join: async (pages) => {
      await pressTogether(pages, 'button', 'Join');
    }
  };
}

function systems(endpoints: Endpoints): Record<SystemName, System> {
  return {
    samen: samen(endpoints.samenUrl),
    peerjs: baseline((round) => {
      const id = `bench-${round}-${crypto.randomUUID()}`;
      const page = (role: string, self: string, other: string) =>
        `${endpoints.baselinesUrl}peerjs/?${new URLSearchParams({
          host: HOST,
          port: String(endpoints.peerPort),
          id: self,
          remote: other,
          role
        })}`;
      return [page('caller', `${id}-a`, `${id}-b`), page('callee', `${id}-b`, `${id}-a`)];
    }),
    trystero: baseline((round) => {
      const url = `${endpoints.baselinesUrl}trystero/?${new URLSearchParams({
        tracker: endpoints.trackerUrl,
        room: `bench-${round}-${crypto.randomUUID()}`
      })}`;
      return [url, url];
    })
  };
}

// --- One measurement --------------------------------------------------------------------------

interface Sample {
  /** Later first frame − earlier click, ms. */
  totalMs: number;
  /** How far apart the two clicks landed, ms (counted against the system, in totalMs). */
  clickSkewMs: number;
  /** ms after the earlier click; null where no page reached the milestone. */
  phases: Record<string, number | null>;
  /** Samen only: each page's argon2id time (CALL_MARKS.kdf − CALL_MARKS.start), ms. */
  kdfMs?: [number, number];
  /** PeerJS only: how many times the caller had to call again. */
  retries?: number;
}

type Outcome = Sample | { error: string; reached: unknown; pageErrors: string[][] };

const round1 = (ms: number) => Math.round(ms * 10) / 10;

async function measure(
  name: SystemName,
  system: System,
  browsers: Browsers,
  round: number
): Promise<Outcome> {
  const pages: BenchPage[] = [];
  let step = 'opening the pages';
  try {
    const opened = await system.open(browsers, round, pages);
    step = 'joining';
    await system.join(opened, round);
    step = 'checking that both pages joined';
    await Promise.all(
      opened.map((page) =>
        waitInPage(
          page,
          'the join mark',
          (mark) => performance.getEntriesByName(mark, 'mark').length > 0,
          JOIN_MARKS[name],
          10_000
        )
      )
    );
    step = 'waiting for the first frames';
    await Promise.all(
      opened.map((page) =>
        waitInPage(
          page,
          'the first frame',
          () =>
            (window as unknown as { __benchFirstFrame?: number }).__benchFirstFrame !== undefined ||
            document.body.dataset.error !== undefined
        )
      )
    );
    const times = await Promise.all(opened.map((page) => page.app.evaluate(readPage)));
    const failed = times.find((t) => t.error !== null);
    if (failed !== undefined) {
      throw new Error(failed.error ?? '');
    }
    const clicks = times.map((t) => t.marks[JOIN_MARKS[name]]);
    const frames = times.map((t) => t.frame);
    if (clicks.some((t) => t === undefined) || frames.some((t) => t === null)) {
      throw new Error('a page has no click mark or no first frame');
    }
    const [clickA, clickB] = clicks as [number, number];
    const t0 = Math.min(clickA, clickB);
    const totalMs = round1(Math.max(...(frames as number[])) - t0);
    const phases: Record<string, number | null> = {};
    for (const [phase, { mark, combine }] of Object.entries(PHASES[name])) {
      const reached = times.map((t) => t.marks[mark]).filter((t): t is number => t !== undefined);
      phases[phase] =
        reached.length === 0
          ? null
          : round1((combine === 'min' ? Math.min(...reached) : Math.max(...reached)) - t0);
    }
    phases.media = totalMs;
    const sample: Sample = { totalMs, clickSkewMs: round1(Math.abs(clickA - clickB)), phases };
    if (name === 'samen') {
      const kdf = times.map((t) => {
        const start = t.marks[CALL_MARKS.start];
        const done = t.marks[CALL_MARKS.kdf];
        if (start === undefined || done === undefined) {
          throw new Error('a Samen page has no KDF marks');
        }
        return round1(done - start);
      });
      sample.kdfMs = [kdf[0]!, kdf[1]!];
    }
    if (name === 'peerjs') {
      sample.retries = (
        await Promise.all(
          opened.map((page) =>
            page.app.evaluate(() => performance.getEntriesByName('bench:retry').length)
          )
        )
      ).reduce((x, y) => x + y, 0);
    }
    return sample;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    // Where each page got to, so that a failed round says which milestone was missed.
    const reached = await Promise.all(
      pages.map((page) =>
        page.app
          .evaluate(() => ({
            url: location.href,
            buttons: [...document.querySelectorAll('button')].map((b) => b.textContent?.trim()),
            marks: performance.getEntriesByType('mark').map((m) => m.name),
            remoteVideos: document.querySelectorAll('video[data-testid="remote-video"]').length,
            states: [...document.querySelectorAll<HTMLElement>('[data-testid="participant"]')].map(
              (p) => p.dataset.state
            )
          }))
          .catch(() => null)
      )
    );
    return {
      error: `${step}: ${message}`,
      reached,
      pageErrors: pages.map((page) => page.errors.slice(0, 3))
    };
  } finally {
    await Promise.all(pages.map((page) => page.close()));
  }
}

// --- Statistics -------------------------------------------------------------------------------

function median(values: readonly number[]): number | null {
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return round1(sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** Nearest-rank 90th percentile. */
function p90(values: readonly number[]): number | null {
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.ceil(0.9 * sorted.length) - 1]!;
}

const isSample = (outcome: Outcome | undefined): outcome is Sample =>
  outcome !== undefined && !('error' in outcome);

/**
 * Samen's time without the KDF: the total minus the shorter of the two pages' argon2id times.
 * Both pages derive at once, so dropping the KDF would save at least that much of the critical
 * path; taking the shorter one never flatters Samen.
 */
const withoutKdf = (sample: Sample) =>
  round1(sample.totalMs - Math.min(...(sample.kdfMs ?? [0, 0])));

// --- The local services -----------------------------------------------------------------------

async function buildBaselines(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: BASELINES_DIR,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      rolldownOptions: {
        // Its report on slow plugins would only be noise in the bench's output.
        checks: { bundlerTimings: false },
        input: {
          peerjs: join(BASELINES_DIR, 'peerjs/index.html'),
          trystero: join(BASELINES_DIR, 'trystero/index.html')
        }
      }
    }
  });
}

async function serveStatic(dir: string): Promise<HttpServer> {
  const assets = sirv(dir, { dev: false, etag: true });
  const server = createServer((req, res) =>
    assets(req, res, () => {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not found');
    })
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  return server;
}

async function startPeerServer(): Promise<HttpServer> {
  return new Promise((resolve) => {
    PeerServer({ host: HOST, port: 0, path: '/' }, (server) => resolve(server as HttpServer));
  });
}

async function startTracker(): Promise<TrackerServer> {
  const tracker = new TrackerServer({ http: false, udp: false, ws: true, stats: false });
  tracker.on('warning', (err) => console.error(`[tracker] ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    tracker.on('error', reject);
    tracker.listen(0, HOST, () => resolve());
  });
  return tracker;
}

const portOf = (address: AddressInfo | string | null | undefined) =>
  typeof address === 'object' && address !== null ? address.port : 0;

function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function versionOf(pkg: string): string {
  const json = JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as {
    version: string;
  };
  return json.version;
}

// --- The run ----------------------------------------------------------------------------------

/** Round r runs the systems rotated by r, so none always goes first (or last). */
const orderOf = (round: number): SystemName[] =>
  SYSTEMS.map((_, i) => SYSTEMS[(i + round) % SYSTEMS.length]!);

buildIfNeeded(console.error);
const workDir = mkdtempSync(join(tmpdir(), 'samen-bench-setup-'));
// The app is served from a copy: others rebuilding build/ during the run must not pull the
// chunks from under Samen's pages (it happened, twice in one run, on the shared machine).
const appDir = join(workDir, 'app');
cpSync(BUILD_DIR, appDir, { recursive: true });
if (!existsSync(join(appDir, 'index.html'))) {
  throw new Error(`${BUILD_DIR}/ has no index.html: was it being rebuilt? Run again.`);
}
const baselinesOut = join(workDir, 'baselines');
await buildBaselines(baselinesOut);
const stack = await startLocalStack({ port: 0, nodes: 3, buildDir: appDir });
const pagesServer = await serveStatic(baselinesOut);
const peerServer = await startPeerServer();
const tracker = await startTracker();
const endpoints: Endpoints = {
  samenUrl: stack.url,
  baselinesUrl: `http://${HOST}:${portOf(pagesServer.address())}/`,
  peerPort: portOf(peerServer.address()),
  trackerUrl: `ws://${HOST}:${portOf(tracker.ws?.address())}`
};
const all = systems(endpoints);
const browsers = await launchBrowsers(ENGINES, CHROMIUM_ARGS);
const browsersText = browsersShown([browsers.versions]);

interface Round {
  round: number;
  order: SystemName[];
  outcomes: Partial<Record<SystemName, Outcome>>;
}
const rounds: Round[] = [];
try {
  // One unmeasured round of each first: Chromium's first WebRTC and WebAssembly start-up
  // belongs to none of them.
  for (const name of SYSTEMS) {
    const outcome = await measure(name, all[name], browsers, 0);
    console.error(`warm-up ${name}: ${JSON.stringify(outcome)}`);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const entry: Round = { round, order: orderOf(round), outcomes: {} };
    for (const name of entry.order) {
      entry.outcomes[name] = await measure(name, all[name], browsers, round);
      console.error(`round ${round} ${name}: ${JSON.stringify(entry.outcomes[name])}`);
    }
    rounds.push(entry);
  }
} finally {
  await browsers.close();
  await Promise.allSettled([
    stack.stop(),
    closeServer(pagesServer),
    closeServer(peerServer),
    new Promise<void>((resolve) => tracker.close(() => resolve()))
  ]);
  rmSync(workDir, { recursive: true, force: true });
}

// --- Results ----------------------------------------------------------------------------------

const samplesOf = (name: SystemName) =>
  rounds.map((r) => r.outcomes[name]).filter((o): o is Sample => isSample(o));

const summary = Object.fromEntries(
  SYSTEMS.map((name) => {
    const samples = samplesOf(name);
    const totals = samples.map((s) => s.totalMs);
    const phaseNames = [...Object.keys(PHASES[name]), 'media'];
    return [
      name,
      {
        medianMs: median(totals),
        p90Ms: p90(totals),
        ok: samples.length,
        failed: ROUNDS - samples.length,
        phasesMedianMs: Object.fromEntries(
          phaseNames.map((phase) => [
            phase,
            median(
              samples.map((s) => s.phases[phase]).filter((t): t is number => typeof t === 'number')
            )
          ])
        ),
        clickSkewMedianMs: median(samples.map((s) => s.clickSkewMs))
      }
    ];
  })
) as Record<
  SystemName,
  {
    medianMs: number | null;
    p90Ms: number | null;
    ok: number;
    failed: number;
    phasesMedianMs: Record<string, number | null>;
    clickSkewMedianMs: number | null;
  }
>;

const samenSamples = samplesOf('samen');
const kdf = {
  /** The shorter of the two pages' argon2id times per round (what withoutKdf subtracts). */
  medianMs: median(samenSamples.map((s) => Math.min(...s.kdfMs!))),
  p90Ms: p90(samenSamples.map((s) => Math.min(...s.kdfMs!))),
  shareMedian: median(samenSamples.map((s) => Math.min(...s.kdfMs!) / s.totalMs)),
  withoutKdfMedianMs: median(samenSamples.map(withoutKdf)),
  withoutKdfP90Ms: p90(samenSamples.map(withoutKdf))
};

/** Per round, Samen's time (with or without the KDF) over a baseline's; rounds where both ran. */
function ratios(baselineName: 'peerjs' | 'trystero', noKdf: boolean) {
  const perRound = rounds.map((r) => {
    const s = r.outcomes.samen;
    const b = r.outcomes[baselineName];
    if (!isSample(s) || !isSample(b)) {
      return null;
    }
    return Math.round(((noKdf ? withoutKdf(s) : s.totalMs) / b.totalMs) * 100) / 100;
  });
  const valid = perRound.filter((x): x is number => x !== null);
  const mid = median(valid);
  return { perRound, median: mid === null ? null : Math.round(mid * 100) / 100 };
}

const result = {
  name: 'setup',
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    browsers: browsers.versions
  },
  params: {
    rounds: ROUNDS,
    engines: ENGINES,
    warmupRounds: 1,
    order: 'round r runs samen, peerjs, trystero rotated by r',
    timeoutMs: TIMEOUT_MS,
    iceServers: [],
    versions: {
      peerjs: versionOf('peerjs'),
      peer: versionOf('peer'),
      '@trystero-p2p/torrent': versionOf('@trystero-p2p/torrent'),
      'bittorrent-tracker': versionOf('bittorrent-tracker')
    }
  },
  unit: 'ms from the earlier of the two Join clicks to the later of the two first presented remote video frames',
  results: {
    ...summary,
    samenKdf: kdf,
    ratios: {
      samenOverPeerjs: ratios('peerjs', false),
      samenOverTrystero: ratios('trystero', false),
      samenWithoutKdfOverPeerjs: ratios('peerjs', true),
      samenWithoutKdfOverTrystero: ratios('trystero', true)
    },
    targets: TARGETS
  },
  rounds
};

// --- Markdown ---------------------------------------------------------------------------------

const ms = (value: number | null) => (value === null ? '–' : String(Math.round(value)));
const x = (value: number | null) => (value === null ? '–' : `${value.toFixed(2)}×`);
const { ratios: r } = result.results;
const markdown = [
  '### Call setup: Join → first remote frame, Samen against PeerJS and Trystero',
  '',
  `Two fresh browser contexts per system and round (${ENGINES.join(' and ')}), fake camera opened before Join (pre-join ` +
    `preview), both press Join at the same instant; the time runs from the earlier click to the ` +
    `later of the two pages' first presented remote video frame (requestVideoFrameCallback), on ` +
    `loopback without STUN, ${ROUNDS} rounds with the three systems interleaved in a rotating ` +
    `order after one warm-up round each (${result.date.slice(0, 10)}, ${result.machine.cpus} ` +
    `cores ${result.machine.cpuModel}, ${browsersText}). Durations in ms.`,
  '',
  '| System | Median | p90 | Rounds ok | Target |',
  '| --- | ---: | ---: | ---: | --- |',
  ...SYSTEMS.map(
    (name) =>
      `| ${LABELS[name]} | ${ms(summary[name].medianMs)} | ${ms(summary[name].p90Ms)} | ` +
      `${summary[name].ok}/${ROUNDS} | ${name === 'samen' ? `≤ ${TARGETS.samenMedianMs}` : ''} |`
  ),
  `| Samen without the KDF | ${ms(kdf.withoutKdfMedianMs)} | ${ms(kdf.withoutKdfP90Ms)} | ` +
    `${samenSamples.length}/${ROUNDS} | |`,
  `| Samen's KDF (argon2id) alone | ${ms(kdf.medianMs)} | ${ms(kdf.p90Ms)} | ` +
    `${samenSamples.length}/${ROUNDS} | ${kdf.shareMedian === null ? '' : `${Math.round(kdf.shareMedian * 100)} % of Samen's time (median)`} |`,
  '',
  '| Ratio, per round (median of rounds) | Median | Per round | Target |',
  '| --- | ---: | --- | --- |',
  `| Samen / PeerJS | ${x(r.samenOverPeerjs.median)} | ${r.samenOverPeerjs.perRound.map(x).join(' ')} | |`,
  `| Samen / Trystero | ${x(r.samenOverTrystero.median)} | ${r.samenOverTrystero.perRound.map(x).join(' ')} | |`,
  `| Samen without KDF / PeerJS | ${x(r.samenWithoutKdfOverPeerjs.median)} | ${r.samenWithoutKdfOverPeerjs.perRound.map(x).join(' ')} | |`,
  `| Samen without KDF / Trystero | ${x(r.samenWithoutKdfOverTrystero.median)} | ${r.samenWithoutKdfOverTrystero.perRound.map(x).join(' ')} | ≤ ${TARGETS.samenWithoutKdfOverTrystero.toFixed(1)}× |`,
  '',
  "Samen's phases (median ms after the earlier click; `found` is the first page to find the " +
    'other, the rest the later page):',
  '',
  `| ${Object.keys(summary.samen.phasesMedianMs).join(' | ')} |`,
  `| ${Object.keys(summary.samen.phasesMedianMs)
    .map(() => '---:')
    .join(' | ')} |`,
  `| ${Object.values(summary.samen.phasesMedianMs).map(ms).join(' | ')} |`,
  ''
].join('\n');

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/setup.json', `${JSON.stringify(result, null, 2)}\n`);
writeFileSync('bench/results/setup.md', markdown);
console.log(JSON.stringify(result));
// The `peer` server keeps timers running (expiring queued messages, pinging clients) that its
// API gives no way to stop once its HTTP server is closed.
process.exit(0);
