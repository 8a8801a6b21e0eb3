/**
 * Test support: a local swarm of Samen nodes on 127.0.0.1 (free ports), and the network
 * profile a call node uses to reach it. Real libp2p nodes; nothing leaves loopback.
 */
import { checkNetworkConfig, type NetworkProfile } from '../../src/p2p/network.ts';
import { networkJsonFor, startSwarm, type SamenNode } from '../../src/relay/node.ts';
import { parseCli } from '../../src/relay/options.ts';

export interface LocalSwarm {
  readonly nodes: SamenNode[];
  readonly profile: NetworkProfile;
  stop(): Promise<void>;
}

export async function startLocalSwarm(count: number): Promise<LocalSwarm> {
  const options = parseCli(['--port', '0', '--nodes', String(count)]);
  const nodes = await startSwarm(count, {
    ...options.node,
    host: options.host,
    basePort: options.basePort
  });
  const profile = checkNetworkConfig(
    networkJsonFor(nodes, 'test swarm', options.node.dhtProtocol),
    'local'
  );
  return {
    nodes,
    profile,
    stop: async () => {
      await Promise.allSettled(nodes.map((node) => node.stop()));
    }
  };
}
