/**
 * The libp2p node of one call, in the browser and in Node (for tests): WebRTC, WebRTC-direct
 * and WebSockets transports, circuit-relay reservations, Noise, yamux, identify, ping and a
 * Kademlia DHT client. A fresh Ed25519 key per call: nothing links two calls.
 *
 * Two safeguards live here rather than in each protocol, so no code path can forget them:
 * - the connection gater never dials a peer's WebRTC address unless that peer is admitted
 *   (a WebRTC dial sends our ICE candidates, i.e. our IP addresses);
 * - the WebRTC signalling protocol is refused to peers that are not admitted, so a peer that
 *   does not know the passphrase never learns our ICE candidates either.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify, type Identify } from '@libp2p/identify';
import type {
  AbortOptions,
  ConnectionGater,
  Libp2p,
  PeerId,
  PeerInfo,
  PrivateKey,
  Stream,
  Connection
} from '@libp2p/interface';
import { KEEP_ALIVE } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { kadDHT, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht';
import { noise } from '@libp2p/noise';
import { ping, type Ping } from '@libp2p/ping';
import { isPrivate } from '@libp2p/utils';
import { webRTC, webRTCDirect } from '@libp2p/webrtc';
import { webSockets } from '@libp2p/websockets';
import { yamux } from '@libp2p/yamux';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { Circuit, WebRTC, WebSockets } from '@multiformats/multiaddr-matcher';
import { createLibp2p } from 'libp2p';
import { CustomProgressEvent, type ProgressEvent } from 'progress-events';
import {
  ADMITTED_ONLY_PROTOCOLS,
  BOOTSTRAP_DIAL_TIMEOUT_MS,
  CALL_NODE_AGENT,
  CALL_NODE_MAX_CONNECTIONS,
  CONNECTION_PING_INTERVAL_MS,
  CONNECTION_PING_TIMEOUT_MS,
  DHT_INITIAL_SELF_QUERY_INTERVAL_MS,
  PING_MAX_OUTBOUND_STREAMS,
  RELAY_RESERVATION_TIMEOUT_MS
} from './constants.ts';
import { PeerAdmissions } from './admissions.ts';
import { Emitter } from './events.ts';
import { AbortedError, NetworkUnreachableError, NoRelayError, NotAdmittedError } from './errors.ts';
import { iceConfigFor, type MediaPath } from './media-path.ts';
import { TurnLogins } from './turn-logins.ts';
import type { NetworkProfile } from './network.ts';

/** The tag kad-dht gives the closest peers it has pinged (its KEEP_ALIVE_TAG, not exported). */
export const KAD_KEEP_ALIVE_TAG = `${KEEP_ALIVE}-kad-dht`;

export type CallLibp2p = Libp2p<{ identify: Identify; ping: Ping; dht: KadDHT }>;

export type NodeProgressEvents =
  | ProgressEvent<'samen:node:started', PeerId>
  | ProgressEvent<'samen:node:bootstrap-connected', number>
  | ProgressEvent<'samen:node:relay-reserved', Multiaddr>;

export interface CallNodeInit extends AbortOptions {
  readonly network: NetworkProfile;
  /** A key for this call; a fresh Ed25519 key by default. */
  readonly privateKey?: PrivateKey;
  /**
   * Node only (node-datachannel): the address WebRTC binds to. node-datachannel gathers no
   * loopback candidates unless this is 127.0.0.1 (LIBP2P-NOTES.md).
   */
  readonly rtcBindAddress?: string;
  /**
   * The direct libp2p connection to other participants takes the same path as the media
   * (media-path.ts; `auto` by default): under `relay` it would otherwise still show them our
   * address, and under `direct` still go through TURN. Connections to the network's own nodes
   * are unaffected.
   */
  readonly mediaPath?: MediaPath;
  /**
   * Benchmarks only: on a local/custom network, dial private and `ws:` addresses of any peer,
   * not only those of the bootstrap list (see callConnectionGater). The app never sets it.
   */
  readonly anyPrivateAddress?: boolean;
  onProgress?(event: NodeProgressEvents): void;
}

