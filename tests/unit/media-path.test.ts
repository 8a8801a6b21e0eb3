import { describe, expect, it } from 'vitest';
import { hasTurnServer, isTurnUrl, mediaIceConfig } from '../../src/p2p/media-path.ts';

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

describe('isTurnUrl / hasTurnServer', () => {
  it('recognises turn: and turns: URLs in any case, and nothing else', () => {
    expect.hasAssertions();
    expect(['turn:a:3478', 'turns:a:443', 'TURN:a', ' turns:a'].map(isTurnUrl)).toEqual([
      true,
      true,
      true,
      true
    ]);
    expect(['stun:a:3478', 'stuns:a', 'https://turn.a', 'turnx:a', ''].map(isTurnUrl)).toEqual([
      false,
      false,
      false,
      false,
      false
    ]);
  });

  it('finds a TURN server in a string or a list of URLs', () => {
    expect.hasAssertions();
    expect(hasTurnServer([STUN, TURN])).toBe(true);
    expect(hasTurnServer([{ urls: 'turns:turn.example.org:443' }])).toBe(true);
    expect(hasTurnServer([STUN, { urls: 'stun:b' }])).toBe(false);
    expect(hasTurnServer([])).toBe(false);
    expect(hasTurnServer(undefined)).toBe(false);
  });
});

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
