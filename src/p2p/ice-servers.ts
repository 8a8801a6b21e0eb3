/**
 * ICE servers (webrtc-pc §4.2.2 RTCIceServer) as Samen accepts and reads them, wherever they come
 * from: a network.json, the user's settings, or the public profile. The one place that says what
 * an ICE server URL is and whether a profile offers a TURN server.
 *
 * @module
 */
import { InvalidNetworkConfigError } from './errors.ts';

/** At most this many ICE servers: each one is contacted on every WebRTC connection. */
export const MAX_ICE_SERVERS = 16;

/**
 * A STUN or TURN server URL as RFC 7064 §3.1 and RFC 7065 §3.1 write them: the scheme in lower
 * case (as every browser parses it), then a host with nothing blank in it.
 */
const ICE_SERVER_URL = /^(stun|stuns|turn|turns):\S+$/;

/**
 * Whether `url` is a STUN or TURN server URL we accept: `stun:`, `stuns:`, `turn:` or `turns:`
 * and a host (with an optional port and `?transport=`), without spaces.
 *
 * @example
 * isIceServerUrl('stun:stun.example.org:3478') // true
 * isIceServerUrl('https://stun.example.org')   // false
 */
export function isIceServerUrl(url: string): boolean {
  return ICE_SERVER_URL.test(url);
}

/**
 * Whether an ICE server URL is a TURN server's (RFC 7065: `turn:` and `turns:` URIs). Lenient on
 * purpose (any case, blanks around it), unlike {@link isIceServerUrl}: it decides what "direct
 * only" strips from the media connection, so anything that might be TURN counts as TURN.
 *
 * @example
 * isTurnUrl('turns:turn.example.org:443') // true
 * isTurnUrl('stun:stun.example.org')      // false
 */
export function isTurnUrl(url: string): boolean {
  return /^turns?:/i.test(url.trim());
}

/** The URLs of an ICE server, whether it lists one (a string) or several. */
export function iceServerUrls(server: RTCIceServer): string[] {
  return typeof server.urls === 'string' ? [server.urls] : [...server.urls];
}

/**
 * Whether ICE servers include a TURN server: only then can media be relayed.
 *
 * @example
 * hasTurnServer([{ urls: 'turn:turn.example.org:3478', username: 'u', credential: 'p' }]) // true
 * hasTurnServer([{ urls: ['stun:stun.example.org'] }]) // false
 */
export function hasTurnServer(iceServers: readonly RTCIceServer[] | undefined): boolean {
  return (iceServers ?? []).some((server) => iceServerUrls(server).some(isTurnUrl));
}

/**
 * Whether a network offers a TURN server, with credentials in its ICE servers or from its nodes
 * (network.json's `turnFromNodes`, protocols/turn): only then can a call go through TURN.
 *
 * @example
 * offersTurn(profile) && mediaPath !== 'direct' // the call may fall back on TURN
 */
export function offersTurn(network: {
  readonly iceServers: readonly RTCIceServer[];
  readonly turnFromNodes?: readonly string[];
}): boolean {
  return hasTurnServer(network.iceServers) || (network.turnFromNodes ?? []).length > 0;
}

/**
 * Checks a list of ICE servers from outside (network.json, settings): at most
 * {@link MAX_ICE_SERVERS}, each with one or more {@link isIceServerUrl} URLs and optional string
 * credentials. Returns clean copies, `urls` always as an array; other keys are dropped.
 *
 * @throws {InvalidNetworkConfigError} naming the first entry that does not fit.
 * @example
 * const iceServers = checkIceServers(JSON.parse(text).iceServers)
 */
export function checkIceServers(value: unknown): RTCIceServer[] {
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVERS) {
    throw new InvalidNetworkConfigError(
      `"iceServers" must be an array of at most ${MAX_ICE_SERVERS} RTCIceServer objects`
    );
  }
  return value.map((server: unknown, i) => {
    if (typeof server !== 'object' || server === null || Array.isArray(server)) {
      throw new InvalidNetworkConfigError(`iceServers[${i}] must be an object`);
    }
    const fields = server as Record<string, unknown>;
    const urls = typeof fields.urls === 'string' ? [fields.urls] : fields.urls;
    if (
      !Array.isArray(urls) ||
      urls.length === 0 ||
      !urls.every((url) => typeof url === 'string' && isIceServerUrl(url))
    ) {
      throw new InvalidNetworkConfigError(`iceServers[${i}].urls must be stun: or turn: URLs`);
    }
    const checked: RTCIceServer = { urls: urls as string[] };
    for (const key of ['username', 'credential'] as const) {
      const field = fields[key];
      if (field !== undefined) {
        if (typeof field !== 'string') {
          throw new InvalidNetworkConfigError(`iceServers[${i}].${key} must be a string`);
        }
        checked[key] = field;
      }
    }
    return checked;
  });
}
