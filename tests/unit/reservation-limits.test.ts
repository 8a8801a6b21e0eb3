import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { beforeEach, describe, expect, it } from 'vitest';
import { PENDING_RESERVATION_MS } from '../../src/relay/constants.ts';
import {
  addressGroups,
  ReservationLimiter,
  type ReservationCaps
} from '../../src/relay/reservation-limits.ts';

async function newPeer(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
}

/** A relay as the limiter sees it: stored reservations and each peer's open connections. */
class FakeRelay {
  readonly reservations: [PeerId, { addr: Multiaddr }][] = [];
  readonly connections = new Map<string, { remoteAddr: Multiaddr }[]>();
  clock = 0;

  limiter(caps: ReservationCaps): ReservationLimiter {
    return new ReservationLimiter({
      caps,
      reservations: () => this.reservations,
      connections: (peer) => this.connections.get(peer.toString()) ?? [],
      now: () => this.clock
    });
  }

  /** A peer connected from `address`, optionally holding a stored reservation. */
  async peer(address: string, reserved = false): Promise<PeerId> {
    const peer = await newPeer();
    const addr = multiaddr(address);
    this.connections.set(peer.toString(), [{ remoteAddr: addr }]);
    if (reserved) {
      this.reservations.push([peer, { addr }]);
    }
    return peer;
  }
}

describe('addressGroups', () => {
  it.each([
    ['/ip4/1.2.3.4/tcp/4001', '1.2.3.4/32', '1.2.3.0/24'],
    ['/ip4/1.2.3.4/udp/4003/webrtc-direct', '1.2.3.4/32', '1.2.3.0/24'],
    // What a dual-stack socket reports for an IPv4 client counts as that IPv4 address.
    ['/ip6/::ffff:1.2.3.4/tcp/4002/ws', '1.2.3.4/32', '1.2.3.0/24'],
    [
      '/ip6/2a01:4f8:1:2::3/tcp/4002/ws',
      '2a01:04f8:0001:0002:0000:0000:0000:0000/64',
      '2a01:04f8:0001:0000:0000:0000:0000:0000/48'
    ],
    ['/ip4/192.168.1.20/tcp/4002/ws', '192.168.1.20/32', undefined],
    ['/ip4/127.0.0.2/tcp/4001', '127.0.0.2/32', undefined],
    ['/ip6/::1/tcp/4001', '0000:0000:0000:0000:0000:0000:0000:0000/64', undefined],
    ['/ip6/fd00:1:2:3::9/tcp/4001', 'fd00:0001:0002:0003:0000:0000:0000:0000/64', undefined]
  ])('puts %s in address %s and network %s', (address, expected, network) => {
    expect(addressGroups(multiaddr(address))).toEqual({ address: expected, network });
  });

  it('returns undefined for an address that does not start with an IP address', () => {
    expect(addressGroups(multiaddr('/dns4/example.org/tcp/443/wss'))).toBeUndefined();
    expect(addressGroups(multiaddr('/p2p-circuit'))).toBeUndefined();
  });
});

