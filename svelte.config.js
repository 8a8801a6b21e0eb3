import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: true
  },
  kit: {
    // Static files only: any web host, or IPFS, can serve Samen. There is no backend.
    adapter: adapter({ pages: 'build', assets: 'build', precompress: false, strict: true }),
    serviceWorker: {
      // @vite-pwa/sveltekit generates and registers the service worker (Workbox).
      register: false
    },
    alias: {
      $p2p: 'src/p2p'
    }
  }
};

export default config;
