// `npm run bench:bundle`: how much JavaScript Samen makes a browser download, measured in
// Chromium rather than guessed from files. The built app is served by the local stack; a fresh
// browser context (empty cache, no service worker: its precache download is reported apart)
// opens the start page, turns the camera on, enters a passphrase and joins a call with a second
// context, until it plays the other's video. Twice: with the passphrase typed (someone who was
// given it, which loads the strength estimator), and generated (which does not). Every
// JavaScript file the measured context fetched (its page and the page's worker) is sorted by
// when its request started (Chromium's own timing, in epoch ms):
// - first render: requested before the start page's first contentful paint (the shell is an
//   empty page until Svelte renders it, so that paint is the start page);
// - start page: after it and before the Join click (the warm node's libp2p, the KDF worker,
//   the passphrase-strength estimator);
// - call: after the Join click.
// Sizes are of the files as served, compressed one by one as a static host would precompress
// them (gzip level 9, brotli quality 11), in KB of 1000 bytes. The per-dependency breakdown
// shares each file's compressed size among the modules in it, in proportion to the bytes each
// rendered (the build's module map, written by vite.config.ts's bundleModules plugin).
//
//   node scripts/isolated.ts node bench/bundle.ts
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Request
} from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium.ts';
import { BUILD_DIR, buildIfNeeded, startLocalStack } from '../scripts/local-stack.ts';
import { JOIN_MARK } from '../src/p2p/constants.ts';
import { machine, table, writeResult } from './support.ts';

const MODULES_DIR = '.svelte-kit/output/bundle-modules';
const TIMEOUT_MS = 60_000;
/** After the call is up, wait until no JavaScript was requested for this long. */
const QUIET_MS = 2_000;
const TARGETS_KB = { firstRenderGzip: 60, callGzip: 300 };
/** Packages that must not be in the first render: they load by import() after it. */
const HEAVY =
  /^(libp2p|@libp2p\/|@chainsafe\/|@zxcvbn-ts\/|hash-wasm|@multiformats\/|multiformats|protons-runtime|@noble\/)/;

type Phase = 'firstRender' | 'startPage' | 'call';
const PHASES: readonly Phase[] = ['firstRender', 'startPage', 'call'];

interface LoadedFile {
  file: string;
  phase: Phase;
  startMs: number;
  msAfterFirstPaint: number;
  bytes: number;
  gzip: number;
  brotli: number;
}

interface Sizes {
  files: number;
  bytes: number;
  gzip: number;
  brotli: number;
}

const kb = (bytes: number) => Math.round(bytes / 100) / 10;

function compressed(path: string): { bytes: number; gzip: number; brotli: number } {
  const data = readFileSync(path);
  return {
    bytes: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length
      }
    }).length
  };
}

function sum(files: readonly Pick<LoadedFile, 'bytes' | 'gzip' | 'brotli'>[]): Sizes {
  return {
    files: files.length,
    bytes: files.reduce((total, f) => total + f.bytes, 0),
    gzip: files.reduce((total, f) => total + f.gzip, 0),
    brotli: files.reduce((total, f) => total + f.brotli, 0)
  };
}

/** The package a module id belongs to, or the part of Samen it is. */
function owner(id: string): string {
  const path = id.replace(/^\0/, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const [first, second] = path.slice(nm + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? path);
  }
  const local = relative(process.cwd(), path.split('?')[0]!).split(sep).join('/');
  if (local.startsWith('src/lib/paraglide/')) return 'samen: messages (paraglide)';
  // src/p2p/wordlist, src/p2p/protocols, src/lib/components…: or the file, for src/p2p/call.ts.
  if (local.startsWith('src/')) return `samen: ${local.split('/').slice(0, 3).join('/')}`;
  if (local.startsWith('.svelte-kit/')) return '@sveltejs/kit (generated)';
  return 'bundler runtime';
}