export interface NetworkStatus {
  /** How many of the profile's bootstrap nodes we are connected to now. */
  readonly connectedNodes: number;
  /** Our relayed (/p2p-circuit) addresses: how other participants reach us. */
  readonly relayAddresses: readonly string[];
}

/**
 * The node of one call, started and connected to its network.
 *
 * @example
 * const node = await createCallNode({ network: profile, signal })
 * await node.waitForRelay({ signal })
 * // … rendezvous, admission, the call …
 * await node.stop()
 */
export interface CallNodeEvents {
  /** Its connections or addresses changed: read `status` again. */
  status: CustomEvent<undefined>;
}

export class CallNode extends Emitter<CallNodeEvents> {
  readonly libp2p: CallLibp2p;
  readonly network: NetworkProfile;
  /** The peers of this call that proved the passphrase: the only ones that learn our IP. */
  readonly admissions: PeerAdmissions;
  /** The path of its WebRTC connections to participants (CallNodeInit). */
  readonly mediaPath: MediaPath;
  /** TURN credentials from the network's nodes, where it offers them (turn-logins.ts). */
  readonly turn: TurnLogins;
  readonly #bootstrapPeers: ReadonlySet<string>;
  #stopped = false;

  constructor(
    libp2p: CallLibp2p,
    network: NetworkProfile,
    admissions: PeerAdmissions,
    mediaPath: MediaPath = 'auto'
  ) {
    super();
    this.libp2p = libp2p;
    this.network = network;
    this.admissions = admissions;
    this.mediaPath = mediaPath;
    this.#bootstrapPeers = new Set(network.bootstrap.map((address) => peerIdOf(address)));
    this.turn = new TurnLogins(
      libp2p,
      network,
      this.#bootstrapPeers,
      libp2p.logger.forComponent('samen:node:turn')
    );
    const changed = () => this.emit('status', undefined);
    libp2p.addEventListener('connection:open', changed);
    libp2p.addEventListener('connection:close', changed);
    libp2p.addEventListener('self:peer:update', changed);
  }

  get peerId(): PeerId {
    return this.libp2p.peerId;
  }

