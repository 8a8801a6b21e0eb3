/**
 * Measurements in the lab with probe.ts: a probe server on two wan addresses, and clients run
 * inside homes. What a NAT does to UDP (mapping, filtering, hairpinning), whether TCP gets
 * through, and the round-trip time a home sees against the one its link was set to.
 */
import { fileURLToPath } from 'node:url';
import { PROBE_ADDRESSES, PROBE_TCP_PORTS, PROBE_UDP_PORTS } from './constants.ts';
import { LabProcessError } from './errors.ts';
import type { Lab, Participant } from './lab.ts';
import { linkRoundTripMs, linkWorstRoundTripMs } from './link.ts';
import type { Namespace } from './netns.ts';
import type { LabProcess } from './process.ts';

const PROBE = fileURLToPath(new URL('./probe.ts', import.meta.url));

/**
 * How long a probe waits for an answer beyond the link's own round trip: the forwarder's and a
 * busy machine's scheduling (tens of milliseconds seen under load).
 */
const ANSWER_MARGIN_MS = 250;
/** A flood's packets: about a full video RTP packet (WebRTC keeps them near 1200 bytes). */
const FLOOD_PACKET_BYTES = 1200;
/** How long a hairpin listener waits for the sender's first packet. */
const HAIRPIN_WAIT_MS = 5_000;
/** How often an idle agent's reader looks again (it only ever waits for answers). */
const AGENT_IDLE_MS = 60_000;

export type Dependence =
  'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/** What a NAT does to a participant's UDP, measured as RFC 5780 describes. */
export interface NatBehaviour {
  /** The participant's own socket address. */
  readonly local: string;
  /** Whether any UDP answer came back from the wan at all. */
  readonly reachable: boolean;
  /** The public address:port three server endpoints saw (same address/port, other port, other address). */
  readonly mapped?: readonly string[];
  readonly mapping?: Dependence;
  /** Who may send back in: `unknown` when even the endpoint we sent to could not. */
  readonly filtering?: Dependence | 'unknown';
  /** Whether the public address differs from the local one. */
  readonly translated?: boolean;
  /** Whether the public port is the local port. */
  readonly portPreserved?: boolean;
}

export interface RttResult {
  readonly from: string;
  readonly to: string;
  /** What the link settings add to the round trip (the sum of both one-way delays). */
  readonly setMs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly sent: number;
  readonly lost: number;
  /** Every round trip that came back, in milliseconds, fastest first. */
  readonly rttsMs: readonly number[];
  /** Sequence numbers of the answers in the order they arrived. */
  readonly order: readonly number[];
}

export interface FloodResult {
  readonly sent: number;
  readonly received: number;
  readonly packetBytes: number;
  /** The rate achieved each way, from what was sent and the time it took. */
  readonly kbitPerSecond: number;
}

export interface TcpResult {
  readonly connected: boolean;
  /** What the server saw as the connection's source. */
  readonly observed?: string;
  /** The error code (ECONNREFUSED, ENETUNREACH…) or "timeout". */
  readonly error?: string;
}

/** The probe server, running in the wan on {@link PROBE_ADDRESSES}. */
export class ProbeServer {
  readonly #lab: Lab;
  readonly #process: LabProcess;

  private constructor(lab: Lab, process: LabProcess) {
    this.#lab = lab;
    this.#process = process;
  }

  static async start(lab: Lab, signal?: AbortSignal): Promise<ProbeServer> {
    const udp = PROBE_ADDRESSES.flatMap((a) => PROBE_UDP_PORTS.map((p) => `${a}:${p}`));
    const tcp = PROBE_ADDRESSES.flatMap((a) => PROBE_TCP_PORTS.map((p) => `${a}:${p}`));
    const server = lab.wan.spawn(
      process.execPath,
      [PROBE, 'server', JSON.stringify({ udp, tcp })],
      {
        name: 'probe server',
        stdin: true
      }
    );
    const ready = await server.nextMessage({ signal });
    if (ready.ready !== true) {
      throw new LabProcessError(`probe server did not start: ${JSON.stringify(ready)}`);
    }
    return new ProbeServer(lab, server);
  }

  /** The server's first UDP endpoint: the one RTT and hairpin probes use. */
  get udpEndpoint(): string {
    return `${PROBE_ADDRESSES[0]}:${PROBE_UDP_PORTS[0]}`;
  }

  /** A TCP endpoint of the server on `port` (one of {@link PROBE_TCP_PORTS}). */
  tcpEndpoint(port: (typeof PROBE_TCP_PORTS)[number]): string {
    return `${PROBE_ADDRESSES[0]}:${port}`;
  }

