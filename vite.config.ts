import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';

// Under vitest the message catalogue is compiled beforehand (`npm run i18n`) and there is no
// service worker to build; leaving both plugins out also lets vitest exit promptly (the
// paraglide plugin keeps file handles open).
const testing = process.env.VITEST !== undefined;

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
          manifest: {
            name: 'Samen',
            short_name: 'Samen',
            description: 'Private video calls by passphrase. No account, no server in the middle.',
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
          },
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
        })
  ],
  build: {
    target: 'es2023'
  },
  worker: {
    format: 'es'
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
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          // Real libp2p nodes and node-datachannel WebRTC: serial, so two CPU cores are enough.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      }
    ]
  }
});
