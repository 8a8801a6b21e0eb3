/**
 * When the app asks its host for a new version while it stays open. The browser itself checks
 * the service worker's script only when a page loads (and at most daily otherwise), so an app left
 * open for days, or an installed app brought back from the background, would run old code and
 * never offer the update. Each check is one conditional request for `sw.js`
 * (ServiceWorkerRegistration.update(), W3C Service Workers §3.2.8); a new version then installs
 * beside the old one and the update prompt offers it.
 */

/** Hourly while the app is open and in view: a fix reaches a long call the same day. */
export const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1_000;

/**
 * At most one check per minute: coming back to the tab checks at once, but switching back and
 * forth does not ask the host each time (each check tells the host that the app is open).
 */
export const UPDATE_CHECK_MIN_GAP_MS = 60 * 1_000;

export interface UpdateChecksInit {
  /** Asks for a new version: the service worker registration's `update()`. */
  readonly check: () => Promise<unknown>;
  /** The page: checks wait while it is hidden, and run when it becomes visible. */
  readonly page: EventTarget & { readonly visibilityState: DocumentVisibilityState };
  /** Stops the checks and removes the listener; without one they last as long as the page. */
  readonly signal?: AbortSignal;
  /** The clock (Date.now by default). */
  readonly now?: () => number;
}

/**
 * Checks for a new version every {@link UPDATE_CHECK_INTERVAL_MS} while the page is visible, and
 * when it becomes visible again, never twice within {@link UPDATE_CHECK_MIN_GAP_MS} and never two
 * at once. The check at registration counts as the first. A failed check (offline, say) is
 * dropped: the next one tries again.
 *
 * @example
 * scheduleUpdateChecks({ check: () => registration.update(), page: document })
 */
export function scheduleUpdateChecks({
  check,
  page,
  signal,
  now = Date.now
}: UpdateChecksInit): void {
  if (signal?.aborted === true) {
    return;
  }
  let last = now();
  let running = false;

  const run = (): void => {
    if (running || page.visibilityState !== 'visible' || now() - last < UPDATE_CHECK_MIN_GAP_MS) {
      return;
    }
    running = true;
    last = now();
    Promise.resolve()
      .then(check)
      .catch(() => {
        // Offline, or the registration is going away: the next check tries again.
      })
      .finally(() => {
        running = false;
      });
  };

  const timer = setInterval(run, UPDATE_CHECK_INTERVAL_MS);
  page.addEventListener('visibilitychange', run);
  signal?.addEventListener(
    'abort',
    () => {
      clearInterval(timer);
      page.removeEventListener('visibilitychange', run);
    },
    { once: true }
  );
}
