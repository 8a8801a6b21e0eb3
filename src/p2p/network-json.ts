/**
 * The `network.json` format (README, "Pointing the app at your nodes"): what a host serves beside
 * the app, what Settings → "My own nodes" holds, and what `samen-node --network-json` writes. The
 * app reads it with {@link parseNetworkJson} and the node writes it with
 * {@link writeNetworkJson}, so the two can never disagree on the format.
 *
 * ```json
 * { "name": "Our Samen network",
 *   "bootstrap": ["/ip4/203.0.113.7/tcp/4002/ws/p2p/12D3KooW…"],
 *   "dhtProtocol": "/ipfs/kad/1.0.0",
 *   "iceServers": [{ "urls": "stun:stun.example.org:3478" }],
 *   "turnFromNodes": ["turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:443?transport=tcp"],
 *   "operator": { "name": "Example Org", "contact": "privacy@example.org", "country": "NL" } }
 * ```
 *
 * `dhtProtocol` (default: the Amino DHT's), `iceServers` (default: none), `turnFromNodes` (TURN
 * servers whose expiring credentials the network's nodes hand out: protocols/turn; default:
 * none) and `operator` (who runs these nodes, for the privacy page; default: nobody named) are
 * optional; unknown keys are ignored, so a newer file still loads in an older app.
 *
 * @module
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { AMINO_DHT_PROTOCOL } from './constants.ts';
import { InvalidNetworkConfigError } from './errors.ts';
import { checkIceServers, isIceServerUrl, isTurnUrl } from './ice-servers.ts';

/** network.json is a few hundred bytes; anything far larger is a mistake or an attack. */
export const MAX_NETWORK_JSON_BYTES = 64 * 1024;

/** More bootstrap peers than this is a misconfiguration: each one is dialled at start. */
export const MAX_BOOTSTRAP_PEERS = 32;

/** TURN URLs of one server (UDP, TCP, TLS, port 443…) fit in a handful. */
export const MAX_TURN_FROM_NODES = 8;

/** The network's name is shown in the UI and on the privacy page: a line, not a text. */
export const MAX_NETWORK_NAME_CHARS = 100;

/** A multiaddr of a few protocols with a certhash and a peer ID is under 300 characters. */
export const MAX_MULTIADDR_CHARS = 1024;

/**
 * The operator's name is shown on the privacy page as "who runs this copy": a line, like the
 * network's name.
 */
export const MAX_OPERATOR_NAME_CHARS = 100;

/**
 * An e-mail address is at most 254 characters (RFC 5321 §4.5.3.1.3 path, less its brackets);
 * a web address for a contact form fits too.
 */
export const MAX_OPERATOR_CONTACT_CHARS = 254;

/**
 * A country as people write it: the longest short name in ISO 3166-1 ("The United Kingdom of
 * Great Britain and Northern Ireland") is 56 characters.
 */
export const MAX_OPERATOR_COUNTRY_CHARS = 56;

/**
 * Who runs the network's nodes (and usually the copy of the app beside its network.json): the
 * privacy page names them, as a data-protection notice must name its controller.
 */
export interface NetworkOperator {
  /** A person's or an organisation's name. */
  readonly name: string;
  /** How to reach them about privacy: an e-mail address or a web address, shown as text. */
  readonly contact: string;
  /** Where they are established (the law that applies to them), as they write it. */
  readonly country?: string;
}

/** A network.json as checked: names trimmed, multiaddrs normalised, defaults filled in. */
export interface NetworkJson {
  /** A human name, shown in the UI ("Samen local network", an organisation's name…). */
  readonly name: string;
  /** Multiaddrs of bootstrap peers, each ending in /p2p/<peer id>. */
  readonly bootstrap: readonly string[];
  /** The Kademlia protocol ID. */
  readonly dhtProtocol: string;
  /** ICE servers for WebRTC; empty means host candidates only (no STUN, no TURN). */
  readonly iceServers: readonly RTCIceServer[];
  /**
   * `turn:`/`turns:` URLs of a TURN server whose time-limited credentials the network's own
   * nodes hand out (protocols/turn); absent when there is none.
   */
  readonly turnFromNodes?: readonly string[];
  /** Who runs these nodes; absent when the file names nobody. */
  readonly operator?: NetworkOperator;
}

/** What a writer gives: the optional fields may be left out. */
export type NetworkJsonInit = Pick<NetworkJson, 'name' | 'bootstrap'> &
  Partial<Pick<NetworkJson, 'dhtProtocol' | 'iceServers' | 'turnFromNodes' | 'operator'>>;

/**
 * Parses and checks the text of a network.json.
 *
 * @throws {InvalidNetworkConfigError} when the text is too long, not JSON, or does not fit.
 * @example
 * const json = parseNetworkJson(await (await fetch('network.json')).text())
 */
