/**
 * How many passphrase guesses a call answers, and how fast: a rate limit with backoff, per peer
 * and per call, that slows an attacker down without locking anyone out.
 *
 * An admission run is one online guess for whoever does not know the passphrase (and PIN), on
 * either side: as responder we evaluate the initiator's share; as initiator a hostile responder
 * learns from our confirmation whether its own guess was right. So both directions take a
 * slot here before we send our share, and only a run in which we gave an answer counts: a
 * malformed first message, a refusal or a run we never answered costs nobody anything.
 *
 * A run that admits someone keeps its slot too. Someone who knows the passphrase and PIN could
 * otherwise run admission again and again, with fresh peer IDs, to try session keys (and so
 * safety words) until two sides' words collided; each run is a new participant, and the call
 * lets in a burst of a group's worth of them, then one every CALL_GUESS_REFILL_MS. Coming back
 * after a drop takes no slot: that is a resume ticket, not an admission.
 *
 * The hourly rendezvous key is seen by every DHT server on its path, so anyone may try: with
 * fresh peer IDs the per-peer backoff does nothing, and the call-wide bucket is what bounds the
 * guesses. It refills, so an attack delays new admissions for a while but never locks the call;
 * participants who were admitted before come back with a resume ticket, which takes no slot.
 */

/**
 * Pause a peer must leave after its n-th failed guess before the next is answered (the n-th
 * entry; the last holds from then on). An honest peer with a wrong PIN fails once or twice and
 * is told why; an attacker with one peer ID gets about 20 guesses an hour.
 */
export const PEER_BACKOFF_MS: readonly number[] = [2_000, 10_000, 30_000, 60_000, 3 * 60_000];

/**
 * Guesses the call answers in a burst, from anyone: a group of friends joining at once (up to
 * 8, a few of whom may mistype the PIN) never waits.
 */
export const CALL_GUESS_BURST = 10;

/**
 * One more guess becomes available this often: 10 a minute, 14 400 a day. Against a generated
 * passphrase (about 64 bits) that is nothing; against a weak one the PIN and the argon2id cost
 * of offline guessing (which needs the DHT key, not us) matter more (SECURITY.md).
 */
export const CALL_GUESS_REFILL_MS = 6_000;

/** Runs of our own (as initiator) in flight at once: a few providers at a time, not all found. */
export const MAX_OUTGOING_RUNS = 3;

/**
 * Peers whose failures are remembered; beyond this the oldest record goes (an attacker with
 * endless peer IDs must not grow our memory). The call-wide bucket still holds them back.
 */
export const MAX_TRACKED_PEERS = 1_024;

export type RunDirection = 'initiator' | 'responder';

/**
 * How a run that took a slot ended: `failed` once we answered and the peer did not prove the
 * passphrase (or stopped after our answer); `abandoned` when it ended before we answered.
 */
export type RunOutcome = 'admitted' | 'failed' | 'abandoned';

export type Reservation =
  | {
      readonly ok: true;
      /**
       * Ends the run: `failed` counts a guess against the peer, `abandoned` frees the slot, and
       * `admitted` keeps it spent (see the module comment).
       */
      release(outcome: RunOutcome): void;
    }
  | {
      readonly ok: false;
      /** Why not now: this peer must wait, the call is at its rate, or we run enough already. */
      readonly reason: 'peer-backoff' | 'call-rate' | 'outgoing-busy';
      readonly retryAfterMs: number;
    };

export interface AdmissionLimiterInit {
  /** A monotonic clock in ms (performance.now by default): wall-clock steps do not matter. */
  readonly now?: () => number;
  /** The call-wide burst, CALL_GUESS_BURST by default (tests make it small). */
  readonly burst?: number;
  /** The refill pause, CALL_GUESS_REFILL_MS by default. */
  readonly refillMs?: number;
}

/**
 * How soon a peer that has a run with us under way may start another: one run at a time is
 * all an honest peer needs, so a second one in parallel waits (it never gets an answer sooner
 * than the first one's verdict and its backoff).
 */
export const PARALLEL_RUN_RETRY_MS = 1_000;

interface PeerRecord {
  failures: number;
  /** When the peer may have its next run answered. */
  notBefore: number;
}

