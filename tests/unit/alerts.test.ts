import { describe, expect, it } from 'vitest';
import { SEEN_ALERTS_KEPT, withAlert, type Alert } from '../../src/lib/alerts.ts';

const intruder = (peerId: string) =>
  ({ security: { kind: 'intruder', peerId, reason: 'AdmissionFailedError' } }) as const;

function counter(): () => number {
  let id = 1;
  return () => id++;
}

describe('withAlert', () => {
  it('shows one alert per kind however many peers cause it, with how many did', () => {
    const seen = new Map<string, true>();
    const nextId = counter();
    let shown: readonly Alert[] = [];
    for (let i = 0; i < 1_000; i++) {
      shown = withAlert(shown, seen, intruder(`peer-${i}`), nextId);
    }
    shown = withAlert(shown, seen, { errorName: 'NetworkUnreachableError' }, nextId);
    expect(
      shown.map(({ id, count, security, errorName }) => [id, count, security?.kind ?? errorName])
    ).toEqual([
      [1, 1_000, 'intruder'],
      [2, 1, 'NetworkUnreachableError']
    ]);
    expect(seen.size).toBe(SEEN_ALERTS_KEPT);
  });

  it('does not count the same peer twice, nor show an event about no peer again', () => {
    const seen = new Map<string, true>();
    const nextId = counter();
    let shown = withAlert([], seen, intruder('a'), nextId);
    expect(withAlert(shown, seen, intruder('a'), nextId)).toBe(shown);
    shown = withAlert(shown, seen, { security: { kind: 'admissions-limited' } } as const, nextId);
    // Dismissed, then the same again: not shown anew in this call.
    shown = shown.filter((alert) => alert.security?.kind !== 'admissions-limited');
    expect(
      withAlert(shown, seen, { security: { kind: 'admissions-limited' } } as const, nextId)
    ).toBe(shown);
  });

  it('after its alert is dismissed, a new peer of that kind shows it again', () => {
    const seen = new Map<string, true>();
    const nextId = counter();
    const dismissed = withAlert([], seen, intruder('a'), nextId).filter(() => false);
    expect(withAlert(dismissed, seen, intruder('b'), nextId)).toEqual([
      { id: 2, count: 1, ...intruder('b') }
    ]);
  });
});
