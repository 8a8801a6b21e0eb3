/**
 * TURN where nothing direct works, with the TURN server and its credentials in network.json and
 * the default media path (automatic): a symmetric NAT (a new port for every destination) against
 * a port-restricted one (answers only the address and port it wrote to), so no pair of host or
 * server-reflexive candidates connects. The call still comes together, with video, libp2p's
 * WebRTC connection and the media both through coturn. (turn-from-nodes.test.ts: credentials
 * from the Samen nodes, and a home that may reach only web ports.)
 */
import { describe, it } from 'vitest';
import { callThroughTurn, labForCalls } from './app.ts';

const call = labForCalls(
  [
    ['a', { preset: 'symmetric', link: { delayMs: 10 } }],
    ['b', { preset: 'port-restricted', link: { delayMs: 10 } }]
  ],
  { turn: 'network-json' }
);

describe('Samen in the lab, with TURN in network.json', () => {
  it('connects a symmetric-NAT home and a port-restricted one through the profile’s TURN server, with video both ways', async () => {
    await callThroughTurn(call, call.homes);
  });
});
