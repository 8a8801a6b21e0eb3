/**
 * The user's settings, kept in localStorage. Only choices live here: never a passphrase, a PIN
 * or anything derived from one. The settings page edits them through {@link Settings.form} and
 * {@link Settings.submit}, which check what the user typed against the core's own rules.
 */
import { browser } from '$app/environment';
// Small and free of libp2p: safe in the start page's bundle. network-json.ts (multiaddr) is
// loaded with import() when a form is submitted.
import { AMINO_DHT_PROTOCOL } from '$p2p/constants.ts';
import { isIceServerUrl } from '$p2p/ice-servers.ts';
import { parseMediaPath, type MediaPath } from '$p2p/media-path.ts';

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
 * How media travels (src/p2p/media-path.ts): straight where it can and through the network
 * profile's TURN server where it cannot (`auto`), never relayed (`direct`), or always relayed so
 * that the others do not see our IP address (`relay`).
 */
export type MediaPathChoice = MediaPath;

/**
 * The settings page's form, as the user edits it: the text areas hold one address or URL per
 * line. {@link Settings.form} fills it from the saved choices.
 */
export interface SettingsForm {
  networkKind: NetworkChoice['kind'];
  bootstrapText: string;
  dhtProtocol: string;
  stunKind: StunChoice['kind'];
  stunText: string;
  mediaPath: MediaPathChoice;
}

/** Why a form was not saved, for the page to put in a sentence; `line` counts from 1. */
export type SettingsProblem =
  | { readonly kind: 'bootstrap-required' }
  | { readonly kind: 'invalid-address'; readonly line: number }
  | { readonly kind: 'invalid-stun'; readonly line: number };

interface Stored {
  readonly version: 1;
  readonly network: NetworkChoice;
  readonly stun: StunChoice;
  /**
   * Added after version 1 was out: an entry without it reads as `auto`. One that says `direct`
   * keeps it: it may have been chosen when that was the default, or on purpose.
   */
  readonly mediaPath?: MediaPathChoice;
}

/** Bumped when the stored shape changes; older values are dropped, not misread. */
const STORAGE_KEY = 'samen.settings.v1';

const DEFAULTS: Stored = {
  version: 1,
  network: { kind: 'auto' },
  stun: { kind: 'default' },
  mediaPath: 'auto'
};

export class Settings {
  #network = $state<NetworkChoice>(DEFAULTS.network);
  #stun = $state<StunChoice>(DEFAULTS.stun);
  #mediaPath = $state<MediaPathChoice>('auto');
  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined) {
    this.#storage = storage;
    const stored = this.#read();
    this.#network = stored.network;
    this.#stun = stored.stun;
    this.#mediaPath = parseMediaPath(stored.mediaPath);
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

  /** The saved choices as the settings form shows them. */
  get form(): SettingsForm {
    const network = this.#network;
    const stun = this.#stun;
    return {
      networkKind: network.kind,
      bootstrapText: network.kind === 'custom' ? network.bootstrap.join('\n') : '',
      dhtProtocol: network.kind === 'custom' ? network.dhtProtocol : AMINO_DHT_PROTOCOL,
      stunKind: stun.kind,
      stunText: stun.kind === 'custom' ? stun.urls.join('\n') : '',
      mediaPath: this.#mediaPath
    };
  }

  /**
   * Checks the settings form and saves it when it is right: every bootstrap line a multiaddr
   * ending in /p2p/<peer id>, every STUN line a stun: or turn: URL (the rules network.json
   * follows, src/p2p/network-json.ts and ice-servers.ts). Blank lines are skipped.
   *
   * @returns undefined when saved, else the first problem (and nothing is saved).
   */
  async submit(form: SettingsForm): Promise<SettingsProblem | undefined> {
    let network: NetworkChoice;
    if (form.networkKind === 'custom') {
      const addresses = lines(form.bootstrapText);
      if (addresses.length === 0) {
        return { kind: 'bootstrap-required' };
      }
      const { checkBootstrapAddress } = await import('$p2p/network-json.ts');
      for (const [i, address] of addresses.entries()) {
        try {
          checkBootstrapAddress(address, i);
        } catch {
          return { kind: 'invalid-address', line: i + 1 };
        }
      }
      network = { kind: 'custom', bootstrap: addresses, dhtProtocol: form.dhtProtocol.trim() };
    } else {
      network = { kind: form.networkKind };
    }
    let stun: StunChoice;
    if (form.stunKind === 'custom') {
      const urls = lines(form.stunText);
      const bad = urls.findIndex((url) => !isIceServerUrl(url));
      if (bad !== -1 || urls.length === 0) {
        return { kind: 'invalid-stun', line: bad === -1 ? 1 : bad + 1 };
      }
      stun = { kind: 'custom', urls };
    } else {
      stun = { kind: form.stunKind };
    }
    this.save({ network, stun, mediaPath: form.mediaPath });
    return undefined;
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

/** The non-blank lines of a text area, trimmed. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
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
