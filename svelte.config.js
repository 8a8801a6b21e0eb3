import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * The Content-Security-Policy of every page. The app is prerendered, so SvelteKit writes it as a
 * `<meta http-equiv>` tag with the SHA-256 of its one inline script (the bootstrap that starts the
 * app) added to script-src; any other script must be a file of the app's own origin (src/app.html
 * loads locale.js as a file for this reason). A meta tag cannot carry `frame-ancestors`: a host
 * sends that as a header (docs/hosting.md; `npm start` and the tests' server do).
 *
 * @type {NonNullable<NonNullable<import('@sveltejs/kit').KitConfig['csp']>['directives']>}
 */
export const CSP_DIRECTIVES = {
  // Whatever is not named below (fonts, frames, the web manifest, workers): the app's own files.
  'default-src': ['self'],
  // The app's own modules and the bootstrap's hash; WebAssembly for argon2id (hash-wasm). No
  // eval, no inline script.
  'script-src': ['self', 'wasm-unsafe-eval'],
  // Svelte and SvelteKit set style attributes (the route announcer, app.html's wrapper): a style
  // cannot run script, and script-src stays strict.
  'style-src': ['self', 'unsafe-inline'],
  // Images and media that never leave the device: the app's icons, and blob:/data: URLs the app
  // makes itself. A call's video and audio are MediaStreams (srcObject), which no fetch directive
  // governs.
  'img-src': ['self', 'blob:', 'data:'],
  'media-src': ['self', 'blob:'],
  // - 'self': the app's files and network.json, beside the app.
  // - wss: and ws: (any host): the libp2p nodes. Which ones is decided at run time, not at build
  //   time: the public profile's bootstrap nodes and the DHT servers and relays found through
  //   them, a network.json's nodes, or addresses typed in Settings; ws: is for a LAN or local
  //   network served over http (`npm start`). A host that runs its own nodes can narrow this in
  //   a header (docs/hosting.md).
  // - the DNS-over-HTTPS resolvers libp2p asks when a profile's bootstrap address is a /dnsaddr
  //   (src/p2p/privacy.ts DNSADDR_RESOLVERS; the privacy page names them when they are used).
  // WebRTC (direct and WebRTC-direct) and STUN/TURN are not governed by connect-src.
  'connect-src': ['self', 'wss:', 'ws:', 'https://cloudflare-dns.com', 'https://dns.google'],
  // No plugins; no <base> to redirect relative URLs; no form ever submits anywhere (every form
  // is handled by script, and a passphrase must never end up in a URL).
  'object-src': ['none'],
  'base-uri': ['none'],
  'form-action': ['none']
};

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: true
  },
  kit: {
    // Static files only: any web host, or IPFS, can serve Samen. There is no backend.
    adapter: adapter({ pages: 'build', assets: 'build', precompress: false, strict: true }),
    csp: {
      mode: 'hash',
      directives: CSP_DIRECTIVES
    },
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
