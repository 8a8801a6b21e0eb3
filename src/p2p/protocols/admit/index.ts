/**
 * Admission, `/samen/admit/1.0.0`: two peers prove to each other that they know the same
 * passphrase (and PIN) without revealing it, over their relayed connection, before anything
 * else happens between them: CPace (draft-irtf-cfrg-cpace, src/p2p/cpace.ts) with explicit key
 * confirmation both ways (§10.4), bound to both peer IDs.
 *
 * The relayed connection is Noise-encrypted end to end and authenticates each side's peer ID,
 * so the CPace channel identifier (both peer IDs) and session id (protocol, both peer IDs and
 * a fresh nonce) tie the proof to exactly this pair: a relay in the middle can neither read
 * the exchange nor reuse it with someone else.
 *
 * Failed attempts are counted: a peer that fails {@link MAX_FAILURES_PER_PEER} times is blocked
 * for the rest of the call; after {@link MAX_FAILURES_PER_CALL} failures in all, the call is
 * locked and admits nobody new. Each failure costs an attacker one online guess, never more.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface';
import { pbStream } from '@libp2p/utils';
import type { Uint8ArrayList } from 'uint8arraylist';
import { ADMIT_PROTOCOL } from '../../constants.ts';
import { lvCat, wireBytes } from '../../bytes.ts';
import {
  cpaceFinish,
  cpaceStart,
  confirmationTags,
  SHARE_LENGTH,
  TAG_LENGTH,
  verifyTag
} from '../../cpace.ts';
import {
  AdmissionFailedError,
  CallLockedError,
  InvalidShareError,
  MalformedMessageError,
  PeerBlockedError,
  SamenError
} from '../../errors.ts';
import type { PeerAdmissions } from '../../admissions.ts';
import { Emitter } from '../../events.ts';
import { toStreamError } from '../stream-errors.ts';
import { AdmitRequest, AdmitResponse } from './pb/admit.ts';

/** The version in AdmitRequest; a new wire format gets a new protocol ID as well. */
export const ADMIT_VERSION = 1;

/** The largest admission message: a 64-byte tag or a 32-byte share plus framing is under 120. */
export const ADMIT_MAX_MESSAGE_BYTES = 256;

/**
 * The whole exchange must finish in this time: two round trips through a relay take well under a
 * second; a peer that stalls is cut off so it cannot hold the stream (and our scalar) open.
 */
export const ADMIT_TIMEOUT_MS = 10_000;

/** Bytes of initiator nonce in the session id: 128 bits makes every run's sid unique. */
export const ADMIT_NONCE_BYTES = 16;

/** A peer that fails this many admissions is refused for the rest of the call. */
export const MAX_FAILURES_PER_PEER = 3;

/** After this many failed admissions in all, the call is locked: nobody new is admitted. */
export const MAX_FAILURES_PER_CALL = 10;

/** Parallel admission streams a peer may open on one connection; one is all a peer needs. */
export const ADMIT_MAX_INBOUND_STREAMS = 2;

export type AdmissionDirection = 'initiator' | 'responder';

export interface AdmittedEventDetail {
  readonly peer: PeerId;
  readonly direction: AdmissionDirection;
  /** 32 bytes from CPace's ISK for this pair, for the session (safety words, later issues). */
  readonly sessionKey: Uint8Array;
}

export interface FailedEventDetail {
  readonly peer: PeerId;
  readonly direction: AdmissionDirection;
  /** The error's `name`: AdmissionFailedError, MalformedMessageError, InvalidShareError… */
  readonly reason: string;
  /** Failures from this peer so far, and in the whole call. */
  readonly peerFailures: number;
  readonly callFailures: number;
}

export interface AdmissionEvents {
  admitted: CustomEvent<AdmittedEventDetail>;
  failed: CustomEvent<FailedEventDetail>;
  blocked: CustomEvent<{ readonly peer: PeerId }>;
  locked: CustomEvent<{ readonly failures: number }>;
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
}

