/**
 * How much video we send to each participant. In a mesh every participant gets a stream of its
 * own, encoded separately (one RTCPeerConnection each, no simulcast, no server to fan out): with
 * five others a laptop encodes and uploads five videos. The browser's congestion control adapts
 * each stream to its own path, but knows nothing of the others that share the same uplink and
 * processor, so the share of each is set here (RTCRtpSender.setParameters, webrtc-pc §5.2), from
 * the number of participants and the bandwidth measured on the stream's own path.
 *
 * The ladder is chosen so that all streams together stay within one uplink budget and one
 * encoding budget; audio is never limited (Opus at ~32 kbit/s is what a call cannot lose).
 */

export interface VideoLimits {
  /** bits/s; the encoder may send less (congestion control), never more. */
  readonly maxBitrate: number;
  /** Relative to the captured video: 2 sends half the width and half the height. */
  readonly scaleResolutionDownBy: number;
  readonly maxFramerate: number;
}

export interface VideoLimitsInput {
  /** How many participants we send our video to (those connected directly). */
  readonly remotes: number;
  /** This stream's path: the browser's estimate (candidate pair availableOutgoingBitrate). */
  readonly availableOutgoingBitrate?: number;
  /** The height of the captured video (its track's settings); 720 when unknown. */
  readonly sourceHeight?: number;
  /** The video is a shared screen: keep its pixels (text), give up frames instead. */
  readonly screen?: boolean;
}

interface Rung {
  /** The height we aim to send (the width follows the source's aspect ratio). */
  readonly height: number;
  readonly maxFramerate: number;
  readonly maxBitrate: number;
  /**
   * Below this much measured bandwidth the rung's resolution would look blocky: the encoder
   * would starve every frame. About half its maxBitrate.
   */
  readonly minBitrate: number;
}

/**
 * From best to least; a stream gets the best rung that the uplink and encoding budgets allow
 * for this many streams, and that its own path can carry. Heights are the usual camera modes
 * (720p, 480p, 360p, 240p, 180p); at 360p the frame rate goes down before the resolution does,
 * because faces stay recognisable at 15 fps, not at 240p.
 */
export const VIDEO_LADDER: readonly Rung[] = [
  { height: 720, maxFramerate: 30, maxBitrate: 1_500_000, minBitrate: 600_000 },
  { height: 480, maxFramerate: 30, maxBitrate: 900_000, minBitrate: 350_000 },
  { height: 360, maxFramerate: 24, maxBitrate: 500_000, minBitrate: 250_000 },
  { height: 360, maxFramerate: 20, maxBitrate: 400_000, minBitrate: 200_000 },
  { height: 360, maxFramerate: 15, maxBitrate: 300_000, minBitrate: 150_000 },
  { height: 240, maxFramerate: 15, maxBitrate: 250_000, minBitrate: 100_000 },
  { height: 180, maxFramerate: 15, maxBitrate: 150_000, minBitrate: 0 }
];

/**
 * All video streams together stay under 2 Mbit/s. Home uplinks are commonly 5–20 Mbit/s on
 * cable or fibre but 1–5 Mbit/s on ADSL and busy 4G, and are shared with the household; 2 Mbit/s
 * leaves audio, retransmissions and the others on the line room to breathe.
 */
export const UPLINK_VIDEO_BUDGET_BPS = 2_000_000;

/**
 * All video encoders together handle at most the pixels of one 720p stream at 30 fps (27.6
 * Mpixel/s). A laptop encodes that in software (VP8, libvpx) on about one core; each stream of
 * a mesh is a separate encoder, so without this budget five 720p streams would take the
 * machine, and the call would stutter for everyone.
 */
export const ENCODE_PIXEL_BUDGET = 1280 * 720 * 30;

/** The captured height we assume before a track reports its settings: what we ask cameras for. */
export const DEFAULT_SOURCE_HEIGHT = 720;

/**
 * What the stream's path must keep free for audio and its RTCP, out of the measured bandwidth:
 * Opus voice at ~32 kbit/s plus packet headers is ~50 kbit/s.
 */
export const AUDIO_RESERVE_BPS = 50_000;

/**
 * How often the call reads each connection's stats and sets its video limits: congestion
 * control reacts within a second on its own; this only moves between rungs, and a change of
 * resolution costs the receiver a moment of adjustment, so every few seconds is often enough.
 */
export const ADAPT_INTERVAL_MS = 2_500;

/** A shared screen is sent at up to 1080p: text must stay readable. */
export const SCREEN_MAX_HEIGHT = 1080;

/**
 * A shared screen is sent at half the rung's frame rate (at least this): a document changes
 * rarely, and full resolution at half the frames costs about what the camera rung does.
 */
