/**
 * Samen's protocol IDs and tunables, in one place, each with the reason for its value.
 * Protocol IDs carry a version: a change to a wire format is a new ID, never a silent change.
 */

/** Admission: CPace and key confirmation over the relayed connection (protocols/admit). */
export const ADMIT_PROTOCOL = '/samen/admit/2.0.0';

/** The call's session: roster, media signalling, chat, control (protocols/session). */
export const SESSION_PROTOCOL = '/samen/session/2.0.0';

/**
 * TURN credentials from a Samen node to the peers connected to it (protocols/turn/index.ts);
 * served only by nodes that run beside a TURN server.
 */
export const TURN_PROTOCOL = '/samen/turn/1.0.0';

/**
 * The Kademlia protocol of the IPFS Amino DHT, what the public libp2p network speaks: the default
 * DHT of the app's public profile, of a network.json without `dhtProtocol`, and of samen-node.
 */
export const AMINO_DHT_PROTOCOL = '/ipfs/kad/1.0.0';

/** @libp2p/webrtc's signalling protocol: it carries ICE candidates, so it is admission-gated. */
export const WEBRTC_SIGNALING_PROTOCOL = '/webrtc-signaling/0.0.1';

/**
 * Protocols served only to admitted peers: the call node refuses them to anyone else before
 * any handler runs (node.ts). Admission itself is the one Samen protocol open to all.
 */
export const ADMITTED_ONLY_PROTOCOLS: readonly string[] = [
  WEBRTC_SIGNALING_PROTOCOL,
  SESSION_PROTOCOL
];

/**
 * Length of the room secret, the admission secret, rendezvous keys and the CPace PRS, in bytes
 * (keys.ts): 256 bits, HKDF-SHA-256's HashLen (RFC 5869 §2.2). Here rather than in keys.ts so
 * that kdf.ts can check a derived secret without loading keys.ts (and hash-wasm with it).
 */
export const KEY_LENGTH = 32;

/** Dialling one bootstrap node; a node that does not answer in this time is skipped. */
export const BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000;

/**
 * How long to wait for a relay reservation before telling the user that nobody can reach us.
 * A reservation on a responsive relay takes 260–360 ms (LIBP2P-NOTES.md).
 */
export const RELAY_RESERVATION_TIMEOUT_MS = 15_000;

/**
 * The DHT's first self-query starts after this delay and every query waits for it; libp2p's
 * default of 1000 ms is idle time on a call's critical path (LIBP2P-NOTES.md: 0 saved ~0.9 s).
 */
export const DHT_INITIAL_SELF_QUERY_INTERVAL_MS = 0;

/** A call node keeps few connections: some network nodes and at most 7 other participants. */
export const CALL_NODE_MAX_CONNECTIONS = 64;

/**
 * How long a keep-alive ping of a connection may take before libp2p aborts the connection
 * (libp2p's default: 5 s, longer only if recent pings were slower). A page busy with video
 * answers late: in a call of four on two cores (four encoders and twelve decoders besides the
 * pages' own work, on a machine shared with other jobs) pings took 5–12 s, and at 5 s every
 * participant's direct connection was aborted, their media with it, though all of them were
 * there (tests/e2e/media.test.ts). A peer that is really gone is still noticed: a direct WebRTC
 * connection fails by itself about 30 s after ICE stops getting answers (RFC 7675 consent),
 * and any connection within CONNECTION_PING_INTERVAL_MS + this.
 */
export const CONNECTION_PING_TIMEOUT_MS = 20_000;

/**
 * How often libp2p pings each connection (its default: 10 s). Longer than the timeout: a ping
 * still waiting when the next one starts would be a second outbound ping stream to the peer,
 * which the ping spec forbids and libp2p refuses (TooManyOutboundProtocolStreamsError), and
 * that refusal aborts the connection all the same.
 */
export const CONNECTION_PING_INTERVAL_MS = 30_000;

/**
 * Outbound ping streams per connection (libp2p's default: 1). Two parts of libp2p ping the
 * other participants over the direct connection: the connection monitor, and the DHT, which
 * checks every peer it sees in a lookup's answers (a rendezvous lookup answers with the
 * participants) before it takes it into its routing table. With one allowed, whichever came
 * second was refused (TooManyOutboundProtocolStreamsError); when that was the monitor's, it
 * aborted the connection, and with it the participant's media. The peer's side accepts two
 * (libp2p ping's default inbound limit, as the ping spec asks).
 */
export const PING_MAX_OUTBOUND_STREAMS = 2;

/**
 * The agent string identify tells the network's nodes (libp2p's `nodeInfo.userAgent`). libp2p's
 * default in a browser is `libp2p/<version> browser/<navigator.userAgent>`: the browser, its
 * version and the operating system, for every DHT server and relay to log. The protocols that
 * identify lists already say that this is Samen, so the name alone adds nothing; no version.
 */
export const CALL_NODE_AGENT = 'samen';

/** User Timing mark of the Join click (JoinForm): t0 of `npm run bench:connect`. */
export const JOIN_MARK = 'samen:join';

/**
 * User Timing marks of a call's first milestones (performance.getEntriesByType('mark')), for
 * `npm run bench:connect` and the browser's own profiler. They hold no secret and leave nothing
 * on the network.
 */
export const CALL_MARKS = {
  start: 'samen:call-start',
  kdf: 'samen:kdf-done',
  reachable: 'samen:reachable',
  found: 'samen:first-found',
  admitted: 'samen:first-admitted',
  direct: 'samen:first-direct'
} as const;
