/**
 * The four sides of an admission run on one stream (pb/admit.proto): a first admission by CPace
 * as initiator and as responder, and a resume as initiator and as responder. Each reads and
 * writes messages and checks them; the bookkeeping (limits, duplicates, events) is the
 * Admission's (index.ts).
 *
 * A first admission is CPace (draft-irtf-cfrg-cpace) with explicit key confirmation both ways
 * (§10.4). The relayed connection is Noise-encrypted end to end and authenticates each side's
 * peer ID, so the channel identifier (both peer IDs) and session id (protocol, both peer IDs and
 * a fresh nonce) tie the proof to exactly this pair. Each side's associated data carries its
 * role and its media certificate's fingerprint: committed before the session key exists, so the
 * safety words cannot be steered by trying certificates afterwards (media-certificate.ts).
 */
import type { AbortOptions, PeerId } from '@libp2p/interface';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ProtobufStream } from '@libp2p/utils';
import { equalBytes, lvCat, wireBytes } from '../../bytes.ts';
import { ADMIT_PROTOCOL, KEY_LENGTH } from '../../constants.ts';
import {
  cpaceFinish,
  cpaceStart,
  confirmationTags,
  SHARE_LENGTH,
  TAG_LENGTH,
  verifyTag
} from '../../cpace.ts';
import { AdmissionFailedError, MalformedMessageError } from '../../errors.ts';
import { normaliseFingerprint } from '../../safety-words.ts';
import { AdmitRequest, AdmitResponse } from './pb/admit.ts';
import { resumedSessionKey, resumeRequestMac, resumeResponseMac } from './resume.ts';
import {
  ADMIT_NONCE_BYTES,
  ADMIT_VERSION,
  expectEmpty,
  expectFingerprint,
  expectLength,
  Outcome,
  outcomeNumber,
  outcomeOf,
  refusal,
  RESUME_MAC_BYTES,
  strict
} from './wire.ts';

/** What a run that admitted the peer yields. */
export interface RunResult {
  /** The pair's session key (32 bytes), owned by the caller. */
  readonly sessionKey: Uint8Array;
  /** The media certificate fingerprint the peer committed, normalised. */
  readonly remoteFingerprint: string;
}

export interface RunInit extends Required<AbortOptions> {
  readonly messages: ProtobufStream;
  readonly self: PeerId;
  readonly peer: PeerId;
  /** Our media certificate fingerprint, committed in this run. */
  readonly fingerprint: string;
}

/** Set by a run once the peer has had our answer to its guess (from then on it counts). */
export interface RunProgress {
  answered: boolean;
  /** The peer's confirmation checked out: it knows the passphrase, whatever happens next. */
  proved?: boolean;
}

/** Writes a response, its outcome as a number (wire.ts `outcomeOf`). */
export async function respond(
  messages: ProtobufStream,
  response: Partial<Omit<AdmitResponse, 'outcome'>> & { outcome: Outcome },
  options: AbortOptions
): Promise<void> {
  await messages.write(
    { ...response, outcome: outcomeNumber(response.outcome) },
    AdmitResponse,
    options
  );
}

// ---- a first admission (CPace) ----------------------------------------------------------------

/**
 * Runs CPace as initiator. `progress.answered` is set once the responder answered our share: a
 * hostile responder learns from what we do next whether its guess was right.
 *
 * @throws {AdmissionFailedError} the peer does not know the passphrase or PIN
 * @throws {PeerBlockedError} / {CallLockedError} / {AdmissionRateLimitedError} / DuplicateAdmission
 * @throws {MalformedMessageError} / {InvalidShareError} a protocol violation
 */
