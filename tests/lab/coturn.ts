/**
 * coturn (Debian's `coturn`, the `turnserver` program) in the lab's wan: STUN, TURN over UDP
 * and TCP on 3478, TURN over TCP on 443, time-limited credentials from a secret made for this
 * run. The config is generated into the lab's temp dir (so it goes when the lab does) and every
 * line of it says why it is there.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TurnLogin } from '../../src/p2p/protocols/turn/index.ts';
import { mintTurnCredentials } from '../../src/relay/turn.ts';
import { READY_TIMEOUT_MS, TURN_ADDRESS, TURN_ALT_ADDRESS } from './constants.ts';
import { LabProcessError } from './errors.ts';
import type { Lab } from './lab.ts';
import type { LabProcess } from './process.ts';
import { program } from './requirements.ts';

/** STUN and TURN's standard port (RFC 8489 section 9, RFC 8656 section 4). */
export const TURN_PORT = 3478;
/**
 * RFC 5780's alternate port: answers to CHANGE-REQUEST come from here (and from the other
 * address), which is how behaviour discovery tells filtering apart. coturn's default is +1.
 */
export const TURN_ALT_PORT = 3479;
/** TURN over TCP where networks let only web traffic out (the `udp-blocked` preset). */
export const TURN_TCP_443 = 443;
/** Relay ports: the dynamic range RFC 8656 section 7.2 recommends (coturn's default too). */
const RELAY_PORTS = { min: 49152, max: 65535 } as const;
/** The realm of the long-term credential mechanism (RFC 8489 section 9.2). */
export const TURN_REALM = 'samen.lab';
/** Bytes of randomness in each run's shared secret. */
const SECRET_BYTES = 32;
/** Lifetime of the credentials {@link Coturn.credentials} makes when not told otherwise. */
export const DEFAULT_CREDENTIAL_TTL_S = 60 * 60;
/** How often to look whether coturn has opened its listeners yet. */
const READY_POLL_MS = 100;

/**
 * Address ranges coturn must not relay to, as a production TURN server should not: without
 * these, anyone with credentials could use the server to reach the operator's private network.
 * coturn 4.6's own defaults refuse only loopback (unless `allow-loopback-peers`) and 0.0.0.0/8;
 * private, carrier-grade NAT, link-local and multicast peers are relayed to unless denied
 * (checked in this lab: CreatePermission succeeds for each of them without these lines). The lab's participants that coturn relays to are on
 * documentation addresses (routers' public addresses, `none` homes, coturn's own relays for
 * relay-to-relay), so none of these stops a lab call, and a test can show that a relayed
 * packet to a home's private host candidate is refused, as it would be on the internet.
 */
const DENIED_PEER_RANGES = [
  ['0.0.0.0', '0.255.255.255', '"this network" (RFC 6890)'],
  ['10.0.0.0', '10.255.255.255', 'private (RFC 1918)'],
  ['100.64.0.0', '100.127.255.255', 'carrier-grade NAT (RFC 6598)'],
  ['169.254.0.0', '169.254.255.255', 'link-local (RFC 3927)'],
  ['172.16.0.0', '172.31.255.255', 'private (RFC 1918)'],
  ['192.168.0.0', '192.168.255.255', 'private (RFC 1918)']
] as const;

/**
 * `username` is `<expiry in Unix seconds>:<id>` (TURN REST API, draft-uberti-behave-turn-rest-00),
 * `credential` base64(HMAC-SHA1(secret, username)), `expiresAt` when coturn stops accepting them.
 */
export type TurnCredentials = TurnLogin;

/**
 * Time-limited TURN credentials for a shared secret (the "TURN REST API" scheme coturn's
 * `use-auth-secret` implements): anyone holding the secret can mint them, coturn checks them
 * without a database, and they stop working at the expiry in the username.
 *
 * @example
 * const { username, credential } = turnCredentials(secret, { ttlSeconds: 600, id: 'alice' })
 */
export function turnCredentials(
  secret: string,
  options: { ttlSeconds?: number; id?: string; now?: number } = {}
): TurnCredentials {
  return mintTurnCredentials(secret, {
    ttlSeconds: options.ttlSeconds ?? DEFAULT_CREDENTIAL_TTL_S,
    label: options.id ?? 'samen',
    nowSeconds: options.now
  });
}

