/**
 * The Samen session, `/samen/session/2.0.0`: one long-lived stream per pair of admitted peers
 * on their direct connection, carrying length-prefixed {@link SessionMessage}s both ways.
 *
 * Limits (STYLE.md): a named size limit per message, a limit on messages per minute, and
 * checks on every field; a message that breaks them closes this stream with a typed error and
 * is reported, never the call. The protocol is served only to admitted peers (the call node's
 * admission middleware refuses the stream to anyone else) and never on relayed connections.
 */
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface';
import { pbStream, type ProtobufMessageStream } from '@libp2p/utils';
import { SESSION_PROTOCOL } from '../../constants.ts';
import {
  AbortedError,
  MalformedMessageError,
  MessageTooLargeError,
  SamenError
} from '../../errors.ts';
import { CHAT_MAX_CHARS } from '../../chat.ts';
import { Emitter } from '../../events.ts';
import { strictCodec, toStreamError } from '../stream-errors.ts';
import { SessionMessage } from './pb/session.ts';

export {
  SessionMessage,
  SecurityNotice,
  type Chat,
  type ChatAck,
  type MediaCandidate,
  type MediaClose,
  type MediaDescription,
  type MediaHello,
  type MediaSignal,
  type MediaState,
  type RosterEntry
} from './pb/session.ts';

/** The largest session message: room for an SDP offer of a multi-track call (~10–20 KiB). */
export const SESSION_MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Messages a peer may send per minute: ICE candidates, renegotiations, chat and control make
 * dozens at most; a flood beyond this is a broken or hostile peer.
 */
export const SESSION_MAX_MESSAGES_PER_MINUTE = 1_200;

/** At most this many participants in a roster: a call is a mesh of up to 8. */
export const MAX_ROSTER_ENTRIES = 8;

/** Addresses per roster entry: one per relay a participant holds a reservation on. */
export const MAX_ROSTER_ADDRESSES = 8;

/** Longest multiaddr or peer ID string in a roster. */
export const MAX_ROSTER_STRING = 1024;

/**
 * The longest SDP: a two-transceiver offer is 3–6 KiB; renegotiated and with many codecs it
 * stays far below this, and the whole message must fit SESSION_MAX_MESSAGE_BYTES anyway.
 */
export const MEDIA_MAX_SDP_CHARS = 48 * 1024;

/** The longest ICE candidate line (RFC 8839 §5.1: ~100–200 characters in practice). */
export const MEDIA_MAX_CANDIDATE_CHARS = 1024;

/** The longest sdpMid / usernameFragment (RFC 8839 §5.4: an ice-ufrag is at most 256). */
export const MEDIA_MAX_TOKEN_CHARS = 256;

/** m-lines in one description: two transceivers, with room for renegotiation. */
export const MEDIA_MAX_M_LINE_INDEX = 64;

