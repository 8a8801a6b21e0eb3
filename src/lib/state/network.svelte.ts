/**
 * The network as the UI sees it: which profile is in use, and a call node that is started and
 * connected as soon as the app opens, so that Join does not wait for the network. Each call
 * takes the warm node (with its fresh peer ID) and a new one is warmed for the next call.
 */
import { asset } from '$app/paths';
// Types only: the libp2p stack is loaded with import() after the first render, so the start
// page paints without it (bundle budget: README, "Performance").
import type { NetworkProfile } from '$p2p/network.ts';
import type { CallNode } from '$p2p/node.ts';
// A few lines with no dependency beyond the error classes: fine in the start page.
import { hasTurnServer } from '$p2p/ice-servers.ts';
import { settings, type Settings, type StunChoice } from './settings.svelte.ts';

export type NetworkPhase = 'loading' | 'connecting' | 'connected' | 'unreachable';
export type ProfileSource = 'network.json' | 'public' | 'custom';

/** Waits between attempts to reach an unreachable network: quick at first, then patient. */
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export class NetworkState {
  #phase = $state<NetworkPhase>('loading');
  #connectedNodes = $state(0);
  #relayReady = $state(false);
  #profile = $state.raw<NetworkProfile | undefined>(undefined);
  #source = $state<ProfileSource | undefined>(undefined);
  #configError = $state<string | undefined>(undefined);
  #errorName = $state<string | undefined>(undefined);
  /** Relaying media needs a TURN server among the profile's ICE servers. */
  readonly #turnAvailable = $derived(hasTurnServer(this.#profile?.iceServers));

  readonly #settings: Settings;
  #node: CallNode | undefined;
  #controller: AbortController | undefined;

  constructor(userSettings: Settings) {
    this.#settings = userSettings;
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
  /** Why the host's network.json was not used, when it was malformed. */
  get configError(): string | undefined {
    return this.#configError;
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
    this.#profile = profile;
    const { createCallNode } = await import('$p2p/node.ts');

    for (let attempt = 0; !signal.aborted; attempt++) {
      this.#phase = 'connecting';
      try {
        const node = await createCallNode({
          network: profile,
          signal,
          iceTransportPolicy: this.#settings.iceTransportPolicy
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

  async #resolveProfile(signal: AbortSignal): Promise<NetworkProfile> {
    const { checkNetworkConfig, loadNetwork, PUBLIC_STUN_SERVERS, publicProfile } =
      await import('$p2p/network.ts');
    const choice = this.#settings.network;
    const iceServers = iceServersFor(this.#settings.stun, PUBLIC_STUN_SERVERS);
    this.#configError = undefined;
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
    const loaded = await loadNetwork({
      url: asset('/network.json'),
      signal,
      publicOptions: { iceServers }
    });
    this.#source = loaded.source;
    if ('error' in loaded) {
      this.#configError = loaded.error.message;
    }
    return loaded.profile;
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

export const network = new NetworkState(settings);
