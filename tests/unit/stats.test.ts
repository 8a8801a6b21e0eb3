import { describe, expect, it } from 'vitest';
import {
  inboundAudioLevel,
  PathStatsSampler,
  summarisePathStats,
  type StatsReportLike
} from '../../src/p2p/stats.ts';

// Fixtures in the shape Chromium's RTCPeerConnection.getStats() returns (taken from a real
// report of a loopback call, trimmed to the fields that matter and a few that do not).

type Stat = { id: string; type: string; timestamp: number } & Record<string, unknown>;

function report(...stats: Stat[]): StatsReportLike {
  return new Map(stats.map((s) => [s.id, s]));
}

const T0 = 1_795_470_824_596.228;

interface Counters {
  /** Seconds after T0. */
  readonly at: number;
  readonly audioSent?: number;
  readonly videoSent?: number;
  readonly audioReceived?: number;
  readonly videoReceived?: number;
  readonly audioPackets?: number;
  readonly audioLost?: number;
  readonly videoPackets?: number;
  readonly videoLost?: number;
  readonly framesDecoded?: number;
  readonly framesEncoded?: number;
  readonly energy?: number;
  readonly samplesDuration?: number;
  readonly local?: 'host' | 'srflx' | 'prflx' | 'relay';
  readonly remote?: 'host' | 'srflx' | 'prflx' | 'relay';
}

/** A connected call: the transport's selected pair, its candidates, and four RTP streams. */
function connected(c: Counters): StatsReportLike {
  const timestamp = T0 + c.at * 1000;
  const local = c.local ?? 'host';
  return report(
    {
      id: 'T01',
      timestamp,
      type: 'transport',
      dtlsState: 'connected',
      iceState: 'connected',
      selectedCandidatePairChanges: 1,
      selectedCandidatePairId: 'CP2P0Z0klP_xTL5/zms',
      srtpCipher: 'SRTP_AES128_CM_HMAC_SHA1_80',
      tlsVersion: 'FEFC'
    },
    {
      id: 'CP2P0Z0klP_xTL5/zms',
      timestamp,
      type: 'candidate-pair',
      availableOutgoingBitrate: 3_937_846,
      bytesReceived: 5972,
      bytesSent: 190_207,
      currentRoundTripTime: 0.012,
      localCandidateId: 'I2P0Z0klP',
      nominated: true,
      remoteCandidateId: 'IxTL5/zms',
      state: 'succeeded',
      totalRoundTripTime: 0.019,
      transportId: 'T01',
      writable: true
    },
    // A pair ICE tried and did not select.
    {
      id: 'CPother',
      timestamp,
      type: 'candidate-pair',
      availableOutgoingBitrate: 100_000,
      currentRoundTripTime: 0.4,
      localCandidateId: 'Iother',
      remoteCandidateId: 'IxTL5/zms',
      nominated: false,
      state: 'failed',
      transportId: 'T01'
    },
    {
      id: 'I2P0Z0klP',
      timestamp,
      type: 'local-candidate',
      address: '192.0.2.10',
      candidateType: local,
      ip: '192.0.2.10',
      port: 56113,
      protocol: 'udp',
      ...(local === 'relay' ? { relayProtocol: 'tls', url: 'turns:turn.example.org:443' } : {}),
      transportId: 'T01'
    },
    {
      id: 'Iother',
      timestamp,
      type: 'local-candidate',
      candidateType: 'relay',
      protocol: 'udp',
      relayProtocol: 'udp',
      transportId: 'T01'
    },
    {
      id: 'IxTL5/zms',
      timestamp,
      type: 'remote-candidate',
      address: '198.51.100.7',
      candidateType: c.remote ?? 'host',
      port: 44297,
      protocol: 'udp',
      transportId: 'T01'
    },
    {
      id: 'OT01A194755957',
      timestamp,
      type: 'outbound-rtp',
      kind: 'audio',
      mediaType: 'audio',
      ssrc: 194_755_957,
      bytesSent: c.audioSent ?? 14_044,
      packetsSent: 251,
      targetBitrate: 32_000,
      transportId: 'T01'
    },
    {
      id: 'OT01V1163279248',
      timestamp,
      type: 'outbound-rtp',
      kind: 'video',
      mediaType: 'video',
      ssrc: 1_163_279_248,
      bytesSent: c.videoSent ?? 154_738,
      encoderImplementation: 'libvpx',
      frameHeight: 360,
      frameWidth: 640,
      framesEncoded: c.framesEncoded ?? 96,
      framesPerSecond: 19,
      qualityLimitationReason: 'bandwidth',
      transportId: 'T01'
    },
    {
      id: 'IT01A183499718',
      timestamp,
      type: 'inbound-rtp',
      kind: 'audio',
      mediaType: 'audio',
      ssrc: 183_499_718,
      audioLevel: 0.0039,
      bytesReceived: c.audioReceived ?? 14_394,
      packetsLost: c.audioLost ?? 0,
      packetsReceived: c.audioPackets ?? 252,
      totalAudioEnergy: c.energy ?? 1.315_570_608_852_286,
      totalSamplesDuration: c.samplesDuration ?? 5.09,
      transportId: 'T01'
    },
    {
      id: 'IT01V3311',
      timestamp,
      type: 'inbound-rtp',
      kind: 'video',
      mediaType: 'video',
      ssrc: 3311,
      bytesReceived: c.videoReceived ?? 154_738,
      decoderImplementation: 'libvpx',
      frameHeight: 720,
      frameWidth: 1280,
      framesDecoded: c.framesDecoded ?? 96,
      framesPerSecond: 30,
      packetsLost: c.videoLost ?? 0,
      packetsReceived: c.videoPackets ?? 207,
      transportId: 'T01'
    },
    {
      id: 'RIV1163279248',
      timestamp: timestamp - 593,
      type: 'remote-inbound-rtp',
      kind: 'video',
      fractionLost: 0,
      packetsLost: 0,
      roundTripTime: 0.001,
      localId: 'OT01V1163279248'
    },
    { id: 'P', timestamp, type: 'peer-connection', dataChannelsOpened: 0 }
  );
}

