/**
 * Which way a call's audio and video may travel: straight between the participants (the
 * default), or always through a TURN server of the network profile, so that the others see the
 * TURN server's address instead of ours (webrtc-pc §4.2.1 RTCIceTransportPolicy "relay":
 * only relay candidates are gathered and used). The TURN server's operator then sees our address,
 * and the encrypted media (DTLS-SRTP: it cannot read it).
 */

/** Whether an ICE server URL is a TURN server's (RFC 7065: `turn:` and `turns:` URIs). */
export function isTurnUrl(url: string): boolean {
  return /^turns?:/i.test(url.trim());
}

/**
 * Whether a profile's ICE servers include a TURN server: only then can media be relayed.
 *
 * @example
 * hasTurnServer([{ urls: 'turn:turn.example.org:3478', username: 'u', credential: 'p' }]) // true
 * hasTurnServer([{ urls: ['stun:stun.example.org'] }]) // false
 */
export function hasTurnServer(iceServers: readonly RTCIceServer[] | undefined): boolean {
  return (iceServers ?? []).some((server) => urlsOf(server).some(isTurnUrl));
}

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
    const urls = urlsOf(server).filter((url) => !isTurnUrl(url));
    if (urls.length > 0) {
      // A STUN server needs no credentials; a TURN server's are not handed on with it.
      direct.push({ urls });
    }
  }
  return { iceServers: direct };
}

function urlsOf(server: RTCIceServer): string[] {
  return typeof server.urls === 'string' ? [server.urls] : [...server.urls];
}
