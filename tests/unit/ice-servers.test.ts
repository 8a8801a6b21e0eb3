import { describe, expect, it } from 'vitest';
import { thrownName } from '../support/thrown.ts';
import {
  checkIceServers,
  hasTurnServer,
  iceServerUrls,
  isIceServerUrl,
  isTurnUrl,
  MAX_ICE_SERVERS
} from '../../src/p2p/ice-servers.ts';

const STUN: RTCIceServer = { urls: ['stun:stun.example.org:3478'] };
const TURN: RTCIceServer = {
  urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp'],
  username: 'samen',
  credential: 'secret'
};

describe('isIceServerUrl', () => {
  it('accepts stun:, stuns:, turn: and turns: URLs with a host, port and transport', () => {
    expect.hasAssertions();
    const good = [
      'stun:stun.example.org',
      'stun:stun.example.org:3478',
      'stuns:stun.example.org:5349',
      'turn:127.0.0.1:3478?transport=udp',
      'turns:[2001:db8::1]:443?transport=tcp'
    ];
    expect(good.map(isIceServerUrl)).toEqual(good.map(() => true));
  });

  it('refuses other schemes, a missing host, blanks and upper-case schemes', () => {
    expect.hasAssertions();
    const bad = [
      'https://stun.example.org',
      'stun:',
      'stun: stun.example.org',
      ' stun:a',
      'stun:a b',
      'turnx:a',
      'STUN:a',
      ''
    ];
    expect(bad.map(isIceServerUrl)).toEqual(bad.map(() => false));
  });
});

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

  it('lists the URLs of a server given one URL or several', () => {
    expect.hasAssertions();
    expect(iceServerUrls({ urls: 'stun:a' })).toEqual(['stun:a']);
    expect(iceServerUrls(TURN)).toEqual(TURN.urls);
  });
});

describe('checkIceServers', () => {
  it('returns clean copies with urls as an array, credentials kept and other keys dropped', () => {
    expect.hasAssertions();
    const input = [
      { urls: 'stun:stun.example.org:3478', extra: true },
      { ...TURN, credentialType: 'password' }
    ];
    expect(checkIceServers(input)).toEqual([{ urls: ['stun:stun.example.org:3478'] }, TURN]);
    expect(checkIceServers([])).toEqual([]);
  });

  it.each([
    ['not an array', { urls: 'stun:a' }],
    ['too many servers', Array.from({ length: MAX_ICE_SERVERS + 1 }, () => STUN)],
    ['an entry that is not an object', ['stun:a']],
    ['an entry that is an array', [['stun:a']]],
    ['no URLs', [{ urls: [] }]],
    ['an http URL', [{ urls: 'http://x' }]],
    ['a URL that is not a string', [{ urls: [7] }]],
    ['a credential that is not a string', [{ urls: 'turn:x', credential: 1 }]],
    ['a username that is not a string', [{ urls: 'turn:x', username: null }]]
  ])('rejects %s with InvalidNetworkConfigError', (_, value) => {
    expect.hasAssertions();
    expect(thrownName(() => checkIceServers(value))).toBe('InvalidNetworkConfigError');
  });
});
