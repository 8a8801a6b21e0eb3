import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Call, type ChatEntry, type ParticipantSnapshot } from '../../src/p2p/call/index.ts';
import { CHAT_MAX_CHARS } from '../../src/p2p/chat.ts';
import type { PeerConnectionConstructor } from '../../src/p2p/media.ts';
import { nodeMediaCertificate } from '../support/media-certificate.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

/**
 * Chat and media state between two Node calls on a local swarm. node-datachannel has no media
 * tracks, so the media sessions here carry no transceivers (media.test.ts covers negotiation).
 */
describe('call: chat and media state', () => {
  let swarm: LocalSwarm;
  const calls: Call[] = [];

  beforeAll(async () => {
    swarm = await startLocalSwarm(3);
  });

  afterEach(async () => {
    await Promise.allSettled(calls.splice(0).map((call) => call.leave()));
  });

  afterAll(async () => {
    await swarm?.stop();
  });

  async function join(passphrase: string): Promise<Call & { chat: ChatEntry[] }> {
    const call = Object.assign(
      new Call({
        passphrase,
        network: swarm.profile,
        rtcBindAddress: '127.0.0.1',
        RTCPeerConnection: PolyfillPeerConnection as unknown as PeerConnectionConstructor,
        mediaCertificate: await nodeMediaCertificate(),
        mediaKinds: []
      }),
      { chat: [] as ChatEntry[] }
    );
    call.addEventListener('chat', (e) => call.chat.push(e.detail));
    calls.push(call);
    return call;
  }

  function only(call: Call): ParticipantSnapshot | undefined {
    return call.participants.length === 1 ? call.participants[0] : undefined;
  }

  it('tells the other what we send, and delivers each chat message once to both sides', async () => {
    const a = await join('quartz harbor lantern meadow chat');
    const b = await join('quartz harbor lantern meadow chat');
    const mic = { kind: 'audio', id: 'mic' } as unknown as MediaStreamTrack;
    await a.setLocalMedia({ audio: mic, video: null });
    await Promise.all([a.start(), b.start()]);
    await expect.poll(() => only(b)?.state, { timeout: 20_000 }).toBe('direct');
    await expect.poll(() => only(a)?.state, { timeout: 20_000 }).toBe('direct');

    await expect
      .poll(() => only(b)?.media, { timeout: 5_000 })
      .toEqual({ audio: true, video: false, screen: false });
    await a.setLocalMedia({ audio: null });
    await expect
      .poll(() => only(b)?.media, { timeout: 5_000 })
      .toEqual({ audio: false, video: false, screen: false });

    await a.sendChat('hello');
    await a.sendChat('how are you?');
    await expect
      .poll(() => b.chat.map((m) => m.text), { timeout: 5_000 })
      .toEqual(['hello', 'how are you?']);
    await b.sendChat('fine');
    expect(b.chat.map((m) => m.text)).toEqual(['hello', 'how are you?', 'fine']);
    await expect.poll(() => a.chat.length, { timeout: 5_000 }).toBe(3);
    expect(a.chat.map((m) => [m.from, m.text])).toEqual([
      [a.peerId, 'hello'],
      [a.peerId, 'how are you?'],
      [b.peerId, 'fine']
    ]);
    expect(new Set(a.chat.map((m) => m.id)).size).toBe(3);
    expect(new Set(b.chat.map((m) => m.id)).size).toBe(3);
  });

  it('refuses a chat message over the limit with ChatTooLongError and sends nothing', async () => {
    const a = await join('quartz harbor lantern meadow long');
    const b = await join('quartz harbor lantern meadow long');
    await Promise.all([a.start(), b.start()]);
    await expect.poll(() => only(a)?.state, { timeout: 20_000 }).toBe('direct');
    await expect.poll(() => only(b)?.state, { timeout: 20_000 }).toBe('direct');

    await expect(a.sendChat('x'.repeat(CHAT_MAX_CHARS + 1))).rejects.toHaveProperty(
      'name',
      'ChatTooLongError'
    );
    await a.sendChat('after');
    await expect.poll(() => b.chat.map((m) => m.text), { timeout: 5_000 }).toEqual(['after']);
    expect(a.chat.map((m) => m.text)).toEqual(['after']);
  });
});