  /**
   * Mapping and filtering of the participant's NAT, from one run of tests (from a free local
   * port, or `port`).
   */
  async natBehaviour(
    participant: Participant,
    options: { port?: number } = {}
  ): Promise<NatBehaviour> {
    const [a1, a2] = PROBE_ADDRESSES;
    const [p1, p2] = PROBE_UDP_PORTS;
    const result = await probeIn<NatBehaviour>(participant, 'nat', {
      bind: participant.address,
      port: options.port ?? 0,
      server: {
        a1p1: `${a1}:${p1}`,
        a1p2: `${a1}:${p2}`,
        a2p1: `${a2}:${p1}`,
        a2p2: `${a2}:${p2}`
      },
      waitMs: waitFor(participant)
    });
    if (!result.reachable || result.mapped === undefined) {
      return result;
    }
    const [publicAddress, publicPort] = splitEndpoint(result.mapped[0]!);
    const [localAddress, localPort] = splitEndpoint(result.local);
    return {
      ...result,
      translated: publicAddress !== localAddress,
      portPreserved: publicPort === localPort
    };
  }

  /**
   * Round-trip times from a participant to the probe server, and what its link was set to add;
   * the lab's log gets one line comparing the two.
   */
  async rtt(
    participant: Participant,
    options: { count?: number; intervalMs?: number } = {}
  ): Promise<RttResult> {
    const count = options.count ?? 20;
    const setMs = linkRoundTripMs(participant.home.link);
    const answer = await probeIn<{ rttsMs: number[]; lost: number; order: number[] }>(
      participant,
      'rtt',
      {
        bind: participant.address,
        to: this.udpEndpoint,
        count,
        intervalMs: options.intervalMs ?? 20,
        timeoutMs: waitFor(participant) * 2
      }
    );
    const sorted = [...answer.rttsMs].sort((a, b) => a - b);
    const result: RttResult = {
      from: participant.name,
      to: this.udpEndpoint,
      setMs,
      medianMs: sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!,
      minMs: sorted[0] ?? NaN,
      maxMs: sorted.at(-1) ?? NaN,
      sent: count,
      lost: answer.lost,
      rttsMs: sorted,
      order: answer.order
    };
    this.#lab.log(
      `RTT ${result.from} → ${result.to}: median ${result.medianMs.toFixed(1)} ms ` +
        `(min ${result.minMs.toFixed(1)}, max ${result.maxMs.toFixed(1)}; ${count} sent, ` +
        `${result.lost} lost); set ${setMs} ms`
    );
    return result;
  }

  /** Whether `from` can open a TCP connection to `to` (any namespace of the lab). */
  async tcp(from: Namespace, to: string, timeoutMs = 2_000): Promise<TcpResult> {
    return probeIn<TcpResult>(from, 'tcp', { to, timeoutMs });
  }

  /**
   * Hairpinning (RFC 4787 section 6): `listener` learns its public mapping from the server,
   * `sender` (behind the same router) sends to that public address; returns the mapping and
   * the source address the listener saw the packet come from, or null if it never arrived.
   */
  async hairpin(
    listener: Participant,
    sender: Participant
  ): Promise<{ mapped: string | null; from: string | null; senderLocal: string | null }> {
    const { handle, mapped } = await probeIn<{ handle: string; mapped: string | null }>(
      listener,
      'listen',
      { bind: listener.address, server: this.udpEndpoint }
    );
    // Listen while the sender sends (the listener resolves at the first hairpin packet).
    const heard = probeIn<{ from: string | null }>(listener, 'await-packet', {
      handle,
      waitMs: HAIRPIN_WAIT_MS
    });
    let senderLocal: string | null = null;
    if (mapped !== null) {
      ({ local: senderLocal } = await probeIn<{ local: string }>(sender, 'send', {
        bind: sender.address,
        to: mapped,
        count: 5
      }));
    }
    const { from } = await heard;
    return { mapped, from, senderLocal };
  }

  /**
   * Sends one unsolicited packet from a server endpoint to `to` (what an early ICE check from
   * a peer looks like to a router), and resolves once it is sent.
   */
  async sendUnsolicited(from: string, to: string): Promise<void> {
    this.#process.send({ sendFrom: from, to });
    await this.#process.nextMessage();
  }

  /**
   * A UDP stream at `rateKbit` from a participant to the probe server and back (echoed), of
   * full-size packets: whether a link carries a video call's rate.
   */
  async flood(
    participant: Participant,
    options: { rateKbit: number; durationMs: number; packetBytes?: number }
  ): Promise<FloodResult> {
    const answer = await probeIn<{
      sent: number;
      received: number;
      packetBytes: number;
      elapsedMs: number;
    }>(participant, 'flood', {
      bind: participant.address,
      to: this.udpEndpoint,
      rateKbit: options.rateKbit,
      packetBytes: options.packetBytes ?? FLOOD_PACKET_BYTES,
      durationMs: options.durationMs,
      waitMs: waitFor(participant) * 2
    });
    const kbitPerSecond = (answer.sent * answer.packetBytes * 8) / answer.elapsedMs;
    this.#lab.log(
      `flood ${participant.name}: ${answer.sent} packets of ${answer.packetBytes} bytes at ` +
        `${kbitPerSecond.toFixed(0)} kbit/s each way, ${answer.received} came back`
    );
    return {
      sent: answer.sent,
      received: answer.received,
      packetBytes: answer.packetBytes,
      kbitPerSecond
    };
  }

  async stop(): Promise<void> {
    await this.#process.stop();
  }
}