/**
 * @example
 * const limiter = new AdmissionLimiter()
 * const slot = limiter.reserve(peerId, 'responder')
 * if (!slot.ok) refuse(slot.retryAfterMs)
 * else { const ok = await runCpace(); slot.release(ok ? 'admitted' : 'failed') }
 */
export class AdmissionLimiter {
  readonly #now: () => number;
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #peers = new Map<string, PeerRecord>();
  /** Peers with a run we answer under way (at most one each). */
  readonly #answering = new Set<string>();
  /** Call-wide guess tokens, refilled over time (a token bucket). */
  #tokens: number;
  #refilledAt: number;
  #outgoing = 0;
  #failures = 0;

  constructor(init: AdmissionLimiterInit = {}) {
    this.#now = init.now ?? (() => performance.now());
    this.#burst = init.burst ?? CALL_GUESS_BURST;
    this.#refillMs = init.refillMs ?? CALL_GUESS_REFILL_MS;
    this.#tokens = this.#burst;
    this.#refilledAt = this.#now();
  }

  /** Failed guesses by this peer in this call. */
  failures(peer: string): number {
    return this.#peers.get(peer)?.failures ?? 0;
  }

  /** Failed guesses in this call, by anyone. */
  get totalFailures(): number {
    return this.#failures;
  }

  /** Call-wide guesses available now. */
  get available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  /** How long `peer` must wait before its next run is answered (0: now). */
  waitFor(peer: string): number {
    return Math.max(0, (this.#peers.get(peer)?.notBefore ?? 0) - this.#now());
  }

  /**
   * Takes a slot for one run with `peer`, before any share is sent, or says how long to wait.
   * Every reservation that succeeds must be released exactly once.
   */
  reserve(peer: string, direction: RunDirection): Reservation {
    const now = this.#now();
    const wait = this.waitFor(peer);
    if (wait > 0) {
      return { ok: false, reason: 'peer-backoff', retryAfterMs: Math.ceil(wait) };
    }
    if (direction === 'responder' && this.#answering.has(peer)) {
      return { ok: false, reason: 'peer-backoff', retryAfterMs: PARALLEL_RUN_RETRY_MS };
    }
    if (direction === 'initiator' && this.#outgoing >= MAX_OUTGOING_RUNS) {
      // Not a guess question: our own runs wait for each other (a moment, not a refill).
      return { ok: false, reason: 'outgoing-busy', retryAfterMs: 250 };
    }
    this.#refill();
    if (this.#tokens < 1) {
      const retryAfterMs = Math.ceil((1 - this.#tokens) * this.#refillMs);
      return { ok: false, reason: 'call-rate', retryAfterMs };
    }
    this.#tokens -= 1;
    if (direction === 'initiator') {
      this.#outgoing += 1;
    } else {
      this.#answering.add(peer);
    }
    let released = false;
    return {
      ok: true,
      release: (outcome) => {
        if (released) {
          return;
        }
        released = true;
        if (direction === 'initiator') {
          this.#outgoing -= 1;
        } else {
          this.#answering.delete(peer);
        }
        if (outcome === 'failed') {
          this.#countFailure(peer, now);
        } else if (outcome === 'abandoned') {
          // Ended before anything was answered: no guess was made, and the slot is free again.
          this.#refill();
          this.#tokens = Math.min(this.#burst, this.#tokens + 1);
        }
      }
    };
  }

  #countFailure(peer: string, now: number): void {
    this.#failures += 1;
    const record = this.#peers.get(peer) ?? { failures: 0, notBefore: 0 };
    record.failures += 1;
    const pause = PEER_BACKOFF_MS[Math.min(record.failures, PEER_BACKOFF_MS.length) - 1]!;
    record.notBefore = Math.max(record.notBefore, now + pause);
    // Re-inserted, so the map's order is least recently failed first.
    this.#peers.delete(peer);
    this.#peers.set(peer, record);
    if (this.#peers.size > MAX_TRACKED_PEERS) {
      this.#peers.delete(this.#peers.keys().next().value!);
    }
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#refilledAt);
    this.#refilledAt = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed / this.#refillMs);
  }
}
