/**
 * Admission, `/samen/admit/2.0.0`: two peers prove to each other that they know the same
 * passphrase (and PIN) without revealing it, over their relayed connection, before anything
 * else happens between them (runs.ts: CPace with key confirmation, bound to both peer IDs and to
 * each side's committed media certificate). A participant admitted before who dropped comes back
 * with a resume ticket instead (resume.ts): no guess, and a locked call lets it in.
 *
 * Guesses are rate-limited, never locked out (limits.ts): each side takes a slot before it sends
 * its share, a peer that guessed wrong waits longer each time, and the call as a whole answers a
 * bounded number of guesses a minute. Each run costs an attacker one online guess, never more.
 */
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface';
import { pbStream, type ProtobufStream } from '@libp2p/utils';
import { ADMIT_PROTOCOL } from '../../constants.ts';
import {
  AdmissionFailedError,
  AdmissionRateLimitedError,
  InvalidShareError,
  MalformedMessageError,
  PeerBlockedError,
  SamenError
} from '../../errors.ts';
import type { PeerAdmissions } from '../../admissions.ts';
import { Emitter } from '../../events.ts';
import { toStreamError } from '../stream-errors.ts';
import { AdmissionLimiter, type Reservation, type RunDirection } from './limits.ts';
import { AdmitRequest } from './pb/admit.ts';
import {
  checkFirstRequest,
  initiateFirst,
  initiateResume,
  respond,
  respondFirst,
  respondResume,
  type RunProgress,
  type RunResult
} from './runs.ts';
import {
  ADMIT_MAX_MESSAGE_BYTES,
  ADMIT_TIMEOUT_MS,
  ADMIT_VERSION,
  DuplicateAdmission,
  Outcome,
  strict
} from './wire.ts';

export {
  ADMIT_MAX_MESSAGE_BYTES,
  ADMIT_NONCE_BYTES,
  ADMIT_TIMEOUT_MS,
  ADMIT_VERSION
} from './wire.ts';

/** Parallel admission streams a peer may open on one connection; one is all a peer needs. */
export const ADMIT_MAX_INBOUND_STREAMS = 2;

export type AdmissionDirection = RunDirection;

/**
 * Whom the call admits now (the participants decide, issue 13): everyone who proves the
 * passphrase (`open`), only those coming back with a ticket (`locked`), or not this peer at all
 * (`refused`: it was removed).
 */
export type AdmissionPolicy = 'open' | 'locked' | 'refused';

export interface AdmittedEventDetail extends RunResult {
  readonly peer: PeerId;
  readonly direction: AdmissionDirection;
  /** It came back with a resume ticket rather than a new proof of the passphrase. */
  readonly resumed: boolean;
}

export interface FailedEventDetail {
  readonly peer: PeerId;
  readonly direction: AdmissionDirection;
  /** The error's `name`: AdmissionFailedError, MalformedMessageError, InvalidShareError… */
  readonly reason: string;
  /** Failed guesses from this peer so far, and in the whole call. */
  readonly peerFailures: number;
  readonly callFailures: number;
}

export interface LimitedEventDetail {
  readonly peer: PeerId;
  readonly direction: AdmissionDirection;
  /** Whose limit: this peer's backoff, the whole call's rate, or our own runs in flight. */
  readonly reason: 'peer-backoff' | 'call-rate' | 'outgoing-busy';
  readonly retryAfterMs: number;
}

export interface AdmissionEvents {
  admitted: CustomEvent<AdmittedEventDetail>;
  failed: CustomEvent<FailedEventDetail>;
  /** A run was refused (by us or, as initiator, by the peer) because of the rate limits. */
  limited: CustomEvent<LimitedEventDetail>;
}

/** What the admission protocol needs of the call node. */
export interface AdmissionComponents {
  readonly libp2p: {
    readonly peerId: PeerId;
    handle(
      protocol: string,
      handler: (stream: Stream, connection: Connection) => void,
      options?: { maxInboundStreams?: number; runOnLimitedConnection?: boolean }
    ): Promise<void>;
    unhandle(protocol: string): Promise<void>;
  };
  readonly admissions: PeerAdmissions;
}

export interface AdmissionInit {
  /** The CPace password-related string for this call (keys.ts `cpacePrs`); copied. */
  readonly prs: Uint8Array;
  /**
   * Our media certificate's fingerprint (media-certificate.ts), committed in every run; empty
   * when this side has no media at all (a Node peer without WebRTC media).
   */
  readonly fingerprint: string;
  /** Whom the call admits now; `open` when not given. */
  readonly policy?: (peer: PeerId) => AdmissionPolicy;
  /** The resume key of a participant admitted before that may come back (session-keys.ts). */
  readonly resumeKey?: (peer: PeerId) => Uint8Array | undefined;
  /** The call's guess limits; a fresh one when not given. */
  readonly limiter?: AdmissionLimiter;
}