export async function initiateFirst(
  init: RunInit & { readonly prs: Uint8Array },
  progress: RunProgress
): Promise<RunResult> {
  const { messages, self, peer, fingerprint, signal } = init;
  const nonce = randomBytes(ADMIT_NONCE_BYTES);
  const { ci, sid, ownAd } = cpaceContext(self, peer, nonce, 'initiator', fingerprint);
  const { scalar, share } = cpaceStart({ prs: init.prs, ci, sid, ad: ownAd });
  try {
    await messages.write(
      { version: ADMIT_VERSION, nonce: wireBytes(nonce), share: wireBytes(share), fingerprint },
      AdmitRequest,
      { signal }
    );
    const reply = await messages.read(strict(AdmitResponse), { signal });
    if (outcomeOf(reply.outcome) !== Outcome.CONTINUE) {
      throw refusal(reply);
    }
    progress.answered = true;
    expectLength(reply.share, SHARE_LENGTH, 'share');
    expectLength(reply.tag, TAG_LENGTH, 'tag');
    expectFingerprint(reply.fingerprint);
    const peerAd = associatedData('responder', reply.fingerprint);
    const isk = cpaceFinish({
      sid,
      scalar,
      role: 'initiator',
      ownShare: share,
      ownAd,
      peerShare: reply.share,
      peerAd
    });
    const tags = confirmationTags(isk, {
      sid,
      initiatorShare: share,
      initiatorAd: ownAd,
      responderShare: reply.share,
      responderAd: peerAd
    });
    if (!verifyTag(tags.responder, reply.tag)) {
      isk.fill(0);
      throw new AdmissionFailedError('the peer does not know the passphrase or the PIN');
    }
    await messages.write({ tag: wireBytes(tags.initiator) }, AdmitRequest, { signal });
    const result = await messages.read(strict(AdmitResponse), { signal });
    const outcome = outcomeOf(result.outcome);
    if (outcome !== Outcome.ADMITTED) {
      isk.fill(0);
      throw outcome === Outcome.FAILED
        ? new AdmissionFailedError('the peer did not accept our proof')
        : refusal(result);
    }
    return {
      sessionKey: sessionKeyFrom(isk, sid),
      remoteFingerprint: committed(reply.fingerprint)
    };
  } finally {
    scalar.fill(0);
  }
}

/**
 * Runs CPace as responder to `hello` (checked already: version, nonce, share). `answer` is
 * called just before we answer (the limits take their slot there) and `admit` once the peer's
 * proof verified, before we tell it, so its WebRTC signalling is welcome the moment it knows.
 *
 * @throws {AdmissionFailedError} the peer does not know the passphrase or PIN, or hung up
 */
export async function respondFirst(
  init: RunInit & {
    readonly prs: Uint8Array;
    readonly hello: AdmitRequest;
    readonly admit: (result: RunResult) => void;
  },
  progress: RunProgress
): Promise<void> {
  const { messages, self, peer, fingerprint, hello, signal } = init;
  const { ci, sid, ownAd } = cpaceContext(peer, self, hello.nonce, 'responder', fingerprint);
  const peerAd = associatedData('initiator', hello.fingerprint);
  const { scalar, share } = cpaceStart({ prs: init.prs, ci, sid, ad: ownAd });
  let isk: Uint8Array;
  try {
    isk = cpaceFinish({
      sid,
      scalar,
      role: 'responder',
      ownShare: share,
      ownAd,
      peerShare: hello.share,
      peerAd
    });
  } finally {
    scalar.fill(0);
  }
  try {
    const tags = confirmationTags(isk, {
      sid,
      initiatorShare: hello.share,
      initiatorAd: peerAd,
      responderShare: share,
      responderAd: ownAd
    });
    progress.answered = true;
    await respond(
      messages,
      {
        outcome: Outcome.CONTINUE,
        share: wireBytes(share),
        tag: wireBytes(tags.responder),
        fingerprint
      },
      { signal }
    );
    const confirm = await messages.read(strict(AdmitRequest), { signal }).catch((err: unknown) => {
      // An initiator whose check of our tag failed just hangs up: for it, as for us, the
      // secrets differ. So does one that checked our tag and keeps its verdict to itself: it
      // made one online guess all the same.
      if (!signal.aborted && (err as Error).name === 'UnexpectedEOFError') {
        throw new AdmissionFailedError('the peer rejected our proof', { cause: err });
      }
      throw err;
    });
    expectLength(confirm.tag, TAG_LENGTH, 'tag');
    expectEmpty(confirm.share, 'share');
    expectEmpty(confirm.nonce, 'nonce');
    expectEmpty(confirm.fingerprint, 'fingerprint');
    expectEmpty(confirm.resume, 'resume proof');
    if (!verifyTag(tags.initiator, confirm.tag)) {
      await respond(messages, { outcome: Outcome.FAILED }, { signal }).catch(() => {
        // It may have hung up already; the failure is counted either way.
      });
      throw new AdmissionFailedError('the peer does not know the passphrase or the PIN');
    }
    progress.proved = true;
    await answerThenAdmit(
      init,
      sessionKeyFrom(isk, sid),
      committed(hello.fingerprint),
      { outcome: Outcome.ADMITTED },
      signal
    );
  } finally {
    isk.fill(0);
  }
}