describe('ReservationLimiter', () => {
  let relay: FakeRelay;

  beforeEach(() => {
    relay = new FakeRelay();
  });

  it('refuses a third reservation from one address under a cap of 2, and allows one from the next address', async () => {
    const limiter = relay.limiter({ perAddress: 2, perNetwork: 32 });
    await relay.peer('/ip4/1.2.3.4/tcp/5001', true);
    await relay.peer('/ip4/1.2.3.4/tcp/5002/ws', true);

    expect(limiter.check(await relay.peer('/ip4/1.2.3.4/tcp/5003'))).toEqual({
      allowed: false,
      reason: 'address',
      group: '1.2.3.4/32',
      cap: 2
    });
    expect(limiter.check(await relay.peer('/ip4/1.2.3.5/tcp/5004'))).toEqual({ allowed: true });
  });

  it('refuses a reservation from a public /24 that holds the network cap, and allows one from the next /24', async () => {
    const limiter = relay.limiter({ perAddress: 8, perNetwork: 3 });
    await relay.peer('/ip4/1.2.3.4/tcp/5001', true);
    await relay.peer('/ip4/1.2.3.5/tcp/5001', true);
    await relay.peer('/ip4/1.2.3.6/tcp/5001', true);

    expect(limiter.check(await relay.peer('/ip4/1.2.3.200/tcp/5001'))).toEqual({
      allowed: false,
      reason: 'network',
      group: '1.2.3.0/24',
      cap: 3
    });
    expect(limiter.check(await relay.peer('/ip4/1.2.4.1/tcp/5001'))).toEqual({ allowed: true });
  });

  it('counts the addresses of one IPv6 /64 as one address, and a /48 as one network', async () => {
    const limiter = relay.limiter({ perAddress: 1, perNetwork: 2 });
    await relay.peer('/ip6/2a01:4f8:1:2::3/tcp/5001', true);

    expect(limiter.check(await relay.peer('/ip6/2a01:4f8:1:2::ffff/tcp/5001'))).toMatchObject({
      allowed: false,
      reason: 'address'
    });
    await relay.peer('/ip6/2a01:4f8:1:3::1/tcp/5001', true);
    expect(limiter.check(await relay.peer('/ip6/2a01:4f8:1:4::1/tcp/5001'))).toMatchObject({
      allowed: false,
      reason: 'network',
      group: '2a01:04f8:0001:0000:0000:0000:0000:0000/48'
    });
    expect(limiter.check(await relay.peer('/ip6/2a01:4f8:2:1::1/tcp/5001'))).toEqual({
      allowed: true
    });
  });

  it('applies no network cap to private addresses: a LAN of 5 gets 5 reservations under a network cap of 1', async () => {
    const limiter = relay.limiter({ perAddress: 1, perNetwork: 1 });
    for (let host = 1; host <= 5; host++) {
      const peer = await relay.peer(`/ip4/192.168.1.${host}/tcp/5001`);
      expect(limiter.check(peer)).toEqual({ allowed: true });
      relay.reservations.push([peer, { addr: multiaddr(`/ip4/192.168.1.${host}/tcp/5001`) }]);
    }
  });

  it('lets a peer renew the reservation it holds even when its address is over the cap', async () => {
    const limiter = relay.limiter({ perAddress: 1, perNetwork: 1 });
    const first = await relay.peer('/ip4/1.2.3.4/tcp/5001', true);
    await relay.peer('/ip4/1.2.3.4/tcp/5002', true);
    expect(limiter.check(first)).toEqual({ allowed: true });
  });

  it('counts a reservation it allowed before the relay stores it, for PENDING_RESERVATION_MS', async () => {
    const limiter = relay.limiter({ perAddress: 1, perNetwork: 32 });
    // Two requests checked one after the other, neither stored yet: only the first passes.
    expect(limiter.check(await relay.peer('/ip4/1.2.3.4/tcp/5001'))).toEqual({ allowed: true });
    const second = await relay.peer('/ip4/1.2.3.4/tcp/5002');
    expect(limiter.check(second)).toMatchObject({ allowed: false, reason: 'address' });

    relay.clock += PENDING_RESERVATION_MS - 1;
    expect(limiter.check(second)).toMatchObject({ allowed: false, reason: 'address' });
    // The first was never stored (the relay refused it, or it failed): its slot frees.
    relay.clock += 1;
    expect(limiter.check(second)).toEqual({ allowed: true });
  });

  it('frees the slot of a reservation it saw stored as soon as the relay drops it, within PENDING_RESERVATION_MS', async () => {
    const limiter = relay.limiter({ perAddress: 1, perNetwork: 32 });
    const first = await relay.peer('/ip4/1.2.3.4/tcp/5001');
    expect(limiter.check(first)).toEqual({ allowed: true });
    relay.reservations.push([first, { addr: multiaddr('/ip4/1.2.3.4/tcp/5001') }]);
    const next = await relay.peer('/ip4/1.2.3.4/tcp/5002');
    expect(limiter.check(next)).toMatchObject({ allowed: false, reason: 'address' });
    // The first leaves at once: the relay drops its reservation, no clock has moved.
    relay.reservations.length = 0;
    relay.connections.delete(first.toString());
    expect(limiter.check(next)).toEqual({ allowed: true });
  });

  it('does not count a reservation it allowed for a peer that has left before it was stored', async () => {
    const limiter = relay.limiter({ perAddress: 1, perNetwork: 32 });
    const first = await relay.peer('/ip4/1.2.3.4/tcp/5001');
    expect(limiter.check(first)).toEqual({ allowed: true });
    relay.connections.delete(first.toString());
    expect(limiter.check(await relay.peer('/ip4/1.2.3.4/tcp/5002'))).toEqual({ allowed: true });
  });

  it('counts a stored reservation once, not again as pending', async () => {
    const limiter = relay.limiter({ perAddress: 2, perNetwork: 32 });
    const first = await relay.peer('/ip4/1.2.3.4/tcp/5001');
    expect(limiter.check(first)).toEqual({ allowed: true });
    relay.reservations.push([first, { addr: multiaddr('/ip4/1.2.3.4/tcp/5001') }]);
    expect(limiter.check(await relay.peer('/ip4/1.2.3.4/tcp/5002'))).toEqual({ allowed: true });
  });

  it('does not count a reservation whose peer is no longer connected', async () => {
    const limiter = relay.limiter({ perAddress: 1, perNetwork: 32 });
    const gone = await relay.peer('/ip4/1.2.3.4/tcp/5001', true);
    const next = await relay.peer('/ip4/1.2.3.4/tcp/5002');
    expect(limiter.check(next)).toMatchObject({ allowed: false, reason: 'address' });
    relay.connections.delete(gone.toString());
    expect(limiter.check(next)).toEqual({ allowed: true });
  });

  it('checks every direct connection of the peer, and ignores its relayed ones', async () => {
    const limiter = relay.limiter({ perAddress: 1, perNetwork: 32 });
    await relay.peer('/ip4/1.2.3.4/tcp/5001', true);
    const peer = await newPeer();
    relay.connections.set(peer.toString(), [
      { remoteAddr: multiaddr('/ip4/5.6.7.8/tcp/5001') },
      { remoteAddr: multiaddr('/ip4/1.2.3.4/udp/5002/webrtc-direct') }
    ]);
    expect(limiter.check(peer)).toMatchObject({ allowed: false, group: '1.2.3.4/32' });

    const relayed = await newPeer();
    relay.connections.set(relayed.toString(), [
      { remoteAddr: multiaddr('/ip4/5.6.7.8/tcp/5001') },
      {
        remoteAddr: multiaddr(
          '/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh/p2p-circuit'
        )
      }
    ]);
    expect(limiter.check(relayed)).toEqual({ allowed: true });
  });

  it('refuses a peer with no direct connection or one whose address holds no IP address', async () => {
    const limiter = relay.limiter({ perAddress: 8, perNetwork: 32 });
    expect(limiter.check(await newPeer())).toEqual({ allowed: false, reason: 'no-address' });
    const peer = await newPeer();
    relay.connections.set(peer.toString(), [
      { remoteAddr: multiaddr('/ip4/5.6.7.8/tcp/5001') },
      { remoteAddr: multiaddr('/dns4/example.org/tcp/443/wss') }
    ]);
    expect(limiter.check(peer)).toEqual({ allowed: false, reason: 'no-address' });
  });

  it('applies no cap that is 0', async () => {
    const limiter = relay.limiter({ perAddress: 0, perNetwork: 0 });
    for (let port = 5001; port <= 5040; port++) {
      await relay.peer(`/ip4/1.2.3.4/tcp/${port}`, true);
    }
    expect(limiter.check(await relay.peer('/ip4/1.2.3.4/tcp/6000'))).toEqual({ allowed: true });
  });

  it.each([
    { perAddress: -1, perNetwork: 1 },
    { perAddress: 1, perNetwork: 1.5 }
  ])('throws a RangeError for caps %j', (caps) => {
    expect(() => relay.limiter(caps)).toThrow(RangeError);
  });
});
