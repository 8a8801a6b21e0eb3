/**
 * The user's settings, kept in localStorage. Only choices live here: never a passphrase, a PIN
 * or anything derived from one.
 */
import { browser } from '$app/environment';

export type NetworkChoice =
  | { readonly kind: 'auto' }
  | { readonly kind: 'public' }
  | {
      readonly kind: 'custom';
      readonly bootstrap: readonly string[];
      readonly dhtProtocol: string;
    };

export type StunChoice =
  | { readonly kind: 'default' }
  | { readonly kind: 'off' }
  | { readonly kind: 'custom'; readonly urls: readonly string[] };

/**
 * How media travels: straight to each participant, or always through the network profile's
 * TURN server so that the others do not see our IP address (src/p2p/media-path.ts).
 */
export type MediaPathChoice = 'direct' | 'relay';

interface Stored {
  readonly version: 1;
  readonly network: NetworkChoice;
  readonly stun: StunChoice;
  /** Added after version 1 was out: an entry without it reads as `direct`. */
  readonly mediaPath?: MediaPathChoice;
}

/** Bumped when the stored shape changes; older values are dropped, not misread. */
const STORAGE_KEY = 'samen.settings.v1';

const DEFAULTS: Stored = {
  version: 1,
  network: { kind: 'auto' },
  stun: { kind: 'default' },
  mediaPath: 'direct'
};

export class Settings {
  #network = $state<NetworkChoice>(DEFAULTS.network);
  #stun = $state<StunChoice>(DEFAULTS.stun);
  #mediaPath = $state<MediaPathChoice>('direct');
  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined) {
    this.#storage = storage;
    const stored = this.#read();
    this.#network = stored.network;
    this.#stun = stored.stun;
    this.#mediaPath = stored.mediaPath === 'relay' ? 'relay' : 'direct';
  }

  get network(): NetworkChoice {
    return this.#network;
  }

  get stun(): StunChoice {
    return this.#stun;
  }

  get mediaPath(): MediaPathChoice {
    return this.#mediaPath;
  }

  save(next: { network: NetworkChoice; stun: StunChoice; mediaPath?: MediaPathChoice }): void {
    this.#network = next.network;
    this.#stun = next.stun;
    this.#mediaPath = next.mediaPath ?? this.#mediaPath;
    const value: Stored = {
      version: 1,
      network: next.network,
      stun: next.stun,
      mediaPath: this.#mediaPath
    };
    this.#storage?.setItem(STORAGE_KEY, JSON.stringify(value));
  }

  #read(): Stored {
    try {
      const value = JSON.parse(this.#storage?.getItem(STORAGE_KEY) ?? 'null') as Stored | null;
      if (value?.version === 1 && isNetworkChoice(value.network) && isStunChoice(value.stun)) {
        return value;
      }
    } catch {
      // A damaged entry is replaced by the defaults on the next save.
    }
    return DEFAULTS;
  }
}

function isNetworkChoice(value: unknown): value is NetworkChoice {
  const v = value as NetworkChoice | undefined;
  return (
    v?.kind === 'auto' ||
    v?.kind === 'public' ||
    (v?.kind === 'custom' &&
      Array.isArray(v.bootstrap) &&
      v.bootstrap.every((a) => typeof a === 'string') &&
      typeof v.dhtProtocol === 'string')
  );
}

function isStunChoice(value: unknown): value is StunChoice {
  const v = value as StunChoice | undefined;
  return (
    v?.kind === 'default' ||
    v?.kind === 'off' ||
    (v?.kind === 'custom' && Array.isArray(v.urls) && v.urls.every((u) => typeof u === 'string'))
  );
}

export const settings = new Settings(browser ? localStorage : undefined);
