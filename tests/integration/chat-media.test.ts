import { pbStream } from '@libp2p/utils';
import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Call,
  type ChatEntry,
  type ParticipantSnapshot,
  type SecurityEvent
} from '../../src/p2p/call/index.ts';
import { CHAT_MAX_CHARS } from '../../src/p2p/chat.ts';
import { SESSION_PROTOCOL } from '../../src/p2p/constants.ts';
import {
  SESSION_MAX_MESSAGES_PER_MINUTE,
  SessionMessage
} from '../../src/p2p/protocols/session/index.ts';
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

  async function join(
    passphrase: string
  ): Promise<Call & { chat: ChatEntry[]; security: SecurityEvent[] }> {
    const call = Object.assign(
      new Call({
        passphrase,
        network: swarm.profile,
        rtcBindAddress: '127.0.0.1',
        RTCPeerConnection: PolyfillPeerConnection as unknown as PeerConnectionConstructor,
        mediaCertificate: await nodeMediaCertificate(),
        mediaKinds: []
      }),
      { chat: [] as ChatEntry[], security: [] as SecurityEvent[] }
    );
    call.addEventListener('chat', (e) => call.chat.push(e.detail));
    call.addEventListener('security', (e) => call.security.push(e.detail));
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

  it('cuts off an admitted peer that floods it with 10 000 session messages, says so, and goes on with the others', async () => {
    const passphrase = 'quartz harbor lantern meadow flood';
    const [a, b, flooder] = await Promise.all([
      join(passphrase),
      join(passphrase),
      join(passphrase)
    ]);
    await Promise.all([a, b, flooder].map((call) => call.start()));
    for (const call of [a, b, flooder]) {
      await expect
        .poll(() => call.participants.map((p) => p.state), { timeout: 40_000 })
        .toEqual(['direct', 'direct']);
    }
    const flooderId = flooder.peerId!;

    // A modified client: session streams of its own on its direct connection to A, 10 000 chat
    // messages in batches, and a new stream whenever A closes one (or its own call's session
    // replaces it), as one would to start A's count afresh.
    const connection = flooder
      .node!.libp2p.getConnections(a.node!.peerId)
      .find((c) => c.direct && c.status === 'open')!;
    let written = 0;
    while (written < 10_000 && a.security.length === 0) {
      const stream = await connection.newStream(SESSION_PROTOCOL);
      const messages = pbStream(stream).pb(SessionMessage);
      try {
        while (written < 10_000 && stream.status === 'open') {
          for (const end = written + 100; written < end; written++) {
            await messages.write({ chat: { link: 7n, seq: BigInt(written + 1), text: 'flood' } });
          }
          // Let A read: a stream it closed meanwhile shows it here.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } catch {
        // A reset the stream mid-batch: the next one goes on.
      }
    }

    // A reported it once, as a bad message from the flooder, and took at most a minute's worth
    // over all those streams.
    await expect
      .poll(() => a.security.filter((e) => e.kind === 'bad-message'), { timeout: 10_000 })
      .toEqual([
        {
          kind: 'bad-message',
          peerId: flooderId,
          // Over the rate, or, when A dropped the unread rest of a stream that a newer one
          // replaced, a chat number that jumps ahead on the next stream: either defence may
          // trip first, and both are this flood.
          reason: expect.stringMatching(/^(MessageTooLargeError|MalformedMessageError)$/)
        }
      ]);
    // Cut off for this admission: what it sends over a session it opens again never arrives.
    await flooder.sendChat('after the flood');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(a.chat.map((m) => m.text)).not.toContain('after the flood');
    await expect
      .poll(() => b.chat.map((m) => m.text), { timeout: 5_000 })
      .toEqual(['after the flood']);
    const flood = a.chat.filter((entry) => entry.text === 'flood');
    expect(flood.length).toBeLessThanOrEqual(SESSION_MAX_MESSAGES_PER_MINUTE);
    expect(new Set(flood.map((entry) => entry.from))).toEqual(new Set([flooderId]));

    // A and B go on as before, both ways; B saw nothing of the flood.
    await a.sendChat('still here');
    await expect
      .poll(() => b.chat.map((m) => m.text), { timeout: 5_000 })
      .toEqual(['after the flood', 'still here']);
    await b.sendChat('me too');
    await expect
      .poll(() => a.chat.filter((m) => m.from === b.peerId).map((m) => m.text), { timeout: 5_000 })
      .toEqual(['me too']);
    expect(b.security).toEqual([]);
    expect(a.participants.find((p) => p.peerId === b.peerId)?.state).toBe('direct');
  });
});
