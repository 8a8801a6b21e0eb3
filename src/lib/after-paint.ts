/**
 * Deferring work until the page has shown something: what a start page warms up (libp2p for the
 * network, the KDF worker, the service worker) is loaded with import() and must not hold up its
 * first render (bundle budget: `npm run bench:bundle`, README "Performance").
 */

/**
 * A page that is never painted (opened in a background tab) still warms up after this long:
 * background timers run at most once a second anyway.
 */
export const FIRST_PAINT_FALLBACK_MS = 1_000;

/**
 * Calls `callback` once, right after the page's first contentful paint (Paint Timing), or after
 * a frame where Paint Timing is not supported, or after {@link FIRST_PAINT_FALLBACK_MS} at most.
 * Returns a function that cancels it if it has not run yet.
 *
 * @example
 * onMount(() => afterFirstPaint(() => network.start()))
 */
export function afterFirstPaint(callback: () => void): () => void {
  let pending = true;
  let observer: PerformanceObserver | undefined;
  let frame: number | undefined;
  let frameTimer: ReturnType<typeof setTimeout> | undefined;
  const cleanup = () => {
    pending = false;
    observer?.disconnect();
    if (frame !== undefined) cancelAnimationFrame(frame);
    clearTimeout(frameTimer);
    clearTimeout(fallback);
  };
  const run = () => {
    if (!pending) return;
    cleanup();
    callback();
  };
  const fallback = setTimeout(run, FIRST_PAINT_FALLBACK_MS);
  if ((PerformanceObserver.supportedEntryTypes ?? []).includes('paint')) {
    observer = new PerformanceObserver((list) => {
      if (list.getEntriesByName('first-contentful-paint').length > 0) run();
    });
    // buffered: a paint that happened before this call is delivered too.
    observer.observe({ type: 'paint', buffered: true });
  } else {
    // A task queued from a frame callback runs after that frame is painted.
    frame = requestAnimationFrame(() => {
      frameTimer = setTimeout(run, 0);
    });
  }
  return cleanup;
}
