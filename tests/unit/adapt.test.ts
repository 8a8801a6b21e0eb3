import { describe, expect, it } from 'vitest';
import {
  applyVideoLimits,
  ENCODE_PIXEL_BUDGET,
  UPLINK_VIDEO_BUDGET_BPS,
  VIDEO_LADDER,
  videoLimits,
  type ParameterSender,
  type VideoLimits
} from '../../src/p2p/adapt.ts';

/** Plenty of bandwidth: what loopback or a good LAN measures. */
const FAST = 20_000_000;

describe('videoLimits', () => {
  it('sends 720p30 at up to 1.5 Mbit/s to one other participant', () => {
    expect.hasAssertions();
    expect(videoLimits({ remotes: 1, availableOutgoingBitrate: FAST, sourceHeight: 720 })).toEqual({
      maxBitrate: 1_500_000,
      scaleResolutionDownBy: 1,
      maxFramerate: 30
    });
  });

  it('sends 480p30 to each of two, and 360p24 to each of three or four', () => {
    expect.hasAssertions();
    expect(videoLimits({ remotes: 2, availableOutgoingBitrate: FAST })).toEqual({
      maxBitrate: 900_000,
      scaleResolutionDownBy: 1.5,
      maxFramerate: 30
    });
    const three = { maxBitrate: 500_000, scaleResolutionDownBy: 2, maxFramerate: 24 };
    expect(videoLimits({ remotes: 3, availableOutgoingBitrate: FAST })).toEqual(three);
    expect(videoLimits({ remotes: 4, availableOutgoingBitrate: FAST })).toEqual(three);
  });

  it('sends 360p20 to each of five (a six-person call), 360p15 to six, 240p15 to seven', () => {
    expect.hasAssertions();
    expect(videoLimits({ remotes: 5, availableOutgoingBitrate: FAST })).toEqual({
      maxBitrate: 400_000,
      scaleResolutionDownBy: 2,
      maxFramerate: 20
    });
    expect(videoLimits({ remotes: 6, availableOutgoingBitrate: FAST })).toEqual({
      maxBitrate: 300_000,
      scaleResolutionDownBy: 2,
      maxFramerate: 15
    });
    expect(videoLimits({ remotes: 7, availableOutgoingBitrate: FAST })).toEqual({
      maxBitrate: 250_000,
      scaleResolutionDownBy: 3,
      maxFramerate: 15
    });
  });

  it('keeps every mesh size within the uplink and encoding budgets', () => {
    expect.hasAssertions();
    for (let remotes = 1; remotes <= 7; remotes++) {
      const limits = videoLimits({ remotes, sourceHeight: 720 });
      const height = 720 / limits.scaleResolutionDownBy;
      const pixels = Math.round((height * 16) / 9) * height * limits.maxFramerate;
      expect(remotes * limits.maxBitrate).toBeLessThanOrEqual(UPLINK_VIDEO_BUDGET_BPS);
      expect(remotes * pixels).toBeLessThanOrEqual(ENCODE_PIXEL_BUDGET);
    }
  });

  it('steps down the ladder when the measured bandwidth is low', () => {
    expect.hasAssertions();
    // One remote, 500 kbit/s measured: 450 after audio, under 720p's 600 kbit/s floor.
    expect(videoLimits({ remotes: 1, availableOutgoingBitrate: 500_000 })).toEqual({
      maxBitrate: 900_000,
      scaleResolutionDownBy: 1.5,
      maxFramerate: 30
    });
    // 200 kbit/s: 150 left for video, 360p15.
    expect(videoLimits({ remotes: 1, availableOutgoingBitrate: 200_000 })).toEqual({
      maxBitrate: 300_000,
      scaleResolutionDownBy: 2,
      maxFramerate: 15
    });
    // 100 kbit/s: the lowest rung, whatever the count.
    const lowest = { maxBitrate: 150_000, scaleResolutionDownBy: 4, maxFramerate: 15 };
    expect(videoLimits({ remotes: 1, availableOutgoingBitrate: 100_000 })).toEqual(lowest);
    expect(videoLimits({ remotes: 7, availableOutgoingBitrate: 100_000 })).toEqual(lowest);
    expect(videoLimits({ remotes: 3, availableOutgoingBitrate: 0 })).toEqual(lowest);
    // Plenty of bandwidth never lifts a stream above its share of the mesh.
    expect(videoLimits({ remotes: 5, availableOutgoingBitrate: 1e9 }).maxBitrate).toBe(400_000);
    // Not measured yet: the share of the mesh alone.
    expect(videoLimits({ remotes: 3 })).toEqual(
      videoLimits({ remotes: 3, availableOutgoingBitrate: FAST })
    );
  });

  it('scales from the captured height, never up', () => {
    expect.hasAssertions();
    // A 1080p camera to three: 360p is a third of it.
    expect(videoLimits({ remotes: 3, sourceHeight: 1080 }).scaleResolutionDownBy).toBe(3);
    // A 480p camera to one or two: sent as it is.
    expect(videoLimits({ remotes: 1, sourceHeight: 480 }).scaleResolutionDownBy).toBe(1);
    expect(videoLimits({ remotes: 2, sourceHeight: 480 }).scaleResolutionDownBy).toBe(1);
    // A 480p camera to five: 360p20.
    expect(videoLimits({ remotes: 5, sourceHeight: 480 })).toEqual({
      maxBitrate: 400_000,
      scaleResolutionDownBy: 1.33,
      maxFramerate: 20
    });
  });

  it('keeps a shared screen’s pixels (up to 1080p) and halves its frame rate instead', () => {
    expect.hasAssertions();
    expect(videoLimits({ remotes: 1, sourceHeight: 1080, screen: true })).toEqual({
      maxBitrate: 1_500_000,
      scaleResolutionDownBy: 1,
      maxFramerate: 15
    });
    expect(videoLimits({ remotes: 5, sourceHeight: 1440, screen: true })).toEqual({
      maxBitrate: 400_000,
      scaleResolutionDownBy: 1.33,
      maxFramerate: 10
    });
    expect(videoLimits({ remotes: 7, sourceHeight: 900, screen: true }).maxFramerate).toBe(8);
  });

  it('treats fewer than one remote as one, and refuses a count that is not a number', () => {
    expect.hasAssertions();
    expect(videoLimits({ remotes: 0 })).toEqual(videoLimits({ remotes: 1 }));
    expect(() => videoLimits({ remotes: Number.NaN })).toThrow(RangeError);
  });

  it('has a ladder that only ever goes down', () => {
    expect.hasAssertions();
    for (let i = 1; i < VIDEO_LADDER.length; i++) {
      const [better, worse] = [VIDEO_LADDER[i - 1]!, VIDEO_LADDER[i]!];
      expect(worse.maxBitrate).toBeLessThan(better.maxBitrate);
      expect(worse.minBitrate).toBeLessThan(better.minBitrate);
      expect(worse.height * worse.maxFramerate).toBeLessThan(better.height * better.maxFramerate);
    }
  });
});