/** Checks a first request (not a resume) before any CPace work. */
export function checkFirstRequest(hello: AdmitRequest): void {
  expectLength(hello.nonce, ADMIT_NONCE_BYTES, 'nonce');
  expectLength(hello.share, SHARE_LENGTH, 'share');
  expectFingerprint(hello.fingerprint);
  expectEmpty(hello.tag, 'tag');
}

// ---- a resume ---------------------------------------------------------------------------------

/**
 * Comes back with the pair's resume key. Resolves undefined when the responder holds no ticket
 * for us (then a first admission is the way in).
 *
 * @throws {AdmissionFailedError} the responder's proof did not verify
 * @throws {PeerBlockedError} / {MalformedMessageError} …
 */
export async function initiateResume(
  init: RunInit & { readonly resumeKey: Uint8Array }
): Promise<RunResult | undefined> {
  const { messages, self, peer, fingerprint, resumeKey, signal } = init;
  const nonce = randomBytes(ADMIT_NONCE_BYTES);
  const run = {
    initiator: self,
    responder: peer,
    initiatorNonce: nonce,
    initiatorFingerprint: fingerprint
  };
  await messages.write(
    {
      version: ADMIT_VERSION,
      nonce: wireBytes(nonce),
      fingerprint,
      resume: resumeRequestMac(resumeKey, run)
    },
    AdmitRequest,
    { signal }
  );
  const reply = await messages.read(strict(AdmitResponse), { signal });
  const outcome = outcomeOf(reply.outcome);
  if (outcome === Outcome.RESUME_UNKNOWN) {
    return undefined;
  }
  if (outcome === Outcome.FAILED) {
    throw new AdmissionFailedError('the peer did not accept our resume ticket');
  }
  if (outcome !== Outcome.RESUMED) {
    throw refusal(reply);
  }
  expectLength(reply.nonce, ADMIT_NONCE_BYTES, 'nonce');
  expectLength(reply.tag, RESUME_MAC_BYTES, 'resume proof');
  expectFingerprint(reply.fingerprint);
  const expected = resumeResponseMac(resumeKey, {
    ...run,
    responderNonce: reply.nonce,
    responderFingerprint: reply.fingerprint
  });
  if (!equalBytes(expected, reply.tag)) {
    throw new AdmissionFailedError('the peer does not hold our resume ticket');
  }
  return {
    sessionKey: resumedSessionKey(resumeKey, nonce, reply.nonce),
    remoteFingerprint: committed(reply.fingerprint)
  };
}

/**
 * Answers a resume request. `resumeKey` is the one we hold for this peer, or undefined; `admit`
 * is called once the peer's proof verified, before we tell it.
 *
 * @throws {AdmissionFailedError} the peer's proof did not verify
 */
