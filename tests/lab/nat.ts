/**
 * Router presets: the NAT and firewall behaviour of a home's router, as an nftables ruleset.
 *
 * Behaviour names follow RFC 4787 (mapping and filtering) and RFC 5780 (how they are measured):
 *
 * | preset            | mapping                      | filtering                        |
 * | ----------------- | ---------------------------- | -------------------------------- |
 * | `none`            | no NAT (public address)      | none                             |
 * | `full-cone`       | endpoint-independent         | endpoint-independent             |
 * | `port-restricted` | endpoint-independent         | address- and port-dependent      |
 * | `symmetric`       | address- and port-dependent  | address- and port-dependent      |
 * | `udp-blocked`     | endpoint-independent (TCP)   | all UDP dropped; TCP out to 80 and 443 only |
 * | `same-nat`        | as `port-restricted`, two participants behind it, hairpinning |
 *
 * Every NAT preset models a home router faithfully (LIBP2P-NOTES.md, "Real-network lab"): the
 * router's own input hook drops what it did not ask for. Without that, an early ICE check
 * reaching the router's public port before the home has sent anything there is answered with
 * ICMP port unreachable, and the inbound conntrack entry it leaves behind takes the tuple: the
 * home's next packet to that peer then gets a fresh port, and a port-restricted NAT behaves like
 * a symmetric one.
 */

export const NAT_PRESETS = [
  'none',
  'full-cone',
  'port-restricted',
  'symmetric',
  'udp-blocked',
  'same-nat'
] as const;

export type NatPreset = (typeof NAT_PRESETS)[number];

/** The TCP ports a `udp-blocked` network lets out: web traffic, as office firewalls do. */
export const UDP_BLOCKED_TCP_PORTS = [80, 443] as const;

/**
 * How long a router remembers which LAN host a public port belongs to, for hairpinning and full
 * cone: as long as Linux keeps an answered UDP flow (nf_conntrack_udp_timeout_stream, 120 s),
 * with room to spare.
 */
const MAPPING_TIMEOUT = '3m';

export interface RouterInterfaces {
  /** The router's side of the uplink (a TUN device of the link forwarder). */
  readonly uplink: string;
  /** The LAN bridge the participants are on. */
  readonly lan: string;
  /** The router's public address on the uplink. */
  readonly publicAddress: string;
}

/** Whether a preset translates addresses at all (`none` routes a public subnet instead). */
export function natted(preset: NatPreset): boolean {
  return preset !== 'none';
}

/**
 * The nftables ruleset of a router with this preset, or undefined for `none` (a plain router:
 * no NAT, no filter, as an ISP's modem in bridge mode in front of a public address).
 */
export function routerRuleset(preset: NatPreset, ifs: RouterInterfaces): string | undefined {
  if (preset === 'none') {
    return undefined;
  }
  const { uplink, lan, publicAddress } = ifs;
  const q = (name: string) => JSON.stringify(name);
  // Hairpinning (RFC 4787 REQ-9) needs to know which LAN host a public port maps to. nftables
  // cannot read the internal port back from conntrack here (nft 1.0.6 gives `ct original
  // proto-src` no type a map can hold), so the map remembers the host only and keeps the port:
  // right whenever the NAT kept the port (Linux does unless two LAN hosts use the same one).
  // Symmetric NATs pick random ports, so they get no hairpinning (as many real ones).
  const portPreserving = preset !== 'symmetric';
  const lines: string[] = [
    'table ip lab {',
    '  # public (external) port -> LAN host that owns it, learnt from outgoing packets after NAT',
    '  map mappings {',
    '    type inet_proto . inet_service : ipv4_addr',
    '    flags dynamic,timeout',
    `    timeout ${MAPPING_TIMEOUT}`,
    '  }',
    '',
    '  # The router itself accepts only what it asked for, and its own LAN: a home router.',
    '  chain input {',
    '    type filter hook input priority filter; policy drop;',
    '    iifname "lo" accept',
    '    ct state established,related accept',
    `    iifname ${q(lan)} accept`,
    '  }',
    '',
    '  chain forward {',
    '    type filter hook forward priority filter; policy drop;',
    '    ct state established,related accept',
    // LAN to LAN through the router (hairpinned traffic, and bridged traffic if br_netfilter
    // hands it to us).
    `    iifname ${q(lan)} oifname ${q(lan)} accept`
  ];
  if (preset === 'udp-blocked') {
    const ports = UDP_BLOCKED_TCP_PORTS.join(', ');
    lines.push(`    iifname ${q(lan)} oifname ${q(uplink)} tcp dport { ${ports} } accept`);
  } else {
    lines.push(`    iifname ${q(lan)} oifname ${q(uplink)} accept`);
  }
  if (preset === 'full-cone') {
    // Unsolicited inbound that the prerouting map sent to a LAN host: endpoint-independent
    // filtering.
    lines.push(`    iifname ${q(uplink)} ct status dnat accept`);
  }
  lines.push('  }', '');

  lines.push('  chain prerouting {', '    type nat hook prerouting priority dstnat;');
  if (portPreserving) {
    lines.push(
      `    iifname ${q(lan)} ip daddr ${publicAddress} dnat ip to meta l4proto . th dport map @mappings`
    );
  }
  if (preset === 'full-cone') {
    // Anyone may send to a public port once a LAN host has used it: full cone.
    lines.push(
      `    iifname ${q(uplink)} ip daddr ${publicAddress} dnat ip to meta l4proto . th dport map @mappings`
    );
  }
  lines.push('  }', '');

  lines.push('  chain postrouting {', '    type nat hook postrouting priority srcnat;');
  if (preset === 'full-cone') {
    // Explicit source NAT to the public address; Linux keeps the LAN port when it is free.
    lines.push(`    oifname ${q(uplink)} snat ip to ${publicAddress}`);
  } else if (preset === 'symmetric') {
    // A random public port for every new flow (each destination address and port): endpoint-
    // dependent mapping. The original port is never tried first.
    lines.push(`    oifname ${q(uplink)} masquerade fully-random`);
  } else {
    // Linux's default: keep the LAN port where it can, one mapping for all destinations.
    lines.push(`    oifname ${q(uplink)} masquerade`);
  }
  if (portPreserving) {
    // Hairpinned packets leave with the router's public address as source, so the answer comes
    // back through the router and is translated back (RFC 4787 REQ-9: the receiver sees the
    // sender's public mapping).
    lines.push(
      `    iifname ${q(lan)} oifname ${q(lan)} ct status dnat snat ip to ${publicAddress}`
    );
  }
  lines.push('  }', '');

  if (portPreserving) {
    lines.push(
      '  # After source NAT (priority srcnat + 10) the packet carries its public port.',
      '  chain learn {',
      '    type filter hook postrouting priority srcnat + 10;',
      `    oifname ${q(uplink)} meta l4proto { tcp, udp } update @mappings { meta l4proto . th sport : ct original ip saddr }`,
      '  }'
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}
