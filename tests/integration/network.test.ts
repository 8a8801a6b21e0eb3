import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { WebRTC } from '@multiformats/multiaddr-matcher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallNode, type CallNode } from '../../src/p2p/node.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

describe('call node on a local swarm', () => {
  let swarm: LocalSwarm;
  const nodes: CallNode[] = [];

  beforeAll(async () => {
    swarm = await startLocalSwarm(3);
  });

  afterAll(async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()));
    await swarm?.stop();
  });

  async function callNode(): Promise<CallNode> {
    const node = await createCallNode({
      network: swarm.profile,
      rtcBindAddress: '127.0.0.1'
    });
    nodes.push(node);
    return node;
  }

  it('connects to every bootstrap node and reserves a relay slot', async () => {
    const node = await callNode();
    const relayed = await node.waitForRelay();
    expect(relayed.length).toBeGreaterThanOrEqual(1);
    await expect.poll(() => node.status.connectedNodes).toBe(3);
  });

  it('finds another node through the DHT and dials it through its relay', async () => {
    const [a, b] = await Promise.all([callNode(), callNode()]);
    await Promise.all([a.waitForRelay(), b.waitForRelay()]);
    const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('samen test')));

    for await (const _ of a.libp2p.services.dht.provide(cid)) {
      // drain the query
    }
    let found: string[] = [];
    for await (const event of b.libp2p.services.dht.findProviders(cid)) {
      if (event.name === 'PROVIDER') {
        const provider = event.providers.find((p) => p.id.equals(a.peerId));
        if (provider !== undefined) {
          found = provider.multiaddrs.map(String);
          break;
        }
      }
    }
    expect(found.some((address) => address.includes('/p2p-circuit'))).toBe(true);

    const connection = await b.libp2p.dial(a.peerId);
    expect(connection.remotePeer.equals(a.peerId)).toBe(true);
    expect(connection.direct).toBe(false);
    expect(connection.remoteAddr.toString()).toContain('/p2p-circuit');
  });

  it('refuses to dial a WebRTC address of a peer that is not admitted, and upgrades once it is', async () => {
    const [a, b] = await Promise.all([callNode(), callNode()]);
    await Promise.all([a.waitForRelay(), b.waitForRelay()]);
    const webrtc = a.libp2p.getMultiaddrs().find((ma) => WebRTC.matches(ma));
    expect(webrtc?.toString()).toMatch(/\/p2p-circuit\/webrtc\/p2p\//);

    const denied = await b.libp2p.dial(webrtc!).catch((err: Error) => err);
    expect((denied as Error).name).toBe('DialDeniedError');
    expect(b.libp2p.getConnections(a.peerId).some((c) => c.direct)).toBe(false);

    // b trusts a, but a has not admitted b: a refuses b's signalling (b's ICE candidates
    // never get an answer carrying a's).
    b.admissions.admit(a.peerId);
    const refusals: string[] = [];
    a.admissions.addEventListener('refused', (event) => {
      const { peer, what } = event.detail;
      refusals.push(`${peer.toString()} ${what}`);
    });
    await expect(b.libp2p.dial(webrtc!, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow();
    expect(refusals).toEqual([`${b.peerId} /webrtc-signaling/0.0.1`]);

    a.admissions.admit(b.peerId);
    const direct = await b.libp2p.dial(webrtc!);
    expect(direct.direct).toBe(true);
    expect(direct.remoteAddr.toString()).toContain('/webrtc');
  });
});
