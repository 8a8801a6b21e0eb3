/**
 * What a call node tells whom before anyone has proved the passphrase: nothing of identify to a
 * peer on a relayed connection, a minimal agent string to the network's own nodes, and no STUN
 * request on the way to a node it dials over WebRTC-direct. Real libp2p nodes on 127.0.0.1.
 */
import { createSocket, type Socket } from 'node:dgram';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { webSockets } from '@libp2p/websockets';
import { yamux } from '@libp2p/yamux';
import { WebRTCDirect } from '@multiformats/multiaddr-matcher';
import { createLibp2p } from 'libp2p';
import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NODE_AGENT } from '../../src/p2p/constants.ts';
import { checkNetworkConfig } from '../../src/p2p/network.ts';
import { createCallNode, type CallNode } from '../../src/p2p/node.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

/** Long enough for ICE gathering to send its first STUN request (it does at once). */
const STUN_WAIT_MS = 1_500;

/** A UDP socket on loopback that counts what arrives: a STUN server that never answers. */
async function stunListener(): Promise<{ socket: Socket; url: string; received: () => number }> {
  const socket = createSocket('udp4');
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, url: `stun:127.0.0.1:${socket.address().port}`, received: () => received };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('call node privacy', () => {
  let swarm: LocalSwarm;
  const nodes: CallNode[] = [];
  const strangers: Libp2p[] = [];

  beforeAll(async () => {
    swarm = await startLocalSwarm(2);
  });

  afterAll(async () => {
    await Promise.allSettled([...nodes, ...strangers].map((node) => node.stop()));
    await swarm?.stop();
  });

  /**
   * A plain libp2p node that dials through relays and runs identify when asked to (its automatic
   * run at connection open is off, so the test's own run is the only one).
   */
  async function strangerNode() {
    const node = await createLibp2p({
      transports: [webSockets(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify({ runOnConnectionOpen: false }) }
    });
    strangers.push(node);
    return node;
  }

  async function callNode(network = swarm.profile): Promise<CallNode> {
    const node = await createCallNode({ network, rtcBindAddress: '127.0.0.1' });
    nodes.push(node);
    return node;
  }

  it('answers no identify to a peer on a relayed connection, which has proved nothing', async () => {
    const target = await callNode();
    const [address] = await target.waitForRelay();
    const stranger = await strangerNode();

    const connection = await stranger.dial(address!);
    expect(connection.limits).toBeDefined();
    // libp2p's own identify, set to run on limited connections (its default): the target
    // negotiates the protocol, then aborts the stream unanswered, so the reader meets its end.
    const answer = await stranger.services.identify.identify(connection).then(
      (result) => `answered: ${result.agentVersion} ${result.listenAddrs.join(' ')}`,
      (err: Error) => err.name
    );
    expect(answer).toBe('UnexpectedEOFError');

    // Nor did the target's own identify run towards the stranger: it learnt nothing of it.
    const known = await target.libp2p.peerStore.get(stranger.peerId).catch(() => undefined);
    expect(known?.metadata.get('AgentVersion')).toBeUndefined();
    // The relayed connection itself stays up: admission runs on it.
    expect(connection.status).toBe('open');
  });

  it('tells the network’s nodes a minimal agent string, not the runtime’s', async () => {
    const node = await callNode();
    const agents = async () => {
      const peers = await Promise.all(
        swarm.nodes.map((server) => server.peerStore.get(node.peerId).catch(() => undefined))
      );
      return peers.flatMap((peer) => {
        const agent = peer?.metadata.get('AgentVersion');
        return agent === undefined ? [] : [new TextDecoder().decode(agent)];
      });
    };
    await expect.poll(agents).toEqual(swarm.nodes.map(() => CALL_NODE_AGENT));
  });

  it('sends no STUN request when it dials the network’s nodes over WebRTC-direct', async () => {
    const stun = await stunListener();
    try {
      const webrtcDirect = swarm.nodes.map((n) =>
        n
          .getMultiaddrs()
          .find((ma) => WebRTCDirect.exactMatch(ma))!
          .toString()
      );
      const network = checkNetworkConfig(
        { name: 'webrtc-direct', bootstrap: webrtcDirect, iceServers: [{ urls: stun.url }] },
        'local'
      );
      const node = await callNode(network);
      await expect.poll(() => node.status.connectedNodes).toBe(swarm.nodes.length);
      expect(node.libp2p.getConnections().every((c) => WebRTCDirect.exactMatch(c.remoteAddr))).toBe(
        true
      );
      await sleep(STUN_WAIT_MS);
      expect(stun.received()).toBe(0);

      // The listener would have seen one: a peer connection given that STUN server asks it.
      const pc = new PolyfillPeerConnection({
        iceServers: [{ urls: stun.url }],
        bindAddress: '127.0.0.1'
      } as RTCConfiguration);
      try {
        pc.createDataChannel('probe');
        await pc.setLocalDescription(await pc.createOffer());
        await expect.poll(() => stun.received(), { timeout: 5_000 }).toBeGreaterThan(0);
      } finally {
        pc.close();
      }
    } finally {
      stun.socket.close();
    }
  });
});
