import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import { thrownName } from '../support/thrown.ts';
import { AMINO_DHT_PROTOCOL } from '../../src/p2p/constants.ts';
import {
  checkBootstrapAddress,
  checkOperator,
  isProtocolId,
  MAX_NETWORK_JSON_BYTES,
  MAX_OPERATOR_CONTACT_CHARS,
  MAX_OPERATOR_COUNTRY_CHARS,
  MAX_OPERATOR_NAME_CHARS,
  parseNetworkJson,
  writeNetworkJson,
  type NetworkJson
} from '../../src/p2p/network-json.ts';
import { parseNetworkConfig } from '../../src/p2p/network.ts';
import { networkJsonFor } from '../../src/relay/node.ts';

const PEER = '12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh';
const OTHER = '12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8';
const WS = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`;
const WEBRTC_DIRECT = `/ip4/127.0.0.1/udp/4003/webrtc-direct/certhash/uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ/p2p/${OTHER}`;

/** What a Samen node's getMultiaddrs() gives: TCP for nodes, then what browsers dial. */
function fakeNode(...addresses: string[]) {
  return { getMultiaddrs: () => addresses.map((a) => multiaddr(a)) };
}

describe('network.json', () => {
  it('reads back exactly what it writes, every field included', () => {
    expect.hasAssertions();
    const values: NetworkJson[] = [
      { name: 'Home', bootstrap: [WS], dhtProtocol: AMINO_DHT_PROTOCOL, iceServers: [] },
      {
        name: 'Org',
        bootstrap: [WS, WEBRTC_DIRECT],
        dhtProtocol: '/org/kad/1.0.0',
        iceServers: [
          { urls: ['stun:stun.example.org:3478'] },
          { urls: ['turns:turn.example.org:443'], username: 'u', credential: 'c' }
        ]
      }
    ];
    for (const value of values) {
      const text = writeNetworkJson(value);
      expect(text.endsWith('}\n')).toBe(true);
      expect(parseNetworkJson(text)).toEqual(value);
      expect(Object.keys(JSON.parse(text) as object)).toEqual([
        'name',
        'bootstrap',
        'dhtProtocol',
        'iceServers'
      ]);
    }
  });

  it('writes the defaults of the optional fields and the normal form of the others', () => {
    expect.hasAssertions();
    const text = writeNetworkJson({ name: ' Home ', bootstrap: [` ${WS} `] });
    expect(JSON.parse(text)).toEqual({
      name: 'Home',
      bootstrap: [WS],
      dhtProtocol: AMINO_DHT_PROTOCOL,
      iceServers: []
    });
  });

  it('refuses to write what the app would refuse to read', () => {
    expect.hasAssertions();
    const bad = [
      { name: 'x', bootstrap: [] },
      { name: '', bootstrap: [WS] },
      { name: 'x', bootstrap: ['/ip4/127.0.0.1/tcp/1/ws'] },
      { name: 'x', bootstrap: [WS], dhtProtocol: 'kad' },
      { name: 'x', bootstrap: [WS], iceServers: [{ urls: 'http://x' }] }
    ];
    for (const value of bad) {
      expect(thrownName(() => writeNetworkJson(value))).toBe('InvalidNetworkConfigError');
    }
  });

  it('reads a file with unknown keys and without the optional fields', () => {
    expect.hasAssertions();
    expect(parseNetworkJson(JSON.stringify({ name: 'L', bootstrap: [WS], v2: { x: 1 } }))).toEqual({
      name: 'L',
      bootstrap: [WS],
      dhtProtocol: AMINO_DHT_PROTOCOL,
      iceServers: []
    });
  });

  it('refuses text over MAX_NETWORK_JSON_BYTES before parsing it', () => {
    expect.hasAssertions();
    const text = ' '.repeat(MAX_NETWORK_JSON_BYTES) + '{}';
    expect(thrownName(() => parseNetworkJson(text))).toBe('InvalidNetworkConfigError');
  });

  it('normalises a bootstrap address and names the entry that is wrong', () => {
    expect.hasAssertions();
    expect(checkBootstrapAddress(`  ${WS}\n`)).toBe(WS);
    expect(() => checkBootstrapAddress('/ip4/1.2.3.4/tcp/1', 4)).toThrow('bootstrap[4]');
  });

  it('reads and writes an operator, trimmed, without keys it does not know', () => {
    expect.hasAssertions();
    const text = writeNetworkJson({
      name: 'Org',
      bootstrap: [WS],
      operator: { name: ' Example Org ', contact: 'privacy@example.org', country: 'NL' }
    });
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'name',
      'bootstrap',
      'dhtProtocol',
      'iceServers',
      'operator'
    ]);
    expect(parseNetworkJson(text).operator).toEqual({
      name: 'Example Org',
      contact: 'privacy@example.org',
      country: 'NL'
    });
    expect(
      checkOperator({ name: 'A', contact: 'https://a.example/contact', extra: 'dropped' })
    ).toEqual({ name: 'A', contact: 'https://a.example/contact' });
    // The profile the app makes of the file carries it to the privacy page.
    expect(parseNetworkConfig(text, 'local').operator?.name).toBe('Example Org');
  });

  it('refuses an operator without a name or contact, too long, or with control characters', () => {
    expect.hasAssertions();
    const ok = { name: 'A', contact: 'a@example.org' };
    const bad: unknown[] = [
      'Example Org',
      ['A'],
      { contact: 'a@example.org' },
      { name: 'A' },
      { ...ok, name: '  ' },
      { ...ok, name: 7 },
      { ...ok, name: 'x'.repeat(MAX_OPERATOR_NAME_CHARS + 1) },
      { ...ok, contact: 'x'.repeat(MAX_OPERATOR_CONTACT_CHARS + 1) },
      { ...ok, country: 'x'.repeat(MAX_OPERATOR_COUNTRY_CHARS + 1) },
      { ...ok, country: '' },
      { ...ok, name: 'A\nB' },
      { ...ok, contact: 'a@example.org\u0007' }
    ];
    for (const operator of bad) {
      expect(
        thrownName(() => parseNetworkJson(JSON.stringify({ name: 'x', bootstrap: [WS], operator })))
      ).toBe('InvalidNetworkConfigError');
    }
    // Each limit itself is accepted.
    expect(
      checkOperator({
        name: 'x'.repeat(MAX_OPERATOR_NAME_CHARS),
        contact: 'x'.repeat(MAX_OPERATOR_CONTACT_CHARS),
        country: 'x'.repeat(MAX_OPERATOR_COUNTRY_CHARS)
      }).country
    ).toHaveLength(MAX_OPERATOR_COUNTRY_CHARS);
    expect(() => checkOperator({ ...ok, contact: '' })).toThrow('operator.contact');
  });

  it('takes a protocol ID to be a path of printable ASCII', () => {
    expect.hasAssertions();
    expect(['/ipfs/kad/1.0.0', '/org/kad/1.0.0', '/x'].map(isProtocolId)).toEqual([
      true,
      true,
      true
    ]);
    expect(['kad', '/', '/with space', `/${'a'.repeat(201)}`, 7].map(isProtocolId)).toEqual([
      false,
      false,
      false,
      false,
      false
    ]);
  });
});

describe('samen-node network.json (networkJsonFor)', () => {
  it('writes one browser address per node, WebSockets first, that the app reads back as its profile', () => {
    expect.hasAssertions();
    const nodes = [
      fakeNode(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`, WEBRTC_DIRECT.replace(OTHER, PEER), WS),
      fakeNode(`/ip4/127.0.0.1/tcp/4011/p2p/${OTHER}`, WEBRTC_DIRECT)
    ];
    const json = networkJsonFor(nodes, 'Samen local network', AMINO_DHT_PROTOCOL);
    expect(json).toEqual({
      name: 'Samen local network',
      bootstrap: [WS, WEBRTC_DIRECT],
      dhtProtocol: AMINO_DHT_PROTOCOL,
      iceServers: []
    });
    expect(parseNetworkJson(writeNetworkJson(json))).toEqual(json);
    expect(parseNetworkConfig(writeNetworkJson(json), 'local')).toEqual({
      profile: 'local',
      ...json,
      allowPrivateAddresses: true
    });
  });
});
