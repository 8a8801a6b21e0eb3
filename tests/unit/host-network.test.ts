import { describe, expect, it } from 'vitest';
import { InvalidNetworkConfigError } from '../../src/p2p/errors.ts';
import {
  decideHostNetwork,
  fetchNetworkJson,
  recallNetwork,
  rememberNetwork,
  REMEMBERED_NETWORK_KEY,
  type HostNetworkOutcome
} from '../../src/p2p/host-network.ts';
import { MAX_NETWORK_JSON_BYTES } from '../../src/p2p/network-json.ts';
import { parseNetworkConfig } from '../../src/p2p/network.ts';

const PEER = '12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh';
const WS = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`;
const NETWORK_JSON = 'http://app/network.json';

const respond =
  (status: number, body = '') =>
  async () =>
    new Response(body, { status });

const offline = async (): Promise<Response> => {
  throw new TypeError('Failed to fetch');
};

/** A host's network.json with every field: STUN and TURN (with credentials), an operator. */
const HOST = parseNetworkConfig(
  JSON.stringify({
    name: 'Org',
    bootstrap: [WS],
    dhtProtocol: '/org/kad/1.0.0',
    iceServers: [
      { urls: ['stun:stun.example.org:3478', 'turn:turn.example.org:3478'], username: 'u' },
      { urls: 'turns:turn.example.org:443', username: 'u', credential: 'secret' }
    ],
    operator: { name: 'Stichting Voorbeeld', contact: 'privacy@voorbeeld.example' }
  }),
  'local'
);

describe('fetchNetworkJson', () => {
  it('gives the host network.json as a local profile when it is valid', async () => {
    const outcome = await fetchNetworkJson({
      url: NETWORK_JSON,
      fetch: respond(200, JSON.stringify({ name: 'Local', bootstrap: [WS] }))
    });
    expect(outcome.kind).toBe('loaded');
    expect(outcome.kind === 'loaded' && outcome.profile).toEqual({
      profile: 'local',
      name: 'Local',
      bootstrap: [WS],
      dhtProtocol: '/ipfs/kad/1.0.0',
      iceServers: [],
      allowPrivateAddresses: true
    });
  });

  it('asks the network itself, never a cache', async () => {
    const asked: RequestInit[] = [];
    await fetchNetworkJson({
      url: NETWORK_JSON,
      fetch: async (_url, init) => {
        asked.push(init ?? {});
        return new Response('', { status: 404 });
      }
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.cache).toBe('no-store');
  });

  it('says absent when the host answers 404', async () => {
    expect(await fetchNetworkJson({ url: NETWORK_JSON, fetch: respond(404) })).toEqual({
      kind: 'absent'
    });
  });

  it('says unreachable when the request fails', async () => {
    expect(await fetchNetworkJson({ url: NETWORK_JSON, fetch: offline })).toEqual({
      kind: 'unreachable'
    });
  });

  it.each([
    ['a malformed file', respond(200, '<html>'), 'network config is not valid JSON'],
    ['a server error', respond(503), 'network.json answered HTTP 503'],
    [
      'a declared length over the limit',
      async () =>
        new Response('{}', {
          status: 200,
          headers: { 'content-length': String(MAX_NETWORK_JSON_BYTES + 1) }
        }),
      `network config is over ${MAX_NETWORK_JSON_BYTES} bytes`
    ]
  ])('says invalid, with an InvalidNetworkConfigError, for %s', async (_, fetch, message) => {
    const outcome = await fetchNetworkJson({ url: NETWORK_JSON, fetch });
    expect(outcome.kind).toBe('invalid');
    const error = outcome.kind === 'invalid' ? outcome.error : undefined;
    expect(error?.name).toBe('InvalidNetworkConfigError');
    expect(error?.message).toBe(message);
  });

  it('says unreachable when the body breaks off', async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(new TypeError('network error'));
      }
    });
    const outcome = await fetchNetworkJson({
      url: NETWORK_JSON,
      fetch: async () => new Response(broken, { status: 200 })
    });
    expect(outcome).toEqual({ kind: 'unreachable' });
  });

  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const never = async () => {
      throw new DOMException('aborted', 'AbortError');
    };
    await expect(
      fetchNetworkJson({ url: NETWORK_JSON, fetch: never, signal: controller.signal })
    ).rejects.toHaveProperty('name', 'AbortError');
  });
});

describe('rememberNetwork and recallNetwork', () => {
  it('keep the host network under a key Erase removes (the samen. prefix)', () => {
    expect(REMEMBERED_NETWORK_KEY.startsWith('samen.')).toBe(true);
  });

  it('remember the name, bootstrap, DHT protocol, operator and STUN servers, and no TURN or credentials', () => {
    const text = rememberNetwork(HOST);
    expect(JSON.parse(text)).toEqual({
      version: 1,
      network: {
        name: 'Org',
        bootstrap: [WS],
        dhtProtocol: '/org/kad/1.0.0',
        iceServers: [{ urls: ['stun:stun.example.org:3478'] }],
        operator: { name: 'Stichting Voorbeeld', contact: 'privacy@voorbeeld.example' }
      }
    });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('turn');
    expect(text).not.toContain('username');
  });

  it('recall what was remembered as a local profile', () => {
    expect(recallNetwork(rememberNetwork(HOST))).toEqual({
      profile: 'local',
      name: 'Org',
      bootstrap: [WS],
      dhtProtocol: '/org/kad/1.0.0',
      iceServers: [{ urls: ['stun:stun.example.org:3478'] }],
      operator: { name: 'Stichting Voorbeeld', contact: 'privacy@voorbeeld.example' },
      allowPrivateAddresses: true
    });
  });

  it('remember the TURN URLs the nodes hand out credentials for (turnFromNodes): no secret is in them', () => {
    const urls = ['turn:turn.example.org:3478?transport=udp'];
    const host = parseNetworkConfig(
      JSON.stringify({ name: 'Org', bootstrap: [WS], turnFromNodes: urls }),
      'local'
    );
    expect(recallNetwork(rememberNetwork(host))?.turnFromNodes).toEqual(urls);
  });

  it('recall no TURN server even from an entry that holds one', () => {
    const planted = JSON.stringify({
      version: 1,
      network: {
        name: 'x',
        bootstrap: [WS],
        iceServers: [{ urls: 'turn:turn.example.org', username: 'u', credential: 'c' }]
      }
    });
    expect(recallNetwork(planted)?.iceServers).toEqual([]);
  });

  it.each([
    ['nothing', null],
    ['an empty string', ''],
    ['text that is not JSON', '{version:'],
    ['JSON null', 'null'],
    ['another version', JSON.stringify({ version: 2, network: { name: 'x', bootstrap: [WS] } })],
    ['no network', JSON.stringify({ version: 1 })],
    ['a network that does not fit', JSON.stringify({ version: 1, network: { name: 'x' } })],
    [
      'an entry over the size limit',
      JSON.stringify({ version: 1, network: { name: 'x', bootstrap: [WS] } }).padEnd(
        MAX_NETWORK_JSON_BYTES + 1
      )
    ]
  ])('recall nothing from %s', (_, text) => {
    expect(recallNetwork(text)).toBeUndefined();
  });
});

describe('decideHostNetwork', () => {
  const remembered = recallNetwork(rememberNetwork(HOST));
  const loaded: HostNetworkOutcome = {
    kind: 'loaded',
    profile: parseNetworkConfig(JSON.stringify({ name: 'New', bootstrap: [WS] }), 'local')
  };
  const invalid: HostNetworkOutcome = {
    kind: 'invalid',
    error: new InvalidNetworkConfigError('"name" must be a non-empty string')
  };

  it('uses the host network when it loaded, whatever is remembered or chosen', () => {
    for (const publicChosen of [false, true]) {
      expect(decideHostNetwork(loaded, { remembered, publicChosen })).toEqual({
        use: 'host',
        profile: loaded.kind === 'loaded' && loaded.profile
      });
    }
  });

  it('uses the public network silently when the host serves none and none was ever remembered', () => {
    expect(
      decideHostNetwork({ kind: 'absent' }, { remembered: undefined, publicChosen: false })
    ).toEqual({ use: 'public' });
  });

  it.each([
    ['unreachable', { kind: 'unreachable' } as const, { kind: 'unreachable' }],
    ['absent', { kind: 'absent' } as const, { kind: 'absent' }],
    ['invalid', invalid, { kind: 'invalid', detail: '"name" must be a non-empty string' }]
  ])('uses the remembered network, saying why, when the host is %s', (_, outcome, problem) => {
    expect(decideHostNetwork(outcome, { remembered, publicChosen: false })).toEqual({
      use: 'remembered',
      profile: remembered,
      problem
    });
  });

  it.each([
    ['unreachable', { kind: 'unreachable' } as const, { kind: 'unreachable' }],
    ['invalid', invalid, { kind: 'invalid', detail: '"name" must be a non-empty string' }]
  ])(
    'asks, never assuming the public network, when the host is %s and nothing is remembered',
    (_, outcome, problem) => {
      expect(decideHostNetwork(outcome, { remembered: undefined, publicChosen: false })).toEqual({
        use: 'ask',
        problem
      });
    }
  );

  it('uses the public network, still saying why, once the user chose it', () => {
    for (const r of [undefined, remembered]) {
      expect(decideHostNetwork(invalid, { remembered: r, publicChosen: true })).toEqual({
        use: 'public',
        problem: { kind: 'invalid', detail: '"name" must be a non-empty string' }
      });
    }
  });
});
