/**
 * Generators of what arrives from outside, shared by the fuzz targets: bytes, text that is
 * nearly right (peer IDs, multiaddrs, fingerprints, SDP, ICE candidates) and the peer IDs of a
 * small fixed pool. Each mixes well-formed values, values one edit away from them, and noise,
 * so that both the checks' happy paths and their edges are reached.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import fc from 'fast-check';

/** A few peers with fixed keys: making a key per input would cost more than the input's check. */
export const PEERS: readonly PeerId[] = await Promise.all(
  Array.from({ length: 6 }, (_, i) =>
    generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(i + 1)).then(peerIdFromPrivateKey)
  )
);

export const peer = fc.constantFrom(...PEERS);

/** Any uint32, with the edges (0, 1, 2^31, 2^32 - 1) likelier than uniform draws make them. */
export const uint32 = fc.oneof(
  fc.constantFrom(0, 1, 2, 9, 10, 64, 65, 2 ** 31, 2 ** 32 - 1),
  fc.nat({ max: 2 ** 32 - 1 })
);

/** Any uint64 as protons decodes it (a bigint), edges included. */
export const uint64 = fc.oneof(
  fc.constantFrom(0n, 1n, 2n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
);

/** Bytes of about `length`: exactly it, one off, empty, or anything up to twice it. */
export function bytesNear(length: number): fc.Arbitrary<Uint8Array<ArrayBuffer>> {
  return fc.oneof(
    fc.uint8Array({ minLength: length, maxLength: length }),
    fc
      .constantFrom(0, Math.max(0, length - 1), length + 1)
      .chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    fc.uint8Array({ maxLength: 2 * length + 2 })
  ) as fc.Arbitrary<Uint8Array<ArrayBuffer>>;
}

/** Text of any Unicode, short or long. */
export const anyText = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ maxLength: 2048, size: 'max' })
);

/** One edit away from `text`: a character changed, dropped, doubled, or the text cut short. */
export function mutated(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(text, fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }), fc.nat(3))
    .map(([t, at, inserted, how]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      switch (how) {
        case 0:
          return t.slice(0, i) + inserted + t.slice(i + 1);
        case 1:
          return t.slice(0, i) + t.slice(i + 1);
        case 2:
          return t.slice(0, i) + t.slice(i, i + 1).repeat(2) + t.slice(i + 1);
        default:
          return t.slice(0, i);
      }
    });
}

/** A peer ID as text: base58btc, as a CIDv1, one edit away, or noise. */
export const peerIdText = fc.oneof(
  peer.map(String),
  peer.map((p) => p.toCID().toString()),
  mutated(peer.map(String)),
  fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{0,60}$/),
  anyText
);

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0'));

/** A DTLS fingerprint as SDP and MediaHello write it, in either case, or one that is not. */
export const fingerprintText = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), fc.boolean()).map(
    ([bytes, upperAlgorithm, upperHex]) =>
      `${upperAlgorithm ? 'SHA-256' : 'sha-256'} ${hex(bytes)
        .map((b) => (upperHex ? b.toUpperCase() : b))
        .join(':')}`
  ),
  mutated(
    fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((bytes) => `sha-256 ${hex(bytes).join(':').toUpperCase()}`)
  ),
  fc
    .uint8Array({ minLength: 20, maxLength: 64 })
    .map((bytes) => `sha-1 ${hex(bytes).join(':').toUpperCase()}`),
  fc.constant(''),
  anyText
);

const ipv4 = fc.ipV4();
const port = fc.oneof(fc.nat(65_535), fc.integer({ min: -1, max: 70_000 }));

/** One multiaddr component as text, or something that looks like one. */
const component: fc.Arbitrary<string> = fc.oneof(
  ipv4.map((ip) => `/ip4/${ip}`),
  fc.ipV6().map((ip) => `/ip6/${ip}`),
  fc.domain().map((name) => `/dns4/${name}`),
  fc.domain().map((name) => `/dnsaddr/${name}`),
  port.map((p) => `/tcp/${p}`),
  port.map((p) => `/udp/${p}`),
  fc.constantFrom(
    '/ws',
    '/wss',
    '/tls',
    '/quic-v1',
    '/webtransport',
    '/webrtc',
    '/webrtc-direct',
    '/p2p-circuit',
    '/noise',
    '/http',
    '/memory/x'
  ),
  fc
    .uint8Array({ minLength: 32, maxLength: 34 })
    .map((b) => `/certhash/uEi${Buffer.from(b).toString('base64url')}`),
  peerIdText.map((id) => `/p2p/${id}`),
  peer.map((p) => `/p2p/${p.toString()}`),
  fc.string({ maxLength: 20 }).map((s) => `/unix/${encodeURIComponent(s)}`),
  fc.string({ maxLength: 12 }).map((s) => `/ip6zone/${s}`),
  fc.string({ maxLength: 12 }).map((s) => `/${s}`)
);