export function parseNetworkJson(text: string): NetworkJson {
  if (text.length > MAX_NETWORK_JSON_BYTES) {
    throw new InvalidNetworkConfigError(`network config is over ${MAX_NETWORK_JSON_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidNetworkConfigError('network config is not valid JSON');
  }
  return checkNetworkJson(value);
}

/**
 * Checks an already-parsed network description (see {@link parseNetworkJson}).
 *
 * @throws {InvalidNetworkConfigError} naming the first field that does not fit.
 */
export function checkNetworkJson(value: unknown): NetworkJson {
  if (!isRecord(value)) {
    throw new InvalidNetworkConfigError('network config must be a JSON object');
  }
  const { name, bootstrap, dhtProtocol, iceServers, turnFromNodes, operator } = value;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NETWORK_NAME_CHARS) {
    throw new InvalidNetworkConfigError(
      `"name" must be a non-empty string of at most ${MAX_NETWORK_NAME_CHARS} chars`
    );
  }
  if (!Array.isArray(bootstrap) || bootstrap.length === 0) {
    throw new InvalidNetworkConfigError('"bootstrap" must be a non-empty array of multiaddrs');
  }
  if (bootstrap.length > MAX_BOOTSTRAP_PEERS) {
    throw new InvalidNetworkConfigError(`"bootstrap" lists more than ${MAX_BOOTSTRAP_PEERS} peers`);
  }
  const addresses = bootstrap.map((entry: unknown, i) => checkBootstrapAddress(entry, i));
  if (dhtProtocol !== undefined && !isProtocolId(dhtProtocol)) {
    throw new InvalidNetworkConfigError(
      `"dhtProtocol" must be a protocol ID such as ${AMINO_DHT_PROTOCOL}`
    );
  }
  return {
    name: name.trim(),
    bootstrap: addresses,
    dhtProtocol: dhtProtocol ?? AMINO_DHT_PROTOCOL,
    iceServers: iceServers === undefined ? [] : checkIceServers(iceServers),
    ...(turnFromNodes === undefined ? {} : { turnFromNodes: checkTurnFromNodes(turnFromNodes) }),
    ...(operator === undefined ? {} : { operator: checkOperator(operator) })
  };
}

/**
 * Checks network.json's `turnFromNodes`: 1 to {@link MAX_TURN_FROM_NODES} `turn:` or `turns:`
 * URLs.
 *
 * @throws {InvalidNetworkConfigError} when it does not fit.
 */
export function checkTurnFromNodes(value: unknown): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > MAX_TURN_FROM_NODES ||
    !value.every((url) => typeof url === 'string' && isIceServerUrl(url) && isTurnUrl(url))
  ) {
    throw new InvalidNetworkConfigError(
      `"turnFromNodes" must be 1 to ${MAX_TURN_FROM_NODES} turn: or turns: URLs`
    );
  }
  return [...(value as string[])];
}

/**
 * Checks network.json's `operator`: an object with a `name` and a `contact`, and optionally a
 * `country`, each a line of text within its limit (no control characters: they are shown as
 * they are on the privacy page). Returns a clean copy, trimmed; other keys are dropped.
 *
 * @throws {InvalidNetworkConfigError} naming the first field that does not fit.
 * @example
 * checkOperator({ name: 'Example Org', contact: 'privacy@example.org', country: 'NL' })
 */
export function checkOperator(value: unknown): NetworkOperator {
  if (!isRecord(value)) {
    throw new InvalidNetworkConfigError('"operator" must be an object with a name and a contact');
  }
  const name = checkLine(value.name, 'operator.name', MAX_OPERATOR_NAME_CHARS);
  const contact = checkLine(value.contact, 'operator.contact', MAX_OPERATOR_CONTACT_CHARS);
  if (value.country === undefined) {
    return { name, contact };
  }
  return {
    name,
    contact,
    country: checkLine(value.country, 'operator.country', MAX_OPERATOR_COUNTRY_CHARS)
  };
}

/** A non-empty line of at most `max` characters with no control character, trimmed. */
function checkLine(value: unknown, field: string, max: number): string {
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > max ||
    /\p{Cc}/u.test(value)
  ) {
    throw new InvalidNetworkConfigError(
      `"${field}" must be a non-empty line of at most ${max} chars`
    );
  }
  return value.trim();
}

/**
 * The text of a network.json, exactly as {@link parseNetworkJson} reads it back: checked first,
 * so a writer can never produce a file the app refuses; every field written out.
 *
 * @throws {InvalidNetworkConfigError} when `value` does not fit the format.
 * @example
 * await writeFile('network.json', writeNetworkJson({ name: 'Home', bootstrap: [address] }))
 */
export function writeNetworkJson(value: NetworkJsonInit): string {
  const text = `${JSON.stringify(checkNetworkJson(value), null, 2)}\n`;
  if (text.length > MAX_NETWORK_JSON_BYTES) {
    throw new InvalidNetworkConfigError(`network config is over ${MAX_NETWORK_JSON_BYTES} bytes`);
  }
  return text;
}

/**
 * Checks a bootstrap multiaddr as typed by a user or found in network.json, and returns it in
 * its normal form.
 *
 * @throws {InvalidNetworkConfigError} when it is not a multiaddr ending in /p2p/<peer id>.
 * @example
 * checkBootstrapAddress('/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3KooW…')
 */
export function checkBootstrapAddress(entry: unknown, index = 0): string {
  if (typeof entry !== 'string' || entry.length > MAX_MULTIADDR_CHARS) {
    throw new InvalidNetworkConfigError(`bootstrap[${index}] must be a multiaddr string`);
  }
  let ma: Multiaddr;
  try {
    ma = multiaddr(entry.trim());
  } catch {
    throw new InvalidNetworkConfigError(`bootstrap[${index}] is not a valid multiaddr`);
  }
  if (ma.getComponents().at(-1)?.name !== 'p2p') {
    throw new InvalidNetworkConfigError(`bootstrap[${index}] must end in /p2p/<peer id>`);
  }
  return ma.toString();
}

/**
 * Whether `value` is a libp2p protocol ID as libp2p names them: a path of printable ASCII with
 * no blanks, such as /ipfs/kad/1.0.0.
 */
export function isProtocolId(value: unknown): value is string {
  return typeof value === 'string' && /^\/[\x21-\x7e]{1,200}$/.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