export interface TurnAllocation {
  readonly allocated: boolean;
  /** The relayed transport address coturn gave (XOR-RELAYED-ADDRESS). */
  readonly relayed?: string;
  /** The client's address as coturn saw it (XOR-MAPPED-ADDRESS): its NAT's public mapping. */
  readonly mapped?: string;
  readonly lifetimeS?: number;
  /** Per peer address asked for: "ok" or the error code and reason ("403 Forbidden IP"). */
  readonly permissions?: Readonly<Record<string, string>>;
  /** Why not, when not allocated: the STUN error ("401 Unauthorized") or what failed. */
  readonly error?: string;
}

/**
 * Allocates a UDP relay on a TURN server from inside `from` (RFC 8656 Allocate with the
 * long-term credential mechanism), asks for a permission to each of `peers`, and releases it.
 */
export function turnAllocate(
  from: Namespace,
  options: {
    server: string;
    transport: 'udp' | 'tcp';
    username: string;
    password: string;
    peers?: readonly string[];
  }
): Promise<TurnAllocation> {
  return probeIn<TurnAllocation>(from, 'turn', options);
}

/** How long to wait for an answer across a participant's uplink (twice: out and back in). */
function waitFor(participant: Participant): number {
  return linkWorstRoundTripMs(participant.home.link) * 2 + ANSWER_MARGIN_MS;
}

/** One probe agent per namespace, started on first use and stopped with the lab. */
const agents = new WeakMap<Namespace, Promise<Agent>>();

class Agent {
  readonly #process: LabProcess;
  readonly #waiting = new Map<number, (answer: { result?: unknown; error?: string }) => void>();
  #nextId = 1;

  constructor(process: LabProcess) {
    this.#process = process;
    void this.#read();
  }

  call<T>(mode: string, args: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, (answer) =>
        answer.error === undefined
          ? resolve(answer.result as T)
          : reject(new LabProcessError(`probe ${mode}: ${answer.error}`))
      );
      this.#process.send({ id, mode, args });
    });
  }

  async #read(): Promise<void> {
    for (;;) {
      let answer: { id: number; result?: unknown; error?: string };
      try {
        answer = await this.#process.nextMessage({ timeoutMs: AGENT_IDLE_MS });
      } catch (err) {
        if (!this.#process.running) {
          for (const settle of this.#waiting.values()) {
            settle({ error: (err as Error).message });
          }
          this.#waiting.clear();
          return;
        }
        continue; // only idle
      }
      this.#waiting.get(answer.id)?.(answer);
      this.#waiting.delete(answer.id);
    }
  }
}

/** Runs one probe command inside `ns` (through that namespace's agent). */
async function probeIn<T>(ns: Namespace, mode: string, args: unknown): Promise<T> {
  let agent = agents.get(ns);
  if (agent === undefined) {
    agent = (async () => {
      const child = ns.spawn(process.execPath, [PROBE, 'agent'], {
        name: `probe agent in ${ns.name}`,
        stdin: true
      });
      await child.nextMessage();
      return new Agent(child);
    })();
    agents.set(ns, agent);
  }
  return (await agent).call<T>(mode, args);
}

function splitEndpoint(endpoint: string): [string, string] {
  const i = endpoint.lastIndexOf(':');
  return [endpoint.slice(0, i), endpoint.slice(i + 1)];
}