/** The outcome of an admission we started. */
export type AdmitOutcome =
  | { readonly kind: 'admitted'; readonly sessionKey: Uint8Array }
  /** Both sides dialled at once and the peer's run goes on; wait for its `admitted` event. */
  | { readonly kind: 'duplicate' };

type Outcome = AdmitResponse.Outcome;
const Outcome = AdmitResponse.Outcome;

/**
 * Runs admission for one call: answers `/samen/admit/1.0.0` and starts it with peers we dial.
 *
 * @example
 * const admission = new Admission({ libp2p: node.libp2p, admissions: node.admissions }, { prs })
 * await admission.start()
 * admission.addEventListener('admitted', (e) => console.log(e.detail.peer))
 * const outcome = await admission.admit(connection, { signal })
 */
export class Admission extends Emitter<AdmissionEvents> {
  readonly #components: AdmissionComponents;
  readonly #prs: Uint8Array;
  readonly #failures = new Map<string, number>();
  readonly #outbound = new Map<string, AbortController>();
  /** Peers whose admission of us (we respond) is under way. */
  readonly #inbound = new Set<string>();
  /** Whether the run that admitted each peer was started by the lower of the two peer IDs. */
  readonly #byLower = new Map<string, boolean>();
  #callFailures = 0;
  /** Runs we answered with CONTINUE that have not ended yet: guesses made, not yet counted. */
  readonly #pending = new Map<string, number>();
  #pendingTotal = 0;
  #locked = false;
  #started = false;

  constructor(components: AdmissionComponents, init: AdmissionInit) {
    super();
    if (!(init.prs instanceof Uint8Array) || init.prs.length === 0) {
      throw new TypeError('Admission: prs must be a non-empty Uint8Array');
    }
    this.#components = components;
    this.#prs = init.prs.slice();
  }

  /** Whether too many failures locked the call. */
  get locked(): boolean {
    return this.#locked;
  }

  /** Failed admissions with this peer so far in this call. */
  failures(peer: PeerId): number {
    return this.#failures.get(peer.toString()) ?? 0;
  }

  /** Failed admissions in this call, with anyone. */
  get totalFailures(): number {
    return this.#callFailures;
  }

  /** Whether a peer is blocked for the rest of the call. */
  isBlocked(peer: PeerId): boolean {
    return (this.#failures.get(peer.toString()) ?? 0) >= MAX_FAILURES_PER_PEER;
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
      await this.#components.libp2p.unhandle(ADMIT_PROTOCOL).catch(() => {});
    }
  }

