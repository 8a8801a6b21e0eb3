/**
 * What Samen keeps on this device, and erasing it (the privacy page's button): its entries in
 * localStorage (settings, microphone and camera choices, the language), the service worker's
 * caches of the app's files, and the service worker itself. Never a passphrase, a PIN, a chat or
 * a call history: none of those is ever stored.
 */
import { LOCALE_STORAGE_KEY } from '$lib/i18n/locale.ts';

/** Samen's own localStorage keys start with this (settings.svelte.ts, media.svelte.ts). */
export const STORAGE_PREFIX = 'samen.';

/** Workbox names its caches with this prefix (workbox-core cacheNames). */
export const CACHE_PREFIX = 'workbox-';

export type EraseState = 'idle' | 'erasing' | 'erased' | 'failed';

export interface DeviceDataInit {
  readonly storage: Storage | undefined;
  readonly caches: CacheStorage | undefined;
  readonly serviceWorker: ServiceWorkerContainer | undefined;
}

export class DeviceData {
  #state = $state<EraseState>('idle');
  readonly #init: DeviceDataInit;

  constructor(init: DeviceDataInit) {
    this.#init = init;
  }

  get state(): EraseState {
    return this.#state;
  }

  /** The localStorage keys Samen uses now on this device. */
  storedKeys(): string[] {
    const storage = this.#init.storage;
    if (storage === undefined) {
      return [];
    }
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key !== null && (key.startsWith(STORAGE_PREFIX) || key === LOCALE_STORAGE_KEY)) {
        keys.push(key);
      }
    }
    return keys.sort();
  }

  /**
   * Removes Samen's localStorage entries and caches and unregisters its service worker. The page
   * keeps working until it is closed; the next load starts as on a new device.
   */
  async erase(): Promise<void> {
    this.#state = 'erasing';
    try {
      for (const key of this.storedKeys()) {
        this.#init.storage?.removeItem(key);
      }
      // The service worker first: it would otherwise fill its cache again.
      const registrations = (await this.#init.serviceWorker?.getRegistrations()) ?? [];
      await Promise.all(registrations.map((registration) => registration.unregister()));
      const caches = this.#init.caches;
      if (caches !== undefined) {
        const names = (await caches.keys()).filter((name) => name.startsWith(CACHE_PREFIX));
        await Promise.all(names.map((name) => caches.delete(name)));
      }
      this.#state = 'erased';
    } catch {
      this.#state = 'failed';
    }
  }
}

export const deviceData = new DeviceData({
  storage: typeof localStorage === 'undefined' ? undefined : localStorage,
  caches: typeof caches === 'undefined' ? undefined : caches,
  serviceWorker: typeof navigator === 'undefined' ? undefined : navigator.serviceWorker
});
