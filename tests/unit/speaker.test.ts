import { describe, expect, it } from 'vitest';
import {
  ActiveSpeaker,
  SPEAKER_HOLD_MS,
  SPEAKER_MIN_TURN_MS,
  SPEAKING_LEVEL
} from '../../src/p2p/speaker.ts';

const levels = (entries: Record<string, number>) => new Map(Object.entries(entries));

/** Speech after automatic gain control (−20 dBov), and a quiet room after noise suppression. */
const VOICE = 0.1;
const ROOM = 0.003;

describe('ActiveSpeaker', () => {
  it('highlights nobody while everyone is below the speech threshold', () => {
    expect.hasAssertions();
    const speaker = new ActiveSpeaker();
    expect(speaker.update(levels({ a: ROOM, b: SPEAKING_LEVEL * 0.99 }), 0)).toBeUndefined();
    expect(speaker.update(new Map(), 500)).toBeUndefined();
  });

  it('highlights the loudest of those speaking, at once', () => {
    expect.hasAssertions();
    const speaker = new ActiveSpeaker();
    expect(speaker.update(levels({ a: 0.05, b: VOICE, c: ROOM }), 0)).toBe('b');
    expect(speaker.current).toBe('b');
  });

  it('holds the highlight through a pause, and drops it after SPEAKER_HOLD_MS of quiet', () => {
    expect.hasAssertions();
    const speaker = new ActiveSpeaker();
    speaker.update(levels({ a: VOICE }), 0);
    expect(speaker.update(levels({ a: ROOM }), 500)).toBe('a');
    expect(speaker.update(levels({ a: ROOM }), SPEAKER_HOLD_MS)).toBe('a');
    expect(speaker.update(levels({ a: ROOM }), SPEAKER_HOLD_MS + 500)).toBeUndefined();
  });

  it('drops the highlight at once when the speaker is no longer heard (muted or gone)', () => {
    expect.hasAssertions();
    const speaker = new ActiveSpeaker();
    speaker.update(levels({ a: VOICE, b: ROOM }), 0);
    expect(speaker.update(levels({ b: ROOM }), 500)).toBeUndefined();
  });

  it('lets a louder voice take over only after the current speaker had a turn', () => {
    expect.hasAssertions();
    const speaker = new ActiveSpeaker();
    speaker.update(levels({ a: 0.05 }), 0);
    // b talks over a, louder, half a second in: a keeps it.
    expect(speaker.update(levels({ a: 0.05, b: VOICE }), 500)).toBe('a');
    // After a's minimum turn, the louder voice wins.
    expect(speaker.update(levels({ a: 0.05, b: VOICE }), SPEAKER_MIN_TURN_MS)).toBe('b');
    // And a, now quieter than b, does not take it back while b talks.
    expect(speaker.update(levels({ a: 0.05, b: VOICE }), SPEAKER_MIN_TURN_MS + 500)).toBe('b');
  });

  it('hands over at once when the speaker has gone quiet and someone else speaks', () => {
    expect.hasAssertions();
    const speaker = new ActiveSpeaker();
    speaker.update(levels({ a: VOICE, b: ROOM }), 0);
    expect(speaker.update(levels({ a: ROOM, b: 0.04 }), 500)).toBe('b');
  });

  it('takes its threshold and times from options', () => {
    expect.hasAssertions();
    const speaker = new ActiveSpeaker({ threshold: 0.5, holdMs: 100, minTurnMs: 0 });
    expect(speaker.update(levels({ a: VOICE }), 0)).toBeUndefined();
    expect(speaker.update(levels({ a: 0.6 }), 0)).toBe('a');
    expect(speaker.update(levels({ a: 0.6, b: 0.9 }), 1)).toBe('b');
    expect(speaker.update(levels({ a: 0, b: 0 }), 200)).toBeUndefined();
  });
});
