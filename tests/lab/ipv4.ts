/** IPv4 subnets as the lab uses them: "a.b.c.d/n" and the n-th address in one. */

export interface Subnet {
  /** The network address as a 32-bit number. */
  readonly base: number;
  readonly prefix: number;
}

/** Prefixes the lab accepts for a LAN: at least the router and a few participants must fit. */
const MIN_PREFIX = 8;
const MAX_PREFIX = 28;

/**
 * Parses "a.b.c.d/n" (the host bits must be zero).
 *
 * @throws {TypeError} for anything else.
 */
export function parseSubnet(cidr: string): Subnet {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (
    match === null ||
    octets.some((o) => o > 255) ||
    !(prefix >= MIN_PREFIX && prefix <= MAX_PREFIX)
  ) {
    throw new TypeError(
      `subnet must be a.b.c.d/n with n from ${MIN_PREFIX} to ${MAX_PREFIX}: ${cidr}`
    );
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0) {
    throw new TypeError(`subnet ${cidr} has host bits set`);
  }
  return { base, prefix };
}

/** The address `index` places into the subnet (1 = the first host), as text. */
export function hostAddress(subnet: Subnet, index: number): string {
  const size = 2 ** (32 - subnet.prefix);
  if (!Number.isInteger(index) || index < 1 || index >= size - 1) {
    throw new RangeError(`host ${index} does not fit in a /${subnet.prefix}`);
  }
  return formatAddress(subnet.base + index);
}

export function formatSubnet(subnet: Subnet): string {
  return `${formatAddress(subnet.base)}/${subnet.prefix}`;
}

function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
