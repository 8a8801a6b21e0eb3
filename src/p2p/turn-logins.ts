/**
 * The call node's TURN credentials, where the network's nodes hand them out (network.json's
 * `turnFromNodes`, protocols/turn): asked of a connected node of the network when first needed
 * and again shortly before they expire, and added to the profile's ICE servers.
 */
import type { Libp2p, Logger } from '@libp2p/interface';
import type { NetworkProfile } from './network.ts';
import { requestTurnCredentials, type TurnLogin } from './protocols/turn/index.ts';

/** Credentials are asked for again when they have less than this left. */
export const TURN_RENEW_BEFORE_S = 15 * 60;

/** After no node gave credentials, none is asked again for this long. */
export const TURN_RETRY_AFTER_MS = 60_000;

/**
 * @example
 * const turn = new TurnLogins(libp2p, profile, bootstrapPeerIds, log)
 * await turn.refresh()
 * new RTCPeerConnection({ iceServers: turn.iceServers() })
 */
export class TurnLogins {
  readonly #libp2p: Pick<Libp2p, 'getConnections'>;
  readonly #network: NetworkProfile;
  readonly #nodes: ReadonlySet<string>;
  readonly #log: Logger;
  #login: TurnLogin | undefined;
  /** The request under way, shared by everyone who asks meanwhile. */
  #pending: Promise<void> | undefined;
  /** When the last round of requests got nothing (TURN_RETRY_AFTER_MS). */
  #failedAt = -Infinity;

  constructor(
    libp2p: Pick<Libp2p, 'getConnections'>,
    network: NetworkProfile,
    nodes: ReadonlySet<string>,
    log: Logger
  ) {
    this.#libp2p = libp2p;
    this.#network = network;
    this.#nodes = nodes;
    this.#log = log;
  }

  /**
   * The profile's ICE servers, with the TURN server of `turnFromNodes` once we have a login (a
   * login about to expire is renewed meanwhile, for the next caller).
   */
  iceServers(nowSeconds = Math.floor(Date.now() / 1000)): RTCIceServer[] {
    const login = this.#login;
    const urls = this.#network.turnFromNodes ?? [];
    if (urls.length > 0 && (login?.expiresAt ?? 0) - nowSeconds <= TURN_RENEW_BEFORE_S) {
      void this.refresh(nowSeconds);
    }
    if (login === undefined || urls.length === 0 || login.expiresAt <= nowSeconds) {
      return [...this.#network.iceServers];
    }
    const { username, credential } = login;
    return [...this.#network.iceServers, { urls: [...urls], username, credential }];
  }

  /**
   * Makes sure of a login that is not about to expire, if the network offers one: asks each
   * connected node of the network in turn until one answers. Never throws: without a login,
   * connections go without TURN (and the call says so when nothing else connects).
   */
  async refresh(nowSeconds = Math.floor(Date.now() / 1000)): Promise<void> {
    if ((this.#network.turnFromNodes ?? []).length === 0) {
      return;
    }
    if (this.#login !== undefined && this.#login.expiresAt - nowSeconds > TURN_RENEW_BEFORE_S) {
      return;
    }
    if (Date.now() - this.#failedAt < TURN_RETRY_AFTER_MS) {
      return;
    }
    this.#pending ??= this.#ask().finally(() => (this.#pending = undefined));
    await this.#pending;
  }

  async #ask(): Promise<void> {
    const connections = this.#libp2p
      .getConnections()
      .filter((c) => c.status === 'open' && this.#nodes.has(c.remotePeer.toString()));
    if (connections.length === 0) {
      return; // Not connected yet: nobody to ask, and nothing learnt.
    }
    for (const connection of connections) {
      try {
        this.#login = await requestTurnCredentials(connection);
        return;
      } catch (err) {
        this.#log('no TURN credentials from %p: %s', connection.remotePeer, (err as Error).message);
      }
    }
    this.#failedAt = Date.now();
  }
}
