/**
 * The network of the site that serves the app (its `network.json`), and what to do when that
 * cannot be had: asked for once per page load, the last one that worked remembered on the
 * device, and never a silent move to the public network.
 *
 * Why: a self-hosted deployment's calls belong on its own nodes. Were a missing or broken
 * network.json to put the app on the public network by itself, a host that is down (the app then
 * runs from its service worker) or a file broken by an edit would announce that deployment's
 * rooms on the public DHT. And every request for the file tells the host that the app is open:
 * asked again after each call, it would tell the host when each call ended.
 *
 * Pure apart from {@link fetchNetworkJson}: the UI (src/lib/state/network.svelte.ts) keeps the
 * outcome for the page load, stores {@link rememberNetwork}'s text, and acts on
 * {@link decideHostNetwork}.
 *
 * @module
 */
import { InvalidNetworkConfigError } from './errors.ts';
import { iceServerUrls, isTurnUrl } from './ice-servers.ts';
import { MAX_NETWORK_JSON_BYTES, type NetworkJson } from './network-json.ts';
import { checkNetworkConfig, parseNetworkConfig, type NetworkProfile } from './network.ts';

/**
 * What came of asking the host for its network.json:
 * - `loaded`: a valid file, the host's own network;
 * - `absent`: HTTP 404, the host serves none (a copy of the app on the public network);
 * - `unreachable`: no answer at all (offline, or the host is down);
 * - `invalid`: another HTTP status, or a file that does not fit the format.
 */
export type HostNetworkOutcome =
  | { readonly kind: 'loaded'; readonly profile: NetworkProfile }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'invalid'; readonly error: InvalidNetworkConfigError };

export interface FetchNetworkJsonOptions {
  /** The URL of network.json (resolved against the app's base URL by the caller). */
  readonly url: string | URL;
  readonly fetch?: typeof globalThis.fetch;
  readonly signal?: AbortSignal;
}

/**
 * Asks the host for its network.json. Call it once per page load and keep the outcome: each
 * request tells the host that the app is open.
 *
 * @throws the signal's reason when `signal` aborts.
 * @example
 * const outcome = await fetchNetworkJson({ url: new URL('network.json', document.baseURI) })
 * if (outcome.kind === 'loaded') use(outcome.profile)
 */
export async function fetchNetworkJson(
  options: FetchNetworkJsonOptions
): Promise<HostNetworkOutcome> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    // Always from the network: the host may change its nodes, and the service worker never
    // caches this file (see vite.config.ts).
    response = await fetchFn(options.url, { cache: 'no-store', signal: options.signal });
  } catch {
    options.signal?.throwIfAborted();
    return { kind: 'unreachable' };
  }
  if (response.status === 404) {
    return { kind: 'absent' };
  }
  if (!response.ok) {
    return {
      kind: 'invalid',
      error: new InvalidNetworkConfigError(`network.json answered HTTP ${response.status}`)
    };
  }
  try {
    return { kind: 'loaded', profile: parseNetworkConfig(await readLimited(response), 'local') };
  } catch (err) {
    options.signal?.throwIfAborted();
    if (err instanceof InvalidNetworkConfigError) {
      return { kind: 'invalid', error: err };
    }
    // The body broke off mid-way: as good as no answer.
    return { kind: 'unreachable' };
  }
}

async function readLimited(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_NETWORK_JSON_BYTES) {
    throw new InvalidNetworkConfigError(`network config is over ${MAX_NETWORK_JSON_BYTES} bytes`);
  }
  return response.text();
}

/**
 * Where the UI keeps {@link rememberNetwork}'s text (localStorage). Under Samen's `samen.`
 * prefix, so the privacy page counts it and its Erase removes it.
 */
export const REMEMBERED_NETWORK_KEY = 'samen.network.last.v1';

/** Bumped when the remembered shape changes; an older entry is then dropped, not misread. */
const REMEMBERED_NETWORK_VERSION = 1;

/**
 * The text to remember of a host's network that loaded: what the host served to everyone (its
 * name, bootstrap addresses, DHT protocol, operator), its STUN servers and the TURN URLs its nodes
 * hand out credentials for (`turnFromNodes`: no secret in them), nothing else. Never TURN servers
 * from `iceServers` or ICE credentials: those may be secrets with a lifetime (README, coturn's
 * time-limited credentials), and a remembered profile is used only when the host cannot be asked.
 *
 * @example
 * localStorage.setItem(REMEMBERED_NETWORK_KEY, rememberNetwork(outcome.profile))
 */