/** The generated turnserver.conf, with the reason for every line. */
export function coturnConfig(options: { secret: string; dir: string }): string {
  return [
    '# coturn for one run of the Samen network lab (tests/lab/coturn.ts); generated, and',
    '# removed with the lab.',
    '',
    "# Listen on the lab's two server addresses only, never on every interface. Two addresses",
    '# make RFC 5780 behaviour discovery possible (OTHER-ADDRESS, CHANGE-REQUEST), which the',
    '# lab uses to check its NATs; a public server may rather turn it off (no-rfc5780): it makes',
    '# answers larger, a better amplifier.',
    `listening-ip=${TURN_ADDRESS}`,
    `listening-ip=${TURN_ALT_ADDRESS}`,
    '# STUN, and TURN over UDP and TCP, on the standard port (RFC 8489, RFC 8656).',
    `listening-port=${TURN_PORT}`,
    '# Where answers to CHANGE-REQUEST come from (with the other address): RFC 5780.',
    `alt-listening-port=${TURN_ALT_PORT}`,
    '# TURN over TCP on 443 as well, for networks that let only web ports out (udp-blocked).',
    '# An auxiliary endpoint serves STUN/TURN like the main one (coturn opens UDP there too).',
    `aux-server=${TURN_ADDRESS}:${TURN_TCP_443}`,
    '# Relayed transport addresses are on the primary address, in the dynamic port range.',
    `relay-ip=${TURN_ADDRESS}`,
    `min-port=${RELAY_PORTS.min}`,
    `max-port=${RELAY_PORTS.max}`,
    '',
    '# Time-limited credentials (TURN REST API): username "<expiry>:<id>", password',
    '# base64(HMAC-SHA1(secret, username)); a new random secret every run, never a static user.',
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    '# The realm of the long-term credential mechanism (RFC 8489 section 9.2).',
    `realm=${TURN_REALM}`,
    '# FINGERPRINT on every message, as WebRTC clients send and expect (RFC 8489 section 14.7).',
    'fingerprint',
    '',
    '# No TLS or DTLS listeners: the lab has no certificates, and what TURN carries for a call',
    '# is DTLS-SRTP and DTLS data channels already.',
    'no-tls',
    'no-dtls',
    '',
    '# Peers: coturn refuses loopback (allow-loopback-peers is not set) and 0.0.0.0/8 by',
    '# default, and relays to everything else. Refuse multicast and the private ranges too, as a',
    '# TURN server on the internet must, so that credentials never open a way into the network',
    "# the server stands in. Public peers (the lab's documentation addresses) stay allowed,",
    "# coturn's own relay addresses included (both sides of a call on TURN).",
    'no-multicast-peers',
    ...DENIED_PEER_RANGES.flatMap(([from, to, what]) => [
      `# ${what}`,
      `denied-peer-ip=${from}-${to}`
    ]),
    '',
    '# No telnet admin CLI (by default on 127.0.0.1:5766 with an empty password).',
    'no-cli',
    '# Everything coturn writes stays in this directory: its log (one file, no rollover),',
    '# its pid file (else /var/run/turnserver.pid as root) and the SQLite user database it',
    '# opens even when unused (else /var/lib/turn/turndb).',
    `log-file=${join(options.dir, 'turnserver.log')}`,
    'simple-log',
    'no-stdout-log',
    `pidfile=${join(options.dir, 'turnserver.pid')}`,
    `userdb=${join(options.dir, 'turndb')}`,
    ''
  ].join('\n');
}

export interface CoturnOptions {
  readonly signal?: AbortSignal;
}

/** A running coturn in the lab's wan. */
export class Coturn {
  readonly #process: LabProcess;
  readonly #secret: string;
  /** The generated config file and coturn's log, in the lab's temp dir. */
  readonly configPath: string;
  readonly logPath: string;

  private constructor(process: LabProcess, secret: string, configPath: string, logPath: string) {
    this.#process = process;
    this.#secret = secret;
    this.configPath = configPath;
    this.logPath = logPath;
  }