export const SCREEN_MIN_FRAMERATE = 5;

/**
 * The limits for our video to one participant.
 *
 * @example
 * videoLimits({ remotes: 5, availableOutgoingBitrate: 2_400_000 })
 * // { maxBitrate: 400_000, scaleResolutionDownBy: 2, maxFramerate: 20 }
 */
export function videoLimits(input: VideoLimitsInput): VideoLimits {
  const remotes = Math.max(1, Math.floor(input.remotes));
  if (!Number.isFinite(remotes)) {
    throw new RangeError(`videoLimits: remotes must be a number, got ${input.remotes}`);
  }
  const sourceHeight =
    input.sourceHeight !== undefined && input.sourceHeight > 0
      ? input.sourceHeight
      : DEFAULT_SOURCE_HEIGHT;
  const measured = input.availableOutgoingBitrate;
  const usable = measured === undefined ? Infinity : measured - AUDIO_RESERVE_BPS;

  const fits = (rung: Rung) => {
    // Pixels of a 16:9 frame at the height we would send (never more than the source has).
    const height = Math.min(rung.height, sourceHeight);
    const pixelsPerSecond = Math.round((height * 16) / 9) * height * rung.maxFramerate;
    return (
      remotes * rung.maxBitrate <= UPLINK_VIDEO_BUDGET_BPS &&
      remotes * pixelsPerSecond <= ENCODE_PIXEL_BUDGET &&
      rung.minBitrate <= usable
    );
  };
  const rung = VIDEO_LADDER.find(fits) ?? VIDEO_LADDER[VIDEO_LADDER.length - 1]!;

  if (input.screen === true) {
    return {
      maxBitrate: rung.maxBitrate,
      scaleResolutionDownBy: scale(sourceHeight, SCREEN_MAX_HEIGHT),
      maxFramerate: Math.max(SCREEN_MIN_FRAMERATE, Math.round(rung.maxFramerate / 2))
    };
  }
  return {
    maxBitrate: rung.maxBitrate,
    scaleResolutionDownBy: scale(sourceHeight, rung.height),
    maxFramerate: rung.maxFramerate
  };
}

/** The factor that brings `source` down to `target` lines, never up; rounded to 1/100. */
function scale(source: number, target: number): number {
  return Math.max(1, Math.round((source / target) * 100) / 100);
}

/** What {@link applyVideoLimits} did. */
export type ApplyOutcome =
  /** The new limits are in force. */
  | 'applied'
  /** Every encoding already had them: nothing was set. */
  | 'unchanged'
  /** The sender has no encodings yet (not negotiated): try again later. */
  | 'no-encodings'
  /** getParameters or setParameters failed (closed, or a concurrent change): try again later. */
  | 'failed';

/** The two methods of an RTCRtpSender that applying limits needs. */
export type ParameterSender = Pick<RTCRtpSender, 'getParameters' | 'setParameters'>;

/**
 * Puts `limits` on every encoding of a video sender, when they differ from what it has. Never
 * throws: a sender that cannot take them now (not negotiated yet, closed, busy with another
 * change) says so in the outcome, and the next round tries again.
 *
 * @example
 * const sender = pc.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender
 * if (sender) await applyVideoLimits(sender, videoLimits({ remotes: 3 }))
 */
export async function applyVideoLimits(
  sender: ParameterSender,
  limits: VideoLimits
): Promise<ApplyOutcome> {
  try {
    const parameters = sender.getParameters();
    const encodings = parameters.encodings ?? [];
    if (encodings.length === 0) {
      // The number of encodings is fixed by negotiation; setParameters may not add one.
      return 'no-encodings';
    }
    if (encodings.every((encoding) => hasLimits(encoding, limits))) {
      return 'unchanged';
    }
    for (const encoding of encodings) {
      encoding.maxBitrate = limits.maxBitrate;
      encoding.scaleResolutionDownBy = limits.scaleResolutionDownBy;
      encoding.maxFramerate = limits.maxFramerate;
    }
    // The same object getParameters returned, with its transactionId (webrtc-pc §5.2 step 6).
    await sender.setParameters(parameters);
    return 'applied';
  } catch {
    return 'failed';
  }
}

function hasLimits(encoding: RTCRtpEncodingParameters, limits: VideoLimits): boolean {
  return (
    encoding.maxBitrate === limits.maxBitrate &&
    // The browser may store the factor as a float of its own: equal to within rounding.
    Math.abs((encoding.scaleResolutionDownBy ?? 1) - limits.scaleResolutionDownBy) < 0.005 &&
    encoding.maxFramerate === limits.maxFramerate
  );
}
