import { describe, expect, it } from 'vitest';
import { mediaIceConfig } from '../../src/p2p/media-path.ts';

const STUN: RTCIceServer = { urls: ['stun:stun.example.org:3478'] };
const TURN: RTCIceServer = {
  urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp'],
  username: 'samen',
  credential: 'secret'
};
const MIXED: RTCIceServer = {
  urls: ['stun:turn.example.org:3478', 'TURN:turn.example.org:3478'],
  username: 'samen',
  credential: 'secret'
};

describe('mediaIceConfig', () => {
  it('relays through every server of the profile, and only relays, under `relay`', () => {
    expect.hasAssertions();
    expect(mediaIceConfig([STUN, TURN], 'relay')).toEqual({
      iceServers: [STUN, TURN],
      iceTransportPolicy: 'relay'
    });
  });

  it('leaves the TURN URLs (and their credentials) out when direct only', () => {
    expect.hasAssertions();
    const direct = { iceServers: [STUN, { urls: ['stun:turn.example.org:3478'] }] };
    expect(mediaIceConfig([STUN, TURN, MIXED], 'all')).toEqual(direct);
    expect(mediaIceConfig([STUN, TURN, MIXED], undefined)).toEqual(direct);
    expect(mediaIceConfig(undefined, undefined)).toEqual({ iceServers: [] });
  });

  it('does not change the profile’s own list', () => {
    expect.hasAssertions();
    const servers = [STUN, TURN];
    const config = mediaIceConfig(servers, 'relay');
    config.iceServers.pop();
    expect(servers).toEqual([STUN, TURN]);
  });
});
