/**
 * The service worker's lifecycle as UI state: "works offline" once the app shell is cached,
 * and an update prompt when a new version is waiting. The user decides when to reload, so an
 * update never cuts a call short.
 *
 * While the app stays open it asks for a new version hourly and whenever it comes back into view
 * (update-checks.ts). "Later" hides the prompt for this page only: the new version keeps waiting,
 * and the next start of the app (a load of any of its pages) asks again, as Workbox reports a
 * worker that was already waiting when the page registered (workbox-window's `waiting` event with
 * `wasWaitingBeforeRegister`). Once every window of the app is closed, the browser starts the new
 * version by itself.
 */
import { browser } from '$app/environment';
import { scheduleUpdateChecks } from '$lib/update-checks.ts';

/** The "works offline" note is news once: it goes away by itself after this long. */
export const OFFLINE_READY_NOTE_MS = 8_000;

export class PwaState {
  #needRefresh = $state(false);
  #offlineReady = $state(false);
  /**
   * "Later" was chosen on this page. Workbox announces one waiting worker more than once (an
   * update found over a minute after registering counts as "external": vite-plugin-pwa prompts
   * on its `installed` event and again on `waiting` 200 ms later), and the second must not
   * bring back a prompt the user just put off.
   */
  #later = false;
  #update: ((reload?: boolean) => Promise<void>) | undefined;
  #registered = false;

  get needRefresh(): boolean {
    return this.#needRefresh;
  }
  get offlineReady(): boolean {
    return this.#offlineReady;
  }

  async register(): Promise<void> {
    if (!browser || !('serviceWorker' in navigator) || this.#registered) {
      return;
    }
    this.#registered = true;
    const { registerSW } = await import('virtual:pwa-register');
    this.#update = registerSW({
      immediate: true,
      onRegisteredSW: (_url, registration) => {
        if (registration !== undefined) {
          // For the page's lifetime: the app is one page, and its service worker outlives it.
          scheduleUpdateChecks({ check: () => registration.update(), page: document });
        }
      },
      onNeedRefresh: () => this.offerUpdate(),
      onOfflineReady: () => {
        this.#offlineReady = true;
        // A note in the corner must not stay over what the user came for (Send, say).
        setTimeout(() => (this.#offlineReady = false), OFFLINE_READY_NOTE_MS);
      }
    });
  }

  /** Activates the waiting service worker and reloads into the new version. */
  async update(): Promise<void> {
    await this.#update?.(true);
  }

  /** A new version waits: prompt for it, unless "Later" was chosen on this page. */
  offerUpdate(): void {
    this.#needRefresh = !this.#later;
  }

  /** "Later" (or closing the offline note): until the next start of the app. */
  dismiss(): void {
    this.#later ||= this.#needRefresh;
    this.#needRefresh = false;
    this.#offlineReady = false;
  }
}

export const pwa = new PwaState();
