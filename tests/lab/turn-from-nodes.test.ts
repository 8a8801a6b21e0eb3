/**
 * TURN credentials from the Samen nodes (protocols/turn, relay/turn.ts): network.json lists the
 * TURN server's URLs in `turnFromNodes` and no password; the nodes hold coturn's secret and hand
 * each browser connected to them credentials that expire. Here the hardest home: a firewall that
 * lets only TCP to ports 80 and 443 out. The app loads from port 80, the network answers on the
 * WebSockets port 443 of its first node, and TURN runs over TCP 443.
 */
import { describe, expect, it } from 'vitest';
import { callThroughTurn, labForCalls } from './app.ts';

const call = labForCalls(
  [
    ['a', { preset: 'udp-blocked', link: { delayMs: 10 } }],
    ['b', { preset: 'port-restricted', link: { delayMs: 10 } }]
  ],
  { turn: 'nodes' }
);

describe('Samen in the lab, with TURN credentials from its nodes', () => {
  it('serves no TURN password in network.json, only the URLs', () => {
    const { iceServers, turnFromNodes } = call.stack.networkJson;
    expect(iceServers.every((server) => server.credential === undefined)).toBe(true);
    expect(turnFromNodes).toHaveLength(3);
  });

  it('connects a home that may only reach TCP ports 80 and 443 with a port-restricted one, through TURN over TCP 443, with video both ways', async () => {
    const [blockedPairs] = await callThroughTurn(call, call.homes);
    // No UDP leaves that home: its end of every connection is a relay candidate it allocated
    // over TCP.
    for (const pair of blockedPairs!) {
      expect(pair.local).toMatchObject({ type: 'relay', relayProtocol: 'tcp' });
    }
  });
});
