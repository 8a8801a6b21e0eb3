/**
 * Which way a call's audio and video may travel: straight between the participants (the
 * default), or always through a TURN server of the network profile, so that the others see the
 * TURN server's address instead of ours (webrtc-pc §4.2.1 RTCIceTransportPolicy "relay":
 * only relay candidates are gathered and used). The TURN server's operator then sees our address,
 * and the encrypted media (DTLS-SRTP: it cannot read it).
 */
import { iceServerUrls, isTurnUrl } from './ice-servers.ts';

/**
 * The media peer connections' ICE configuration for a policy. `relay`: every server of the
 * profile, and only relay candidates. Otherwise (direct only): the profile's servers without
 * their TURN URLs, so that media is never relayed, not even as a fallback; STUN stays, since a
 * server-reflexive candidate is still a direct path.
 *
 * @example
 * new RTCPeerConnection(mediaIceConfig(profile.iceServers, 'relay'))
 */
export function mediaIceConfig(
  iceServers: readonly RTCIceServer[] | undefined,
  policy: RTCIceTransportPolicy | undefined
): { iceServers: RTCIceServer[]; iceTransportPolicy?: RTCIceTransportPolicy } {
  const servers = [...(iceServers ?? [])];
  if (policy === 'relay') {
    return { iceServers: servers, iceTransportPolicy: 'relay' };
  }
  const direct: RTCIceServer[] = [];
  for (const server of servers) {
    const urls = iceServerUrls(server).filter((url) => !isTurnUrl(url));
    if (urls.length > 0) {
      // A STUN server needs no credentials; a TURN server's are not handed on with it.
      direct.push({ urls });
    }
  }
  return { iceServers: direct };
}