describe('summarisePathStats', () => {
  it('reads a direct host-to-host path: candidate types, protocol, RTT and the estimate', () => {
    expect.hasAssertions();
    const path = summarisePathStats(connected({ at: 0 }));
    expect(path).toEqual({
      at: T0,
      route: 'direct',
      localCandidateType: 'host',
      remoteCandidateType: 'host',
      protocol: 'udp',
      rttMs: 12,
      availableOutgoingBitrate: 3_937_846,
      videoIn: { fps: 30, width: 1280, height: 720 },
      videoOut: { fps: 19, width: 640, height: 360 },
      audioLevel: 0.0039
    });
  });

  it('computes bitrates and loss from the counters of two reports two seconds apart', () => {
    expect.hasAssertions();
    const first = connected({ at: 0 });
    const second = connected({
      at: 2,
      audioSent: 14_044 + 10_000,
      videoSent: 154_738 + 240_000,
      audioReceived: 14_394 + 9_000,
      videoReceived: 154_738 + 500_000,
      audioPackets: 252 + 100,
      videoPackets: 207 + 290,
      videoLost: 10,
      energy: 1.315_570_608_852_286 + 0.08,
      samplesDuration: 5.09 + 2
    });
    const path = summarisePathStats(second, first);
    // (10 000 + 240 000) bytes × 8 / 2 s; (9 000 + 500 000) × 8 / 2 s.
    expect(path.outgoingBitrate).toBe(1_000_000);
    expect(path.incomingBitrate).toBe(2_036_000);
    // 10 lost of 400 expected (390 received).
    expect(path.packetLossPercent).toBeCloseTo(2.5, 10);
    // sqrt(0.08 / 2) = 0.2
    expect(path.audioLevel).toBeCloseTo(0.2, 10);
  });

  it('calls a path relayed when either end is a TURN relay candidate', () => {
    expect.hasAssertions();
    const ours = summarisePathStats(connected({ at: 0, local: 'relay', remote: 'srflx' }));
    expect(ours).toMatchObject({
      route: 'relayed',
      localCandidateType: 'relay',
      remoteCandidateType: 'srflx',
      protocol: 'udp',
      relayProtocol: 'tls'
    });
    const theirs = summarisePathStats(connected({ at: 0, local: 'srflx', remote: 'relay' }));
    expect(theirs.route).toBe('relayed');
    expect(theirs.relayProtocol).toBeUndefined();
    const reflexive = summarisePathStats(connected({ at: 0, local: 'prflx', remote: 'srflx' }));
    expect(reflexive.route).toBe('direct');
  });

  it('has no route, candidates or RTT while ICE has not selected a pair', () => {
    expect.hasAssertions();
    const t = T0;
    const checking = report(
      {
        id: 'T01',
        timestamp: t,
        type: 'transport',
        dtlsState: 'new',
        iceState: 'checking',
        selectedCandidatePairChanges: 0
      },
      {
        id: 'CPa_b',
        timestamp: t,
        type: 'candidate-pair',
        localCandidateId: 'Ia',
        remoteCandidateId: 'Ib',
        nominated: false,
        state: 'in-progress',
        currentRoundTripTime: 0.003,
        transportId: 'T01'
      },
      { id: 'Ia', timestamp: t, type: 'local-candidate', candidateType: 'host', protocol: 'udp' },
      { id: 'Ib', timestamp: t, type: 'remote-candidate', candidateType: 'host', protocol: 'udp' },
      {
        id: 'OT01V1',
        timestamp: t,
        type: 'outbound-rtp',
        kind: 'video',
        bytesSent: 0,
        framesEncoded: 0
      }
    );
    const path = summarisePathStats(checking, checking);
    expect(path).toEqual({ at: t, videoOut: {} });
    // And a report with nothing at all (a connection just made).
    expect(summarisePathStats(new Map())).toEqual({ at: 0 });
  });

  it('takes Firefox’s `selected` flag when the transport names no pair', () => {
    expect.hasAssertions();
    const t = T0;
    const firefox = report(
      {
        id: 'cp1',
        timestamp: t,
        type: 'candidate-pair',
        localCandidateId: 'l1',
        remoteCandidateId: 'r1',
        selected: false,
        state: 'succeeded',
        nominated: true
      },
      {
        id: 'cp2',
        timestamp: t,
        type: 'candidate-pair',
        localCandidateId: 'l2',
        remoteCandidateId: 'r1',
        selected: true,
        state: 'succeeded',
        nominated: true
      },
      { id: 'l1', timestamp: t, type: 'local-candidate', candidateType: 'host', protocol: 'udp' },
      {
        id: 'l2',
        timestamp: t,
        type: 'local-candidate',
        candidateType: 'relay',
        protocol: 'udp',
        relayProtocol: 'udp'
      },
      { id: 'r1', timestamp: t, type: 'remote-candidate', candidateType: 'srflx', protocol: 'udp' }
    );
    expect(summarisePathStats(firefox)).toMatchObject({
      route: 'relayed',
      localCandidateType: 'relay',
      relayProtocol: 'udp'
    });
  });

  it('leaves a stream whose counters went back (it restarted) out of the interval', () => {
    expect.hasAssertions();
    const first = connected({
      at: 0,
      videoSent: 900_000,
      videoReceived: 800_000,
      videoPackets: 5_000
    });
    // Video restarted (counters near zero again); audio went on.
    const second = connected({
      at: 2,
      audioSent: 14_044 + 8_000,
      videoSent: 1_000,
      audioReceived: 14_394 + 8_000,
      videoReceived: 2_000,
      audioPackets: 252 + 100,
      audioLost: 0,
      videoPackets: 3,
      videoLost: 0
    });
    const path = summarisePathStats(second, first);
    expect(path.outgoingBitrate).toBe(32_000);
    expect(path.incomingBitrate).toBe(32_000);
    expect(path.packetLossPercent).toBe(0);
  });

  it('has no rates when every stream restarted, or when no time passed', () => {
    expect.hasAssertions();
    const first = connected({
      at: 0,
      audioSent: 50_000,
      videoSent: 900_000,
      audioReceived: 60_000,
      videoReceived: 800_000,
      audioPackets: 500,
      videoPackets: 900
    });
    const restarted = connected({
      at: 2,
      audioSent: 10,
      videoSent: 10,
      audioReceived: 10,
      videoReceived: 10,
      audioPackets: 1,
      videoPackets: 1
    });
    const path = summarisePathStats(restarted, first);
    expect(path.outgoingBitrate).toBeUndefined();
    expect(path.incomingBitrate).toBeUndefined();
    expect(path.packetLossPercent).toBeUndefined();
    const same = summarisePathStats(first, first);
    expect(same.outgoingBitrate).toBeUndefined();
    expect(same.packetLossPercent).toBeUndefined();
  });

  it('clamps a negative interval loss (late packets counted as lost, then received) to 0', () => {
    expect.hasAssertions();
    const first = connected({ at: 0, videoLost: 12, videoPackets: 1_000 });
    const second = connected({ at: 1, videoLost: 9, videoPackets: 1_100, audioPackets: 252 + 50 });
    expect(summarisePathStats(second, first).packetLossPercent).toBe(0);
  });

  it('derives fps from frame counters when the browser gives no framesPerSecond', () => {
    expect.hasAssertions();
    const strip = (r: StatsReportLike): StatsReportLike => {
      const copy = new Map<string, unknown>();
      r.forEach((value, key) => {
        const { framesPerSecond: _, ...rest } = value as Record<string, unknown>;
        copy.set(key, rest);
      });
      return copy;
    };
    const first = strip(connected({ at: 0, framesDecoded: 100, framesEncoded: 50 }));
    const second = strip(connected({ at: 2, framesDecoded: 160, framesEncoded: 90 }));
    const path = summarisePathStats(second, first);
    expect(path.videoIn).toEqual({ fps: 30, width: 1280, height: 720 });
    expect(path.videoOut).toEqual({ fps: 20, width: 640, height: 360 });
  });
});

