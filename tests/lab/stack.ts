/**
 * The Samen side of the lab: the local stack (Samen nodes and the static app server serving
 * network.json) running inside the wan on {@link APP_ADDRESS}, so that browsers in homes reach
 * it through their routers as they would reach a self-hosted Samen network.
 */
import { fileURLToPath } from 'node:url';
import { buildIfNeeded } from '../../scripts/local-stack.ts';
import { APP_ADDRESS } from './constants.ts';
import { LabProcessError } from './errors.ts';
import type { Lab } from './lab.ts';
import type { LabProcess } from './process.ts';

const WAN_STACK = fileURLToPath(new URL('./wan-stack.ts', import.meta.url));
const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The app server's port: 80, so that a `udp-blocked` home (TCP to 80 and 443 only) can load
 * the app too.
 */
export const APP_PORT = 80;
/** Samen nodes in the wan: what the e2e tests use on loopback. */
export const DEFAULT_WAN_NODES = 3;

/**
 * The first node's WebSockets port: 443, where an operator's TLS proxy would put it, so that a
 * `udp-blocked` home (TCP to 80 and 443 only) reaches the network too. The others listen on
 * random ports, as on any machine without a proxy.
 */
export const WEB_PORT_NODE_WS = 443;

export interface WanStackOptions {
  readonly nodes?: number;
  readonly port?: number;
  /** network.json's `iceServers`: e.g. `coturn.iceServers({ turn: false })` for STUN only. */
  readonly iceServers?: readonly RTCIceServer[];
  /**
   * A TURN server whose credentials the Samen nodes hand out (`coturn.forNodes()`): its URLs in
   * network.json's `turnFromNodes`, its secret given to the nodes.
   */
  readonly turn?: { readonly urls: readonly string[]; readonly secret: string };
  /** Serve the app from here instead of build/ (see scripts/local-stack.ts). */
  readonly buildDir?: string;
  readonly signal?: AbortSignal;
}

export interface WanStack {
  /** The app's URL, e.g. http://192.0.2.10/ */
  readonly url: string;
  /** What /network.json serves. */
  readonly networkJson: {
    name: string;
    bootstrap: string[];
    dhtProtocol: string;
    iceServers: RTCIceServer[];
    turnFromNodes?: string[];
  };
  stop(): Promise<void>;
}

/**
 * Builds the app if needed (here, outside the lab), then starts the stack in the wan.
 *
 * @example
 * const stack = await startWanStack(lab, { iceServers: coturn.iceServers({ turn: false }) })
 */
export async function startWanStack(lab: Lab, options: WanStackOptions = {}): Promise<WanStack> {
  buildIfNeeded((message) => lab.log(message));
  const args = {
    host: APP_ADDRESS,
    port: options.port ?? APP_PORT,
    nodes: options.nodes ?? DEFAULT_WAN_NODES,
    iceServers: options.iceServers,
    turn: options.turn,
    buildDir: options.buildDir,
    firstNodeListen: [
      `/ip4/${APP_ADDRESS}/tcp/0`,
      `/ip4/${APP_ADDRESS}/tcp/${WEB_PORT_NODE_WS}/ws`,
      `/ip4/${APP_ADDRESS}/udp/0/webrtc-direct`
    ]
  };
  const child: LabProcess = lab.wan.spawn(process.execPath, [WAN_STACK, JSON.stringify(args)], {
    name: 'wan stack',
    stdin: true,
    cwd: REPOSITORY
  });
  const ready = await child.nextMessage<{ ready?: boolean } & Omit<WanStack, 'stop'>>({
    signal: options.signal
  });
  if (ready.ready !== true) {
    throw new LabProcessError(`wan stack did not start: ${JSON.stringify(ready)}`);
  }
  lab.log(
    `Samen stack up: app ${ready.url}, ${ready.networkJson.bootstrap.length} nodes, ` +
      `${ready.networkJson.iceServers.length} ICE server entries`
  );
  return { url: ready.url, networkJson: ready.networkJson, stop: () => child.stop() };
}
