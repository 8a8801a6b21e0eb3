import { describe, expect, it } from 'vitest';
import {
  CHAT_MAX_CHARS,
  CHAT_MAX_HELD,
  CHAT_MAX_PENDING,
  ChatLink,
  checkChatText
} from '../../src/p2p/chat.ts';

/** The sender's link id in the receive tests. */
const L = 7n;

function nameOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as Error).name;
  }
  return undefined;
}

describe('ChatLink', () => {
  it('numbers outgoing messages 1, 2, 3 and keeps them until acknowledged', () => {
    const link = new ChatLink();
    const { link: id } = link;
    expect([link.send('a'), link.send('b'), link.send('c')]).toEqual([
      { link: id, seq: 1, text: 'a' },
      { link: id, seq: 2, text: 'b' },
      { link: id, seq: 3, text: 'c' }
    ]);
    link.acknowledge(id, 2);
    // An acknowledgement of another link's number 1 is not ours.
    link.acknowledge(id + 1n, 1);
    expect(link.pending()).toEqual([
      { link: id, seq: 1, text: 'a' },
      { link: id, seq: 3, text: 'c' }
    ]);
    link.acknowledge(id, 1);
    link.acknowledge(id, 3);
    link.acknowledge(id, 99);
    expect(link.pending()).toEqual([]);
  });

  it('delivers in-order messages at once, each acknowledged', () => {
    const link = new ChatLink();
    expect(link.receive(L, 1, 'a')).toEqual({ ack: 1, deliver: [{ seq: 1, text: 'a' }] });
    expect(link.receive(L, 2, 'b')).toEqual({ ack: 2, deliver: [{ seq: 2, text: 'b' }] });
  });

  it('holds messages after a gap and delivers them in order once it is filled', () => {
    const link = new ChatLink();
    expect(link.receive(L, 3, 'c')).toEqual({ ack: 3, deliver: [] });
    expect(link.receive(L, 2, 'b')).toEqual({ ack: 2, deliver: [] });
    expect(link.receive(L, 1, 'a')).toEqual({
      ack: 1,
      deliver: [
        { seq: 1, text: 'a' },
        { seq: 2, text: 'b' },
        { seq: 3, text: 'c' }
      ]
    });
    expect(link.receive(L, 4, 'd').deliver).toEqual([{ seq: 4, text: 'd' }]);
  });

  it('drops duplicates, delivered or held, but acknowledges them again', () => {
    const link = new ChatLink();
    link.receive(L, 1, 'a');
    link.receive(L, 3, 'c');
    expect(link.receive(L, 1, 'a')).toEqual({ ack: 1, deliver: [] });
    expect(link.receive(L, 3, 'c')).toEqual({ ack: 3, deliver: [] });
    expect(link.receive(L, 2, 'b').deliver).toEqual([
      { seq: 2, text: 'b' },
      { seq: 3, text: 'c' }
    ]);
  });

  it('delivers each message exactly once when the sender re-sends after a reconnect', () => {
    const alice = new ChatLink();
    const bob = new ChatLink();
    const delivered: string[] = [];
    const sent = ['one', 'two', 'three'].map((t) => alice.send(t));
    // The first session carries 1 and 3; 2 is lost, and so is the ack of 3.
    for (const m of [sent[0]!, sent[2]!]) {
      const { ack, deliver } = bob.receive(m.link, m.seq, m.text);
      delivered.push(...deliver.map((d) => d.text));
      if (m.seq === 1) alice.acknowledge(alice.link, ack);
    }
    expect(delivered).toEqual(['one']);
    // A new session channel: alice re-sends what is unacknowledged, in order.
    expect(alice.pending().map((m) => m.seq)).toEqual([2, 3]);
    for (const m of alice.pending()) {
      const { ack, deliver } = bob.receive(m.link, m.seq, m.text);
      delivered.push(...deliver.map((d) => d.text));
      alice.acknowledge(alice.link, ack);
    }
    expect(delivered).toEqual(['one', 'two', 'three']);
    expect(alice.pending()).toEqual([]);
  });

  it('picks a random non-zero link id per link', () => {
    const ids = new Set(Array.from({ length: 50 }, () => new ChatLink().link));
    expect(ids.size).toBe(50);
    expect(ids.has(0n)).toBe(false);
  });

  it('starts over at 1 when the sender starts a new link, and drops what it held of the old', () => {
    const link = new ChatLink();
    expect(link.receive(L, 1, 'a').deliver).toEqual([{ seq: 1, text: 'a' }]);
    expect(link.receive(L, 3, 'c').deliver).toEqual([]);
    // The sender forgot its numbering (its record of us was made again): 1 is new, not a dup.
    expect(link.receive(L + 1n, 1, 'again').deliver).toEqual([{ seq: 1, text: 'again' }]);
    expect(link.receive(L + 1n, 2, 'b').deliver).toEqual([{ seq: 2, text: 'b' }]);
    // 3 of the old link was dropped, so 3 of the new one is held for nobody: it is delivered.
    expect(link.receive(L + 1n, 3, 'c2').deliver).toEqual([{ seq: 3, text: 'c2' }]);
  });

  it('refuses new messages with ChatBacklogError once CHAT_MAX_PENDING wait, dropping none', () => {
    const link = new ChatLink();
    for (let i = 1; i <= CHAT_MAX_PENDING; i++) {
      link.send(`m${i}`);
    }
    expect(link.full).toBe(true);
    expect(nameOf(() => link.send('one more'))).toBe('ChatBacklogError');
    expect(link.pending()).toHaveLength(CHAT_MAX_PENDING);
    expect(link.pending()[0]!.seq).toBe(1);
    link.acknowledge(link.link, 1);
    expect(link.send('now').seq).toBe(CHAT_MAX_PENDING + 1);
  });

  it('refuses to send text over CHAT_MAX_CHARS with ChatTooLongError, keeping nothing', () => {
    const link = new ChatLink();
    expect(link.send('x'.repeat(CHAT_MAX_CHARS)).seq).toBe(1);
    expect(nameOf(() => link.send('x'.repeat(CHAT_MAX_CHARS + 1)))).toBe('ChatTooLongError');
    expect(nameOf(() => checkChatText('x'.repeat(CHAT_MAX_CHARS + 1)))).toBe('ChatTooLongError');
    expect(link.pending().map((m) => m.seq)).toEqual([1]);
    expect(link.send('y').seq).toBe(2);
  });

  it('throws MalformedMessageError for received text over the limit, a bad seq, or a long gap', () => {
    const link = new ChatLink();
    expect(nameOf(() => link.receive(L, 1, 'x'.repeat(CHAT_MAX_CHARS + 1)))).toBe(
      'MalformedMessageError'
    );
    expect(nameOf(() => link.receive(L, 0, 'a'))).toBe('MalformedMessageError');
    expect(nameOf(() => link.receive(L, 1.5, 'a'))).toBe('MalformedMessageError');
    expect(nameOf(() => link.receive(L, 1 + CHAT_MAX_HELD, 'a'))).toBe('MalformedMessageError');
    expect(link.receive(L, CHAT_MAX_HELD, 'a')).toEqual({ ack: CHAT_MAX_HELD, deliver: [] });
  });
});
