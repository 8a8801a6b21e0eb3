import { describe, expect, it } from 'vitest';
import {
  AdmissionLimiter,
  CALL_GUESS_BURST,
  CALL_GUESS_REFILL_MS,
  MAX_OUTGOING_RUNS,
  MAX_TRACKED_PEERS,
  PEER_BACKOFF_MS
} from '../../src/p2p/protocols/admit/limits.ts';

/** A limiter on a clock the test moves. */
function limiter() {
  let now = 1_000;
  const limits = new AdmissionLimiter({ now: () => now });
  return { limits, advance: (ms: number) => (now += ms) };
}

function take(limits: AdmissionLimiter, peer: string, direction: 'initiator' | 'responder') {
  const slot = limits.reserve(peer, direction);
  if (!slot.ok) throw new Error(`refused: ${slot.reason}`);
  return slot;
}

describe('AdmissionLimiter', () => {
  it('answers a burst of CALL_GUESS_BURST guesses from fresh peers, then one per refill, and never locks', () => {
    const { limits, advance } = limiter();
    for (let i = 0; i < CALL_GUESS_BURST; i++) {
      take(limits, `attacker-${i}`, 'responder').release('failed');
    }
    expect(limits.reserve('attacker-x', 'responder')).toEqual({
      ok: false,
      reason: 'call-rate',
      retryAfterMs: CALL_GUESS_REFILL_MS
    });
    // An honest newcomer during the attack waits one refill, not for ever.
    advance(CALL_GUESS_REFILL_MS);
    take(limits, 'friend', 'responder').release('admitted');
    expect(limits.totalFailures).toBe(CALL_GUESS_BURST);
  });

  it('keeps the slot of a run that admitted someone: admissions, too, come at the call rate', () => {
    const { limits, advance } = limiter();
    for (let i = 0; i < CALL_GUESS_BURST; i++) {
      take(limits, `knows-the-passphrase-${i}`, 'responder').release('admitted');
    }
    expect(limits.reserve('one-more', 'responder')).toMatchObject({
      ok: false,
      reason: 'call-rate'
    });
    expect(limits.totalFailures).toBe(0);
    expect(limits.failures('knows-the-passphrase-0')).toBe(0);
    advance(CALL_GUESS_REFILL_MS);
    take(limits, 'one-more', 'responder').release('admitted');
  });

  it('answers one run at a time per peer', () => {
    const { limits } = limiter();
    const first = take(limits, 'peer', 'responder');
    expect(limits.reserve('peer', 'responder')).toMatchObject({
      ok: false,
      reason: 'peer-backoff'
    });
    first.release('abandoned');
    take(limits, 'peer', 'responder').release('abandoned');
  });

  it('makes a peer that guessed wrong wait longer after each failure', () => {
    const { limits, advance } = limiter();
    for (const [failure, pause] of PEER_BACKOFF_MS.entries()) {
      take(limits, 'mallory', 'responder').release('failed');
      expect(limits.failures('mallory')).toBe(failure + 1);
      const refused = limits.reserve('mallory', 'responder');
      expect(refused).toEqual({ ok: false, reason: 'peer-backoff', retryAfterMs: pause });
      advance(pause);
      // Plenty of call-wide slots meanwhile (the refill), so only the peer's own pause counts.
      advance(CALL_GUESS_REFILL_MS);
    }
    take(limits, 'mallory', 'responder').release('failed');
    expect(limits.waitFor('mallory')).toBe(PEER_BACKOFF_MS.at(-1));
    // Someone else is not held back by mallory's pause.
    take(limits, 'alice', 'responder').release('admitted');
  });

  it('counts no guess for a run that ended before we answered', () => {
    const { limits } = limiter();
    for (let i = 0; i < CALL_GUESS_BURST * 3; i++) {
      take(limits, 'peer', 'responder').release('abandoned');
    }
    expect(limits.failures('peer')).toBe(0);
    expect(limits.available).toBe(CALL_GUESS_BURST);
  });

  it('counts our own runs in flight, and lets only MAX_OUTGOING_RUNS run at once', () => {
    const { limits } = limiter();
    const running = Array.from({ length: MAX_OUTGOING_RUNS }, (_, i) =>
      take(limits, `provider-${i}`, 'initiator')
    );
    expect(limits.reserve('provider-x', 'initiator')).toMatchObject({
      ok: false,
      reason: 'outgoing-busy'
    });
    // Answering others is not held up by our own runs, but shares the call's guesses.
    expect(limits.available).toBe(CALL_GUESS_BURST - MAX_OUTGOING_RUNS);
    running[0]!.release('failed');
    running[0]!.release('failed'); // a second release changes nothing
    expect(limits.totalFailures).toBe(1);
    take(limits, 'provider-x', 'initiator').release('admitted');
  });

  it('keeps at most MAX_TRACKED_PEERS records, forgetting the oldest', () => {
    const { limits, advance } = limiter();
    for (let i = 0; i <= MAX_TRACKED_PEERS; i++) {
      advance(CALL_GUESS_REFILL_MS);
      take(limits, `peer-${i}`, 'responder').release('failed');
    }
    expect(limits.failures('peer-0')).toBe(0);
    expect(limits.failures('peer-1')).toBe(1);
    expect(limits.failures(`peer-${MAX_TRACKED_PEERS}`)).toBe(1);
  });
});
