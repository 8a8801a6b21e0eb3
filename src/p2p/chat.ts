/**
 * Chat with one remote participant: ordered, acknowledged, exactly-once delivery over the
 * session stream, which may break and be opened again during a call.
 *
 * Pure logic, no I/O (the call sends what this returns): every outgoing message gets the next
 * sequence number of this ordered pair; it is kept, in memory only, until the peer acknowledges
 * it, and re-sent on every new session channel. Incoming messages are delivered in sequence
 * order, each once: duplicates (a re-send after a reconnect) are acknowledged again and
 * dropped, and a message after a gap waits until the gap is filled.
 *
 * Numbers count within a link: a random 64-bit id the sender picks when it starts numbering.
 * A receiver that sees a new link id starts over at 1, so a sender that forgot its numbering
 * (its participant record was made again) is not taken for one re-sending old messages.
 * Nothing is ever dropped from the outgoing queue: a full queue refuses new messages
 * (ChatBacklogError), since a hole in the numbering would stall delivery for good.
 */
import { ChatBacklogError, ChatTooLongError, MalformedMessageError } from './errors.ts';

/** The longest chat message, in UTF-16 code units (what a textarea's maxlength counts). */
export const CHAT_MAX_CHARS = 2000;

/**
 * Messages held after a gap: the sender re-sends in order, so a gap longer than this is a
 * broken or hostile peer, not a slow one.
 */
export const CHAT_MAX_HELD = 256;

/**
 * Unacknowledged outgoing messages kept for re-sending; beyond this, sending is refused until
 * the peer acknowledges (a reconnecting peer gets them all once it is back).
 */
export const CHAT_MAX_PENDING = 1_000;

export interface ChatMessage {
  /** The sender's link id (see the module comment). */
  readonly link: bigint;
  /** 1, 2, 3, … per ordered pair of participants. */
  readonly seq: number;
  readonly text: string;
}

export interface ReceiveResult {
  /** The sequence number to acknowledge (always the one received). */
  readonly ack: number;
  /** The messages now deliverable, in order (none for a duplicate or one after a gap). */
  readonly deliver: readonly { readonly seq: number; readonly text: string }[];
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

/** A random, non-zero 64-bit link id (zero is what a peer that sent none would decode to). */
function newLinkId(): bigint {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  const id = (BigInt(high!) << 32n) | BigInt(low!);
  return id === 0n ? 1n : id;
}

/**
 * @example
 * const link = new ChatLink()
 * const out = link.send('hello')        // { link, seq: 1, text: 'hello' }: send it
 * const { ack, deliver } = link.receive(theirLink, 1, 'hi')  // send ChatAck(theirLink, ack)
 * link.acknowledge(out.link, 1)         // the peer has our message 1
 * for (const m of link.pending()) resend(m)  // on a new session channel
 */
export class ChatLink {
  /** Our numbering's id, sent with every message and echoed in acknowledgements. */
  readonly link = newLinkId();
  #nextOut = 1;
  /** The peer's link id we are numbering by, and the next sequence number to deliver. */
  #inLink: bigint | undefined;
  #nextIn = 1;
  readonly #pending = new Map<number, string>();
  readonly #held = new Map<number, string>();

  /** Whether another message may be sent now (see {@link CHAT_MAX_PENDING}). */
  get full(): boolean {
    return this.#pending.size >= CHAT_MAX_PENDING;
  }

  /**
   * Numbers an outgoing message and keeps it until acknowledged.
   *
   * @throws {ChatTooLongError} when `text` is over {@link CHAT_MAX_CHARS} (nothing is kept)
   * @throws {ChatBacklogError} when {@link CHAT_MAX_PENDING} messages wait for acknowledgement
   */
  send(text: string): ChatMessage {
    checkChatText(text);
    if (this.full) {
      throw new ChatBacklogError(`${this.#pending.size} chat messages are not acknowledged`);
    }
    const seq = this.#nextOut++;
    this.#pending.set(seq, text);
    return { link: this.link, seq, text };
  }

  /**
   * The peer has message `seq` of link `link`: it is not re-sent any more. Unknown numbers, and
   * acknowledgements of another link, are ignored.
   */
  acknowledge(link: bigint, seq: number): void {
    if (link === this.link) {
      this.#pending.delete(seq);
    }
  }

  /** Unacknowledged outgoing messages, oldest first: re-send them on a new session channel. */
  pending(): readonly ChatMessage[] {
    return [...this.#pending].map(([seq, text]) => ({ link: this.link, seq, text }));
  }

  /**
   * Takes an incoming message of the peer's link `link`.
   *
   * @throws {MalformedMessageError} for a bad sequence number, text over the limit, or a gap
   *   longer than {@link CHAT_MAX_HELD}
   */
  receive(link: bigint, seq: number, text: string): ReceiveResult {
    if (!Number.isSafeInteger(seq) || seq < 1) {
      throw new MalformedMessageError(`a chat message with sequence number ${seq}`);
    }
    if (typeof text !== 'string' || text.length > CHAT_MAX_CHARS) {
      throw new MalformedMessageError('a chat message over the limit');
    }
    if (link !== this.#inLink) {
      // The peer started numbering afresh: what we held of its old numbering will never be
      // completed (it does not re-send another link's messages).
      this.#inLink = link;
      this.#nextIn = 1;
      this.#held.clear();
    }
    if (seq < this.#nextIn || this.#held.has(seq)) {
      return { ack: seq, deliver: [] };
    }
    if (seq - this.#nextIn >= CHAT_MAX_HELD) {
      throw new MalformedMessageError(`a chat gap of ${seq - this.#nextIn} messages`);
    }
    this.#held.set(seq, text);
    const deliver: { seq: number; text: string }[] = [];
    for (let next = this.#held.get(this.#nextIn); next !== undefined;) {
      deliver.push({ seq: this.#nextIn, text: next });
      this.#held.delete(this.#nextIn);
      this.#nextIn++;
      next = this.#held.get(this.#nextIn);
    }
    return { ack: seq, deliver };
  }
}
