import { describe, expect, it } from 'vitest';
import { CHAT_MAX_CHARS, CHAT_MAX_HELD, ChatLink, checkChatText } from '../../src/p2p/chat.ts';

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
    expect([link.send('a'), link.send('b'), link.send('c')]).toEqual([
      { seq: 1, text: 'a' },
      { seq: 2, text: 'b' },
      { seq: 3, text: 'c' }
    ]);
    link.acknowledge(2);
    expect(link.pending()).toEqual([
      { seq: 1, text: 'a' },
      { seq: 3, text: 'c' }
    ]);
    link.acknowledge(1);
    link.acknowledge(3);
    link.acknowledge(99);
    expect(link.pending()).toEqual([]);
  });

  it('delivers in-order messages at once, each acknowledged', () => {
    const link = new ChatLink();
    expect(link.receive(1, 'a')).toEqual({ ack: 1, deliver: [{ seq: 1, text: 'a' }] });
    expect(link.receive(2, 'b')).toEqual({ ack: 2, deliver: [{ seq: 2, text: 'b' }] });
  });

  it('holds messages after a gap and delivers them in order once it is filled', () => {
    const link = new ChatLink();
    expect(link.receive(3, 'c')).toEqual({ ack: 3, deliver: [] });
    expect(link.receive(2, 'b')).toEqual({ ack: 2, deliver: [] });
    expect(link.receive(1, 'a')).toEqual({
      ack: 1,
      deliver: [
        { seq: 1, text: 'a' },
        { seq: 2, text: 'b' },
        { seq: 3, text: 'c' }
      ]
    });
    expect(link.receive(4, 'd').deliver).toEqual([{ seq: 4, text: 'd' }]);
  });

  it('drops duplicates, delivered or held, but acknowledges them again', () => {
    const link = new ChatLink();
    link.receive(1, 'a');
    link.receive(3, 'c');
    expect(link.receive(1, 'a')).toEqual({ ack: 1, deliver: [] });
    expect(link.receive(3, 'c')).toEqual({ ack: 3, deliver: [] });
    expect(link.receive(2, 'b').deliver).toEqual([
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
      const { ack, deliver } = bob.receive(m.seq, m.text);
      delivered.push(...deliver.map((d) => d.text));
      if (m.seq === 1) alice.acknowledge(ack);
    }
    expect(delivered).toEqual(['one']);
    // A new session channel: alice re-sends what is unacknowledged, in order.
    expect(alice.pending().map((m) => m.seq)).toEqual([2, 3]);
    for (const m of alice.pending()) {
      const { ack, deliver } = bob.receive(m.seq, m.text);
      delivered.push(...deliver.map((d) => d.text));
      alice.acknowledge(ack);
    }
    expect(delivered).toEqual(['one', 'two', 'three']);
    expect(alice.pending()).toEqual([]);
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
    expect(nameOf(() => link.receive(1, 'x'.repeat(CHAT_MAX_CHARS + 1)))).toBe(
      'MalformedMessageError'
    );
    expect(nameOf(() => link.receive(0, 'a'))).toBe('MalformedMessageError');
    expect(nameOf(() => link.receive(1.5, 'a'))).toBe('MalformedMessageError');
    expect(nameOf(() => link.receive(1 + CHAT_MAX_HELD, 'a'))).toBe('MalformedMessageError');
    expect(link.receive(CHAT_MAX_HELD, 'a')).toEqual({ ack: CHAT_MAX_HELD, deliver: [] });
  });
});