/** fileName → { owner → rendered bytes }, from the build's module map. */
function moduleMap(): Map<string, Map<string, number>> {
  const map = new Map<string, Map<string, number>>();
  for (const name of readdirSync(MODULES_DIR)) {
    const chunks = JSON.parse(readFileSync(join(MODULES_DIR, name), 'utf8')) as {
      fileName: string;
      modules: Record<string, number>;
    }[];
    for (const chunk of chunks) {
      const owners = new Map<string, number>();
      for (const [id, length] of Object.entries(chunk.modules)) {
        owners.set(owner(id), (owners.get(owner(id)) ?? 0) + length);
      }
      map.set(chunk.fileName, owners);
    }
  }
  return map;
}

async function openStartPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId('relay-status').and(page.locator('[data-ready="true"]')).waitFor({
    timeout: TIMEOUT_MS
  });
  return page;
}

/** Epoch ms of the page's first contentful paint and of its Join click (if any yet). */
async function pageClock(page: Page): Promise<{ paint: number; join: number | undefined }> {
  return page.evaluate((joinMark) => {
    const fcp = performance.getEntriesByName('first-contentful-paint', 'paint')[0];
    if (fcp === undefined) throw new Error('no first-contentful-paint entry');
    const join = performance.getEntriesByName(joinMark, 'mark').at(-1);
    return {
      paint: performance.timeOrigin + fcp.startTime,
      join: join === undefined ? undefined : performance.timeOrigin + join.startTime
    };
  }, JOIN_MARK);
}

// The module map is written by every build since vite.config.ts has the plugin: build if it is
// missing (a build made before it), or if the sources are newer than the build.
if (!existsSync(MODULES_DIR)) {
  console.error('bundle: no module map of the build: building the app (vite build)…');
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { stdio: 'inherit' });
} else {
  buildIfNeeded(console.error);
}
const modules = moduleMap();

type Scenario = 'typed' | 'generated';

/**
 * One visit: the start page, the camera on, a passphrase (typed, as someone who was given one
 * does, which loads the strength estimator; or generated, which does not need it), Join, and a
 * call with `peer` until this page plays the other's video. Every JavaScript file the page's
 * context fetched, in the order requested, with its phase.
 */
async function visit(browser: Browser, url: string, scenario: Scenario): Promise<LoadedFile[]> {
  // Service workers blocked: the first visit's JavaScript is what the page asks for; the
  // precache the service worker downloads in the background is reported apart, below.
  const measured = await browser.newContext({ serviceWorkers: 'block' });
  const other = await browser.newContext({ serviceWorkers: 'block' });
  const requests: { path: string; request: Request }[] = [];
  measured.on('requestfinished', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.js')) requests.push({ path, request });
  });
  try {
    const page = await openStartPage(measured, url);
    const peer = await openStartPage(other, url);
    for (const p of [page, peer]) {
      await p.getByRole('button', { name: 'Camera', exact: true }).click();
    }
    const field = (p: Page) => p.getByRole('textbox', { name: 'Passphrase', exact: true });
    if (scenario === 'typed') {
      await field(page).fill(`bench bundle ${crypto.randomUUID()}`);
    } else {
      await page.getByRole('button', { name: 'Generate passphrase' }).click();
      await page.getByTestId('strength').and(page.locator('[data-bits]')).waitFor();
    }
    await field(peer).fill(await field(page).inputValue());
    // The strength estimate is what typing loads; wait for it as the user would see it.
    await page.getByTestId('strength').waitFor({ timeout: TIMEOUT_MS });
    await Promise.all(
      [page, peer].map((p) => p.getByRole('button', { name: 'Join call' }).click())
    );
    await page
      .locator('[data-testid="participant"][data-state="direct"] video[data-testid="remote-video"]')
      .waitFor({ timeout: TIMEOUT_MS });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLVideoElement>('video[data-testid="remote-video"]')].some(
          (video) => video.readyState >= 2
        ),
      undefined,
      { timeout: TIMEOUT_MS }
    );
    // Let whatever the call loads once it runs arrive too.
    for (let count = -1; count !== requests.length;) {
      count = requests.length;
      await page.waitForTimeout(QUIET_MS);
    }
    const clock = await pageClock(page);
    const joinAt = clock.join;
    if (joinAt === undefined) throw new Error(`no ${JOIN_MARK} mark`);

    const files = new Map<string, LoadedFile>();
    for (const { path, request } of requests) {
      const file = path.replace(/^\//, '');
      if (files.has(file)) continue;
      const startMs = request.timing().startTime;
      const phase: Phase =
        startMs <= clock.paint ? 'firstRender' : startMs <= joinAt ? 'startPage' : 'call';
      files.set(file, {
        file,
        phase,
        startMs,
        msAfterFirstPaint: Math.round(startMs - clock.paint),
        ...compressed(join(BUILD_DIR, file))
      });
    }
    return [...files.values()].sort((a, b) => a.startMs - b.startMs);
  } finally {
    await measured.close();
    await other.close();
  }
}

