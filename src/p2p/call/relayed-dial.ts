/**
 * Reaching a participant through a relay, and its WebRTC address through one.
 *
 * Dialling works around how libp2p treats relayed connections. libp2p reuses an open connection to a peer only when it is unlimited, and a relayed connection
 * is limited, so every dial through a relay opens a new one. When both sides of a pair dial each
 * other through the same relay at about the same time (after a network cut: our reconnect dial,
 * the peer's, and libp2p's own redial of a peer kad-dht tagged keep-alive), the two connections
 * have the same remote address, and libp2p aborts the later one as a duplicate ("Duplicate
 * multiaddr connection"). It gives the surviving connection to the caller whose dial made the
 * duplicate; every other caller that joined that dial (libp2p joins all dials of one peer) gets
 * "Remote closed connection during opening", although a connection to the peer is open and
 * usable. In tests/e2e/recovery.test.ts both sides failed every reconnect dial that way for
 * 45 s and then gave each other up.
 */
import type { Connection, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { Circuit } from '@multiformats/multiaddr-matcher';
import type { CallLibp2p } from '../node.ts';
import { dialableRelayAddresses, webrtcAddressVia } from '../rendezvous.ts';

/** What of libp2p reaching a peer takes. */
export type DialingLibp2p = Pick<CallLibp2p, 'dial' | 'getConnections' | 'peerStore'>;

/** An open connection to `peer` through a relay, whichever side dialled it. */
export function openRelayedConnection(libp2p: DialingLibp2p, peer: PeerId): Connection | undefined {
  return libp2p
    .getConnections(peer)
    .find((c) => c.status === 'open' && !c.direct && Circuit.matches(c.remoteAddr));
}

/**
 * A relayed connection to `peer`: one already open (ours or the peer's: admission runs over
 * either), else a new dial of `addresses` (by peer ID when none are known: the peer store has
 * what identify said). A dial that lost to a crossing one still yields the connection that won.
 *
 * @throws what libp2p's dial throws when no connection to the peer is open after it
 */
export async function dialRelayed(
  libp2p: DialingLibp2p,
  peer: PeerId,
  addresses: readonly Multiaddr[],
  signal: AbortSignal
): Promise<Connection> {
  const open = openRelayedConnection(libp2p, peer);
  if (open !== undefined) {
    return open;
  }
  try {
    return await libp2p.dial(addresses.length > 0 ? [...addresses] : peer, { signal });
  } catch (err) {
    const crossed = signal.aborted ? undefined : openRelayedConnection(libp2p, peer);
    if (crossed === undefined) {
      throw err;
    }
    return crossed;
  }
}

/**
 * The peer's WebRTC address, for the upgrade to a direct connection: a relayed address of it
 * (one it is connected to us by first, then those it was found at, then what identify said) with
 * /webrtc before its peer ID.
 */
export async function webrtcAddressOf(
  libp2p: DialingLibp2p,
  peer: PeerId,
  known: readonly Multiaddr[]
): Promise<Multiaddr | undefined> {
  const relayed = libp2p
    .getConnections(peer)
    .map((c) => c.remoteAddr)
    .filter((ma) => Circuit.matches(ma));
  let candidates = dialableRelayAddresses(peer, [...relayed, ...known]);
  if (candidates.length === 0) {
    // A peer the store does not know has no other addresses.
    const stored = await libp2p.peerStore.get(peer).catch(() => undefined);
    candidates = dialableRelayAddresses(peer, stored?.addresses.map((a) => a.multiaddr) ?? []);
  }
  return candidates[0] === undefined ? undefined : webrtcAddressVia(candidates[0], peer);
}