/** A MediaHello fingerprint: "sha-256 " and 32 colon-separated hex bytes (RFC 8122 §5). */
export const MEDIA_FINGERPRINT_PATTERN = /^sha-256 (?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/;

/** An HMAC-SHA-256 tag. */
export const MEDIA_HELLO_MAC_BYTES = 32;

/** Only one session stream per connection and direction is ever needed. */
export const SESSION_MAX_STREAMS = 2;

export interface SessionChannelEvents {
  message: CustomEvent<SessionMessage>;
  /** The stream ended; `detail` is the typed error when it ended badly, else null. */
  close: CustomEvent<SamenError | null>;
}

/**
 * One session stream with one peer.
 *
 * @example
 * const channel = await SessionChannel.open(connection, { signal })
 * channel.addEventListener('message', (e) => handle(e.detail))
 * await channel.send({ roster: { peers } })
 */
export class SessionChannel extends Emitter<SessionChannelEvents> {
  readonly peer: PeerId;
  readonly #stream: Stream;
  readonly #messages: ProtobufMessageStream<SessionMessage, Stream>;
  readonly #controller = new AbortController();
  readonly #sent: number[] = [];
  readonly #received: number[];
  #closed = false;

  /**
   * @param options.received the times of the messages this peer sent over the last minute, for
   *   SESSION_MAX_MESSAGES_PER_MINUTE: shared by all of its channels, so that a peer cannot
   *   reset its count by opening a new stream (the call keeps one per participant); a fresh
   *   one by default.
   */
  constructor(stream: Stream, peer: PeerId, options: { received?: number[] } = {}) {
    super();
    this.#stream = stream;
    this.peer = peer;
    this.#received = options.received ?? [];
    this.#messages = pbStream(stream, { maxDataLength: SESSION_MAX_MESSAGE_BYTES }).pb(
      strictCodec(SessionMessage, 'session')
    );
    void this.#readLoop();
  }

  /** Opens the session stream on a direct connection to an admitted peer. */
  static async open(
    connection: Connection,
    options: AbortOptions & { received?: number[] } = {}
  ): Promise<SessionChannel> {
    const stream = await connection.newStream(SESSION_PROTOCOL, { signal: options.signal });
    return new SessionChannel(stream, connection.remotePeer, { received: options.received });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one message.
   *
   * @throws {MessageTooLargeError} when it is over the size or rate limit (nothing is sent)
   * @throws {AbortedError} when the channel is closed
   */
  async send(message: SessionMessage, options: AbortOptions = {}): Promise<void> {
    if (this.#closed) {
      throw new AbortedError('the session is closed');
    }
    const size = SessionMessage.encode(message).byteLength;
    if (size > SESSION_MAX_MESSAGE_BYTES) {
      throw new MessageTooLargeError(`a session message of ${size} bytes`);
    }
    if (!withinRate(this.#sent)) {
      throw new MessageTooLargeError('too many session messages per minute');
    }
    await this.#messages.write(message, {
      signal: AbortSignal.any([
        this.#controller.signal,
        ...(options.signal === undefined ? [] : [options.signal])
      ])
    });
  }

  /**
   * Closes the stream gracefully and waits until the peer has everything we sent (or `signal`
   * aborts): for a goodbye that must arrive before the connection goes.
   */
  async end(options: AbortOptions = {}): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#controller.abort();
    try {
      await this.#stream.close(options);
    } catch {
      this.#stream.abort(new AbortedError('closed'));
    }
    this.emit('close', null);
  }

  /** Closes the stream (gracefully when `error` is undefined). Idempotent. */
  close(error?: SamenError): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#controller.abort();
    if (error === undefined) {
      void this.#stream.close().catch(() => this.#stream.abort(new AbortedError('closed')));
    } else {
      this.#stream.abort(error);
    }
    this.emit('close', error ?? null);
  }

  async #readLoop(): Promise<void> {
    while (!this.#closed) {
      let message: SessionMessage;
      try {
        message = await this.#messages.read({ signal: this.#controller.signal });
        if (!withinRate(this.#received)) {
          throw new MessageTooLargeError('the peer sent too many session messages per minute');
        }
        checkMessage(message);
      } catch (err) {
        // Once we closed it ourselves, close() is a no-op: nothing to report.
        this.close(toStreamError(err, 'session'));
        return;
      }
      this.emit('message', message);
    }
  }
}

/**
 * The bodies a session message can carry (the `oneof body` of session.proto), by field name.
 * The call handles each kind with one handler of its own (call/handlers.ts).
 */
export const SESSION_BODY_KINDS = [
  'roster',
  'bye',
  'notice',
  'mediaSignal',
  'mediaHello',
  'mediaState',
  'chat',
  'chatAck',
  'mediaClose'
] as const satisfies readonly (keyof SessionMessage)[];

export type SessionBodyKind = (typeof SESSION_BODY_KINDS)[number];

/** A field of SessionMessage missing from SESSION_BODY_KINDS makes this `false`, and tsc fail. */
const _everyBodyListed: Exclude<keyof SessionMessage, SessionBodyKind> extends never
  ? true
  : false = true;
void _everyBodyListed;

/** A message's one body, with its kind: what the call dispatches on. */
export type SessionBody = {
  [K in SessionBodyKind]: { readonly kind: K; readonly body: NonNullable<SessionMessage[K]> };
}[SessionBodyKind];

/**
 * The one body of a message that passed {@link checkMessage}.
 *
 * @throws {MalformedMessageError} when it carries no body or more than one
 * @example
 * const { kind, body } = sessionBody({ chatAck: { link: 1n, seq: 2n } }) // kind 'chatAck'
 */
