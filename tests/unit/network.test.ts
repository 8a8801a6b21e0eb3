import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { WebRTCDirect, WebSocketsSecure } from '@multiformats/multiaddr-matcher';
import { describe, expect, it } from 'vitest';
import { thrownName } from '../support/thrown.ts';
import { AMINO_DHT_PROTOCOL } from '../../src/p2p/constants.ts';
import { hasTurnServer } from '../../src/p2p/ice-servers.ts';
import { checkBootstrapAddress, MAX_NETWORK_JSON_BYTES } from '../../src/p2p/network-json.ts';
import {
  parseNetworkConfig,
  PUBLIC_BOOTSTRAP,
  PUBLIC_STUN_SERVERS,
  publicProfile
} from '../../src/p2p/network.ts';
import { callConnectionGater, callPeerInfoMapper } from '../../src/p2p/node.ts';

const PEER = '12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh';
const WS = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`;

describe('network profiles', () => {
  it('uses the public bootstrap list, the Amino DHT and public STUN servers by default', () => {
    const profile = publicProfile();
    expect(profile.profile).toBe('public');
    expect(profile.bootstrap).toEqual(PUBLIC_BOOTSTRAP);
    expect(profile.dhtProtocol).toBe(AMINO_DHT_PROTOCOL);
    expect(profile.iceServers).toEqual(PUBLIC_STUN_SERVERS);
    expect(profile.allowPrivateAddresses).toBe(false);
    for (const address of profile.bootstrap) {
      expect(checkBootstrapAddress(address)).toBe(address);
    }
  });

  it('lists public bootstrap addresses a browser dials as they are, with no DNS-over-HTTPS lookup', () => {
    expect(PUBLIC_BOOTSTRAP).toHaveLength(4);
    for (const address of PUBLIC_BOOTSTRAP) {
      const ma = multiaddr(address);
      const names = ma.getComponents().map((c) => c.name);
      // /dnsaddr is resolved by @multiformats/dns, over DNS-over-HTTPS in a browser; /dns4 and
      // /dns become the host of a wss:// URL, resolved by the browser's own DNS.
      expect(names).not.toContain('dnsaddr');
      const dialable =
        WebSocketsSecure.exactMatch(ma) ||
        (WebRTCDirect.exactMatch(ma) && names.includes('certhash'));
      expect({ address, dialable }).toEqual({ address, dialable: true });
      expect(names.at(-1)).toBe('p2p');
    }
    // Four distinct peers: one host that moves leaves three.
    expect(new Set(PUBLIC_BOOTSTRAP.map((a) => a.split('/p2p/')[1])).size).toBe(4);
  });

  it('turns STUN off when given no ICE servers', () => {
    expect(publicProfile({ iceServers: [] }).iceServers).toEqual([]);
  });

  it('reads a network.json, ignoring unknown keys and defaulting the DHT protocol', () => {
    const profile = parseNetworkConfig(
      JSON.stringify({ name: ' Home ', bootstrap: [WS], extra: { anything: true } }),
      'local'
    );
    expect(profile).toEqual({
      profile: 'local',
      name: 'Home',
      bootstrap: [WS],
      dhtProtocol: AMINO_DHT_PROTOCOL,
      iceServers: [],
      allowPrivateAddresses: true
    });
  });

  it('keeps ICE servers with their credentials and recognises TURN', () => {
    const profile = parseNetworkConfig(
      JSON.stringify({
        name: 'Org',
        bootstrap: [WS],
        dhtProtocol: '/org/kad/1.0.0',
        iceServers: [
          { urls: 'stun:stun.example.org:3478' },
          { urls: ['turns:turn.example.org:443'], username: 'u', credential: 'c' }
        ]
      }),
      'custom'
    );
    expect(profile.dhtProtocol).toBe('/org/kad/1.0.0');
    expect(profile.iceServers).toEqual([
      { urls: ['stun:stun.example.org:3478'] },
      { urls: ['turns:turn.example.org:443'], username: 'u', credential: 'c' }
    ]);
    expect(hasTurnServer(profile.iceServers)).toBe(true);
    expect(hasTurnServer(publicProfile().iceServers)).toBe(false);
  });

  it.each([
    ['not JSON', '{name:'],
    ['an array', '[]'],
    ['no name', JSON.stringify({ bootstrap: [WS] })],
    ['an empty bootstrap list', JSON.stringify({ name: 'x', bootstrap: [] })],
    [
      'a bootstrap entry without a peer ID',
      JSON.stringify({ name: 'x', bootstrap: ['/ip4/127.0.0.1/tcp/1/ws'] })
    ],
    [
      'a bootstrap entry that is not a multiaddr',
      JSON.stringify({ name: 'x', bootstrap: ['http://x'] })
    ],
    ['a bootstrap entry that is a number', JSON.stringify({ name: 'x', bootstrap: [7] })],
    ['a bad DHT protocol', JSON.stringify({ name: 'x', bootstrap: [WS], dhtProtocol: 'kad' })],
    [
      'ICE servers with http URLs',
      JSON.stringify({ name: 'x', bootstrap: [WS], iceServers: [{ urls: 'http://x' }] })
    ],
    [
      'ICE credentials that are not strings',
      JSON.stringify({
        name: 'x',
        bootstrap: [WS],
        iceServers: [{ urls: 'turn:x', credential: 1 }]
      })
    ],
    ['too many bootstrap peers', JSON.stringify({ name: 'x', bootstrap: Array(33).fill(WS) })],
    [
      'an oversized file',
      JSON.stringify({ name: 'x'.repeat(MAX_NETWORK_JSON_BYTES), bootstrap: [WS] })
    ]
  ])('rejects %s with InvalidNetworkConfigError', (_, text) => {
    expect(thrownName(() => parseNetworkConfig(text, 'local'))).toBe('InvalidNetworkConfigError');
  });
});

describe('call connection gater', () => {
  const nobody = { isAdmitted: () => false };
  const local = parseNetworkConfig(JSON.stringify({ name: 'L', bootstrap: [WS] }), 'local');

  it('keeps libp2p browser safeguards in the public profile', () => {
    const gater = callConnectionGater(publicProfile(), nobody);
    expect(gater.denyDialMultiaddr?.(multiaddr(WS))).toBe(true);
    expect(
      gater.denyDialMultiaddr?.(multiaddr(`/ip4/192.168.1.2/tcp/443/tls/ws/p2p/${PEER}`))
    ).toBe(true);
    expect(gater.denyDialMultiaddr?.(multiaddr(`/ip4/8.8.8.8/tcp/443/tls/ws/p2p/${PEER}`))).toBe(
      false
    );
  });

  it('allows loopback and insecure WebSockets only in a local or custom profile', () => {
    const gater = callConnectionGater(local, nobody);
    expect(gater.denyDialMultiaddr?.(multiaddr(WS))).toBe(false);
  });

  describe('a local profile’s private addresses', () => {
    const RELAYED = '12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8';
    const STRANGER = '12D3KooWE7Q4N3YBGJFQ4t6PL4pDBdyPy45Md9xCcVoMdYQT4UDY';
    const deny = (address: string, options?: { anyPrivateAddress?: boolean }) =>
      callConnectionGater(local, nobody, options).denyDialMultiaddr?.(multiaddr(address));

    it('dials a bootstrap address, and one through it as the relay', () => {
      expect(deny(WS)).toBe(false);
      expect(deny(`${WS}/p2p-circuit/p2p/${RELAYED}`)).toBe(false);
      // The same host and port without the peer ID (a dial by address alone).
      expect(deny('/ip4/127.0.0.1/tcp/4002/ws')).toBe(false);
    });

    it.each([
      ['a stranger’s loopback WebSocket address', `/ip4/127.0.0.1/tcp/4999/ws/p2p/${STRANGER}`],
      ['a stranger’s LAN address', `/ip4/192.168.1.1/tcp/443/tls/ws/p2p/${STRANGER}`],
      [
        'a relay address through a stranger',
        `/ip4/10.0.0.7/tcp/4002/ws/p2p/${STRANGER}/p2p-circuit/p2p/${RELAYED}`
      ],
      [
        'a bootstrap node’s peer ID at another private address',
        `/ip4/192.168.1.1/tcp/80/ws/p2p/${PEER}`
      ],
      [
        'a circuit through a bootstrap node’s peer ID at another address',
        `/ip4/192.168.1.1/tcp/80/ws/p2p/${PEER}/p2p-circuit/p2p/${RELAYED}`
      ],
      ['another port of a bootstrap host', `/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`],
      ['an insecure WebSocket on a public address', `/ip4/8.8.8.8/tcp/80/ws/p2p/${STRANGER}`]
    ])('refuses %s, as the public profile does', (_, address) => {
      expect(deny(address)).toBe(true);
      expect(
        callConnectionGater(publicProfile(), nobody).denyDialMultiaddr?.(multiaddr(address))
      ).toBe(true);
    });

    it('dials a stranger’s public secure address, as the public profile does', () => {
      expect(deny(`/ip4/8.8.8.8/tcp/443/tls/ws/p2p/${STRANGER}`)).toBe(false);
    });

    it('dials any private address only when a benchmark asks for it', () => {
      const address = `/ip4/127.0.0.1/tcp/4999/ws/p2p/${STRANGER}`;
      expect(deny(address, { anyPrivateAddress: true })).toBe(false);
      expect(
        callConnectionGater(publicProfile(), nobody, {
          anyPrivateAddress: true
        }).denyDialMultiaddr?.(multiaddr(address))
      ).toBe(true);
    });
  });

  it('never dials a WebRTC address of a peer that is not admitted, in any profile', async () => {
    const target = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    const address = multiaddr(`${WS}/p2p-circuit/webrtc/p2p/${target}`);
    const admitted = new Set<string>();
    const gate = { isAdmitted: (peer: { toString(): string }) => admitted.has(peer.toString()) };
    for (const profile of [local, publicProfile()]) {
      expect(callConnectionGater(profile, gate).denyDialMultiaddr?.(address)).toBe(true);
    }
    admitted.add(target.toString());
    expect(callConnectionGater(local, gate).denyDialMultiaddr?.(address)).toBe(false);
  });

  it('drops relayed addresses from DHT peer records, and private ones on the public network', async () => {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    const peer = {
      id,
      multiaddrs: [
        multiaddr('/ip4/127.0.0.1/tcp/1/ws'),
        multiaddr('/ip4/8.8.8.8/tcp/443/tls/ws'),
        multiaddr(`/ip4/8.8.8.8/tcp/443/tls/ws/p2p/${PEER}/p2p-circuit`)
      ]
    };
    expect(callPeerInfoMapper(local)(peer).multiaddrs.map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/1/ws',
      '/ip4/8.8.8.8/tcp/443/tls/ws'
    ]);
    expect(callPeerInfoMapper(publicProfile())(peer).multiaddrs.map(String)).toEqual([
      '/ip4/8.8.8.8/tcp/443/tls/ws'
    ]);
  });
});
