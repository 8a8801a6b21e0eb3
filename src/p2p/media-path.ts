/**
 * Which way a call's connections to other participants may travel (the media, and libp2p's
 * WebRTC connection that carries the session):
 *
 * - `auto` (the default): ICE's own order, webrtc-pc §4.2.1 "all": straight between the
 *   participants where any direct path works (host, then server-reflexive candidates), through
 *   the network profile's TURN server only where none does (symmetric NAT, UDP blocked).
 * - `direct`: never relayed, not even as a fallback: the profile's TURN URLs are left out, so a
 *   network that blocks direct paths gets no call rather than a relayed one.
 * - `relay`: always through the profile's TURN server ("relay": only relay candidates are
 *   gathered and used), so that the others see the TURN server's address instead of ours.
 *
 * Whoever runs the TURN server then sees our address and when we call, and the encrypted media
 * (DTLS-SRTP: it cannot read it).
 */
import { iceServerUrls, isTurnUrl } from './ice-servers.ts';

export type MediaPath = 'auto' | 'direct' | 'relay';

export const MEDIA_PATHS: readonly MediaPath[] = ['auto', 'direct', 'relay'];

/** The path of a stored or typed value; anything else is the default, `auto`. */
export function parseMediaPath(value: unknown): MediaPath {
  return MEDIA_PATHS.find((path) => path === value) ?? 'auto';
}

/**
 * The ICE configuration of a call's connections to participants for a path.
 *
 * @example
 * new RTCPeerConnection(iceConfigFor(profile.iceServers, 'auto'))
 */
export function iceConfigFor(
  iceServers: readonly RTCIceServer[] | undefined,
  path: MediaPath = 'auto'
): { iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy } {
  const servers = [...(iceServers ?? [])];
  if (path !== 'direct') {
    return { iceServers: servers, iceTransportPolicy: path === 'relay' ? 'relay' : 'all' };
  }
  const direct: RTCIceServer[] = [];
  for (const server of servers) {
    const urls = iceServerUrls(server).filter((url) => !isTurnUrl(url));
    if (urls.length > 0) {
      // A STUN server needs no credentials; a TURN server's are not handed on with it.
      direct.push({ urls });
    }
  }
  return { iceServers: direct, iceTransportPolicy: 'all' };
}
