import { multiaddr } from '@multiformats/multiaddr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AMINO_DHT_PROTOCOL } from '../../src/p2p/constants.ts';
import { recallNetwork, rememberNetwork } from '../../src/p2p/host-network.ts';
import {
  checkIceServers,
  isIceServerUrl,
  isTurnUrl,
  MAX_ICE_SERVERS
} from '../../src/p2p/ice-servers.ts';
import {
  checkBootstrapAddress,
  checkNetworkJson,
  isProtocolId,
  MAX_BOOTSTRAP_PEERS,
  MAX_MULTIADDR_CHARS,
  MAX_NETWORK_JSON_BYTES,
  MAX_NETWORK_NAME_CHARS,
  parseNetworkJson,
  writeNetworkJson,
  type NetworkJson
} from '../../src/p2p/network-json.ts';
import { parseNetworkConfig } from '../../src/p2p/network.ts';
import { anyText, multiaddrText, mutated, peer } from './arbitraries.ts';
import { attempt, expectErrorNamed, fuzz, invariant } from './support.ts';

/** What every network.json the app accepts satisfies (network-json.ts, ice-servers.ts). */
function checkValid(json: NetworkJson): void {
  invariant(json.name === json.name.trim() && json.name !== '', 'name trimmed, not empty');
  invariant(json.name.length <= MAX_NETWORK_NAME_CHARS, 'name within its limit');
  invariant(
    json.bootstrap.length >= 1 && json.bootstrap.length <= MAX_BOOTSTRAP_PEERS,
    'bootstrap count'
  );
  for (const address of json.bootstrap) {
    invariant(typeof address === 'string', 'bootstrap entries are strings');
    const ma = multiaddr(address);
    invariant(ma.getComponents().at(-1)?.name === 'p2p', 'bootstrap ends in /p2p/<id>');
    invariant(ma.toString() === address, 'bootstrap in normal form');
  }
  invariant(isProtocolId(json.dhtProtocol), 'dhtProtocol is a protocol ID');
  checkValidIceServers(json.iceServers);
}

function checkValidIceServers(servers: readonly RTCIceServer[]): void {
  invariant(servers.length <= MAX_ICE_SERVERS, 'ICE server count');
  for (const server of servers) {
    invariant(Array.isArray(server.urls) && server.urls.length > 0, 'urls a non-empty array');
    invariant((server.urls as string[]).every(isIceServerUrl), 'every URL a STUN/TURN URL');
    const keys = Object.keys(server).filter((k) => !['urls', 'username', 'credential'].includes(k));
    invariant(keys.length === 0, `no other keys (${keys.join(', ')})`);
    for (const key of ['username', 'credential'] as const) {
      invariant(server[key] === undefined || typeof server[key] === 'string', `${key} a string`);
    }
  }
}

/** A bootstrap address that passes: a browser-dialable address of one of the pool's peers. */
const goodBootstrap = fc
  .tuple(
    fc.ipV4(),
    fc.nat(65_535),
    peer,
    fc.constantFrom('/ws', '/tls/ws', ''),
    fc.constantFrom('', ' ', '\n')
  )
  .map(([ip, port, id, ws, blank]) => `${blank}/ip4/${ip}/tcp/${port}${ws}/p2p/${id}${blank}`);

const bootstrapEntry = fc.oneof(
  { weight: 4, arbitrary: goodBootstrap },
  { weight: 2, arbitrary: multiaddrText },
  { weight: 1, arbitrary: mutated(goodBootstrap) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }
);

const iceUrl = fc.oneof(
  fc
    .tuple(fc.constantFrom('stun', 'stuns', 'turn', 'turns', 'STUN', 'http', ''), fc.domain())
    .map(([scheme, host]) => `${scheme}:${host}:3478`),
  anyText
);

const iceServer = fc.oneof(
  fc.record(
    {
      urls: fc.oneof(iceUrl, fc.array(iceUrl, { maxLength: 3 })),
      username: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 0 })),
      credential: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 0 })),
      other: fc.jsonValue({ maxDepth: 1 })
    },
    { requiredKeys: [] }
  ),
  fc.jsonValue({ maxDepth: 2 })
);

const iceServers = fc.oneof(
  fc.array(iceServer, { maxLength: MAX_ICE_SERVERS + 2 }),
  fc.jsonValue({ maxDepth: 2 })
);

/** Objects shaped like a network.json, every field right, nearly right or wrong. */
const networkJsonShaped = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: MAX_NETWORK_NAME_CHARS + 5 }), fc.jsonValue()),
    bootstrap: fc.oneof(
      { weight: 5, arbitrary: fc.array(bootstrapEntry, { maxLength: MAX_BOOTSTRAP_PEERS + 2 }) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }
    ),
    dhtProtocol: fc.oneof(
      fc.constantFrom(AMINO_DHT_PROTOCOL, '/samen/kad/1.0.0', '', '/', 'ipfs/kad'),
      fc.string({ maxLength: 210 }).map((s) => `/${s}`),
      fc.jsonValue({ maxDepth: 0 })
    ),
    iceServers,
    extra: fc.jsonValue({ maxDepth: 2 })
  },
  { requiredKeys: [] }
);

/** Valid network.json contents, for the round trip. */
const validNetworkJson = fc.record(
  {
    name: fc
      .string({ minLength: 1, maxLength: MAX_NETWORK_NAME_CHARS })
      .filter((s) => s.trim() !== ''),
    bootstrap: fc.array(goodBootstrap, { minLength: 1, maxLength: MAX_BOOTSTRAP_PEERS }),
    dhtProtocol: fc.constantFrom(AMINO_DHT_PROTOCOL, '/samen/kad/1.0.0'),
    iceServers: fc.array(
      fc.record(
        {
          urls: fc
            .tuple(fc.constantFrom('stun', 'turn', 'turns'), fc.domain())
            .map(([scheme, host]) => `${scheme}:${host}:3478`),
          username: fc.string(),
          credential: fc.string()
        },
        { requiredKeys: ['urls'] }
      ),
      { maxLength: MAX_ICE_SERVERS }
    )
  },
  { requiredKeys: ['name', 'bootstrap'] }
);