/** A multiaddr as text: well-formed circuit addresses, arbitrary stacks of components, noise. */
export const multiaddrText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.array(component, { maxLength: 8 }).map((parts) => parts.join('')) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(ipv4, fc.nat(65_535), peer, peer)
      .map(
        ([ip, p, relay, target]) =>
          `/ip4/${ip}/tcp/${p}/ws/p2p/${relay.toString()}/p2p-circuit/p2p/${target.toString()}`
      )
  },
  {
    weight: 1,
    arbitrary: mutated(
      fc
        .tuple(ipv4, peer, peer)
        .map(
          ([ip, relay, target]) =>
            `/ip4/${ip}/tcp/1/ws/p2p/${relay.toString()}/p2p-circuit/p2p/${target.toString()}`
        )
    )
  },
  { weight: 1, arbitrary: anyText }
);

/** Multiaddrs that parse, from text or from raw bytes (as a DHT record carries them). */
export const anyMultiaddr: fc.Arbitrary<Multiaddr> = fc
  .oneof(
    { weight: 4, arbitrary: multiaddrText },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) }
  )
  .map((input) => {
    try {
      return multiaddr(input);
    } catch {
      return undefined;
    }
  })
  .filter((ma): ma is Multiaddr => ma !== undefined);

/** An ICE candidate line (RFC 8839 §5.1), nearly right, or noise. */
export const candidateText = fc.oneof(
  fc
    .tuple(fc.nat(), fc.constantFrom('udp', 'tcp', 'UDP'), fc.nat(), ipv4, port)
    .map(
      ([foundation, transport, priority, ip, p]) =>
        `candidate:${foundation} 1 ${transport} ${priority} ${ip} ${p} typ host`
    ),
  fc.string({ minLength: 1000, maxLength: 1100 }),
  anyText
);

/** SDP lines that matter to our checks: media sections and fingerprints, among others. */
const sdpLine = fc.oneof(
  fc.constantFrom('v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1', ''),
  fc
    .tuple(fc.constantFrom('audio', 'video', 'application', 'text', 'message', ''), port)
    .map(([kind, p]) => `m=${kind} ${p} UDP/TLS/RTP/SAVPF 111`),
  fingerprintText.map((fp) => `a=fingerprint:${fp}`),
  fc
    .tuple(fingerprintText, fc.string({ maxLength: 6 }))
    .map(([fp, extra]) => `a=fingerprint:  ${fp} ${extra}`),
  fc.string({ maxLength: 40 })
);

/** An SDP, with CRLF or LF line ends, or noise. */
export const sdpText = fc.oneof(
  fc
    .tuple(fc.array(sdpLine, { maxLength: 24 }), fc.constantFrom('\r\n', '\n', '\r'))
    .map(([lines, end]) => lines.join(end)),
  anyText
);

/** An unsigned varint (the length prefix of libp2p's length-prefixed streams). */
export function varint(value: number): Uint8Array {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Uint8Array.from(out);
}

/** `body` as one length-prefixed frame. */
export function lengthPrefixed(body: Uint8Array): Uint8Array {
  const prefix = varint(body.length);
  const framed = new Uint8Array(prefix.length + body.length);
  framed.set(prefix);
  framed.set(body, prefix.length);
  return framed;
}

/**
 * What a hostile peer writes on a length-prefixed stream: messages it encoded (well-formed
 * frames), frames of noise, a length prefix over `maxLength`, a frame cut short, a varint that
 * never ends, or bytes with no framing at all.
 */
export function framesOf(
  encoded: fc.Arbitrary<Uint8Array>,
  maxLength: number
): fc.Arbitrary<Uint8Array[]> {
  const frame = fc.oneof(
    { weight: 6, arbitrary: encoded.map(lengthPrefixed) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 80 }).map(lengthPrefixed) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: maxLength + 1, max: 2 ** 31 }), fc.uint8Array({ maxLength: 8 }))
        .map(([length, tail]) => Uint8Array.from([...varint(length), ...tail]))
    },
    {
      weight: 1,
      arbitrary: encoded
        .filter((bytes) => bytes.length > 0)
        .map((bytes) => lengthPrefixed(bytes).slice(0, -1))
    },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(11).fill(0xff)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }
  );
  return fc.array(frame, { maxLength: 6 });
}
