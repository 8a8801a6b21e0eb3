import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { WebRTC } from '@multiformats/multiaddr-matcher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_ALIVE, type Libp2p, type PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import {
  CONNECTION_PING_INTERVAL_MS,
  CONNECTION_PING_TIMEOUT_MS
} from '../../src/p2p/constants.ts';
import { PING_INTERVAL_MS, PING_TIMEOUT_MS } from '../../src/relay/constants.ts';
import { KAD_KEEP_ALIVE_TAG, createCallNode, type CallNode } from '../../src/p2p/node.ts';
import { dialRelayed, openRelayedConnection } from '../../src/p2p/call/relayed-dial.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

/** libp2p's ping protocol, which its connection monitor speaks on every connection. */
const PING_PROTOCOL = '/ipfs/ping/1.0.0';

/** Later than libp2p's default ping timeout (5 s), within the call node's and Samen node's. */
const SLOW_PING_MS = 8_000;

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

  it("keeps kad-dht's keep-alive tag only on peers with a higher ID, so one side of a pair redials", async () => {
    const [a, b] = [await callNode(), await callNode()];
    const [low, high] = a.peerId.toString() < b.peerId.toString() ? [a, b] : [b, a];
    // What kad-dht's closest-peer tagger does to a peer it pinged (a participant among them).
    const tag = { tags: { [KAD_KEEP_ALIVE_TAG]: { value: 1 } } };
    await low.libp2p.peerStore.merge(high.peerId, tag);
    await high.libp2p.peerStore.merge(low.peerId, tag);
    const tags = async (node: CallNode, peer: PeerId) => [
      ...(await node.libp2p.peerStore.get(peer)).tags.keys()
    ];
    await expect.poll(() => tags(high, low.peerId)).not.toContain(KAD_KEEP_ALIVE_TAG);
    expect(await tags(low, high.peerId)).toContain(KAD_KEEP_ALIVE_TAG);
    // The bootstrap nodes keep the tag the call node gave them (connectToBootstrap).
    const bootstrap = a.libp2p.getConnections().map((c) => c.remotePeer);
    expect(bootstrap.length).toBeGreaterThan(0);
    for (const peer of bootstrap) {
      expect(await tags(a, peer)).toContain(KEEP_ALIVE);
    }
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

  it('reaches a peer through the relayed connection it opened, where a crossing dial of ours fails', async () => {
    const [a, b] = await Promise.all([callNode(), callNode()]);
    const [aRelayed, bRelayed] = await Promise.all([a.waitForRelay(), b.waitForRelay()]);
    // One relay both hold a reservation on: the two directions of the pair then cross there.
    const relayOf = (ma: Multiaddr) => ma.toString().split('/p2p-circuit')[0];
    const viaB = bRelayed.find((ma) => aRelayed.some((x) => relayOf(x) === relayOf(ma)));
    const viaA = aRelayed.find((ma) => relayOf(ma) === relayOf(viaB!));
    expect(viaB).toBeDefined();
    const crossing = await b.libp2p.dial(viaA!);
    expect(crossing.limits).toBeDefined();

    // libp2p does not reuse a limited connection: a dial of b through the same relay opens a
    // second one, aborts it as a duplicate of b's, and a caller that joined the dial is told the
    // connection closed during opening (libp2p's redial and ours join each other's dials).
    const plain = await Promise.allSettled([a.libp2p.dial(viaB!), a.libp2p.dial(viaB!)]);
    const refused = plain.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String(outcome.reason)] : []
    );
    expect(refused).toEqual([expect.stringContaining('Remote closed connection during opening')]);

    // Ours, on both sides of libp2p's own dial of the peer, each get the open connection.
    const reach = () => dialRelayed(a.libp2p, b.peerId, [viaB!], AbortSignal.timeout(10_000));
    const [first, , last] = await Promise.all([
      reach(),
      a.libp2p.dial(b.peerId).catch((err: unknown) => err),
      reach()
    ]);
    for (const reached of [first, last]) {
      expect(reached.status).toBe('open');
      expect(reached.remotePeer.equals(b.peerId)).toBe(true);
      expect(reached).toBe(openRelayedConnection(a.libp2p, b.peerId));
    }
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

  // Two ways a participant's connection was aborted though both sides were there (the 4-person
  // e2e test lost its videos to them): a browser busy with video answered libp2p's keep-alive
  // ping in 5–12 s, beyond libp2p's 5 s; and the DHT's ping of a peer it saw in a lookup (the
  // other participants) was under way when the keep-alive ping started, which libp2p refused as
  // a second outbound ping stream, and the refusal aborted the connection.
  it(`keeps connections whose pings are answered ${SLOW_PING_MS} ms late, two at a time`, async () => {
    const [node, late] = await Promise.all([callNode(), callNode()]);
    await expect.poll(() => [node, late].map((n) => n.status.connectedNodes)).toEqual([3, 3]);
    const busy = swarm.nodes[0]!;
    const connection = node.libp2p.getConnections(busy.peerId)[0]!;
    const relayed = busy.getConnections(late.peerId)[0]!;
    expect([connection.status, relayed.status]).toEqual(['open', 'open']);

    // The busy node echoes the call node's pings only after SLOW_PING_MS (the other nodes of
    // the swarm ping it too, with libp2p's defaults: those are echoed at once).
    let slowPings = 0;
    await answerLate(busy, node.peerId, () => slowPings++);
    // And the other call node, like a browser busy with video, answers the busy node late.
    let answeredLate = 0;
    await answerLate(late.libp2p, busy.peerId, () => answeredLate++);

    // Meanwhile another ping of the busy node is always under way, as the DHT's would be.
    let pinging = true;
    const others = (async () => {
      let answered = 0;
      while (pinging) {
        await node.libp2p.services.ping.ping(busy.peerId, {
          signal: AbortSignal.timeout(CONNECTION_PING_TIMEOUT_MS)
        });
        answered++;
      }
      return answered;
    })();

    // Each side's connection monitor pings every connection every CONNECTION_PING_INTERVAL_MS
    // (a Samen node: PING_INTERVAL_MS): within this window one of its pings has started and
    // had SLOW_PING_MS to be answered.
    const interval = Math.max(CONNECTION_PING_INTERVAL_MS, PING_INTERVAL_MS);
    await new Promise((resolve) => setTimeout(resolve, interval + SLOW_PING_MS + 1_000));
    pinging = false;
    expect(connection.status).toBe('open');
    expect(node.libp2p.getConnections(busy.peerId)).toContain(connection);
    expect(relayed.status).toBe('open');
    expect(busy.getConnections(late.peerId)).toContain(relayed);
    // The other pings went on too, one after the other.
    expect(await others).toBeGreaterThanOrEqual(4);
    // At least the other pings' and one of the monitor's.
    expect(slowPings).toBeGreaterThanOrEqual(5);
    expect(answeredLate).toBeGreaterThanOrEqual(1);
    expect(SLOW_PING_MS).toBeLessThan(Math.min(CONNECTION_PING_TIMEOUT_MS, PING_TIMEOUT_MS));
    // One keep-alive ping at a time: the next starts after the last one has timed out.
    expect(CONNECTION_PING_INTERVAL_MS).toBeGreaterThan(CONNECTION_PING_TIMEOUT_MS);
    expect(PING_INTERVAL_MS).toBeGreaterThan(PING_TIMEOUT_MS);
  });
});

/** Makes `node` answer the pings of `from` only after SLOW_PING_MS (others at once). */
async function answerLate(node: Libp2p, from: PeerId, onLate: () => void): Promise<void> {
  await node.unhandle(PING_PROTOCOL);
  await node.handle(
    PING_PROTOCOL,
    async (stream, connection) => {
      const slow = connection.remotePeer.equals(from);
      if (slow) {
        onLate();
      }
      for await (const chunk of stream) {
        if (slow) {
          await new Promise((resolve) => setTimeout(resolve, SLOW_PING_MS));
        }
        stream.send(chunk);
      }
      await stream.close();
    },
    { runOnLimitedConnection: true }
  );
}