export async function respondResume(
  init: RunInit & {
    readonly hello: AdmitRequest;
    readonly resumeKey: Uint8Array | undefined;
    readonly admit: (result: RunResult) => void;
  }
): Promise<void> {
  const { messages, self, peer, fingerprint, hello, resumeKey, signal } = init;
  expectLength(hello.nonce, ADMIT_NONCE_BYTES, 'nonce');
  expectLength(hello.resume, RESUME_MAC_BYTES, 'resume proof');
  expectFingerprint(hello.fingerprint);
  expectEmpty(hello.share, 'share');
  expectEmpty(hello.tag, 'tag');
  if (resumeKey === undefined) {
    await respond(messages, { outcome: Outcome.RESUME_UNKNOWN }, { signal });
    return;
  }
  const run = {
    initiator: peer,
    responder: self,
    initiatorNonce: hello.nonce,
    initiatorFingerprint: hello.fingerprint
  };
  if (!equalBytes(resumeRequestMac(resumeKey, run), hello.resume)) {
    await respond(messages, { outcome: Outcome.FAILED }, { signal });
    throw new AdmissionFailedError('the peer does not hold its resume ticket');
  }
  const nonce = randomBytes(ADMIT_NONCE_BYTES);
  const tag = resumeResponseMac(resumeKey, {
    ...run,
    responderNonce: nonce,
    responderFingerprint: fingerprint
  });
  await answerThenAdmit(
    init,
    resumedSessionKey(resumeKey, hello.nonce, nonce),
    committed(hello.fingerprint),
    { outcome: Outcome.RESUMED, nonce: wireBytes(nonce), fingerprint, tag },
    signal
  );
}

/**
 * Sends the responder's last answer, and only then counts the pair as admitted. Admitting sets
 * the call going at once: with a direct connection to the peer already open (its WebRTC upgrade
 * came back first after a network drop), the call marks it direct and closes the relayed
 * connection this stream runs on. Admitted first, the answer was lost with it: the initiator
 * failed on a closed stream while we counted it in, and each waited for the other
 * (tests/e2e/recovery.test.ts, 1 run in 4).
 */
async function answerThenAdmit(
  init: { readonly messages: ProtobufStream; readonly admit: (result: RunResult) => void },
  sessionKey: Uint8Array,
  remoteFingerprint: string,
  answer: Parameters<typeof respond>[1],
  signal: AbortSignal
): Promise<void> {
  try {
    await respond(init.messages, answer, { signal });
  } catch (err) {
    sessionKey.fill(0);
    throw err;
  }
  init.admit({ sessionKey, remoteFingerprint });
}

// ---- the CPace context ------------------------------------------------------------------------

const CI_LABEL = utf8ToBytes('samen/v2 admit ci');
const SESSION_KEY_INFO = utf8ToBytes('samen/v2 session');

/** A side's associated data: its role and its committed media fingerprint. */
function associatedData(role: 'initiator' | 'responder', fingerprint: string): Uint8Array {
  // The role keeps a message from being reflected to its sender as the other side's.
  return lvCat(utf8ToBytes(role), utf8ToBytes(committed(fingerprint)));
}

/** A committed fingerprint as compared: normalised, or empty (no media on that side). */
function committed(fingerprint: string): string {
  return fingerprint === '' ? '' : normaliseFingerprint(fingerprint);
}

/** CI, sid and our AD of one run (draft-irtf-cfrg-cpace §4.1, §10.1). */
function cpaceContext(
  initiator: PeerId,
  responder: PeerId,
  nonce: Uint8Array,
  role: 'initiator' | 'responder',
  fingerprint: string
) {
  const initiatorId = initiator.toMultihash().bytes;
  const responderId = responder.toMultihash().bytes;
  if (nonce.length !== ADMIT_NONCE_BYTES) {
    throw new MalformedMessageError('an admission nonce of the wrong length');
  }
  return {
    // The channel: both authenticated peer IDs, in role order.
    ci: lvCat(CI_LABEL, initiatorId, responderId),
    // Public and unique per run: the protocol ID (with its version), both peers, a nonce.
    sid: sha512(lvCat(utf8ToBytes(ADMIT_PROTOCOL), initiatorId, responderId, nonce)).slice(0, 32),
    ownAd: associatedData(role, fingerprint)
  };
}

/** A 32-byte session key for the pair, from CPace's ISK. */
function sessionKeyFrom(isk: Uint8Array, sid: Uint8Array): Uint8Array {
  return hkdf(sha256, isk, sid, SESSION_KEY_INFO, KEY_LENGTH);
}