export function rememberNetwork(profile: NetworkProfile): string {
  const network: NetworkJson = {
    name: profile.name,
    bootstrap: profile.bootstrap,
    dhtProtocol: profile.dhtProtocol,
    iceServers: stunServersOnly(profile.iceServers),
    ...(profile.turnFromNodes === undefined ? {} : { turnFromNodes: profile.turnFromNodes }),
    ...(profile.operator === undefined ? {} : { operator: profile.operator })
  };
  return JSON.stringify({ version: REMEMBERED_NETWORK_VERSION, network });
}

/**
 * The profile remembered by {@link rememberNetwork}, checked again as any network.json is (the
 * device's storage is outside input too). Undefined when nothing, or nothing usable, is stored:
 * a damaged entry is as good as none, and the next network.json that loads replaces it.
 *
 * @example
 * const remembered = recallNetwork(localStorage.getItem(REMEMBERED_NETWORK_KEY))
 */
export function recallNetwork(text: string | null | undefined): NetworkProfile | undefined {
  if (text === null || text === undefined || text.length > MAX_NETWORK_JSON_BYTES) {
    return undefined;
  }
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (
    typeof stored !== 'object' ||
    stored === null ||
    (stored as { version?: unknown }).version !== REMEMBERED_NETWORK_VERSION
  ) {
    return undefined;
  }
  try {
    const profile = checkNetworkConfig((stored as { network?: unknown }).network, 'local');
    // Written by an older or tampered entry with TURN in it: still only STUN.
    return { ...profile, iceServers: stunServersOnly(profile.iceServers) };
  } catch (err) {
    if (err instanceof InvalidNetworkConfigError) {
      return undefined;
    }
    throw err;
  }
}

function stunServersOnly(servers: readonly RTCIceServer[]): RTCIceServer[] {
  return servers.flatMap((server) => {
    const urls = iceServerUrls(server).filter((url) => !isTurnUrl(url));
    return urls.length === 0 ? [] : [{ urls }];
  });
}

/** Why the host's network.json is not in use, for the UI to put in a sentence. */
export type HostNetworkProblem =
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'absent' }
  /** `detail`: the error's message (English, technical: what an operator would look for). */
  | { readonly kind: 'invalid'; readonly detail: string };

/**
 * Which network to use for the host's network.json's outcome:
 * - `host`: the host's own (remember it);
 * - `public` with no problem: the host serves no network.json and none of its networks has ever
 *   worked on this device, so the public network, the documented default, with nothing to say;
 * - `remembered`: the last host network that worked here, with why the host's is not in use;
 * - `ask`: nothing to use until the user chooses the public network (then `public` with the
 *   problem, for that page load).
 */
export type HostNetworkDecision =
  | { readonly use: 'host'; readonly profile: NetworkProfile }
  | { readonly use: 'public'; readonly problem?: HostNetworkProblem }
  | {
      readonly use: 'remembered';
      readonly profile: NetworkProfile;
      readonly problem: HostNetworkProblem;
    }
  | { readonly use: 'ask'; readonly problem: HostNetworkProblem };

export interface HostNetworkContext {
  /** What {@link recallNetwork} found on this device. */
  readonly remembered: NetworkProfile | undefined;
  /** Whether the user chose the public network, in this page load, after being asked. */
  readonly publicChosen: boolean;
}

/**
 * Decides which network to use: the host's when it loaded; else the remembered one, or the
 * user's explicit choice of the public network, or a question. Never the public network by
 * itself, except for a host that answers 404 and has never served a network to this device.
 *
 * @example
 * const decision = decideHostNetwork(outcome, { remembered, publicChosen: false })
 * if (decision.use === 'ask') showChoice(decision.problem)
 */
export function decideHostNetwork(
  outcome: HostNetworkOutcome,
  context: HostNetworkContext
): HostNetworkDecision {
  if (outcome.kind === 'loaded') {
    return { use: 'host', profile: outcome.profile };
  }
  if (outcome.kind === 'absent' && context.remembered === undefined) {
    return { use: 'public' };
  }
  const problem: HostNetworkProblem =
    outcome.kind === 'invalid'
      ? { kind: 'invalid', detail: outcome.error.message }
      : { kind: outcome.kind };
  if (context.publicChosen) {
    return { use: 'public', problem };
  }
  if (context.remembered !== undefined) {
    return { use: 'remembered', profile: context.remembered, problem };
  }
  return { use: 'ask', problem };
}
