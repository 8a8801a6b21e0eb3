/**
 * The network as the UI sees it: which profile is in use, and a call node that is started and
 * connected as soon as the app opens, so that Join does not wait for the network. Each call
 * takes the warm node (with its fresh peer ID) and a new one is warmed for the next call.
 *
 * The host's network.json is asked for once per page load, never again when a call ends (that
 * would tell the host when each call ended). The last one that worked is remembered on this
 * device and used, with a sentence, when the host cannot give it; with none remembered the app
 * waits for the user to choose the public network (src/p2p/host-network.ts).
 */
import { browser } from '$app/environment';
import { asset } from '$app/paths';
// Types only: the libp2p stack is loaded with import() after the first render, so the start
// page paints without it (bundle budget: README, "Performance").
import { offersTurn } from '$p2p/ice-servers.ts';
import type { HostNetworkOutcome, HostNetworkProblem } from '$p2p/host-network.ts';
import type { NetworkProfile } from '$p2p/network.ts';
import type { CallNode, CallNodeInit } from '$p2p/node.ts';
// A few lines with no dependency beyond the error classes: fine in the start page.
import { settings, type Settings, type StunChoice } from './settings.svelte.ts';

/** `choose`: the host's network.json could not be used and none is remembered: see `usePublic`. */
export type NetworkPhase = 'loading' | 'connecting' | 'connected' | 'unreachable' | 'choose';
/** `remembered`: the host's network.json that last worked on this device. */
export type ProfileSource = 'network.json' | 'remembered' | 'public' | 'custom';

/**
 * What is done about a host's network.json that could not be used (`hostProblem` says why):
 * - `remembered`: the last one that worked on this device is in use;
 * - `ask`: none is remembered, so no network is in use until the user chooses (`usePublic`);
 * - `public`: the user chose the public network, for this page load.
 */
export type HostFallback = 'remembered' | 'ask' | 'public';

/** What the state needs from outside; the browser's own by default (tests give their own). */
export interface NetworkStateInit {
  /** Where the last host network.json that worked is remembered; none: nothing is. */
  readonly storage?: Storage;
  readonly fetch?: typeof globalThis.fetch;
  /** network.json's URL; beside the app by default. */
  readonly networkJsonUrl?: string;
  readonly createNode?: (init: CallNodeInit) => Promise<CallNode>;
}

