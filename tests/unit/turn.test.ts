import { createHmac } from 'node:crypto';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import { offersTurn } from '../../src/p2p/ice-servers.ts';
import { parseNetworkJson, writeNetworkJson } from '../../src/p2p/network-json.ts';
import {
  checkTurnCredentials,
  decodeTurnCredentials,
  encodeTurnCredentials,
  MAX_TURN_CREDENTIAL_TTL_S
} from '../../src/p2p/protocols/turn/index.ts';
import { parseCli, UsageError } from '../../src/relay/options.ts';
import {
  DEFAULT_TURN_TTL_S,
  MAX_TRACKED_PEERS,
  mintTurnCredentials,
  TURN_RATE_WINDOW_MS,
  TURN_REQUESTS_PER_PEER,
  TurnRequestLimiter
} from '../../src/relay/turn.ts';

const NOW = 1_700_000_000;
const PEER = '12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh';
const WS = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`;
const TURN_URLS = ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443'];

describe('mintTurnCredentials', () => {
  it('makes the TURN REST username and HMAC-SHA1 password coturn expects', () => {
    const login = mintTurnCredentials('north', {
      ttlSeconds: 600,
      label: 'alice',
      nowSeconds: NOW
    });
    expect(login).toEqual({
      username: '1700000600:alice',
      // printf %s 1700000600:alice | openssl dgst -sha1 -hmac north -binary | base64
      credential: 'gthUwOpcRoLI0MMCziCEBOWYnpo=',
      expiresAt: 1_700_000_600
    });
    expect(mintTurnCredentials('north', { ttlSeconds: 60, nowSeconds: NOW }).username).toBe(
      '1700000060:samen'
    );
  });

  it('refuses an empty secret, a label with a colon and a fractional lifetime', () => {
    expect(() => mintTurnCredentials('', { ttlSeconds: 60 })).toThrow(TypeError);
    expect(() => mintTurnCredentials('s', { ttlSeconds: 60, label: 'a:b' })).toThrow(TypeError);
    expect(() => mintTurnCredentials('s', { ttlSeconds: 1.5 })).toThrow(RangeError);
  });
});

describe('checkTurnCredentials', () => {
  const minted = mintTurnCredentials('north', { ttlSeconds: 3600, nowSeconds: NOW });
  const message = {
    username: minted.username,
    credential: minted.credential,
    expires: minted.expiresAt
  };

  it('takes what a node mints', () => {
    expect(checkTurnCredentials(message, NOW)).toEqual(minted);
  });

  it.each([
    ['a username without an expiry', { username: 'samen' }],
    ['a username with a colon in its label', { username: `${minted.expiresAt}:a:b` }],
    ['an expiry that is not the username’s', { expires: message.expires + 1 }],
    ['a credential that is not a base64 HMAC-SHA1', { credential: 'secret' }],
    ['a credential with a newline', { credential: `${minted.credential}\n` }]
  ])('refuses %s', (_, change) => {
    expect(() => checkTurnCredentials({ ...message, ...change }, NOW)).toThrow(
      expect.objectContaining({ name: 'MalformedMessageError' })
    );
  });

  it('refuses credentials that expired, and credentials that live longer than two days', () => {
    expect(() => checkTurnCredentials(message, minted.expiresAt)).toThrow(/expired/);
    const long = mintTurnCredentials('north', {
      ttlSeconds: MAX_TURN_CREDENTIAL_TTL_S + 1,
      nowSeconds: NOW
    });
    expect(() => checkTurnCredentials({ ...long, expires: long.expiresAt }, NOW)).toThrow(
      /too long-lived/
    );
  });
});

describe('the TURN credentials message', () => {
  const message = {
    username: '1700000600:samen',
    credential: `${'A'.repeat(27)}=`,
    expires: 1_700_000_600
  };

  it('reads back what it writes, and ignores other keys', () => {
    expect(decodeTurnCredentials(encodeTurnCredentials(message))).toEqual(message);
    const more = new TextEncoder().encode(JSON.stringify({ ...message, urls: ['turn:elsewhere'] }));
    expect(decodeTurnCredentials(more)).toEqual(message);
  });

  it.each([
    ['bytes that are not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['text that is not JSON', new TextEncoder().encode('username=x')],
    ['JSON null', new TextEncoder().encode('null')],
    [
      'an expiry that is text',
      new TextEncoder().encode(JSON.stringify({ ...message, expires: '1' }))
    ],
    [
      'an expiry with a fraction',
      new TextEncoder().encode(JSON.stringify({ ...message, expires: 1.5 }))
    ],
    [
      'a missing credential',
      new TextEncoder().encode(JSON.stringify({ username: 'x', expires: 1 }))
    ]
  ])('refuses %s with MalformedMessageError', (_, bytes) => {
    expect(() => decodeTurnCredentials(bytes)).toThrow(
      expect.objectContaining({ name: 'MalformedMessageError' })
    );
  });
});

describe('TurnRequestLimiter', () => {
  it('allows each peer TURN_REQUESTS_PER_PEER a minute, apart from the others', async () => {
    const [a, b] = await Promise.all(
      [1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
    );
    const limiter = new TurnRequestLimiter();
    const t = 1_000_000;
    for (let i = 0; i < TURN_REQUESTS_PER_PEER; i++) {
      expect(limiter.allow(a!, t + i)).toBe(true);
    }
    expect(limiter.allow(a!, t + 10)).toBe(false);
    expect(limiter.allow(b!, t + 10)).toBe(true);
    // A refused request does not count: a minute after the first, one more is allowed, and
    // only one (the other two are still within the minute).
    expect(limiter.allow(a!, t + TURN_RATE_WINDOW_MS)).toBe(true);
    expect(limiter.allow(a!, t + TURN_RATE_WINDOW_MS)).toBe(false);
  });

  it('forgets the peer it heard from longest ago beyond MAX_TRACKED_PEERS', async () => {
    const first = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    const limiter = new TurnRequestLimiter();
    for (let i = 0; i < TURN_REQUESTS_PER_PEER; i++) {
      limiter.allow(first, i);
    }
    expect(limiter.allow(first, 10)).toBe(false);
    // Stand-ins for other peers: the limiter only reads their text.
    for (let i = 0; i < MAX_TRACKED_PEERS; i++) {
      limiter.allow({ toString: () => `peer ${i}` } as never, 20);
    }
    expect(limiter.allow(first, 30)).toBe(true);
  });
});

describe('network.json turnFromNodes', () => {
  it('reads and writes the URLs of a TURN server whose credentials the nodes hand out', () => {
    const text = writeNetworkJson({ name: 'Org', bootstrap: [WS], turnFromNodes: TURN_URLS });
    expect(JSON.parse(text)).toMatchObject({ turnFromNodes: TURN_URLS, iceServers: [] });
    const json = parseNetworkJson(text);
    expect(json.turnFromNodes).toEqual(TURN_URLS);
    expect(offersTurn(json)).toBe(true);
    const without = parseNetworkJson(writeNetworkJson({ name: 'Org', bootstrap: [WS] }));
    expect(without).not.toHaveProperty('turnFromNodes');
    expect(offersTurn(without)).toBe(false);
  });

  it.each([
    ['not a list', 'turn:turn.example.org'],
    ['an empty list', []],
    ['a STUN URL', ['stun:stun.example.org']],
    ['a web address', ['https://turn.example.org']],
    ['more than eight URLs', Array.from({ length: 9 }, (_, i) => `turn:t${i}.example.org`)]
  ])('refuses %s', (_, turnFromNodes) => {
    expect(() =>
      parseNetworkJson(JSON.stringify({ name: 'Org', bootstrap: [WS], turnFromNodes }))
    ).toThrow(expect.objectContaining({ name: 'InvalidNetworkConfigError' }));
  });
});

describe('samen-node --turn-* options', () => {
  it('reads the TURN URLs, the secret file and the lifetime, which defaults to six hours', () => {
    const args = ['--turn-url', TURN_URLS[0]!, '--turn-url', TURN_URLS[1]!];
    expect(parseCli([...args, '--turn-secret-file', '/etc/samen/turn.secret']).turn).toEqual({
      urls: TURN_URLS,
      secretFile: '/etc/samen/turn.secret',
      ttlSeconds: DEFAULT_TURN_TTL_S
    });
    expect(
      parseCli([...args, '--turn-secret-file', 's', '--turn-ttl', '600']).turn?.ttlSeconds
    ).toBe(600);
    expect(parseCli([]).turn).toBeUndefined();
  });

  it.each([
    [['--turn-url', 'turn:t.example.org']],
    [['--turn-secret-file', 's']],
    [['--turn-url', 'stun:t.example.org', '--turn-secret-file', 's']],
    [['--turn-url', 'turn:t.example.org', '--turn-secret-file', 's', '--turn-ttl', '30']],
    [['--turn-url', 'turn:t.example.org', '--turn-secret-file', 's', '--turn-ttl', '999999']]
  ])('refuses %j', (argv) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
  });
});

describe('the credential scheme', () => {
  it('is HMAC-SHA1 of the username under the secret, base64: what coturn recomputes', () => {
    const { username, credential } = mintTurnCredentials('a secret', { ttlSeconds: 60 });
    expect(credential).toBe(createHmac('sha1', 'a secret').update(username).digest('base64'));
  });
});
