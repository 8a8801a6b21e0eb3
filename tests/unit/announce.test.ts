import { describe, expect, it } from 'vitest';
import { participantChanges } from '../../src/lib/announce.ts';
import type { ParticipantSnapshot } from '../../src/p2p/call/types.ts';

const p = (
  peerId: string,
  state: ParticipantSnapshot['state'],
  audio?: boolean
): ParticipantSnapshot => ({
  peerId,
  state,
  ...(audio === undefined ? {} : { media: { audio, video: false, screen: false } })
});

describe('participantChanges', () => {
  it('announces a join once someone is admitted, not while they connect', () => {
    expect.hasAssertions();
    expect(participantChanges([], [p('a', 'connecting')])).toEqual([]);
    expect(participantChanges([p('a', 'connecting')], [p('a', 'admitted')])).toEqual([
      { kind: 'joined', peerId: 'a' }
    ]);
    expect(participantChanges([p('a', 'admitted')], [p('a', 'direct')])).toEqual([]);
  });

  it('does not announce a reconnection as a leave and a join', () => {
    expect.hasAssertions();
    expect(participantChanges([p('a', 'direct')], [p('a', 'reconnecting')])).toEqual([]);
    expect(participantChanges([p('a', 'reconnecting')], [p('a', 'direct')])).toEqual([]);
  });

  it('announces a leave when someone is left or gone from the list', () => {
    expect.hasAssertions();
    expect(participantChanges([p('a', 'direct'), p('b', 'direct')], [p('a', 'left')])).toEqual([
      { kind: 'left', peerId: 'a' },
      { kind: 'left', peerId: 'b' }
    ]);
    expect(participantChanges([p('a', 'connecting')], [])).toEqual([]);
  });

  it('announces a microphone going off and on, but not the first state heard', () => {
    expect.hasAssertions();
    expect(participantChanges([p('a', 'direct')], [p('a', 'direct', false)])).toEqual([]);
    expect(participantChanges([p('a', 'direct', true)], [p('a', 'direct', false)])).toEqual([
      { kind: 'muted', peerId: 'a' }
    ]);
    expect(participantChanges([p('a', 'direct', false)], [p('a', 'direct', true)])).toEqual([
      { kind: 'unmuted', peerId: 'a' }
    ]);
    expect(participantChanges([p('a', 'direct', true)], [p('a', 'left', false)])).toEqual([
      { kind: 'left', peerId: 'a' }
    ]);
  });
});