export function sessionBody(message: SessionMessage): SessionBody {
  const kinds = SESSION_BODY_KINDS.filter((kind) => message[kind] !== undefined);
  if (kinds.length !== 1) {
    throw new MalformedMessageError('a session message must carry exactly one known body');
  }
  const kind = kinds[0]!;
  return { kind, body: message[kind] } as SessionBody;
}

/** Checks the fields the schema cannot: counts, lengths, exactly one body. */
export function checkMessage(message: SessionMessage): void {
  sessionBody(message);
  if (message.roster !== undefined) {
    const { peers } = message.roster;
    if (peers.length > MAX_ROSTER_ENTRIES) {
      throw new MalformedMessageError(`a roster of ${peers.length} entries`);
    }
    for (const entry of peers) {
      if (
        entry.peerId.length === 0 ||
        entry.peerId.length > MAX_ROSTER_STRING ||
        entry.addrs.length > MAX_ROSTER_ADDRESSES ||
        entry.addrs.some((a) => a.length > MAX_ROSTER_STRING)
      ) {
        throw new MalformedMessageError('a roster entry out of bounds');
      }
    }
  }
  if (message.mediaSignal !== undefined) {
    checkMediaSignal(message.mediaSignal);
  }
  if (message.mediaHello !== undefined) {
    const { fingerprint, mac } = message.mediaHello;
    if (!MEDIA_FINGERPRINT_PATTERN.test(fingerprint) || mac.byteLength !== MEDIA_HELLO_MAC_BYTES) {
      throw new MalformedMessageError('a media hello out of bounds');
    }
  }
  if (message.chat !== undefined) {
    checkSeq(message.chat.seq);
    if (message.chat.text.length > CHAT_MAX_CHARS) {
      throw new MalformedMessageError(`a chat message of ${message.chat.text.length} characters`);
    }
  }
  if (message.chatAck !== undefined) {
    checkSeq(message.chatAck.seq);
  }
}

function checkMediaSignal(signal: NonNullable<SessionMessage['mediaSignal']>): void {
  const { description, candidate } = signal;
  if ((description === undefined) === (candidate === undefined)) {
    throw new MalformedMessageError('a media signal must carry a description or a candidate');
  }
  if (description !== undefined) {
    if (description.type !== 'offer' && description.type !== 'answer') {
      throw new MalformedMessageError('a media description of an unknown type');
    }
    if (description.sdp.length === 0 || description.sdp.length > MEDIA_MAX_SDP_CHARS) {
      throw new MalformedMessageError(
        `a media description of ${description.sdp.length} characters`
      );
    }
  }
  if (candidate !== undefined) {
    if (
      candidate.candidate.length > MEDIA_MAX_CANDIDATE_CHARS ||
      (candidate.sdpMid?.length ?? 0) > MEDIA_MAX_TOKEN_CHARS ||
      (candidate.usernameFragment?.length ?? 0) > MEDIA_MAX_TOKEN_CHARS ||
      (candidate.sdpMLineIndex ?? 0) > MEDIA_MAX_M_LINE_INDEX ||
      (candidate.sdpMid === undefined && candidate.sdpMLineIndex === undefined)
    ) {
      throw new MalformedMessageError('a media candidate out of bounds');
    }
  }
}

/** Chat sequence numbers count from 1 and stay exact as JavaScript numbers. */
function checkSeq(seq: bigint): void {
  if (seq < 1n || seq > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MalformedMessageError(`a chat sequence number of ${seq}`);
  }
}

/**
 * Counts one more message if it fits in SESSION_MAX_MESSAGES_PER_MINUTE over the last minute;
 * `times` holds the counted messages' times, oldest first. The clock is monotonic: with the
 * wall clock, one set back (NTP, the user, a laptop resuming) kept every earlier message "in the
 * last minute" until it caught up, so a long call's session was cut off as a flood, with a
 * security alert, after that many more messages; one set forward emptied the window.
 *
 * @internal exported for tests
 */
export function withinRate(times: number[]): boolean {
  const now = performance.now();
  while (times.length > 0 && now - times[0]! > 60_000) {
    times.shift();
  }
  if (times.length >= SESSION_MAX_MESSAGES_PER_MINUTE) {
    return false;
  }
  times.push(now);
  return true;
}
