/**
 * The HTTP headers the app's static server sends with every response (scripts/local-stack.ts,
 * used by `npm start`, the tests and the benchmarks), and that docs/hosting.md asks every host to
 * send. The page's own Content-Security-Policy is a `<meta>` tag the build writes
 * (svelte.config.js); the header adds what a meta tag cannot carry (`frame-ancestors`) and
 * repeats the directives that need no per-build hash. A browser enforces both policies: a
 * request must pass each.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Never framed (clickjacking a Join or a camera prompt); X-Frame-Options for older browsers.
  'Content-Security-Policy':
    "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'none'",
  'X-Frame-Options': 'DENY',
  // Camera, microphone and screen sharing for the app itself and nothing it might embed; no
  // location, ever.
  'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
  // Nobody learns where the app was opened from or that it was.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  // A window the app opens (or that opened it) gets no handle on it.
  'Cross-Origin-Opener-Policy': 'same-origin'
};
