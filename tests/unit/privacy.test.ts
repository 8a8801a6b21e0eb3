import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { publicProfile, PUBLIC_BOOTSTRAP, type NetworkProfile } from '../../src/p2p/network.ts';
import {
  contactedHosts,
  discoveredContacts,
  DNSADDR_RESOLVERS,
  type ContactedHost
} from '../../src/p2p/privacy.ts';

const PEER = '12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh';
const OTHER = '12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8';
const CERT = 'uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ';

function profile(fields: Partial<NetworkProfile>): NetworkProfile {
  return {
    profile: 'local',
    name: 'Test',
    bootstrap: [],
    dhtProtocol: '/ipfs/kad/1.0.0',
    iceServers: [],
    allowPrivateAddresses: true,
    ...fields
  };
}

/** host, role and learns of each entry, in order. */
const brief = (hosts: ContactedHost[]) => hosts.map((h) => [h.host, h.role, h.learns]);

describe('contactedHosts', () => {
  it('names the host of each kind of bootstrap multiaddr', () => {
    expect.hasAssertions();
    const bootstrap = [
      `/dns4/node1.example.org/tcp/443/wss/p2p/${PEER}`,
      `/ip4/203.0.113.7/udp/4003/webrtc-direct/certhash/${CERT}/p2p/${OTHER}`,
      `/dns/Node2.Example.org/tcp/443/tls/ws/p2p/${PEER}`,
      `/dns6/node3.example.org/tcp/4002/ws/p2p/${OTHER}`,
      `/ip6/2001:db8::7/tcp/4002/ws/p2p/${PEER}`
    ];
    const hosts = contactedHosts(profile({ bootstrap }), 'https://samen.example.org');
    expect(brief(hosts)).toEqual([
      ['samen.example.org', 'app', 'app-loads'],
      ['node1.example.org', 'bootstrap', 'ip-rendezvous-relay'],
      ['203.0.113.7', 'bootstrap', 'ip-rendezvous-relay'],
      ['node2.example.org', 'bootstrap', 'ip-rendezvous-relay'],
      ['node3.example.org', 'bootstrap', 'ip-rendezvous-relay'],
      ['2001:db8::7', 'bootstrap', 'ip-rendezvous-relay']
    ]);
    expect(hosts[1]!.addresses).toEqual([bootstrap[0]]);
    expect(hosts[0]!.addresses).toEqual(['https://samen.example.org']);
  });

  it('lists a host once per role, with every address that names it', () => {
    expect.hasAssertions();
    const ws = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`;
    const direct = `/ip4/127.0.0.1/udp/4003/webrtc-direct/certhash/${CERT}/p2p/${OTHER}`;
    const hosts = contactedHosts(
      profile({ bootstrap: [ws, direct], iceServers: [{ urls: 'stun:127.0.0.1:3478' }] }),
      'http://127.0.0.1:4173'
    );
    expect(brief(hosts)).toEqual([
      ['127.0.0.1', 'app', 'app-loads'],
      ['127.0.0.1', 'bootstrap', 'ip-rendezvous-relay'],
      ['127.0.0.1', 'stun', 'ip-at-connection']
    ]);
    expect(hosts[1]!.addresses).toEqual([ws, direct]);
  });

  it('names STUN and TURN hosts as RFC 7064 and 7065 write them', () => {
    expect.hasAssertions();
    const iceServers: RTCIceServer[] = [
      { urls: ['stun:stun.example.org:3478', 'stun:STUN2.example.org'] },
      { urls: 'stuns:[2001:db8::1]:5349' },
      {
        urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443'],
        username: 'u',
        credential: 'c'
      },
      { urls: 'turn:198.51.100.4?transport=tcp', username: 'u', credential: 'c' }
    ];
    const hosts = contactedHosts(profile({ iceServers }), 'http://[::1]:4173');
    expect(brief(hosts)).toEqual([
      ['::1', 'app', 'app-loads'],
      ['stun.example.org', 'stun', 'ip-at-connection'],
      ['stun2.example.org', 'stun', 'ip-at-connection'],
      ['2001:db8::1', 'stun', 'ip-at-connection'],
      ['turn.example.org', 'turn', 'ip-and-relayed-media'],
      ['198.51.100.4', 'turn', 'ip-and-relayed-media']
    ]);
    expect(hosts.find((h) => h.role === 'turn')!.addresses).toEqual([
      'turn:turn.example.org:3478?transport=udp',
      'turns:turn.example.org:443'
    ]);
  });

  it('lists the DNS-over-HTTPS resolvers, not the name, for a /dnsaddr bootstrap address', () => {
    expect.hasAssertions();
    const dnsaddr = `/dnsaddr/bootstrap.example.org/p2p/${PEER}`;
    const own = profile({ bootstrap: [dnsaddr], iceServers: [] });
    const hosts = contactedHosts(own, 'https://samen.example.org');
    expect(brief(hosts)).toEqual([
      ['samen.example.org', 'app', 'app-loads'],
      ['cloudflare-dns.com', 'dns-resolver', 'ip-and-lookup'],
      ['dns.google', 'dns-resolver', 'ip-and-lookup']
    ]);
    expect(hosts.find((h) => h.host === 'dns.google')!.addresses).toEqual([dnsaddr]);
    expect(hosts.some((h) => h.host === 'bootstrap.example.org')).toBe(false);
  });

  it('lists no DNS-over-HTTPS resolver for the public network, whose bootstrap names its hosts', () => {
    expect.hasAssertions();
    const hosts = contactedHosts(publicProfile(), 'https://samen.example.org');
    expect(PUBLIC_BOOTSTRAP.some((a) => a.startsWith('/dnsaddr/'))).toBe(false);
    expect(hosts.filter((h) => h.role === 'dns-resolver')).toEqual([]);
    const bootstrapHosts = hosts.filter((h) => h.role === 'bootstrap').map((h) => h.host);
    for (const address of PUBLIC_BOOTSTRAP) {
      expect(bootstrapHosts).toContain(address.split('/')[2]);
    }
  });

  it('lists no STUN server when STUN is off', () => {
    expect.hasAssertions();
    const hosts = contactedHosts(publicProfile({ iceServers: [] }), 'https://a.example');
    expect(hosts.filter((h) => h.role === 'stun' || h.role === 'turn')).toEqual([]);
  });

  it('names the resolvers that the installed @multiformats/dns uses in a browser', () => {
    expect.hasAssertions();
    const source = readFileSync(
      new URL(
        '../../node_modules/@multiformats/dns/dist/src/resolvers/default.browser.js',
        import.meta.url
      ),
      'utf8'
    );
    const hosts = [...source.matchAll(/'https:\/\/([^/']+)\//g)].map((match) => match[1]);
    expect(hosts).toEqual([...DNSADDR_RESOLVERS]);
  });
});

describe('discoveredContacts', () => {
  it('says whom the app meets on the way: DHT nodes, /dnsaddr hosts and participants', () => {
    expect.hasAssertions();
    expect(discoveredContacts(publicProfile())).toEqual([
      { kind: 'dht-nodes' },
      { kind: 'participants', throughTurn: false }
    ]);
    const named = profile({ bootstrap: [`/dnsaddr/bootstrap.example.org/p2p/${PEER}`] });
    expect(discoveredContacts(named)).toEqual([
      { kind: 'dht-nodes' },
      { kind: 'dnsaddr-hosts', domains: ['bootstrap.example.org'] },
      { kind: 'participants', throughTurn: false }
    ]);
    const own = profile({ bootstrap: [`/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`] });
    expect(discoveredContacts(own, { alwaysRelay: true })).toEqual([
      { kind: 'dht-nodes' },
      { kind: 'participants', throughTurn: true }
    ]);
  });
});
