/**
 * The network lab: home networks behind NAT routers and a wan with servers, made of Linux
 * network namespaces on this machine. See README.md in this directory for the picture.
 *
 *   wan        servers on 192.0.2.0/24 (on its loopback), routes to every router's uplink
 *   <h>-router NAT (nftables) between the home's LAN bridge and its uplink; the uplink is a
 *              TUN pair joined by forwarder.py (delay, jitter, loss), its far end in the wan
 *   <h>1, <h>2 participants on the LAN (a veth each into the router's bridge)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_ADDRESS,
  defaultLanSubnet,
  FIRST_EXTRA_SERVER_HOST,
  HOME_NAME_PATTERN,
  LAST_EXTRA_SERVER_HOST,
  MAX_HOMES,
  MAX_PARTICIPANTS_PER_HOME,
  PROBE_ADDRESSES,
  PUBLIC_HOME_PREFIX,
  PUBLIC_HOME_SUBNET_SIZE,
  ROUTER_UPLINK_PREFIX,
  SERVER_SUBNET,
  TURN_ADDRESS,
  TURN_ALT_ADDRESS
} from './constants.ts';
import { LabCommandError } from './errors.ts';
import { formatSubnet, hostAddress, parseSubnet, type Subnet } from './ipv4.ts';
import { Link, linkRoundTripMs, type LinkConfig, type LinkCounters } from './link.ts';
import { NAT_PRESETS, routerRuleset, type NatPreset } from './nat.ts';
import {
  holdNamespace,
  ipScript,
  Namespace,
  nftScript,
  processesIn,
  sysctlScript,
  withInput,
  type NamespaceParts,
  type ProcessRegistry
} from './netns.ts';
import type { LabProcess } from './process.ts';
import { assertIsolated, kernelFeatureError, program } from './requirements.ts';

/** Interface names, the same in every router and participant. */
const ROUTER_UPLINK = 'up0';
const ROUTER_LAN = 'br0';
const PARTICIPANT_LINK = 'lan0';

/** The exit code by which the kernel check says which feature it found missing. */
const KERNEL_PROBE_FAILED = 3;

/**
 * The lab is IPv4 only: no IPv6 link-local addresses for browsers to gather as candidates, no
 * router solicitations crossing the forwarders. Set before any interface exists, so that every
 * new one inherits it ("?": where the kernel has IPv6 at all).
 */
const NO_IPV6 = {
  'net/ipv6/conf/all/disable_ipv6?': 1,
  'net/ipv6/conf/default/disable_ipv6?': 1
} as const;

export interface LabOptions {
  readonly signal?: AbortSignal;
  /** Where the lab reports what it does and measures; stderr by default. */
  readonly log?: (line: string) => void;
  /** Seed for the forwarders' jitter and loss draws, for runs that repeat exactly. */
  readonly seed?: number;
}

export interface HomeOptions {
  readonly preset: NatPreset;
  /** Participants behind the router: 1 by default, 2 for `same-nat` (which needs at least 2). */
  readonly participants?: number;
  /** Delay, jitter and loss of the home's uplink to the wan; none by default. */
  readonly link?: LinkConfig;
  /**
   * The LAN's subnet (router .1, participants .2 on); 192.168.(i + 1).0/24 for the i-th home
   * by default. Two homes may use the same one, as real homes do. Not for `none`, whose
   * participants have public addresses.
   */
  readonly lan?: string;
  readonly signal?: AbortSignal;
}

/** A participant's namespace: one machine on a home's LAN. */
export class Participant extends Namespace {
  /** Its address on the LAN (a public one behind a `none` router). */
  readonly address: string;
  /** Its router's address on the LAN. */
  readonly gateway: string;
  readonly home: Home;

  constructor(parts: NamespaceParts, address: string, gateway: string, home: Home) {
    super(parts);
    this.address = address;
    this.gateway = gateway;
    this.home = home;
  }
}

export class Home {
  readonly name: string;
  readonly preset: NatPreset;
  /** The router's address on the wan: what every participant's traffic leaves with (NAT). */
  readonly publicAddress: string;
  /** The LAN, as "a.b.c.d/n". */
  readonly lan: string;
  readonly router: Namespace;
  readonly #participants: Participant[] = [];
  #link: Link | undefined;

  constructor(
    name: string,
    preset: NatPreset,
    publicAddress: string,
    lan: string,
    router: Namespace
  ) {
    this.name = name;
    this.preset = preset;
    this.publicAddress = publicAddress;
    this.lan = lan;
    this.router = router;
  }

  get participants(): readonly Participant[] {
    return this.#participants;
  }

