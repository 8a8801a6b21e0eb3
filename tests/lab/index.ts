/**
 * The network lab's public interface: build homes behind NAT routers and a wan with servers
 * out of Linux network namespaces, start coturn and the Samen stack there, run browsers and
 * Node processes inside homes, and measure what the network does. README.md has the picture.
 *
 * @example
 * await using lab = await createLab()
 * const [coturn, a, b] = await Promise.all([
 *   Coturn.start(lab),
 *   lab.addHome('a', { preset: 'port-restricted', link: { delayMs: 20 } }),
 *   lab.addHome('b', { preset: 'symmetric' })
 * ])
 * const stack = await startWanStack(lab, { iceServers: coturn.iceServers({ turn: true }) })
 * const browser = await chromium.launch(await chromiumIn(a.participants[0], stack.url))
 */
export { createLab, Home, Lab, Participant, type HomeOptions, type LabOptions } from './lab.ts';
export { NAT_PRESETS, UDP_BLOCKED_TCP_PORTS, type NatPreset } from './nat.ts';
export {
  linkRoundTripMs,
  type LinkConfig,
  type LinkCounters,
  type LinkSettings,
  type LinkStats
} from './link.ts';
export { Namespace } from './netns.ts';
export type { LabProcess } from './process.ts';
export {
  Coturn,
  coturnConfig,
  turnCredentials,
  TURN_PORT,
  TURN_REALM,
  TURN_TCP_443,
  type TurnCredentials
} from './coturn.ts';
export {
  ProbeServer,
  turnAllocate,
  type Dependence,
  type NatBehaviour,
  type RttResult,
  type TcpResult,
  type TurnAllocation
} from './probes.ts';
export { APP_PORT, startWanStack, type WanStack, type WanStackOptions } from './stack.ts';
export { chromiumIn } from './chromium.ts';
export { LabCommandError, LabProcessError, LabRequirementError } from './errors.ts';
export {
  APP_ADDRESS,
  PROBE_ADDRESSES,
  SERVER_SUBNET,
  TURN_ADDRESS,
  TURN_ALT_ADDRESS
} from './constants.ts';
