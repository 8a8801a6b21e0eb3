/**
 * The service worker's lifecycle as UI state: "works offline" once the app shell is cached,
 * and an update prompt when a new version is waiting. The user decides when to reload, so an
 * update never cuts a call short.
 */
import { browser } from '$app/environment';

/** The "works offline" note is news once: it goes away by itself after this long. */
export const OFFLINE_READY_NOTE_MS = 8_000;

export class PwaState {
  #needRefresh = $state(false);
  #offlineReady = $state(false);
  #update: ((reload?: boolean) => Promise<void>) | undefined;

  get needRefresh(): boolean {
    return this.#needRefresh;
  }
  get offlineReady(): boolean {
    return this.#offlineReady;
  }

  async register(): Promise<void> {
    if (!browser || !('serviceWorker' in navigator)) {
      return;
    }
    const { registerSW } = await import('virtual:pwa-register');
    this.#update = registerSW({
      immediate: true,
      onNeedRefresh: () => {
        this.#needRefresh = true;
      },
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

  dismiss(): void {
    this.#needRefresh = false;
    this.#offlineReady = false;
  }
}

export const pwa = new PwaState();
