import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import {
  localeFiles,
  localisedManifest,
  projectLocales,
  type ManifestBase
} from './scripts/locale-files.ts';

// Under vitest the message catalogue is compiled beforehand (`npm run i18n`) and there is no
// service worker to build; leaving both plugins out also lets vitest exit promptly (the
// paraglide plugin keeps file handles open).
const testing = process.env.VITEST !== undefined;

/** Where {@link bundleModules} writes; `npm run bench:bundle` reads it. */
const BUNDLE_MODULES_DIR = '.svelte-kit/output/bundle-modules';

/**
 * Records, for every browser chunk of a build (the app's and its workers'), which modules it
 * holds and how many bytes of it each one rendered: `npm run bench:bundle` turns that into the
 * per-dependency breakdown of what a page loads. A file per output bundle, beside SvelteKit's own
 * output (cleared at each build), nothing in build/.
 */
function bundleModules(): Plugin {
  return {
    name: 'samen:bundle-modules',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).flatMap((output) =>
        output.type === 'chunk' && output.fileName.startsWith('_app/')
          ? [
              {
                fileName: output.fileName,
                modules: Object.fromEntries(
                  Object.entries(output.modules).map(([id, m]) => [id, m.renderedLength])
                )
              }
            ]
          : []
      );
      if (chunks.length === 0) return; // the server build
      mkdirSync(BUNDLE_MODULES_DIR, { recursive: true });
      const name = chunks[0]!.fileName.replace(/[^\w.-]+/g, '_');
      writeFileSync(`${BUNDLE_MODULES_DIR}/${name}.json`, JSON.stringify(chunks));
    }
  };
}

/**
 * The web manifest but its name and description, which come from each locale's messages
 * (app_name, app_tagline): the base locale's is `manifest.webmanifest`, the others' are written
 * by {@link localeFiles}.
 */
const MANIFEST: ManifestBase = {
  start_url: '.',
  scope: '.',
  display: 'standalone',
  background_color: '#fbfaf7',
  theme_color: '#1f5f5b',
  icons: [
    { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
    {
      src: 'icons/icon-maskable-512.png',
      sizes: '512x512',
      type: 'image/png',
      purpose: 'maskable'
    }
  ]
};

export default defineConfig({
  plugins: [
    testing
      ? []
      : paraglideVitePlugin({
          project: './project.inlang',
          outdir: './src/lib/paraglide',
          // No locale in the URL (the app is one static SPA): the user's choice, then the browser's.
          strategy: ['localStorage', 'preferredLanguage', 'baseLocale']
        }),
    sveltekit(),
    testing
      ? []
      : SvelteKitPWA({
          registerType: 'prompt',
          injectRegister: false,
          strategies: 'generateSW',
          manifest: localisedManifest(MANIFEST, projectLocales().baseLocale),
          workbox: {
            // The app shell only. network.json (the network a host points us at) is never
            // precached, and nothing is cached at run time: no media, no libp2p traffic.
            globPatterns: [
              'client/**/*.{js,css,html,svg,png,webmanifest,txt,wasm}',
              'prerendered/**/*.html'
            ],
            globIgnores: ['**/network.json'],
            runtimeCaching: [],
            navigateFallback: null,
            cleanupOutdatedCaches: true
          },
          kit: {
            includeVersionFile: true
          }
        }),
    testing ? [] : localeFiles(MANIFEST),
    testing ? [] : bundleModules()
  ],
  build: {
    target: 'es2023'
  },
  worker: {
    format: 'es',
    plugins: () => (testing ? [] : [bundleModules()])
  },
  test: {
    expect: { requireAssertions: true },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node'
        }
      },
      {
        extends: true,
        test: {
          // Property-based tests of every decoder and parser of outside input (fast-check):
          // SAMEN_FUZZ_RUNS inputs per target, a few thousand by default (tests/fuzz/support.ts);
          // `npm run fuzz` asks for 100 000 and lifts the timeout.
          name: 'fuzz',
          include: ['tests/fuzz/**/*.fuzz.test.ts'],
          environment: 'node',
          testTimeout: 60_000
        }
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          // Real libp2p nodes and node-datachannel WebRTC: serial, so two CPU cores are enough.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      },
      {
        extends: true,
        test: {
          // The network lab (tests/lab): namespaces, NAT routers, coturn and browsers in homes.
          // Only under `npm run test:lab` (a loopback-only namespace), one file at a time: each
          // builds its own lab, and two cores fit one. Building the app for the call test may
          // take minutes on a busy machine.
          name: 'lab',
          include: ['tests/lab/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000
        }
      }
    ]
  }
});