  /** The uplink's delay, jitter and loss as last set. */
  get link(): LinkConfig {
    return this.#uplink().config;
  }

  /** Changes the uplink's delay, jitter or loss now. */
  setLink(config: LinkConfig): Promise<void> {
    return this.#uplink().set(config);
  }

  /** Packets forwarded and dropped on the uplink so far, per direction. */
  linkCounters(): Promise<LinkCounters> {
    return this.#uplink().counters();
  }

  /** @internal The lab's setup hands these over. */
  attach(link: Link, participants: readonly Participant[]): void {
    this.#link = link;
    this.#participants.push(...participants);
  }

  #uplink(): Link {
    if (this.#link === undefined) {
      throw new Error(`home ${this.name} is not set up yet`);
    }
    return this.#link;
  }
}

/**
 * Builds the wan and returns the lab, to which homes are then added.
 *
 * @throws {LabRequirementError} naming what is missing when this machine cannot run the lab.
 * @example
 * await using lab = await createLab()
 * const home = await lab.addHome('a', { preset: 'port-restricted', link: { delayMs: 20 } })
 * await home.participants[0].run('ip', ['route'])
 */
export async function createLab(options: LabOptions = {}): Promise<Lab> {
  assertIsolated();
  for (const name of ['unshare', 'nsenter', 'setpriv', 'sleep', 'sh', 'ip', 'nft'] as const) {
    program(name);
  }
  const lab = new Lab(options);
  try {
    await lab.setUp(options.signal);
  } catch (err) {
    await lab.close();
    throw err;
  }
  return lab;
}

