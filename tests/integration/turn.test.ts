import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNetworkConfig, type NetworkProfile } from '../../src/p2p/network.ts';
import { createCallNode, type CallNode } from '../../src/p2p/node.ts';
import { requestTurnCredentials } from '../../src/p2p/protocols/turn/index.ts';
import { networkJsonFor, startSwarm, type SamenNode } from '../../src/relay/node.ts';
import { parseCli } from '../../src/relay/options.ts';
import { TURN_REQUESTS_PER_PEER } from '../../src/relay/turn.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

/**
 * TURN credentials from the network's own nodes (protocols/turn, relay/turn.ts): real Samen
 * nodes on loopback that hold a TURN server's secret, and call nodes that ask them.
 */
describe('TURN credentials from the network’s nodes', () => {
  const SECRET = 'the TURN server’s static-auth-secret';
  const TURN_URLS = ['turn:192.0.2.1:3478?transport=udp', 'turn:192.0.2.1:443?transport=tcp'];
  let nodes: SamenNode[];
  let profile: NetworkProfile;
  let plain: LocalSwarm;
  const callNodes: CallNode[] = [];

  beforeAll(async () => {
    const options = parseCli(['--port', '0', '--nodes', '2']);
    nodes = await startSwarm(2, {
      ...options.node,
      host: options.host,
      basePort: options.basePort,
      turn: { secret: SECRET, ttlSeconds: 3600 }
    });
    profile = checkNetworkConfig(
      networkJsonFor(nodes, 'TURN swarm', options.node.dhtProtocol, TURN_URLS),
      'local'
    );
    plain = await startLocalSwarm(1);
  });

  afterAll(async () => {
    await Promise.allSettled([
      ...callNodes.map((node) => node.stop()),
      ...nodes.map((node) => node.stop()),
      plain?.stop()
    ]);
  });

  async function callNode(network: NetworkProfile): Promise<CallNode> {
    const node = await createCallNode({ network, rtcBindAddress: '127.0.0.1' });
    callNodes.push(node);
    return node;
  }

  it('writes the URLs into network.json, and no password', () => {
    expect(profile.turnFromNodes).toEqual(TURN_URLS);
    expect(profile.iceServers).toEqual([]);
  });

  it('gives a connected call node expiring credentials that the TURN server’s secret verifies, and adds them to its ICE servers', async () => {
    const node = await callNode(profile);
    expect(node.turn.iceServers()).toEqual([]);
    await node.turn.refresh();
    const [server] = node.turn.iceServers();
    expect(server?.urls).toEqual(TURN_URLS);
    const username = String(server?.username);
    const expiry = Number(/^(\d+):samen$/.exec(username)?.[1]);
    const now = Date.now() / 1000;
    expect(expiry).toBeGreaterThan(now + 3500);
    expect(expiry).toBeLessThan(now + 3700);
    expect(server?.credential).toBe(createHmac('sha1', SECRET).update(username).digest('base64'));

    // Fresh enough: asking again does not go to the node.
    await node.turn.refresh();
    expect(node.turn.iceServers()).toEqual([server]);
  });

  it('answers one peer TURN_REQUESTS_PER_PEER times a minute, and resets the stream after that', async () => {
    const node = await callNode(profile);
    const [connection] = node.libp2p
      .getConnections()
      .filter((c) => c.remotePeer.equals(nodes[0]!.peerId));
    const connectionToNode = connection ?? (await node.libp2p.dial(nodes[0]!.getMultiaddrs()[0]!));
    for (let i = 0; i < TURN_REQUESTS_PER_PEER; i++) {
      await expect(requestTurnCredentials(connectionToNode)).resolves.toHaveProperty('username');
    }
    await expect(requestTurnCredentials(connectionToNode)).rejects.toHaveProperty(
      'name',
      'TurnUnavailableError'
    );
  });

  it('goes without TURN, and without an error, when the network’s nodes hand out no credentials', async () => {
    const misconfigured = checkNetworkConfig(
      { ...networkJsonFor(plain.nodes, 'no TURN', '/ipfs/kad/1.0.0'), turnFromNodes: TURN_URLS },
      'local'
    );
    const node = await callNode(misconfigured);
    await node.turn.refresh();
    expect(node.turn.iceServers()).toEqual([]);
  });
});