  /**
   * Starts coturn in the wan with a fresh secret and waits until every listener is open.
   *
   * @throws {LabRequirementError} when coturn is not installed.
   * @throws {LabProcessError} when it exits or does not listen in time (with its log's end).
   */
  static async start(lab: Lab, options: CoturnOptions = {}): Promise<Coturn> {
    const turnserver = program('turnserver');
    const secret = randomBytes(SECRET_BYTES).toString('hex');
    const configPath = join(lab.tempDir, 'turnserver.conf');
    const logPath = join(lab.tempDir, 'turnserver.log');
    // The config holds the secret: readable by its owner only.
    await writeFile(configPath, coturnConfig({ secret, dir: lab.tempDir }), { mode: 0o600 });
    // -c: our config only (else coturn reads /etc/turnserver.conf).
    const child = lab.wan.spawn(turnserver, ['-c', configPath], {
      name: 'coturn',
      stdout: 'ignore'
    });
    const coturn = new Coturn(child, secret, configPath, logPath);
    try {
      await coturn.#waitUntilListening(lab, options.signal);
    } catch (err) {
      await child.stop();
      throw err;
    }
    lab.log(
      `coturn up: STUN/TURN ${TURN_ADDRESS}:${TURN_PORT} (UDP, TCP), TURN TCP ${TURN_ADDRESS}:` +
        `${TURN_TCP_443}, RFC 5780 other address ${TURN_ALT_ADDRESS}:${TURN_ALT_PORT}`
    );
    return coturn;
  }

  /** The shared secret of this run (what a Samen node would hold to mint credentials). */
  get secret(): string {
    return this.#secret;
  }

  get stunUrl(): string {
    return `stun:${TURN_ADDRESS}:${TURN_PORT}`;
  }

  /** TURN URLs: UDP and TCP on 3478, TCP on 443. */
  get turnUrls(): { udp: string; tcp: string; tcp443: string } {
    return {
      udp: `turn:${TURN_ADDRESS}:${TURN_PORT}?transport=udp`,
      tcp: `turn:${TURN_ADDRESS}:${TURN_PORT}?transport=tcp`,
      tcp443: `turn:${TURN_ADDRESS}:${TURN_TCP_443}?transport=tcp`
    };
  }

  /** Time-limited credentials for this coturn; see {@link turnCredentials}. */
  credentials(options: { ttlSeconds?: number; id?: string; now?: number } = {}): TurnCredentials {
    return turnCredentials(this.#secret, options);
  }

  /**
   * `iceServers` for network.json or an RTCPeerConnection: STUN only, or STUN and TURN (every
   * transport) with fresh time-limited credentials.
   */
  iceServers(options: { turn: boolean; ttlSeconds?: number; id?: string }): RTCIceServer[] {
    const servers: RTCIceServer[] = [{ urls: this.stunUrl }];
    if (options.turn) {
      const { username, credential } = this.credentials(options);
      const { udp, tcp, tcp443 } = this.turnUrls;
      servers.push({ urls: [udp, tcp, tcp443], username, credential });
    }
    return servers;
  }

  /** coturn's log so far. */
  log(): Promise<string> {
    return readFile(this.logPath, 'utf8').catch(() => '');
  }

  async stop(): Promise<void> {
    await this.#process.stop();
  }

  async #waitUntilListening(lab: Lab, signal?: AbortSignal): Promise<void> {
    const expected = [
      ...[TURN_ADDRESS, TURN_ALT_ADDRESS].flatMap((a) =>
        [TURN_PORT, TURN_ALT_PORT].flatMap((p) => [`tcp ${a}:${p}`, `udp ${a}:${p}`])
      ),
      `tcp ${TURN_ADDRESS}:${TURN_TCP_443}`,
      `udp ${TURN_ADDRESS}:${TURN_TCP_443}`
    ];
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let missing = expected;
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      if (!this.#process.running) {
        throw new LabProcessError(
          `coturn exited (${await this.#process.exited}): ${tail(await this.log())}`
        );
      }
      const sockets = await lab.wan.run(program('ss'), ['-Hlntu']);
      const open = new Set(
        sockets
          .split('\n')
          .map((line) => line.trim().split(/\s+/))
          .filter((f) => f.length >= 5)
          .map((f) => `${f[0]} ${f[4]}`)
      );
      missing = expected.filter((e) => !open.has(e));
      if (missing.length === 0) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    throw new LabProcessError(
      `coturn did not open ${missing.join(', ')} within ${READY_TIMEOUT_MS} ms: ${tail(await this.log())}`
    );
  }
}

function tail(text: string): string {
  return text.split('\n').slice(-20).join('\n');
}