/** An RTCRtpSender's parameter methods, with the browser's transactionId rule (webrtc-pc §5.2). */
class FakeSender implements ParameterSender {
  encodings: RTCRtpEncodingParameters[];
  sets = 0;
  failWith: Error | undefined;
  throwOnGet = false;
  #transaction = 0;

  constructor(encodings: RTCRtpEncodingParameters[]) {
    this.encodings = encodings;
  }

  getParameters(): RTCRtpSendParameters {
    if (this.throwOnGet) {
      throw new DOMException('The sender was stopped', 'InvalidStateError');
    }
    this.#transaction++;
    return {
      transactionId: String(this.#transaction),
      encodings: this.encodings.map((e) => ({ ...e })),
      codecs: [],
      headerExtensions: [],
      rtcp: { cname: 'M9dbPaabzPBQQdBU', reducedSize: true }
    };
  }

  async setParameters(parameters: RTCRtpSendParameters): Promise<void> {
    this.sets++;
    if (this.failWith !== undefined) {
      throw this.failWith;
    }
    if (parameters.transactionId !== String(this.#transaction)) {
      throw new DOMException('stale transactionId', 'InvalidModificationError');
    }
    if (parameters.encodings.length !== this.encodings.length) {
      throw new DOMException('encodings changed', 'InvalidModificationError');
    }
    this.encodings = parameters.encodings.map((e) => ({ ...e }));
  }
}

const FIVE: VideoLimits = { maxBitrate: 400_000, scaleResolutionDownBy: 2, maxFramerate: 20 };

describe('applyVideoLimits', () => {
  it('sets the limits on every encoding, and keeps the rest of each', async () => {
    expect.hasAssertions();
    const sender = new FakeSender([
      { active: true, priority: 'low', networkPriority: 'low', scaleResolutionDownBy: 1 }
    ]);
    expect(await applyVideoLimits(sender, FIVE)).toBe('applied');
    expect(sender.encodings).toEqual([
      {
        active: true,
        priority: 'low',
        networkPriority: 'low',
        maxBitrate: 400_000,
        scaleResolutionDownBy: 2,
        maxFramerate: 20
      }
    ]);
    expect(sender.sets).toBe(1);
  });

  it('sets nothing when the limits are already in force', async () => {
    expect.hasAssertions();
    const sender = new FakeSender([{ active: true, ...FIVE }]);
    expect(await applyVideoLimits(sender, FIVE)).toBe('unchanged');
    expect(sender.sets).toBe(0);
    // One field different is a change.
    expect(await applyVideoLimits(sender, { ...FIVE, maxFramerate: 15 })).toBe('applied');
    expect(sender.encodings[0]).toMatchObject({ maxFramerate: 15 });
    expect(sender.sets).toBe(1);
  });

  it('waits for a sender with no encodings yet (not negotiated) rather than add one', async () => {
    expect.hasAssertions();
    const sender = new FakeSender([]);
    expect(await applyVideoLimits(sender, FIVE)).toBe('no-encodings');
    expect(sender.sets).toBe(0);
    expect(sender.encodings).toEqual([]);
  });

  it('never throws: a failed setParameters or getParameters is an outcome', async () => {
    expect.hasAssertions();
    const sender = new FakeSender([{ active: true }]);
    sender.failWith = new DOMException('busy', 'InvalidStateError');
    expect(await applyVideoLimits(sender, FIVE)).toBe('failed');
    expect(sender.encodings).toEqual([{ active: true }]);
    sender.failWith = undefined;
    sender.throwOnGet = true;
    expect(await applyVideoLimits(sender, FIVE)).toBe('failed');
    sender.throwOnGet = false;
    expect(await applyVideoLimits(sender, FIVE)).toBe('applied');
  });

  it('tolerates a sender that throws synchronously from setParameters', async () => {
    expect.hasAssertions();
    const sender: ParameterSender = {
      getParameters: () => ({
        transactionId: '1',
        encodings: [{ active: true }],
        codecs: [],
        headerExtensions: [],
        rtcp: {}
      }),
      setParameters: () => {
        throw new TypeError('not supported');
      }
    };
    expect(await applyVideoLimits(sender, FIVE)).toBe('failed');
  });
});