describe('fuzz: network.json (parseNetworkJson, checkNetworkJson, checkBootstrapAddress)', () => {
  it('returns a valid profile or throws InvalidNetworkConfigError, for any text', () => {
    fuzz(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: networkJsonShaped.map((v) => JSON.stringify(v)) },
          { weight: 1, arbitrary: mutated(networkJsonShaped.map((v) => JSON.stringify(v))) },
          { weight: 1, arbitrary: anyText },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              'x'.repeat(MAX_NETWORK_JSON_BYTES + 1),
              `{"name":"n","bootstrap":[${'"x",'.repeat(16_000)}"x"]}`
            )
          }
        ),
        (text) => {
          const result = attempt(() => parseNetworkJson(text));
          if (result.ok) {
            checkValid(result.value);
          } else {
            expectErrorNamed(result.error, ['InvalidNetworkConfigError']);
          }
        }
      )
    );
  });

  it('returns a valid profile or throws InvalidNetworkConfigError, for any JSON value', () => {
    fuzz(
      fc.property(fc.oneof(networkJsonShaped, fc.jsonValue()), (value) => {
        const result = attempt(() => checkNetworkJson(value));
        if (result.ok) {
          checkValid(result.value);
        } else {
          expectErrorNamed(result.error, ['InvalidNetworkConfigError']);
        }
      })
    );
  });

  it('reads back exactly what writeNetworkJson wrote, and writes it again unchanged', () => {
    fuzz(
      fc.property(validNetworkJson, (init) => {
        const text = writeNetworkJson(init);
        const parsed = parseNetworkJson(text);
        expect(parsed).toEqual(checkNetworkJson(init));
        checkValid(parsed);
        expect(writeNetworkJson(parsed)).toBe(text);
      })
    );
  });

  it('normalises a bootstrap address to a fixed point, or throws InvalidNetworkConfigError', () => {
    fuzz(
      fc.property(
        fc.oneof(
          bootstrapEntry,
          fc.constant(`/ip4/1.2.3.4/tcp/1/p2p/${'1'.repeat(MAX_MULTIADDR_CHARS)}`)
        ),
        (entry) => {
          const result = attempt(() => checkBootstrapAddress(entry));
          if (!result.ok) {
            expectErrorNamed(result.error, ['InvalidNetworkConfigError']);
            return;
          }
          invariant(typeof result.value === 'string', 'a string');
          expect(checkBootstrapAddress(result.value)).toBe(result.value);
        }
      )
    );
  });
});

describe('fuzz: the remembered host network (recallNetwork, rememberNetwork)', () => {
  /** Entries as storage may hold them: ours, older or newer ones, damaged or planted ones. */
  const storedEntry = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({ version: fc.constantFrom(1, 2, '1', 0), network: networkJsonShaped })
        .map((v) => JSON.stringify(v))
    },
    {
      weight: 1,
      arbitrary: mutated(validNetworkJson.map((v) => JSON.stringify({ version: 1, network: v })))
    },
    { weight: 1, arbitrary: anyText }
  );

  it('recalls nothing or a valid local profile with no TURN server, never throwing, for any entry', () => {
    fuzz(
      fc.property(storedEntry, (text) => {
        const profile = recallNetwork(text);
        if (profile !== undefined) {
          checkValid(profile);
          expect(profile.profile).toBe('local');
          expect(profile.allowPrivateAddresses).toBe(true);
          for (const server of profile.iceServers) {
            expect(server.username).toBeUndefined();
            expect(server.credential).toBeUndefined();
            expect((server.urls as string[]).some(isTurnUrl)).toBe(false);
          }
        }
      })
    );
  });

  it('recalls what it remembered, less TURN servers and credentials', () => {
    fuzz(
      fc.property(validNetworkJson, (init) => {
        const loaded = parseNetworkConfig(JSON.stringify(init), 'local');
        const recalled = recallNetwork(rememberNetwork(loaded));
        const stun = loaded.iceServers.flatMap((server) => {
          const urls = (server.urls as string[]).filter((url) => !isTurnUrl(url));
          return urls.length === 0 ? [] : [{ urls }];
        });
        expect(recalled).toEqual({ ...loaded, iceServers: stun });
      })
    );
  });
});

describe('fuzz: ICE servers (checkIceServers)', () => {
  it('returns clean ICE servers, a fixed point, or throws InvalidNetworkConfigError', () => {
    fuzz(
      fc.property(iceServers, (value) => {
        const result = attempt(() => checkIceServers(value));
        if (!result.ok) {
          expectErrorNamed(result.error, ['InvalidNetworkConfigError']);
          return;
        }
        checkValidIceServers(result.value);
        expect(checkIceServers(result.value)).toEqual(result.value);
      })
    );
  });

  it('says a URL is TURN whenever the strict check would read it as turn: or turns:', () => {
    fuzz(
      fc.property(iceUrl, (url) => {
        const strict = attempt(() => isIceServerUrl(url));
        const turn = attempt(() => isTurnUrl(url));
        invariant(strict.ok && turn.ok, 'predicates never throw');
        if (strict.value && /^turns?:/.test(url)) {
          expect(turn.value).toBe(true);
        }
      })
    );
  });
});