const stack = await startLocalStack({ port: 0, nodes: 3 });
const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
let typed: LoadedFile[];
let generated: LoadedFile[];
try {
  typed = await visit(browser, stack.url, 'typed');
  generated = await visit(browser, stack.url, 'generated');
} finally {
  await browser.close();
  await stack.stop();
}
const loaded = typed;

function phases(files: readonly LoadedFile[]): Record<Phase, Sizes> {
  return Object.fromEntries(
    PHASES.map((phase) => [phase, sum(files.filter((f) => f.phase === phase))])
  ) as Record<Phase, Sizes>;
}
const byPhase = phases(loaded);
const wholeCall = sum(loaded);
const wholeCallGenerated = sum(generated);

/** Per owner: gzip KB shared out per file, in the first render and over the whole call. */
const breakdown = new Map<string, { firstRender: number; call: number; rendered: number }>();
const unmapped: string[] = [];
for (const f of loaded) {
  const owners = modules.get(f.file);
  if (owners === undefined) {
    unmapped.push(f.file);
    continue;
  }
  const total = [...owners.values()].reduce((a, b) => a + b, 0);
  for (const [name, length] of owners) {
    const share = total === 0 ? 0 : (f.gzip * length) / total;
    const entry = breakdown.get(name) ?? { firstRender: 0, call: 0, rendered: 0 };
    entry.call += share;
    entry.rendered += length;
    if (f.phase === 'firstRender') entry.firstRender += share;
    breakdown.set(name, entry);
  }
}
const dependencies = [...breakdown]
  .map(([name, e]) => ({
    name,
    firstRenderGzipKB: kb(e.firstRender),
    callGzipKB: kb(e.call),
    renderedKB: kb(e.rendered)
  }))
  .sort((a, b) => b.callGzipKB - a.callGzipKB);
const heavyInFirstRender = [
  ...new Set(
    [...typed, ...generated]
      .filter((f) => f.phase === 'firstRender')
      .flatMap((f) => [...(modules.get(f.file)?.keys() ?? [])])
      .filter((name) => HEAVY.test(name))
  )
];

// argon2id (hash-wasm) belongs to the KDF worker: the files of either visit that hold it, and
// whether each is one of the worker's (under _app/immutable/workers/, fetched by the worker).
const WORKER_FILES = '_app/immutable/workers/';
const argon2Files = [
  ...new Set(
    [...typed, ...generated]
      .filter((f) => modules.get(f.file)?.has('hash-wasm') === true)
      .map((f) => f.file)
  )
];
const argon2OnlyInWorker = argon2Files.every((file) => file.startsWith(WORKER_FILES));