/** The outcome of an admission we started. */
export type AdmitOutcome =
  | ({ readonly kind: 'admitted'; readonly resumed: boolean } & RunResult)
  /** Both sides dialled at once and the peer's run goes on; wait for its `admitted` event. */
  | { readonly kind: 'duplicate' };

export interface AdmitOptions extends AbortOptions {
  /** Come back with the pair's resume ticket, if we hold one (after a drop). */
  readonly resume?: boolean;
}

/**
 * Runs admission for one call: answers `/samen/admit/2.0.0` and starts it with peers we dial.
 *
 * @example
 * const admission = new Admission(
 *   { libp2p: node.libp2p, admissions: node.admissions },
 *   { prs, fingerprint: certificate.fingerprint }
 * )
 * await admission.start()
 * admission.addEventListener('admitted', (e) => console.log(e.detail.peer))
 * const outcome = await admission.admit(connection, { signal })
 */
export class Admission extends Emitter<AdmissionEvents> {
  readonly #components: AdmissionComponents;
  readonly #init: AdmissionInit;
  readonly #prs: Uint8Array;
  readonly #limiter: AdmissionLimiter;
  readonly #outbound = new Map<string, AbortController>();
  /** Peers whose admission of us (we respond) is under way. */
  readonly #inbound = new Set<string>();
  /** Whether the run that admitted each peer was started by the lower of the two peer IDs. */
  readonly #byLower = new Map<string, boolean>();
  #started = false;

  constructor(components: AdmissionComponents, init: AdmissionInit) {
    super();
    if (!(init.prs instanceof Uint8Array) || init.prs.length === 0) {
      throw new TypeError('Admission: prs must be a non-empty Uint8Array');
    }
    if (typeof init.fingerprint !== 'string') {
      throw new TypeError('Admission: fingerprint must be a string');
    }
    this.#components = components;
    this.#init = init;
    this.#prs = init.prs.slice();
    this.#limiter = init.limiter ?? new AdmissionLimiter();
  }

  /** Failed guesses with this peer so far in this call. */
  failures(peer: PeerId): number {
    return this.#limiter.failures(peer.toString());
  }

  /** Failed guesses in this call, with anyone. */
  get totalFailures(): number {
    return this.#limiter.totalFailures;
  }

  /** How long this peer must wait before a run with it is answered (0: now). */
  waitFor(peer: PeerId): number {
    return this.#limiter.waitFor(peer.toString());
  }