  get status(): NetworkStatus {
    const nodes = new Set(
      this.libp2p
        .getConnections()
        .filter((c) => c.status === 'open' && this.#bootstrapPeers.has(c.remotePeer.toString()))
        .map((c) => c.remotePeer.toString())
    );
    return { connectedNodes: nodes.size, relayAddresses: this.relayAddresses().map(String) };
  }

  /**
   * Whether we dial someone through this relay (its peer ID): one of the profile's own nodes,
   * or one that holds our reservation. A provider record or a roster names whatever relay it
   * likes, and the relay sees the IP of whoever dials through it: planted records must not
   * make every joiner dial an attacker's relay (SECURITY.md).
   */
  isTrustedRelay(relay: string): boolean {
    return (
      this.#bootstrapPeers.has(relay) || this.relayAddresses().some((ma) => relayOf(ma) === relay)
    );
  }

  /** Our /p2p-circuit addresses: one per relay that holds a reservation for us. */
  relayAddresses(): Multiaddr[] {
    return this.libp2p.getMultiaddrs().filter((ma) => Circuit.matches(ma));
  }

  /**
   * Resolves with our relayed addresses once at least one relay holds a reservation for us.
   *
   * @throws {NoRelayError} when none did within {@link RELAY_RESERVATION_TIMEOUT_MS}.
   */
  async waitForRelay(options: AbortOptions = {}): Promise<Multiaddr[]> {
    const timeout = AbortSignal.timeout(RELAY_RESERVATION_TIMEOUT_MS);
    const signal = anySignal(options.signal, timeout);
    while (true) {
      const addresses = this.relayAddresses();
      if (addresses.length > 0) {
        return addresses;
      }
      try {
        await nextEvent(this.libp2p, 'self:peer:update', signal);
      } catch (err) {
        options.signal?.throwIfAborted();
        if (timeout.aborted) {
          throw new NoRelayError('no relay accepted a reservation');
        }
        throw err;
      }
    }
  }

  /** Stops the node: every connection, stream, reservation and DHT query ends. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) {
      return;
    }
    this.#stopped = true;
    await this.libp2p.stop();
  }
}

/**
 * Creates the node for one call, starts it and connects it to the profile's bootstrap nodes.
 * Resolves once at least one bootstrap node is connected; the others keep connecting.
 *
 * @throws {NetworkUnreachableError} when no bootstrap node could be reached.
 * @throws {AbortedError} when `signal` aborts first.
 */
export async function createCallNode(init: CallNodeInit): Promise<CallNode> {
  init.signal?.throwIfAborted();
  const { network } = init;
  const admissions = new PeerAdmissions();
  const rtcConfiguration = {
    iceServers: [...network.iceServers],
    ...(init.rtcBindAddress === undefined ? {} : { bindAddress: init.rtcBindAddress })
  } as RTCConfiguration;
  // WebRTC-direct dials the network's own nodes at their public address: ICE needs no STUN for
  // that, and with the profile's (or @libp2p/webrtc's default four public) STUN servers every
  // start would show the user's IP to their operators before any call. Empty, not left out.
  const directConfiguration = { ...rtcConfiguration, iceServers: [] } as RTCConfiguration;

  // The WebRTC transport's configuration is read from the node, which exists only afterwards.
  const late: { node?: CallNode } = {};
  const libp2p: CallLibp2p = await createLibp2p({
    privateKey: init.privateKey ?? (await generateKeyPair('Ed25519')),
    addresses: {
      // '/p2p-circuit' asks a relay for a reservation; '/webrtc' makes us reachable by WebRTC
      // through it (browsers cannot listen on anything else).
      listen: ['/p2p-circuit', '/webrtc']
    },
    transports: [
      webSockets(),
      webRTCDirect({ rtcConfiguration: directConfiguration }),
      webRTC({
        // Asked for each connection: TURN credentials from the network's nodes expire.
        rtcConfiguration: async () => {
          await late.node?.turn.refresh();
          const iceServers = late.node?.turn.iceServers() ?? network.iceServers;
          return {
            ...rtcConfiguration,
            ...iceConfigFor(iceServers, init.mediaPath)
          } as RTCConfiguration;
        }
      }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: callConnectionGater(network, admissions, {
      anyPrivateAddress: init.anyPrivateAddress
    }),
    connectionManager: { maxConnections: CALL_NODE_MAX_CONNECTIONS },
    connectionMonitor: {
      pingInterval: CONNECTION_PING_INTERVAL_MS,
      // libp2p adapts the timeout to recent pings; here it is fixed (see the constants).
      pingTimeout: {
        minTimeout: CONNECTION_PING_TIMEOUT_MS,
        maxTimeout: CONNECTION_PING_TIMEOUT_MS
      }
    },
    // What identify tells the network's nodes: by default the browser's full user agent.
    nodeInfo: { userAgent: CALL_NODE_AGENT },
    services: {
      // Not on a relayed (limited) connection: its peer has proved nothing yet, and identify
      // would tell it our agent string, addresses and protocols. Admission runs there on its
      // own. Ping must stay: libp2p's connection monitor pings every connection, relayed ones
      // included, and aborts one whose ping is refused (only an unknown protocol counts as
      // alive): refusing it cut relayed connections within a heartbeat (10 s), admissions with
      // them. A ping echoes 32 random bytes: nothing the open connection does not show.
      identify: identify({ runOnLimitedConnection: false }),
      ping: ping({ maxOutboundStreams: PING_MAX_OUTBOUND_STREAMS }),
      dht: kadDHT({
        protocol: network.dhtProtocol,
        clientMode: true,
        initialQuerySelfInterval: DHT_INITIAL_SELF_QUERY_INTERVAL_MS,
        peerInfoMapper: callPeerInfoMapper(network)
      })
    }
  });

  // kad-dht tags the closest peers it has pinged "keep-alive", so that libp2p redials them at
  // once when they disconnect. The other participants are among those peers (the DHT pings
  // them over the direct connection), and that redial is the quickest way back after a short
  // cut: it reaches the participant directly while it is still admitted. But when both sides
  // redialled each other through the same relay at once, the crossing relayed connections share
  // a remote address and libp2p aborted both ("Remote closed connection during opening"), every
  // time, and the mesh's own dials joined those and failed with them (tests/e2e/recovery.test.ts).
  // So only one side keeps the tag: the lower peer ID, the side that redials in the mesh too.
  libp2p.addEventListener('peer:update', ({ detail: { peer } }) => {
    if (peer.tags.has(KAD_KEEP_ALIVE_TAG) && libp2p.peerId.toString() > peer.id.toString()) {
      libp2p.peerStore
        .merge(peer.id, { tags: { [KAD_KEEP_ALIVE_TAG]: undefined } })
        .catch((err: unknown) =>
          libp2p.logger
            .forComponent('samen:node')
            .error('keep-alive tag of %p kept: %e', peer.id, err)
        );
    }
  });

  for (const protocol of ADMITTED_ONLY_PROTOCOLS) {
    // Both directions: we neither answer nor open these with a peer that is not admitted.
    // Throwing makes libp2p abort the stream (and reject newStream on our side).
    libp2p.use(protocol, async (stream: Stream, connection: Connection, next) => {
      if (admissions.isAdmitted(connection.remotePeer)) {
        next(stream, connection);
        return;
      }
      if (stream.direction === 'inbound') {
        admissions.refused(connection.remotePeer, protocol);
      }
      throw new NotAdmittedError(`${protocol} is for admitted peers only`);
    });
  }

  const node = new CallNode(libp2p, network, admissions, init.mediaPath);
  late.node = node;
  init.onProgress?.(new CustomProgressEvent('samen:node:started', libp2p.peerId));
  try {
    await connectToBootstrap(libp2p, network, init.signal);
    init.onProgress?.(
      new CustomProgressEvent('samen:node:bootstrap-connected', node.status.connectedNodes)
    );
  } catch (err) {
    await node.stop();
    throw err;
  }
  return node;
}

/**
 * The connection gater of a call node.
 * - WebRTC (private-to-private) addresses are dialled only for admitted peers.
 * - Everywhere else libp2p's browser safeguards hold: no private or loopback addresses and no
 *   insecure WebSockets. The one exception is the local/custom profile's own bootstrap list: an
 *   address of it, or a circuit address through one of them (its relay part), may be private
 *   or `ws:`. A stranger's record (a DHT answer, a provider record, a roster) cannot make the
 *   browser dial into the user's LAN, even by naming a bootstrap node's peer ID: it is the
 *   address that must be on the list, not the ID.
 *
 * `anyPrivateAddress` drops that restriction for a test network of more nodes than it
 * bootstraps from (bench:dht, on loopback); the app never sets it.
 */
export function callConnectionGater(
  network: NetworkProfile,
  admissions: Pick<PeerAdmissions, 'isAdmitted'>,
  options: { readonly anyPrivateAddress?: boolean } = {}
): ConnectionGater {
  const ownNodes = new Set(network.bootstrap.map((address) => transportOf(multiaddr(address))));
  return {
    denyDialMultiaddr(ma: Multiaddr): boolean {
      if (WebRTC.matches(ma)) {
        const peer = lastPeerId(ma);
        return peer === undefined || !admissions.isAdmitted(peer);
      }
      if (
        network.allowPrivateAddresses &&
        (options.anyPrivateAddress === true || ownNodes.has(transportOf(ma)))
      ) {
        return false;
      }
      return WebSockets.matches(ma) || isPrivate(ma);
    }
  };
}

/**
 * The part of an address that says which host and port is contacted: a circuit address's relay
 * part, without peer IDs. `/ip4/10.0.0.2/tcp/4002/ws/p2p/R/p2p-circuit/p2p/P` → `/ip4/10.0.0.2/tcp/4002/ws`.
 */
function transportOf(ma: Multiaddr): string {
  const components = ma.getComponents();
  const circuitAt = components.findIndex((c) => c.name === 'p2p-circuit');
  const head = circuitAt === -1 ? components : components.slice(0, circuitAt);
  return multiaddr(head.filter((c) => c.name !== 'p2p')).toString();
}

/**
 * What the DHT client keeps of the peers it hears about. Relayed addresses are dropped: the
 * DHT would otherwise dial other participants through relays just to ping them
 * (LIBP2P-NOTES.md); `findProviders` results do not pass through this mapper, so rendezvous
 * still sees them. The public profile also drops private addresses.
 */
export function callPeerInfoMapper(network: NetworkProfile): (peer: PeerInfo) => PeerInfo {
  return (peer) => {
    const mapped = network.allowPrivateAddresses ? peer : removePrivateAddressesMapper(peer);
    return { ...mapped, multiaddrs: mapped.multiaddrs.filter((ma) => !Circuit.matches(ma)) };
  };
}

async function connectToBootstrap(
  libp2p: CallLibp2p,
  network: NetworkProfile,
  signal?: AbortSignal
): Promise<void> {
  // The dials are bounded by their own timeout, not by `signal`: once the node is handed on
  // (to a call), the dials still under way should finish, not be cut off.
  const attempts = network.bootstrap.map(async (address) => {
    const connection = await libp2p.dial(multiaddr(address), {
      signal: AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS)
    });
    // libp2p redials peers tagged keep-alive when their connection drops.
    await libp2p.peerStore.merge(connection.remotePeer, { tags: { [KEEP_ALIVE]: {} } });
    return connection;
  });
  // The first answer is enough to go on; the others keep connecting in the background.
  const first = Promise.any(attempts);
  first.catch(() => {});
  try {
    await (signal === undefined ? first : raceAbort(first, signal));
  } catch {
    signal?.throwIfAborted();
    throw new NetworkUnreachableError(
      `none of ${network.bootstrap.length} bootstrap nodes answered`
    );
  }
}

/** Settles as `promise` does, or rejects with the signal's reason when it aborts first. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      }
    );
  });
}

/** The relay's peer ID in a /p2p-circuit address (the /p2p before /p2p-circuit). */
export function relayOf(ma: Multiaddr): string | undefined {
  const components = ma.getComponents();
  const circuitAt = components.findIndex((c) => c.name === 'p2p-circuit');
  return components.slice(0, Math.max(circuitAt, 0)).findLast((c) => c.name === 'p2p')?.value;
}

function peerIdOf(address: string): string {
  return (
    multiaddr(address)
      .getComponents()
      .findLast((c) => c.name === 'p2p')?.value ?? ''
  );
}

function lastPeerId(ma: Multiaddr): PeerId | undefined {
  const value = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
  return value === undefined ? undefined : peerIdFromString(value);
}

/** An AbortSignal that aborts when any of the given ones does. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/** Resolves on the next `type` event of `target`; rejects with {@link AbortedError} on abort. */
export function nextEvent(target: EventTarget, type: string, signal?: AbortSignal): Promise<Event> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new AbortedError('aborted'));
      return;
    }
    const onEvent = (event: Event) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(event);
    };
    const onAbort = () => {
      target.removeEventListener(type, onEvent);
      reject(new AbortedError('aborted'));
    };
    target.addEventListener(type, onEvent, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