// Everything the service worker precaches: every JavaScript file of the build.
const allJs = readdirSync(BUILD_DIR, { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.js'))
  .map((path) => compressed(join(BUILD_DIR, path)));
const precache = sum(allJs);

const inKB = (s: Sizes) => ({
  files: s.files,
  rawKB: kb(s.bytes),
  gzipKB: kb(s.gzip),
  brotliKB: kb(s.brotli)
});
const listed = (files: readonly LoadedFile[]) =>
  files.map((f) => ({
    file: f.file,
    phase: f.phase,
    msAfterFirstPaint: f.msAfterFirstPaint,
    rawKB: kb(f.bytes),
    gzipKB: kb(f.gzip),
    brotliKB: kb(f.brotli)
  }));

const result = {
  name: 'bundle',
  date: new Date().toISOString(),
  machine: machine(),
  params: { gzipLevel: 9, brotliQuality: 11, serviceWorker: 'blocked', quietMs: QUIET_MS },
  unit: 'KB (1 KB = 1000 bytes), each file compressed on its own',
  targets: { firstRenderGzipKB: TARGETS_KB.firstRenderGzip, wholeCallGzipKB: TARGETS_KB.callGzip },
  firstRender: inKB(byPhase.firstRender),
  startPageAfterFirstRender: inKB(byPhase.startPage),
  beforeJoin: inKB(sum(loaded.filter((f) => f.phase !== 'call'))),
  call: inKB(byPhase.call),
  wholeCall: inKB(wholeCall),
  generated: {
    firstRender: inKB(phases(generated).firstRender),
    wholeCall: inKB(wholeCallGenerated)
  },
  precache: inKB(precache),
  heavyInFirstRender,
  libp2pInFirstRender: heavyInFirstRender.some((name) => /^(libp2p|@libp2p\/)/.test(name)),
  argon2Files,
  argon2OnlyInWorker,
  dependencies,
  unmapped,
  files: { typed: listed(typed), generated: listed(generated) }
};

const row = (label: string, s: Sizes, target?: number) => [
  label,
  s.files,
  kb(s.bytes),
  kb(s.gzip),
  kb(s.brotli),
  target === undefined ? '' : `≤ ${target}`
];
/** The table lists what weighs; the JSON has every dependency. */
const SHOWN_MIN_KB = 2;
const shown = dependencies.filter((d) => d.callGzipKB >= SHOWN_MIN_KB || d.firstRenderGzipKB >= 1);
const rest = dependencies.filter((d) => !shown.includes(d));
const markdown = `### JavaScript downloaded

What Chromium downloads (fresh context, service worker blocked) when someone opens the start page, turns the camera on, types the passphrase they were given and joins a call until the other's video plays; files compressed one by one (gzip -9, brotli q11), in KB of 1000 bytes. First render: requested before the start page's first contentful paint.

${table(
  ['Phase', 'Files', 'Raw KB', 'gzip KB', 'brotli KB', 'Target (gzip)'],
  [
    row('First render of the start page', byPhase.firstRender, TARGETS_KB.firstRenderGzip),
    row('Start page after first render (node, KDF worker, strength estimate)', byPhase.startPage),
    row('Join → call', byPhase.call),
    row('Whole call, passphrase typed', wholeCall, TARGETS_KB.callGzip),
    row(
      'Whole call, passphrase generated (no strength estimator)',
      wholeCallGenerated,
      TARGETS_KB.callGzip
    ),
    row('Service worker precache (every JS file)', precache)
  ]
)}

Heavy modules in the first render: ${heavyInFirstRender.length === 0 ? 'none (libp2p loads by import() right after it)' : heavyInFirstRender.join(', ')}.

argon2id (hash-wasm) loaded in: ${argon2Files.join(', ') || 'no file'}; ${argon2OnlyInWorker ? 'only the KDF worker’s files' : '**not only the KDF worker’s files**'}.

Per dependency (passphrase typed), each file's gzip size shared among its modules by rendered bytes:

${table(
  ['Dependency', 'First render gzip KB', 'Whole call gzip KB'],
  [
    ...shown.map((d) => [d.name, d.firstRenderGzipKB || '', d.callGzipKB]),
    ...(rest.length === 0
      ? []
      : [
          [
            `${rest.length} others (under ${SHOWN_MIN_KB} KB each)`,
            kb(rest.reduce((a, d) => a + d.firstRenderGzipKB * 1000, 0)) || '',
            kb(rest.reduce((a, d) => a + d.callGzipKB * 1000, 0))
          ]
        ])
  ]
)}
`;

writeResult('bundle', result, markdown);
