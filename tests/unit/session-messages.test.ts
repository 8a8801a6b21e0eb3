import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHAT_MAX_CHARS } from '../../src/p2p/chat.ts';
import {
  checkMessage,
  MEDIA_MAX_SDP_CHARS,
  SESSION_MAX_MESSAGES_PER_MINUTE,
  withinRate,
  type SessionMessage
} from '../../src/p2p/protocols/session/index.ts';

const FINGERPRINT = `sha-256 ${Array.from({ length: 32 }, () => '0F').join(':')}`;

function nameOf(message: SessionMessage): string | undefined {
  try {
    checkMessage(message);
  } catch (err) {
    return (err as Error).name;
  }
  return undefined;
}

describe('checkMessage (media and chat)', () => {
  it('accepts well-formed media and chat messages', () => {
    const ok: SessionMessage[] = [
      { mediaHello: { generation: 0, fingerprint: FINGERPRINT, mac: new Uint8Array(32) } },
      { mediaSignal: { generation: 0, description: { type: 'offer', sdp: 'v=0\r\n' } } },
      {
        mediaSignal: {
          generation: 1,
          candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' }
        }
      },
      { mediaState: { audio: true, video: false, screen: false } },
      { chat: { link: 5n, seq: 1n, text: 'x'.repeat(CHAT_MAX_CHARS) } },
      { chatAck: { link: 5n, seq: 7n } },
      { mediaClose: { generation: 3 } }
    ];
    expect(ok.map(nameOf)).toEqual(ok.map(() => undefined));
  });

  it('throws MalformedMessageError for each out-of-bounds field', () => {
    const bad: SessionMessage[] = [
      { mediaHello: { generation: 0, fingerprint: 'sha-1 0F', mac: new Uint8Array(32) } },
      { mediaHello: { generation: 0, fingerprint: FINGERPRINT, mac: new Uint8Array(31) } },
      { mediaSignal: { generation: 0 } },
      { mediaSignal: { generation: 0, description: { type: 'rollback', sdp: 'v=0' } } },
      {
        mediaSignal: {
          generation: 0,
          description: { type: 'offer', sdp: 'v'.repeat(MEDIA_MAX_SDP_CHARS + 1) }
        }
      },
      { mediaSignal: { generation: 0, candidate: { candidate: 'candidate:1' } } },
      { mediaSignal: { generation: 0, candidate: { candidate: 'c'.repeat(1025), sdpMid: '0' } } },
      { chat: { link: 5n, seq: 0n, text: 'a' } },
      { chat: { link: 5n, seq: 1n, text: 'x'.repeat(CHAT_MAX_CHARS + 1) } },
      { chatAck: { link: 5n, seq: 2n ** 60n } },
      { chat: { link: 5n, seq: 1n, text: 'a' }, chatAck: { link: 5n, seq: 1n } }
    ];
    expect(bad.map(nameOf)).toEqual(bad.map(() => 'MalformedMessageError'));
  });
});

describe('withinRate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it(`counts ${SESSION_MAX_MESSAGES_PER_MINUTE} messages a minute, then refuses until a minute has passed`, () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const times: number[] = [];
    for (let i = 0; i < SESSION_MAX_MESSAGES_PER_MINUTE; i++) {
      expect(withinRate(times)).toBe(true);
    }
    expect(withinRate(times)).toBe(false);
    vi.advanceTimersByTime(60_001);
    expect(withinRate(times)).toBe(true);
    expect(times).toHaveLength(1);
  });

  it('frees the window a minute on when the wall clock was set back an hour meanwhile', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const times: number[] = [];
    for (let i = 0; i < SESSION_MAX_MESSAGES_PER_MINUTE; i++) {
      withinRate(times);
    }
    // NTP, the user or a resumed laptop moves the wall clock; time itself goes on.
    vi.setSystemTime(Date.now() - 3_600_000);
    vi.advanceTimersByTime(60_001);
    expect(withinRate(times)).toBe(true);
    expect(times).toHaveLength(1);
  });
});