  async start(): Promise<void> {
    if (this.#started) {
      return;
    }
    this.#started = true;
    await this.#components.libp2p.handle(
      ADMIT_PROTOCOL,
      (stream, connection) => {
        void this.#respond(stream, connection.remotePeer);
      },
      // Admission is exactly what relayed (limited) connections are for.
      { maxInboundStreams: ADMIT_MAX_INBOUND_STREAMS, runOnLimitedConnection: true }
    );
  }

  /** Stops answering, aborts our own runs and wipes the PRS. Idempotent. */
  async stop(): Promise<void> {
    for (const controller of this.#outbound.values()) {
      controller.abort();
    }
    this.#outbound.clear();
    this.#byLower.clear();
    this.#prs.fill(0);
    if (this.#started) {
      this.#started = false;
      // The node may be stopping already, taking its handlers with it: nothing left to undo.
      await this.#components.libp2p.unhandle(ADMIT_PROTOCOL).catch(() => {});
    }
  }

  /**
   * Admits the peer at the other end of `connection`, as the initiator.
   *
   * @throws {AdmissionFailedError} the peer does not know the passphrase or PIN (counted)
   * @throws {AdmissionRateLimitedError} we, or the peer, answer no more guesses for now
   * @throws {PeerBlockedError} / {CallLockedError} the peer's call removed us, or is locked
   * @throws {MalformedMessageError} / {InvalidShareError} a protocol violation (counted)
   * @throws {ProtocolTimeoutError} / {AbortedError} it took too long, or was aborted
   */
  async admit(connection: Connection, options: AdmitOptions = {}): Promise<AdmitOutcome> {
    const peer = connection.remotePeer;
    const key = peer.toString();
    if (this.#policy(peer) === 'refused') {
      throw new PeerBlockedError('this peer was removed from the call');
    }
    if (this.#inbound.has(key)) {
      // The peer is admitting us already; one run per pair is enough.
      return { kind: 'duplicate' };
    }
    const controller = new AbortController();
    this.#outbound.get(key)?.abort();
    this.#outbound.set(key, controller);
    const signal = AbortSignal.any([
      controller.signal,
      AbortSignal.timeout(ADMIT_TIMEOUT_MS),
      ...(options.signal === undefined ? [] : [options.signal])
    ]);
    const run = { self: this.#components.libp2p.peerId, peer, fingerprint: this.#init.fingerprint };
    try {
      const resumeKey = options.resume === true ? this.#init.resumeKey?.(peer) : undefined;
      if (resumeKey !== undefined) {
        const resumed = await this.#onStream(connection, signal, (messages) =>
          initiateResume({ ...run, messages, signal, resumeKey })
        );
        if (resumed !== undefined) {
          return this.#admittedOutgoing(peer, resumed, true);
        }
        // The peer holds no ticket for us (it gave up on us): prove the passphrase again.
      }
      const slot = this.#reserve(peer, 'initiator');
      const progress: RunProgress = { answered: false };
      try {
        const result = await this.#onStream(connection, signal, (messages) =>
          initiateFirst({ ...run, messages, signal, prs: this.#prs }, progress)
        );
        slot.release('admitted');
        return this.#admittedOutgoing(peer, result, false);
      } catch (err) {
        slot.release(
          progress.answered && !(err instanceof DuplicateAdmission) ? 'failed' : 'abandoned'
        );
        throw err;
      }
    } catch (err) {
      const typed = this.#settleError(err, peer, 'initiator', signal, options.signal);
      if (typed instanceof DuplicateAdmission) {
        return { kind: 'duplicate' };
      }
      throw typed;
    } finally {
      if (this.#outbound.get(key) === controller) {
        this.#outbound.delete(key);
      }
    }
  }

  /** Opens an admission stream on `connection`, runs `body` on it and closes it. */
  async #onStream<T>(
    connection: Connection,
    signal: AbortSignal,
    body: (messages: ProtobufStream) => Promise<T>
  ): Promise<T> {
    const stream = await connection.newStream(ADMIT_PROTOCOL, {
      signal,
      runOnLimitedConnection: true,
      // We write first: the protocol name goes out with the first message, saving a round trip
      // through the relay. A peer that does not speak it fails the first read instead.
      negotiateFully: false
    });
    try {
      const result = await body(pbStream(stream, { maxDataLength: ADMIT_MAX_MESSAGE_BYTES }));
      await stream.close({ signal });
      return result;
    } catch (err) {
      stream.abort(err as Error);
      throw err;
    }
  }

  #admittedOutgoing(peer: PeerId, result: RunResult, resumed: boolean): AdmitOutcome {
    if (!this.#admitted(peer, 'initiator', result, resumed)) {
      return { kind: 'duplicate' };
    }
    return { kind: 'admitted', resumed, ...result };
  }

  /** Takes a guess slot for a run with `peer`. @throws {AdmissionRateLimitedError} */
  #reserve(peer: PeerId, direction: AdmissionDirection): Extract<Reservation, { ok: true }> {
    const slot = this.#limiter.reserve(peer.toString(), direction);
    if (!slot.ok) {
      const { reason, retryAfterMs } = slot;
      this.emit('limited', { peer, direction, reason, retryAfterMs });
      throw new AdmissionRateLimitedError(`admission limited (${reason})`, retryAfterMs);
    }
    return slot;
  }

  async #respond(stream: Stream, peer: PeerId): Promise<void> {
    const signal = AbortSignal.timeout(ADMIT_TIMEOUT_MS);
    const messages = pbStream(stream, { maxDataLength: ADMIT_MAX_MESSAGE_BYTES });
    const key = peer.toString();
    const run = {
      messages,
      signal,
      self: this.#components.libp2p.peerId,
      peer,
      fingerprint: this.#init.fingerprint
    };
    this.#inbound.add(key);
    let slot: Extract<Reservation, { ok: true }> | undefined;
    const progress: RunProgress = { answered: false };
    try {
      const hello = await messages.read(strict(AdmitRequest), { signal });
      if (hello.version !== ADMIT_VERSION) {
        throw new MalformedMessageError(`unknown admission version ${hello.version}`);
      }
      const resuming = hello.resume.length > 0;
      if (!resuming) {
        checkFirstRequest(hello);
      }
      const refused = this.#refusalFor(peer, resuming);
      if (refused !== undefined) {
        await respond(messages, { outcome: refused }, { signal });
        await stream.close({ signal });
        return;
      }
      if (resuming) {
        await respondResume({
          ...run,
          hello,
          resumeKey: this.#init.resumeKey?.(peer),
          admit: (result) => this.#admitted(peer, 'responder', result, true)
        });
        await stream.close({ signal });
        return;
      }
      const reserved = this.#limiter.reserve(key, 'responder');
      if (!reserved.ok) {
        const { reason, retryAfterMs } = reserved;
        this.emit('limited', { peer, direction: 'responder', reason, retryAfterMs });
        await respond(
          messages,
          { outcome: Outcome.REFUSED_RATE_LIMITED, retryAfterMs },
          { signal }
        );
        await stream.close({ signal });
        return;
      }
      slot = reserved;
      await respondFirst(
        {
          ...run,
          hello,
          prs: this.#prs,
          admit: (result) => this.#admitted(peer, 'responder', result, false)
        },
        progress
      );
      slot.release('admitted');
      slot = undefined;
      await stream.close({ signal });
    } catch (err) {
      stream.abort(err as Error);
      // A second run with a peer that another run admitted meanwhile (both dialled at once)
      // ends when the WebRTC upgrade closes the relayed connection: nothing to count.
      const admittedMeanwhile = this.#components.admissions.isAdmitted(peer);
      // The peer had our share and tag: whatever ended the run (a reset, a stall, a closed
      // connection), it made its guess. Only our own stop (Leave) is not the peer's doing.
      // One whose confirmation checked out proved the passphrase: losing our last answer (its
      // stream closed under it) is no failed guess.
      const guessed =
        progress.answered && progress.proved !== true && !admittedMeanwhile && this.#started;
      slot?.release(guessed ? 'failed' : 'abandoned');
      if (admittedMeanwhile) {
        return;
      }
      // Answering is never an error of ours to throw: it is reported through events.
      const typed = this.#settleError(err, peer, 'responder', signal, undefined);
      if (guessed && !counted(typed)) {
        this.#reportFailure(peer, 'responder', 'AdmissionFailedError');
      }
    } finally {
      this.#inbound.delete(key);
    }
  }

  /** Decides, as responder, whether to refuse this peer before any CPace work. */
  #refusalFor(peer: PeerId, resuming: boolean): Outcome | undefined {
    const policy = this.#policy(peer);
    if (policy === 'refused') {
      return Outcome.REFUSED_BLOCKED;
    }
    if (policy === 'locked' && !resuming) {
      return Outcome.REFUSED_LOCKED;
    }
    if (this.#outbound.has(peer.toString()) && this.#selfIsLower(peer)) {
      // Both sides dialled at once: the run started by the lower peer ID goes on, and the lower
      // side refuses the other before any CPace work. The higher side answers the lower's run
      // and lets its own finish: once it has been answered, hanging up would count against it.
      // If both runs complete, both sides keep the lower's session key (#admitted).
      return Outcome.REFUSED_DUPLICATE;
    }
    return undefined;
  }

  #policy(peer: PeerId): AdmissionPolicy {
    return this.#init.policy?.(peer) ?? 'open';
  }

  /**
   * Records an admission and reports it, unless the peer is admitted already by the run the
   * lower peer ID started: both sides then keep that run's session key. Returns whether the
   * admission was taken.
   */
  #admitted(
    peer: PeerId,
    direction: AdmissionDirection,
    result: RunResult,
    resumed: boolean
  ): boolean {
    const key = peer.toString();
    const byLower = (direction === 'initiator') === this.#selfIsLower(peer);
    if (
      this.#components.admissions.isAdmitted(peer) &&
      this.#byLower.get(key) === true &&
      !byLower
    ) {
      result.sessionKey.fill(0);
      return false;
    }
    this.#byLower.set(key, byLower);
    this.#components.admissions.admit(peer);
    this.emit('admitted', { peer, direction, resumed, ...result });
    return true;
  }

  #selfIsLower(peer: PeerId): boolean {
    return this.#components.libp2p.peerId.toString() < peer.toString();
  }

  /** Turns anything into a typed error, and reports a failure that is the peer's doing. */
  #settleError(
    err: unknown,
    peer: PeerId,
    direction: AdmissionDirection,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined
  ): SamenError {
    const typed = toStreamError(err, 'admission', { caller: callerSignal, deadline: signal });
    if (counted(typed)) {
      this.#reportFailure(peer, direction, typed.name);
    }
    return typed;
  }

  #reportFailure(peer: PeerId, direction: AdmissionDirection, reason: string): void {
    this.emit('failed', {
      peer,
      direction,
      reason,
      peerFailures: this.failures(peer),
      callFailures: this.totalFailures
    });
  }
}

/** Errors that are the peer's doing: a wrong proof, or a broken protocol. */
function counted(typed: SamenError): boolean {
  return (
    typed instanceof AdmissionFailedError ||
    typed instanceof MalformedMessageError ||
    typed instanceof InvalidShareError
  );
}
