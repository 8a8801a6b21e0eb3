import { describe, expect, it } from 'vitest';
import { listenFor, parseCli } from '../../src/relay/options.ts';

describe('samen-node options', () => {
  it('defaults to one node on loopback speaking the Amino DHT protocol', () => {
    const options = parseCli([]);
    expect(options.nodes).toBe(1);
    expect(options.node.listen).toEqual([
      '/ip4/127.0.0.1/tcp/4001',
      '/ip4/127.0.0.1/tcp/4002/ws',
      '/ip4/127.0.0.1/udp/4003/webrtc-direct'
    ]);
    expect(options.node.dhtProtocol).toBe('/ipfs/kad/1.0.0');
    expect(options.node.allowPrivateAddresses).toBe(true);
    expect(options.verbose).toBe(false);
    expect(options.node.relay).toEqual({
      maxReservations: 256,
      maxReservationsPerAddress: 8,
      maxReservationsPerNetwork: 32,
      reservationTtlMs: 3_600_000,
      durationLimitMs: 120_000,
      dataLimitBytes: 1_048_576n
    });
  });

  it('reads every documented option', () => {
    const options = parseCli([
      '--host',
      '0.0.0.0',
      '--port',
      '5000',
      '--announce',
      '/dns4/samen.example.org/tcp/443/wss',
      '--bootstrap',
      '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh',
      '--dht-protocol',
      '/org/kad/1.0.0',
      '--public',
      '--key-file',
      '/var/lib/samen/peer.key',
      '--relay-max-reservations',
      '10',
      '--relay-max-reservations-per-ip',
      '0',
      '--relay-max-reservations-per-network',
      '4',
      '--relay-reservation-ttl',
      '600',
      '--relay-duration-limit',
      '30',
      '--relay-data-limit',
      '65536',
      '--network-json',
      'out.json',
      '--network-name',
      'Org',
      '--verbose'
    ]);
    expect(options.node.listen).toEqual(listenFor('0.0.0.0', 5000, 0));
    expect(options.node.announce).toEqual(['/dns4/samen.example.org/tcp/443/wss']);
    expect(options.node.bootstrap).toHaveLength(1);
    expect(options.node.dhtProtocol).toBe('/org/kad/1.0.0');
    expect(options.node.allowPrivateAddresses).toBe(false);
    expect(options.node.keyFile).toBe('/var/lib/samen/peer.key');
    expect(options.node.relay).toEqual({
      maxReservations: 10,
      maxReservationsPerAddress: 0,
      maxReservationsPerNetwork: 4,
      reservationTtlMs: 600_000,
      durationLimitMs: 30_000,
      dataLimitBytes: 65_536n
    });
    expect(options.networkJson).toBe('out.json');
    expect(options.networkName).toBe('Org');
    expect(options.verbose).toBe(true);
  });

  it('gives node i of a swarm its own ports, or free ports with --port 0', () => {
    expect(listenFor('127.0.0.1', 4001, 2)).toEqual([
      '/ip4/127.0.0.1/tcp/4021',
      '/ip4/127.0.0.1/tcp/4022/ws',
      '/ip4/127.0.0.1/udp/4023/webrtc-direct'
    ]);
    expect(listenFor('::1', 0, 5)[1]).toBe('/ip6/::1/tcp/0/ws');
  });

  it.each([
    [['--nodes', '0']],
    [['--nodes', '1000']],
    [['--port', '70000']],
    [['--listen', 'not-a-multiaddr']],
    [['--dht-protocol', 'kad']],
    [['--nodes', '3', '--key-file', 'k']],
    [['--unknown']],
    [['--relay-duration-limit', '1']],
    [['--relay-max-reservations-per-ip', '-1']],
    [['--relay-max-reservations-per-network', '2.5']],
    [['--verbose=yes']]
  ])('refuses %j with a UsageError', (argv) => {
    expect(() => parseCli(argv)).toThrow(expect.objectContaining({ name: 'UsageError' }));
  });
});