export class Lab implements ProcessRegistry {
  /** A directory for generated files (wrappers, coturn's config and log); removed on close. */
  readonly tempDir: string;
  readonly #log: (line: string) => void;
  readonly #seed: number | undefined;
  readonly #helpers = new Set<LabProcess>();
  readonly #holders = new Set<LabProcess>();
  readonly #namespaces: Namespace[] = [];
  readonly #homes = new Map<string, Home>();
  readonly #homeNames = new Set<string>();
  #wan: Namespace | undefined;
  #nextServerHost = FIRST_EXTRA_SERVER_HOST;
  #closing: Promise<void> | undefined;
  readonly #onExit = () => this.#killNow();
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.#killNow();
    this.#removeHandlers();
    // Let the signal do what it would have done without us (usually: end the process).
    process.kill(process.pid, signal);
  };

  /** @internal Use {@link createLab}. */
  constructor(options: LabOptions) {
    this.#log = options.log ?? ((line) => process.stderr.write(`[lab] ${line}\n`));
    this.#seed = options.seed;
    this.tempDir = mkdtempSync(join(tmpdir(), 'samen-lab-'));
    process.on('exit', this.#onExit);
    process.once('SIGINT', this.#onSignal);
    process.once('SIGTERM', this.#onSignal);
    process.once('SIGHUP', this.#onSignal);
  }

  /** The namespace of the servers (coturn, Samen nodes, the app). */
  get wan(): Namespace {
    if (this.#wan === undefined) {
      throw new Error('the lab is not set up');
    }
    return this.#wan;
  }

  get homes(): readonly Home[] {
    return [...this.#homes.values()];
  }

  /** Every namespace of the lab: the wan, routers and participants. */
  get namespaces(): readonly Namespace[] {
    return this.#namespaces;
  }

  log(line: string): void {
    this.#log(line);
  }

  /** @internal ProcessRegistry: what closing the lab must stop. */
  add(child: LabProcess, options: { holder?: boolean } = {}): void {
    const set = options.holder === true ? this.#holders : this.#helpers;
    set.add(child);
    void child.exited.then(() => set.delete(child));
  }

  /** @internal */
  async setUp(signal?: AbortSignal): Promise<void> {
    // Servers' addresses live on the wan's loopback: reachable through any of its links.
    const servers = [TURN_ADDRESS, TURN_ALT_ADDRESS, APP_ADDRESS, ...PROBE_ADDRESSES];
    const setup = [
      sysctlScript({ ...NO_IPV6, 'net/ipv4/ip_forward': 1 }),
      ipScript(servers.map((address) => `address add ${address}/32 dev lo`))
    ].join('\n');
    const wan = this.#track(await holdNamespace('wan', this, this.tempDir, { setup, signal }));
    this.#wan = wan;
    await checkKernel(wan, signal);
    this.log(`wan up: servers on ${SERVER_SUBNET} (${servers.join(', ')})`);
  }

  /**
   * One more server address on the wan (from 192.0.2.100 up), for a further server.
   */
  async addWanAddress(signal?: AbortSignal): Promise<string> {
    if (this.#nextServerHost > LAST_EXTRA_SERVER_HOST) {
      throw new RangeError('the lab has no more server addresses');
    }
    const address = hostAddress(parseSubnet(SERVER_SUBNET), this.#nextServerHost++);
    await this.wan.ip([`address add ${address}/32 dev lo`], { signal });
    return address;
  }

  /** The home called `name`. */
  home(name: string): Home {
    const home = this.#homes.get(name);
    if (home === undefined) {
      throw new RangeError(`no home called ${name}`);
    }
    return home;
  }

  /**
   * Adds a home: a router with the preset's NAT and an uplink to the wan, and its participants.
   * Homes may be added concurrently.
   */
  async addHome(name: string, options: HomeOptions): Promise<Home> {
    if (!HOME_NAME_PATTERN.test(name)) {
      throw new TypeError(`a home's name must match ${HOME_NAME_PATTERN}: ${name}`);
    }
    if (this.#homeNames.has(name)) {
      throw new TypeError(`there is already a home called ${name}`);
    }
    if (!NAT_PRESETS.includes(options.preset)) {
      throw new TypeError(`preset must be one of ${NAT_PRESETS.join(', ')}: ${options.preset}`);
    }
    const minimum = options.preset === 'same-nat' ? 2 : 1;
    const count = options.participants ?? minimum;
    if (!Number.isInteger(count) || count < minimum || count > MAX_PARTICIPANTS_PER_HOME) {
      throw new RangeError(
        `${options.preset} takes ${minimum} to ${MAX_PARTICIPANTS_PER_HOME} participants, not ${count}`
      );
    }
    if (options.preset === 'none' && options.lan !== undefined) {
      throw new TypeError('a none home has a public subnet: it takes no lan');
    }
    if (this.#homeNames.size >= MAX_HOMES) {
      throw new RangeError(`the lab holds at most ${MAX_HOMES} homes`);
    }
    // Taken before the first await, so that homes added concurrently get distinct addresses.
    const index = this.#homeNames.size;
    this.#homeNames.add(name);
    const lan: Subnet =
      options.preset === 'none'
        ? parseSubnet(`${PUBLIC_HOME_PREFIX}${index * PUBLIC_HOME_SUBNET_SIZE}/28`)
        : parseSubnet(options.lan ?? defaultLanSubnet(index));
    const publicAddress = `${ROUTER_UPLINK_PREFIX}${index + 1}`;
    const signal = options.signal;
    const wan = this.wan;
    const wanDevice = `up-${name}`;

    const routerNs = this.#track(
      await holdNamespace(`${name}-router`, this, this.tempDir, {
        setup: sysctlScript({
          ...NO_IPV6,
          'net/ipv4/ip_forward': 1,
          // If br_netfilter is loaded, bridged LAN traffic would pass the router's IP firewall;
          // a home switch does not filter between two machines on the same LAN.
          'net/bridge/bridge-nf-call-iptables?': 0
        }),
        signal
      })
    );
    const home = new Home(name, options.preset, publicAddress, formatSubnet(lan), routerNs);
    this.#homes.set(name, home);

    const gateway = hostAddress(lan, 1);
    const [link, ...participants] = await Promise.all([
      Link.start(
        routerNs,
        ROUTER_UPLINK,
        wanDevice,
        options.link ?? {},
        this.#seed === undefined ? undefined : this.#seed + index,
        signal
      ),
      ...Array.from({ length: count }, async (_, k) => {
        const parts = await holdNamespace(`${name}${k + 1}`, this, this.tempDir, {
          setup: sysctlScript(NO_IPV6),
          signal
        });
        const participant = new Participant(parts, hostAddress(lan, k + 2), gateway, home);
        this.#namespaces.push(participant);
        return participant;
      })
    ]);

    const ruleset = routerRuleset(options.preset, {
      uplink: ROUTER_UPLINK,
      lan: ROUTER_LAN,
      publicAddress
    });
    await routerNs.shell(
      [
        ipScript([
          `link set ${wanDevice} netns ${wan.pid}`,
          `address add ${publicAddress}/32 dev ${ROUTER_UPLINK}`,
          `link set ${ROUTER_UPLINK} up`,
          `route add default dev ${ROUTER_UPLINK}`,
          `link add ${ROUTER_LAN} type bridge`,
          `address add ${gateway}/${lan.prefix} dev ${ROUTER_LAN}`,
          `link set ${ROUTER_LAN} up`,
          ...participants.flatMap((p, k) => [
            `link add p${k + 1} type veth peer name ${PARTICIPANT_LINK} netns ${p.pid}`,
            `link set p${k + 1} master ${ROUTER_LAN}`,
            `link set p${k + 1} up`
          ])
        ]),
        ruleset === undefined ? '' : nftScript(ruleset)
      ].join('\n'),
      { signal }
    );
    await Promise.all([
      wan.ip(
        [
          `link set ${wanDevice} up`,
          `route add ${publicAddress}/32 dev ${wanDevice}`,
          ...(options.preset === 'none' ? [`route add ${formatSubnet(lan)} dev ${wanDevice}`] : [])
        ],
        { signal }
      ),
      ...participants.map((p) =>
        p.ip(
          [
            `address add ${p.address}/${lan.prefix} dev ${PARTICIPANT_LINK}`,
            `link set ${PARTICIPANT_LINK} up`,
            `route add default via ${gateway}`
          ],
          { signal }
        )
      )
    ]);
    home.attach(link, participants);
    const rtt = linkRoundTripMs(options.link ?? {});
    this.log(
      `home ${name}: ${options.preset}, public ${publicAddress}, LAN ${formatSubnet(lan)} with ` +
        `${participants.map((p) => p.address).join(', ')}; uplink round trip ${rtt} ms`
    );
    return home;
  }

  /**
   * Stops everything the lab started and removes its namespaces and temp dir. Safe to call
   * twice; also runs (synchronously, killing) on process exit and on SIGINT, SIGTERM, SIGHUP.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    this.#removeHandlers();
    // Helpers first (they may hold devices moved into other namespaces), then whatever else
    // still runs inside a lab namespace (a browser a test forgot), then the holders: with the
    // last process gone, the kernel removes each namespace with its interfaces and rules.
    await Promise.all([...this.#helpers].map((child) => child.stop()));
    this.#killStrays();
    await Promise.all([...this.#holders].map((child) => child.stop()));
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  #track(parts: NamespaceParts): Namespace {
    const namespace = new Namespace(parts);
    this.#namespaces.push(namespace);
    return namespace;
  }

  #killStrays(): void {
    const holderPids = new Set([...this.#holders].map((h) => h.pid));
    const inodes = new Set(this.#namespaces.map((n) => n.inode));
    for (const [pid] of processesIn(inodes)) {
      if (!holderPids.has(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }

  #killNow(): void {
    for (const child of this.#helpers) {
      child.killNow();
    }
    this.#killStrays();
    for (const child of this.#holders) {
      child.killNow();
    }
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  #removeHandlers(): void {
    process.off('exit', this.#onExit);
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
    process.off('SIGHUP', this.#onSignal);
  }
}

/**
 * Tries, in the wan, each kernel feature the lab builds on, so that a missing one is named
 * before anything depends on it. One shell for all of them; the first that fails prints its
 * name and the error and stops the script.
 */
async function checkKernel(wan: Namespace, signal?: AbortSignal): Promise<void> {
  const ip = program('ip');
  const nftProbe = [
    'table ip labprobe {',
    '  map m { type inet_proto . inet_service : ipv4_addr; flags dynamic,timeout; timeout 1m; }',
    '  chain post {',
    '    type nat hook postrouting priority srcnat;',
    '    masquerade fully-random',
    '  }',
    '  chain learn {',
    '    type filter hook postrouting priority srcnat + 10;',
    '    meta l4proto udp update @m { meta l4proto . th sport : ct original ip saddr }',
    '  }',
    '}',
    'delete table ip labprobe'
  ].join('\n');
  const script = [
    `probe() { feature="$1"; shift; if ! out=$("$@" 2>&1); then printf '%s\\n%s\\n' "$feature" "$out" >&2; exit ${KERNEL_PROBE_FAILED}; fi; }`,
    `probe 'veth network device pairs (kernel module veth)' ${ip} link add labprobe0 type veth peer name labprobe1`,
    `probe 'network bridges (kernel module bridge)' ${ip} link add labprobe2 type bridge`,
    `probe 'TUN devices (/dev/net/tun, kernel module tun)' ${ip} tuntap add labprobe3 mode tun`,
    withInput(
      `probe 'nftables with NAT, conntrack and dynamic maps (nf_tables, nft_nat, nft_ct)' ${program('nft')} -f -`,
      nftProbe
    ),
    ipScript(['link delete labprobe0', 'link delete labprobe2', 'tuntap del labprobe3 mode tun'])
  ].join('\n');
  try {
    await wan.shell(script, { signal });
  } catch (err) {
    if (err instanceof LabCommandError && err.exitCode === KERNEL_PROBE_FAILED) {
      const [feature, ...detail] = err.stderr.trim().split('\n');
      throw kernelFeatureError(feature ?? 'a kernel feature', detail.join(' '));
    }
    throw err;
  }
}
