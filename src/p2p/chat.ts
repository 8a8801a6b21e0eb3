/**
 * Chat with one remote participant: ordered, acknowledged, exactly-once delivery over the
 * session stream, which may break and be opened again during a call.
 *
 * Pure logic, no I/O (the call sends what this returns): every outgoing message gets the next
 * sequence number of this ordered pair; it is kept, in memory only, until the peer acknowledges
 * it, and re-sent on every new session channel. Incoming messages are delivered in sequence
 * order, each once: duplicates (a re-send after a reconnect) are acknowledged again and
 * dropped, and a message after a gap waits until the gap is filled.
 */
import { ChatTooLongError, MalformedMessageError } from './errors.ts';

/** The longest chat message, in UTF-16 code units (what a textarea's maxlength counts). */
export const CHAT_MAX_CHARS = 2000;

/**
 * Messages held after a gap: the sender re-sends in order, so a gap longer than this is a
 * broken or hostile peer, not a slow one.
 */
export const CHAT_MAX_HELD = 256;

/** Unacknowledged outgoing messages kept for re-sending; beyond this the oldest are dropped. */
export const CHAT_MAX_PENDING = 1_000;

export interface ChatMessage {
  /** 1, 2, 3, … per ordered pair of participants. */
  readonly seq: number;
  readonly text: string;
}

export interface ReceiveResult {
  /** The sequence number to acknowledge (always the one received). */
  readonly ack: number;
  /** The messages now deliverable, in order (none for a duplicate or one after a gap). */
  readonly deliver: readonly ChatMessage[];
}

/**
 * Throws {@link ChatTooLongError} for a message over {@link CHAT_MAX_CHARS}.
 *
 * @example
 * checkChatText('hello') // ok
 */
export function checkChatText(text: string): void {
  if (typeof text !== 'string') {
    throw new TypeError('chat: text must be a string');
  }
  if (text.length > CHAT_MAX_CHARS) {
    throw new ChatTooLongError(`a chat message of ${text.length} characters`);
  }
}

/**
 * @example
 * const link = new ChatLink()
 * const out = link.send('hello')        // { seq: 1, text: 'hello' }: send it
 * const { ack, deliver } = link.receive(1, 'hi')  // send ChatAck(ack), show deliver
 * link.acknowledge(1)                   // the peer has our message 1
 * for (const m of link.pending()) resend(m)  // on a new session channel
 */
export class ChatLink {
  #nextOut = 1;
  /** The next sequence number to deliver. */
  #nextIn = 1;
  readonly #pending = new Map<number, string>();
  readonly #held = new Map<number, string>();

  /**
   * Numbers an outgoing message and keeps it until acknowledged.
   *
   * @throws {ChatTooLongError} when `text` is over {@link CHAT_MAX_CHARS} (nothing is kept)
   */
  send(text: string): ChatMessage {
    checkChatText(text);
    const seq = this.#nextOut++;
    this.#pending.set(seq, text);
    if (this.#pending.size > CHAT_MAX_PENDING) {
      this.#pending.delete(this.#pending.keys().next().value!);
    }
    return { seq, text };
  }

  /** The peer has message `seq`: it is not re-sent any more. Unknown numbers are ignored. */
  acknowledge(seq: number): void {
    this.#pending.delete(seq);
  }

  /** Unacknowledged outgoing messages, oldest first: re-send them on a new session channel. */
  pending(): readonly ChatMessage[] {
    return [...this.#pending].map(([seq, text]) => ({ seq, text }));
  }

  /**
   * Takes an incoming message.
   *
   * @throws {MalformedMessageError} for a bad sequence number, text over the limit, or a gap
   *   longer than {@link CHAT_MAX_HELD}
   */
  receive(seq: number, text: string): ReceiveResult {
    if (!Number.isSafeInteger(seq) || seq < 1) {
      throw new MalformedMessageError(`a chat message with sequence number ${seq}`);
    }
    if (typeof text !== 'string' || text.length > CHAT_MAX_CHARS) {
      throw new MalformedMessageError('a chat message over the limit');
    }
    if (seq < this.#nextIn || this.#held.has(seq)) {
      return { ack: seq, deliver: [] };
    }
    if (seq - this.#nextIn >= CHAT_MAX_HELD) {
      throw new MalformedMessageError(`a chat gap of ${seq - this.#nextIn} messages`);
    }
    this.#held.set(seq, text);
    const deliver: ChatMessage[] = [];
    for (let next = this.#held.get(this.#nextIn); next !== undefined;) {
      deliver.push({ seq: this.#nextIn, text: next });
      this.#held.delete(this.#nextIn);
      this.#nextIn++;
      next = this.#held.get(this.#nextIn);
    }
    return { ack: seq, deliver };
  }
}