describe('inboundAudioLevel', () => {
  const receiverReport = (at: number, energy: number, duration: number, level = 0.5) =>
    report({
      id: 'IT01A1',
      timestamp: T0 + at * 1000,
      type: 'inbound-rtp',
      kind: 'audio',
      audioLevel: level,
      totalAudioEnergy: energy,
      totalSamplesDuration: duration
    });

  it('is the RMS between two reports, else the latest level', () => {
    expect.hasAssertions();
    const first = receiverReport(0, 1, 10, 0.9);
    expect(inboundAudioLevel(first)).toBe(0.9);
    // 0.0002 of energy over 0.5 s of samples: sqrt(0.0004) = 0.02.
    expect(inboundAudioLevel(receiverReport(0.5, 1.0002, 10.5, 0.9), first)).toBeCloseTo(0.02, 10);
  });

  it('is undefined without incoming audio, and falls back after an energy reset', () => {
    expect.hasAssertions();
    expect(inboundAudioLevel(new Map())).toBeUndefined();
    const first = receiverReport(0, 5, 10);
    expect(inboundAudioLevel(receiverReport(0.5, 0.1, 0.5, 0.25), first)).toBe(0.25);
  });
});

describe('PathStatsSampler', () => {
  it('keeps the previous report for rates, and shares a summary asked for again within a second', async () => {
    expect.hasAssertions();
    const reports = [
      connected({ at: 0 }),
      connected({ at: 2, videoSent: 154_738 + 250_000 }),
      connected({ at: 4, videoSent: 154_738 + 500_000 })
    ];
    let calls = 0;
    let now = 0;
    const sampler = new PathStatsSampler(async () => reports[calls++]!, { now: () => now });
    const [a, b] = await Promise.all([sampler.sample(), sampler.sample()]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    expect(a.outgoingBitrate).toBeUndefined();

    now = 500;
    expect(await sampler.sample()).toBe(a);
    expect(calls).toBe(1);

    now = 2_000;
    expect((await sampler.sample()).outgoingBitrate).toBe(1_000_000);
    now = 4_000;
    expect((await sampler.sample()).outgoingBitrate).toBe(1_000_000);
    expect(calls).toBe(3);
  });

  it('passes a failed getStats on, and tries again on the next call', async () => {
    expect.hasAssertions();
    let fail = true;
    const sampler = new PathStatsSampler(async () => {
      if (fail) {
        throw new DOMException('closed', 'InvalidStateError');
      }
      return connected({ at: 0 });
    });
    await expect(sampler.sample()).rejects.toMatchObject({ name: 'InvalidStateError' });
    fail = false;
    expect((await sampler.sample()).route).toBe('direct');
  });
});
