/**
 * What the connection-path tests read from a page's media peer connections, which helpers.ts's
 * trackPeerConnections keeps in `window.__peerConnections` (beside libp2p's own WebRTC
 * connections, which carry data channels only: a media connection is one with transceivers).
 */
import type { Page } from '@playwright/test';

/** The open media connections of the page, in the order they were made. */
export function liveMediaConnectionCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter(
        (pc) => pc.signalingState !== 'closed' && pc.getTransceivers().length > 0
      ).length
  );
}

/**
 * Keeps the page's one open media connection as `window[name]`, to read it again once there
 * are others; fails unless there is exactly one.
 */
export async function tagOnlyMediaConnection(page: Page, name: string): Promise<void> {
  const count = await page.evaluate((key) => {
    const media = (
      window as unknown as { __peerConnections: RTCPeerConnection[] }
    ).__peerConnections.filter(
      (pc) => pc.signalingState !== 'closed' && pc.getTransceivers().length > 0
    );
    (window as unknown as Record<string, unknown>)[key] = media[0];
    return media.length;
  }, name);
  if (count !== 1) {
    throw new Error(`expected one open media connection, found ${count}`);
  }
}

export interface EncodingLimits {
  readonly maxBitrate?: number;
  readonly scaleResolutionDownBy?: number;
  readonly maxFramerate?: number;
}

/** The first encoding of the video sender of the connection kept as `window[name]`. */
export function videoSenderEncoding(page: Page, name: string): Promise<EncodingLimits | null> {
  return page.evaluate((key) => {
    const pc = (window as unknown as Record<string, RTCPeerConnection | undefined>)[key];
    const sender = pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
    const encoding = sender?.getParameters().encodings[0];
    if (encoding === undefined) {
      return null;
    }
    const { maxBitrate, scaleResolutionDownBy, maxFramerate } = encoding;
    return { maxBitrate, scaleResolutionDownBy, maxFramerate };
  }, name);
}

/** The height of the video the connection kept as `window[name]` sends (its track's settings). */
export async function videoSourceHeight(page: Page, name: string): Promise<number | undefined> {
  const height = await page.evaluate((key) => {
    const pc = (window as unknown as Record<string, RTCPeerConnection | undefined>)[key];
    const sender = pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
    return sender?.track?.getSettings().height ?? null;
  }, name);
  return height ?? undefined;
}

/**
 * The loudest incoming audio the page plays over `ms`, as RMS (0..1) from totalAudioEnergy and
 * totalSamplesDuration (webrtc-stats §7.4), over its open media connections.
 */
export function remoteAudioLevel(page: Page, ms = 1_000): Promise<number> {
  return page.evaluate(async (wait) => {
    const media = (
      window as unknown as { __peerConnections: RTCPeerConnection[] }
    ).__peerConnections.filter(
      (pc) => pc.signalingState !== 'closed' && pc.getTransceivers().length > 0
    );
    const sample = async () => {
      const energy = new Map<string, { e: number; d: number }>();
      for (const [i, pc] of media.entries()) {
        (await pc.getStats()).forEach(
          (s: { type: string; kind?: string; id: string } & Record<string, unknown>) => {
            if (s.type === 'inbound-rtp' && s.kind === 'audio') {
              energy.set(`${i}:${s.id}`, {
                e: Number(s.totalAudioEnergy ?? 0),
                d: Number(s.totalSamplesDuration ?? 0)
              });
            }
          }
        );
      }
      return energy;
    };
    const before = await sample();
    await new Promise((resolve) => setTimeout(resolve, wait));
    const after = await sample();
    let loudest = 0;
    for (const [id, { e, d }] of after) {
      const then = before.get(id);
      if (then !== undefined && d > then.d) {
        loudest = Math.max(loudest, Math.sqrt((e - then.e) / (d - then.d)));
      }
    }
    return loudest;
  }, ms);
}