  /**
   * Admits the peer at the other end of `connection`, as the initiator.
   *
   * @throws {AdmissionFailedError} the peer does not know the passphrase or PIN (counted)
   * @throws {PeerBlockedError} / {CallLockedError} we, or the peer, refuse to run
   * @throws {MalformedMessageError} / {InvalidShareError} a protocol violation (counted)
   * @throws {ProtocolTimeoutError} / {AbortedError} it took too long, or was aborted
   */
  async admit(connection: Connection, options: AbortOptions = {}): Promise<AdmitOutcome> {
    const peer = connection.remotePeer;
    this.#assertMayRun(peer);
    const key = peer.toString();
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
    let stream: Stream | undefined;
    try {
      stream = await connection.newStream(ADMIT_PROTOCOL, {
        signal,
        runOnLimitedConnection: true,
        // We write first: the protocol name goes out with the first message, saving a round trip
        // through the relay. A peer that does not speak it fails the first read instead.
        negotiateFully: false
      });
      return await this.#initiate(stream, peer, signal);
    } catch (err) {
      stream?.abort(err as Error);
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

  async #initiate(stream: Stream, peer: PeerId, signal: AbortSignal): Promise<AdmitOutcome> {
    const self = this.#components.libp2p.peerId;
    const messages = pbStream(stream, { maxDataLength: ADMIT_MAX_MESSAGE_BYTES });
    const nonce = randomBytes(ADMIT_NONCE_BYTES);
    const { ci, sid, ad } = this.#context(self, peer, nonce);
    const { scalar, share } = cpaceStart({ prs: this.#prs, ci, sid, ad: ad.initiator });
    try {
      await messages.write(
        { version: ADMIT_VERSION, nonce: wireBytes(nonce), share: wireBytes(share) },
        AdmitRequest,
        { signal }
      );
      const reply = await messages.read(strict(AdmitResponse), { signal });
      if (reply.outcome !== Outcome.CONTINUE) {
        throw refusal(reply.outcome);
      }
      expectLength(reply.share, SHARE_LENGTH, 'share');
      expectLength(reply.tag, TAG_LENGTH, 'tag');
      const isk = cpaceFinish({
        sid,
        scalar,
        role: 'initiator',
        ownShare: share,
        ownAd: ad.initiator,
        peerShare: reply.share,
        peerAd: ad.responder
      });
      const tags = confirmationTags(isk, {
        sid,
        initiatorShare: share,
        initiatorAd: ad.initiator,
        responderShare: reply.share,
        responderAd: ad.responder
      });
      if (!verifyTag(tags.responder, reply.tag)) {
        isk.fill(0);
        // Hang up cleanly: the responder reads the end of the stream as our "no".
        await stream.close({ signal }).catch(() => {});
        throw new AdmissionFailedError('the peer does not know the passphrase or the PIN');
      }
      await messages.write({ tag: wireBytes(tags.initiator) }, AdmitRequest, { signal });
      const result = await messages.read(strict(AdmitResponse), { signal });
      if (result.outcome !== Outcome.ADMITTED) {
        isk.fill(0);
        throw result.outcome === Outcome.FAILED
          ? new AdmissionFailedError('the peer did not accept our proof')
          : refusal(result.outcome);
      }
      await stream.close({ signal });
      const sessionKey = sessionKeyFrom(isk, sid);
      if (!this.#admitted(peer, 'initiator', sessionKey)) {
        return { kind: 'duplicate' };
      }
      return { kind: 'admitted', sessionKey };
    } catch (err) {
      if (err instanceof DuplicateAdmission) {
        await stream.close({ signal }).catch(() => {});
        return { kind: 'duplicate' };
      }
      throw err;
    } finally {
      scalar.fill(0);
    }
  }

  async #respond(stream: Stream, peer: PeerId): Promise<void> {
    const signal = AbortSignal.timeout(ADMIT_TIMEOUT_MS);
    const messages = pbStream(stream, { maxDataLength: ADMIT_MAX_MESSAGE_BYTES });
    const key = peer.toString();
    this.#inbound.add(key);
    let reserved = false;
    try {
      const hello = await messages.read(strict(AdmitRequest), { signal });
      const refused = this.#refusalFor(peer);
      if (refused !== undefined) {
        await messages.write({ outcome: refused }, AdmitResponse, { signal });
        await stream.close({ signal });
        return;
      }
      if (hello.version !== ADMIT_VERSION) {
        throw new MalformedMessageError(`unknown admission version ${hello.version}`);
      }
      expectLength(hello.nonce, ADMIT_NONCE_BYTES, 'nonce');
      expectLength(hello.share, SHARE_LENGTH, 'share');
      if (hello.tag.length !== 0) {
        throw new MalformedMessageError('a tag in the first request');
      }

      const self = this.#components.libp2p.peerId;
      const { ci, sid, ad } = this.#context(peer, self, hello.nonce);
      const { scalar, share } = cpaceStart({ prs: this.#prs, ci, sid, ad: ad.responder });
      const isk = cpaceFinish({
        sid,
        scalar,
        role: 'responder',
        ownShare: share,
        ownAd: ad.responder,
        peerShare: hello.share,
        peerAd: ad.initiator
      });
      const tags = confirmationTags(isk, {
        sid,
        initiatorShare: hello.share,
        initiatorAd: ad.initiator,
        responderShare: share,
        responderAd: ad.responder
      });
      reserved = true;
      this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
      this.#pendingTotal += 1;
      await messages.write(
        { outcome: Outcome.CONTINUE, share: wireBytes(share), tag: wireBytes(tags.responder) },
        AdmitResponse,
        { signal }
      );
      const confirm = await messages
        .read(strict(AdmitRequest), { signal })
        .catch((err: unknown) => {
          // An initiator whose check of our tag failed just hangs up: for it, as for us, the
          // secrets differ. So does one that checked our tag and keeps its verdict to itself: it
          // made one online guess, and it is counted whatever its reason. (An honest initiator
          // never abandons a run it has been answered in: see #refusalFor.) A reset or a stall
          // keeps its own error here and is counted as a guess all the same (see `reserved`).
          if (!signal.aborted && (err as Error).name === 'UnexpectedEOFError') {
            throw new AdmissionFailedError('the peer rejected our proof', { cause: err });
          }
          throw err;
        });
      expectLength(confirm.tag, TAG_LENGTH, 'tag');
      if (confirm.share.length !== 0 || confirm.nonce.length !== 0) {
        throw new MalformedMessageError('a share or nonce in the confirmation');
      }
      if (!verifyTag(tags.initiator, confirm.tag)) {
        isk.fill(0);
        await messages
          .write({ outcome: Outcome.FAILED }, AdmitResponse, { signal })
          .catch(() => {});
        await stream.close({ signal }).catch(() => {});
        throw new AdmissionFailedError('the peer does not know the passphrase or the PIN');
      }
      // Admit before telling the peer, so its WebRTC signalling is welcome the moment it knows.
      const sessionKey = sessionKeyFrom(isk, sid);
      this.#release(key);
      reserved = false;
      this.#admitted(peer, 'responder', sessionKey);
      await messages.write({ outcome: Outcome.ADMITTED }, AdmitResponse, { signal });
      await stream.close({ signal });
    } catch (err) {
      stream.abort(err as Error);
      if (reserved) {
        this.#release(key);
      }
      if (this.#components.admissions.isAdmitted(peer)) {
        // A second run with a peer that another run admitted meanwhile (both dialled at once):
        // it ends when the WebRTC upgrade closes the relayed connection. The peer has proved
        // the passphrase already; there is nothing to count.
        return;
      }
      // Answering is never an error of ours to throw: it is reported through events.
      const typed = this.#settleError(err, peer, 'responder', signal, undefined);
      if (reserved && !counted(typed) && this.#started) {
        // The peer had our share and tag: whatever ended the run (a reset, a stall, a closed
        // connection), it made its guess. Only our own stop (Leave) is not the peer's doing.
        this.#countFailure(peer, 'responder', 'AdmissionFailedError');
      }
    } finally {
      this.#inbound.delete(key);
    }
  }

  /** Decides, as responder, whether to refuse this peer before any CPace work. */
  #refusalFor(peer: PeerId): Outcome | undefined {
    if (this.#locked || this.#callFailures + this.#pendingTotal >= MAX_FAILURES_PER_CALL) {
      return Outcome.REFUSED_LOCKED;
    }
    const key = peer.toString();
    if ((this.#failures.get(key) ?? 0) + (this.#pending.get(key) ?? 0) >= MAX_FAILURES_PER_PEER) {
      return Outcome.REFUSED_BLOCKED;
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

  #release(key: string): void {
    const left = (this.#pending.get(key) ?? 1) - 1;
    if (left === 0) this.#pending.delete(key);
    else this.#pending.set(key, left);
    this.#pendingTotal -= 1;
  }

  #assertMayRun(peer: PeerId): void {
    if (this.#locked) {
      throw new CallLockedError('the call is locked after too many failed admissions');
    }
    if (this.isBlocked(peer)) {
      throw new PeerBlockedError('this peer failed admission too often');
    }
  }

  /** CI, sid and AD of one run (draft-irtf-cfrg-cpace §4.1, §10.1). */
  #context(initiator: PeerId, responder: PeerId, nonce: Uint8Array) {
    const initiatorId = initiator.toMultihash().bytes;
    const responderId = responder.toMultihash().bytes;
    const protocol = utf8ToBytes(ADMIT_PROTOCOL);
    return {
      // The channel: both authenticated peer IDs, in role order.
      ci: lvCat(utf8ToBytes('samen/v1 admit ci'), initiatorId, responderId),
      // Public and unique per run: the protocol ID (with its version), both peers, a nonce.
      sid: sha512(lvCat(protocol, initiatorId, responderId, nonce)).slice(0, 32),
      // Each side's role, so a message can never be reflected to its sender as the other's.
      ad: { initiator: utf8ToBytes('initiator'), responder: utf8ToBytes('responder') }
    };
  }

  /**
   * Records an admission and reports it, unless the peer is admitted already by the run the
   * lower peer ID started: both sides then keep that run's session key. Returns whether the
   * admission was taken.
   */
  #admitted(peer: PeerId, direction: AdmissionDirection, sessionKey: Uint8Array): boolean {
    const key = peer.toString();
    const byLower = (direction === 'initiator') === this.#selfIsLower(peer);
    if (
      this.#components.admissions.isAdmitted(peer) &&
      this.#byLower.get(key) === true &&
      !byLower
    ) {
      sessionKey.fill(0);
      return false;
    }
    this.#byLower.set(key, byLower);
    this.#components.admissions.admit(peer);
    this.emit('admitted', { peer, direction, sessionKey });
    return true;
  }

  #selfIsLower(peer: PeerId): boolean {
    return this.#components.libp2p.peerId.toString() < peer.toString();
  }

  /** Counts a failure when it is the peer's doing, and turns anything into a typed error. */
  #settleError(
    err: unknown,
    peer: PeerId,
    direction: AdmissionDirection,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined
  ): SamenError {
    const typed = toStreamError(err, 'admission', {
      caller: callerSignal,
      deadline: signal
    });
    if (counted(typed)) {
      this.#countFailure(peer, direction, typed.name);
    }
    return typed;
  }

  #countFailure(peer: PeerId, direction: AdmissionDirection, reason: string): void {
    const key = peer.toString();
    const peerFailures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, peerFailures);
    this.#callFailures += 1;
    this.emit('failed', {
      peer,
      direction,
      reason,
      peerFailures,
      callFailures: this.#callFailures
    });
    if (peerFailures === MAX_FAILURES_PER_PEER) {
      this.emit('blocked', { peer });
    }
    if (this.#callFailures >= MAX_FAILURES_PER_CALL && !this.#locked) {
      this.#locked = true;
      this.emit('locked', { failures: this.#callFailures });
    }
  }
}

function counted(typed: SamenError): boolean {
  return (
    typed instanceof AdmissionFailedError ||
    typed instanceof MalformedMessageError ||
    typed instanceof InvalidShareError
  );
}

/** Decodes with `codec`, any decoding error being the peer's malformed message. */
function strict<T>(codec: { decode(data: Uint8Array | Uint8ArrayList): T }) {
  return {
    decode(data: Uint8Array | Uint8ArrayList): T {
      try {
        return codec.decode(data);
      } catch (cause) {
        throw new MalformedMessageError('an admission message that does not decode', { cause });
      }
    }
  };
}

/** Both sides started at once; our run was superseded by the peer's (not a failure). */
class DuplicateAdmission extends SamenError {
  override name = 'DuplicateAdmission';
}

function refusal(outcome: Outcome): Error {
  switch (outcome) {
    case Outcome.REFUSED_BLOCKED:
      return new PeerBlockedError('the peer refuses us for this call');
    case Outcome.REFUSED_LOCKED:
      return new CallLockedError('the peer’s call is locked after too many failed admissions');
    case Outcome.REFUSED_DUPLICATE:
      return new DuplicateAdmission('the peer is admitting us already');
    default:
      return new MalformedMessageError(`unexpected admission outcome ${outcome}`);
  }
}

function expectLength(bytes: Uint8Array, length: number, field: string): void {
  if (bytes.length !== length) {
    throw new MalformedMessageError(`admission ${field} of ${bytes.length} bytes, not ${length}`);
  }
}

/** A 32-byte session key for the pair, from CPace's ISK (then wiped). */
function sessionKeyFrom(isk: Uint8Array, sid: Uint8Array): Uint8Array {
  try {
    return hkdf(sha256, isk, sid, utf8ToBytes('samen/v1 session'), 32);
  } finally {
    isk.fill(0);
  }
}
