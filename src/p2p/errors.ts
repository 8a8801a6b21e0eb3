/**
 * Every error Samen's core throws. Each class sets `name`, which is what the UI maps to a
 * translated sentence and what tests assert on; nothing ever matches on message text.
 *
 * @example
 * try { await call.join(passphrase, { signal }) }
 * catch (err) { if (err instanceof SamenError) showMessage(err.name) }
 */
export class SamenError extends Error {
  override name = 'SamenError';
}

// ---- input ------------------------------------------------------------------------------------

/** A passphrase that is empty (or only whitespace) after normalisation. */
export class EmptyPassphraseError extends SamenError {
  override name = 'EmptyPassphraseError';
}

/** A passphrase or PIN longer than the limit in passphrase.ts. */
export class PassphraseTooLongError extends SamenError {
  override name = 'PassphraseTooLongError';
}

// ---- network profile --------------------------------------------------------------------------

/** network.json (or settings) that is not valid JSON or does not fit the documented format. */
export class InvalidNetworkConfigError extends SamenError {
  override name = 'InvalidNetworkConfigError';
}

/** No bootstrap node could be reached. */
export class NetworkUnreachableError extends SamenError {
  override name = 'NetworkUnreachableError';
}

/** No relay slot could be reserved, so nobody could dial us. */
export class NoRelayError extends SamenError {
  override name = 'NoRelayError';
}

// ---- key derivation ---------------------------------------------------------------------------

/** The argon2id derivation failed (e.g. the browser could not allocate its memory). */
export class KeyDerivationError extends SamenError {
  override name = 'KeyDerivationError';
}

// ---- CPace / admission ------------------------------------------------------------------------

/** A CPace share that is not a canonical ristretto255 encoding, or that is the identity. */
export class InvalidShareError extends SamenError {
  override name = 'InvalidShareError';
}

/** The peer's key confirmation did not verify: it does not know the passphrase or the PIN. */
export class AdmissionFailedError extends SamenError {
  override name = 'AdmissionFailedError';
}

/** The participants removed this peer from the call: it is refused for the rest of it. */
export class PeerBlockedError extends SamenError {
  override name = 'PeerBlockedError';
}

/** The participants locked the call: nobody new is admitted (someone coming back still is). */
export class CallLockedError extends SamenError {
  override name = 'CallLockedError';
}

/**
 * Too many guesses at the passphrase for now, from this peer or from anyone: admission is
 * answered again after `retryAfterMs` (protocols/admit/limits.ts). Nothing is locked.
 */
export class AdmissionRateLimitedError extends SamenError {
  override name = 'AdmissionRateLimitedError';
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options?: ErrorOptions) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** A Samen protocol was asked of us by a peer that has not been admitted. */
export class NotAdmittedError extends SamenError {
  override name = 'NotAdmittedError';
}

// ---- wire -------------------------------------------------------------------------------------

/** A message that does not decode, breaks the protocol's order, or is of an unknown version. */
export class MalformedMessageError extends SamenError {
  override name = 'MalformedMessageError';
}

/** A message or a stream over its named size or count limit. */
export class MessageTooLargeError extends SamenError {
  override name = 'MessageTooLargeError';
}

/**
 * A node of the network gave no TURN credentials (protocols/turn): it refused (too many
 * requests), or it serves none.
 */
export class TurnUnavailableError extends SamenError {
  override name = 'TurnUnavailableError';
}

/** The remote side took longer than the protocol's named timeout. */
export class ProtocolTimeoutError extends SamenError {
  override name = 'ProtocolTimeoutError';
}

// ---- media and chat ---------------------------------------------------------------------------

/**
 * A participant's media DTLS is not the one it vouched for over the admitted session: its
 * MediaHello's MAC did not verify, or its SDP carries another certificate fingerprint. The media
 * session is closed: someone may be in the middle.
 */
export class MediaFingerprintMismatchError extends SamenError {
  override name = 'MediaFingerprintMismatchError';
}

/** The media RTCPeerConnection could not be negotiated (a description or candidate failed). */
export class MediaNegotiationError extends SamenError {
  override name = 'MediaNegotiationError';
}

/** A chat message over CHAT_MAX_CHARS (chat.ts): nothing was sent. */
export class ChatTooLongError extends SamenError {
  override name = 'ChatTooLongError';
}

/** Too many messages wait for a participant who is not acknowledging (reconnecting, say). */
export class ChatBacklogError extends SamenError {
  override name = 'ChatBacklogError';
}

// ---- lifecycle --------------------------------------------------------------------------------

/** The operation was aborted (Leave, or a caller's AbortSignal). */
export class AbortedError extends SamenError {
  override name = 'AbortError';
}

/** Whether an admission ended because the peer could not prove the secret, or may not come in. */
export function isAdmissionFailure(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return (
    name === 'AdmissionFailedError' || name === 'PeerBlockedError' || name === 'CallLockedError'
  );
}

/** An error's name and message for a log line (whatever was thrown). */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    return `${err.name}: ${err.message}`;
  }
  // A WebSocket that cannot connect rejects libp2p's dial with its DOM 'error' event itself.
  if (typeof Event !== 'undefined' && err instanceof Event) {
    const source = err.target?.constructor.name;
    return source === undefined ? `${err.type} event` : `${err.type} event of a ${source}`;
  }
  return String(err);
}
