import { describe, expect, it } from 'vitest';
import { iceConfigFor, parseMediaPath } from '../../src/p2p/media-path.ts';

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

describe('iceConfigFor', () => {
  it('relays through every server of the profile, and only relays, under `relay`', () => {
    expect.hasAssertions();
    expect(iceConfigFor([STUN, TURN], 'relay')).toEqual({
      iceServers: [STUN, TURN],
      iceTransportPolicy: 'relay'
    });
  });

  it('keeps every server, TURN included, with all candidates, under `auto` (the default)', () => {
    expect.hasAssertions();
    const auto = { iceServers: [STUN, TURN, MIXED], iceTransportPolicy: 'all' };
    expect(iceConfigFor([STUN, TURN, MIXED], 'auto')).toEqual(auto);
    expect(iceConfigFor([STUN, TURN, MIXED])).toEqual(auto);
  });

  it('leaves the TURN URLs (and their credentials) out when direct only', () => {
    expect.hasAssertions();
    expect(iceConfigFor([STUN, TURN, MIXED], 'direct')).toEqual({
      iceServers: [STUN, { urls: ['stun:turn.example.org:3478'] }],
      iceTransportPolicy: 'all'
    });
    expect(iceConfigFor(undefined, 'direct')).toEqual({
      iceServers: [],
      iceTransportPolicy: 'all'
    });
  });

  it('reads a stored path, and anything else as `auto`', () => {
    expect.hasAssertions();
    expect(['auto', 'direct', 'relay'].map(parseMediaPath)).toEqual(['auto', 'direct', 'relay']);
    expect([undefined, 'all', 'RELAY', 3].map(parseMediaPath)).toEqual([
      'auto',
      'auto',
      'auto',
      'auto'
    ]);
  });

  it('does not change the profile’s own list', () => {
    expect.hasAssertions();
    const servers = [STUN, TURN];
    const config = iceConfigFor(servers, 'relay');
    config.iceServers.pop();
    expect(servers).toEqual([STUN, TURN]);
  });
});