/** Waits between attempts to reach an unreachable network: quick at first, then patient. */
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export class NetworkState {
  #phase = $state<NetworkPhase>('loading');
  #connectedNodes = $state(0);
  #relayReady = $state(false);
  #profile = $state.raw<NetworkProfile | undefined>(undefined);
  #source = $state<ProfileSource | undefined>(undefined);
  #hostProblem = $state.raw<HostNetworkProblem | undefined>(undefined);
  #hostFallback = $state<HostFallback | undefined>(undefined);
  #errorName = $state<string | undefined>(undefined);
  /** Relaying media needs a TURN server among the profile's ICE servers. */
  readonly #turnAvailable = $derived(this.#profile !== undefined && offersTurn(this.#profile));

  readonly #settings: Settings;
  readonly #init: NetworkStateInit;
  #node: CallNode | undefined;
  #controller: AbortController | undefined;
  /** The host's answer for network.json: asked for once, kept for the page load. */
  #hostOutcome: Promise<HostNetworkOutcome> | undefined;
  /** The user chose the public network after the host's network.json failed (this page load). */
  #publicChosen = false;

  constructor(userSettings: Settings, init: NetworkStateInit = {}) {
    this.#settings = userSettings;
    this.#init = init;
  }

  get phase(): NetworkPhase {
    return this.#phase;
  }
  get connectedNodes(): number {
    return this.#connectedNodes;
  }
  get relayReady(): boolean {
    return this.#relayReady;
  }
  get profile(): NetworkProfile | undefined {
    return this.#profile;
  }
  get source(): ProfileSource | undefined {
    return this.#source;
  }
  /** Whether the profile in use offers a TURN server, so that "always relay" can connect. */
  get turnAvailable(): boolean {
    return this.#turnAvailable;
  }
  /** Why the host's network.json is not in use, when it could not be. */
  get hostProblem(): HostNetworkProblem | undefined {
    return this.#hostProblem;
  }
  /** What is in use instead of the host's network.json, when it could not be. */
  get hostFallback(): HostFallback | undefined {
    return this.#hostFallback;
  }

  /**
   * The user's choice when the host's network.json could not be used: the public network, for
   * this page load (the next load asks the host again).
   */
  usePublic(): void {
    this.#publicChosen = true;
    this.start();
  }

  /**
   * Asks the host for its network.json again, at the user's request (the page's Try again),
   * when it could not be used. A network.json that loaded is kept for the page load.
   */
  async retryHost(): Promise<void> {
    const outcome = await this.#hostOutcome?.catch(() => undefined);
    if (outcome?.kind !== 'loaded') {
      this.#hostOutcome = undefined;
    }
    this.start();
  }
  /** The `name` of the last error, for the UI to translate. */
  get errorName(): string | undefined {
    return this.#errorName;
  }

  /** Loads the profile and warms a node. Safe to call again: it starts over. */
  start(): void {
    this.stop();
    const controller = new AbortController();
    this.#controller = controller;
    this.#run(controller.signal).catch((err: unknown) => {
      if (!controller.signal.aborted) {
        this.#errorName = (err as Error).name;
      }
    });
  }

  /** Stops the warm node and every attempt to connect. */
  stop(): void {
    this.#controller?.abort();
    this.#controller = undefined;
    const node = this.#node;
    this.#node = undefined;
    void node?.stop();
  }

  /**
   * Hands the warm node (and its fresh peer ID) to a call. Undefined when none is connected yet;
   * the call then makes its own. Nothing is warmed while the call runs: call `start()` again when
   * it ends, so the next call gets a new node and a new peer ID.
   */
  takeNode(): CallNode | undefined {
    const node = this.#phase === 'connected' ? this.#node : undefined;
    this.#controller?.abort();
    this.#controller = undefined;
    this.#node = undefined;
    if (node === undefined) {
      this.stop();
    }
    return node;
  }

  async #run(signal: AbortSignal): Promise<void> {
    this.#phase = 'loading';
    this.#relayReady = false;
    this.#connectedNodes = 0;
    const profile = await this.#resolveProfile(signal);
    if (signal.aborted) {
      return;
    }
    this.#profile = profile;
    if (profile === undefined) {
      // The host's network.json failed and nothing is remembered: the user chooses.
      this.#phase = 'choose';
      return;
    }
    const createCallNode = this.#init.createNode ?? (await import('$p2p/node.ts')).createCallNode;

    for (let attempt = 0; !signal.aborted; attempt++) {
      this.#phase = 'connecting';
      try {
        const node = await createCallNode({
          network: profile,
          signal,
          mediaPath: this.#settings.mediaPath
        });
        if (signal.aborted) {
          await node.stop();
          return;
        }
        this.#node = node;
        this.#errorName = undefined;
        this.#watch(node, signal);
        await this.#waitForRelay(node, signal);
        return;
      } catch (err) {
        if (signal.aborted) {
          return;
        }
        this.#phase = 'unreachable';
        this.#errorName = (err as Error).name;
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
        await sleep(delay ?? 30_000, signal);
      }
    }
  }

  #watch(node: CallNode, signal: AbortSignal): void {
    const update = () => {
      if (this.#node !== node) {
        return;
      }
      const status = node.status;
      this.#connectedNodes = status.connectedNodes;
      this.#relayReady = status.relayAddresses.length > 0;
      this.#phase = status.connectedNodes > 0 ? 'connected' : 'unreachable';
    };
    node.addEventListener('status', update, { signal });
    update();
  }

  async #waitForRelay(node: CallNode, signal: AbortSignal): Promise<void> {
    // A relay that will not keep a slot is reported, and waited for again: relays come back.
    while (!signal.aborted) {
      try {
        await node.waitForRelay({ signal });
        this.#errorName = undefined;
        return;
      } catch (err) {
        if (signal.aborted) {
          return;
        }
        this.#errorName = (err as Error).name;
      }
    }
  }

  async #resolveProfile(signal: AbortSignal): Promise<NetworkProfile | undefined> {
    const { checkNetworkConfig, PUBLIC_STUN_SERVERS, publicProfile } =
      await import('$p2p/network.ts');
    const choice = this.#settings.network;
    const iceServers = iceServersFor(this.#settings.stun, PUBLIC_STUN_SERVERS);
    this.#hostProblem = undefined;
    this.#hostFallback = undefined;
    if (choice.kind === 'custom') {
      this.#source = 'custom';
      return checkNetworkConfig(
        {
          name: 'custom',
          bootstrap: choice.bootstrap,
          dhtProtocol: choice.dhtProtocol,
          iceServers
        },
        'custom'
      );
    }
    if (choice.kind === 'public') {
      this.#source = 'public';
      return publicProfile({ iceServers });
    }
    const { decideHostNetwork, recallNetwork, REMEMBERED_NETWORK_KEY } =
      await import('$p2p/host-network.ts');
    const outcome = await abortable(this.#askHost(), signal);
    const decision = decideHostNetwork(outcome, {
      remembered: recallNetwork(readItem(this.#init.storage, REMEMBERED_NETWORK_KEY)),
      publicChosen: this.#publicChosen
    });
    switch (decision.use) {
      case 'host':
        this.#source = 'network.json';
        return decision.profile;
      case 'remembered':
        this.#hostProblem = decision.problem;
        this.#hostFallback = 'remembered';
        this.#source = 'remembered';
        return decision.profile;
      case 'public':
        this.#hostProblem = decision.problem;
        this.#hostFallback = decision.problem === undefined ? undefined : 'public';
        this.#source = 'public';
        return publicProfile({ iceServers });
      case 'ask':
        this.#hostProblem = decision.problem;
        this.#hostFallback = 'ask';
        this.#source = undefined;
        return undefined;
    }
  }

  /**
   * The host's network.json, asked for the first time only: not tied to one attempt's signal.
   * One that loads is remembered then, once: not at every start, which would write it back after
   * the privacy page's Erase.
   */
  #askHost(): Promise<HostNetworkOutcome> {
    this.#hostOutcome ??= import('$p2p/host-network.ts')
      .then(async ({ fetchNetworkJson, rememberNetwork, REMEMBERED_NETWORK_KEY }) => {
        const outcome = await fetchNetworkJson({
          url: this.#init.networkJsonUrl ?? asset('/network.json'),
          fetch: this.#init.fetch
        });
        if (outcome.kind === 'loaded') {
          writeItem(this.#init.storage, REMEMBERED_NETWORK_KEY, rememberNetwork(outcome.profile));
        }
        return outcome;
      })
      .catch((err: unknown) => {
        // No answer of the host (the module did not load): ask again on the next start.
        this.#hostOutcome = undefined;
        throw err;
      });
    return this.#hostOutcome;
  }
}

function iceServersFor(choice: StunChoice, publicServers: readonly RTCIceServer[]): RTCIceServer[] {
  switch (choice.kind) {
    case 'default':
      return [...publicServers];
    case 'off':
      return [];
    case 'custom':
      return [{ urls: [...choice.urls] }];
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true }
    );
  });
}

/** Settles as `promise` does, or rejects with the signal's reason once it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function readItem(storage: Storage | undefined, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    // Storage refused (a browser setting): as if nothing were remembered.
    return null;
  }
}

function writeItem(storage: Storage | undefined, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // Storage full or refused: nothing is remembered, and the app still works.
  }
}

export const network = new NetworkState(settings, {
  storage: browser ? localStorage : undefined
});
