import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Coturn,
  createLab,
  NAT_PRESETS,
  ProbeServer,
  TURN_ADDRESS,
  type Dependence,
  type Home,
  type Lab,
  type NatPreset
} from './index.ts';
import { program } from './requirements.ts';

/** What each preset must do to UDP (RFC 4787 terms, measured as RFC 5780 describes). */
const EXPECTED: Record<
  Exclude<NatPreset, 'udp-blocked'>,
  { translated: boolean; mapping: Dependence; filtering: Dependence; portPreserved: boolean }
> = {
  none: {
    translated: false,
    mapping: 'endpoint-independent',
    filtering: 'endpoint-independent',
    portPreserved: true
  },
  'full-cone': {
    translated: true,
    mapping: 'endpoint-independent',
    filtering: 'endpoint-independent',
    portPreserved: true
  },
  'port-restricted': {
    translated: true,
    mapping: 'endpoint-independent',
    filtering: 'address-and-port-dependent',
    portPreserved: true
  },
  symmetric: {
    translated: true,
    mapping: 'address-and-port-dependent',
    filtering: 'address-and-port-dependent',
    portPreserved: false
  },
  'same-nat': {
    translated: true,
    mapping: 'endpoint-independent',
    filtering: 'address-and-port-dependent',
    portPreserved: true
  }
};

/** coturn's RFC 5780 verdicts (turnutils_natdiscovery prints these sentences). */
const DISCOVERY: Record<NatPreset, string[]> = {
  none: ['NAT with Endpoint Independent Mapping!', 'NAT with Endpoint Independent Filtering!'],
  'full-cone': [
    'NAT with Endpoint Independent Mapping!',
    'NAT with Endpoint Independent Filtering!'
  ],
  'port-restricted': [
    'NAT with Endpoint Independent Mapping!',
    'NAT with Address and Port Dependent Filtering!'
  ],
  symmetric: [
    'NAT with Address and Port Dependent Mapping!',
    'NAT with Address and Port Dependent Filtering!'
  ],
  'udp-blocked': [],
  'same-nat': [
    'NAT with Endpoint Independent Mapping!',
    'NAT with Address and Port Dependent Filtering!'
  ]
};

/** A local port picked for the early-check test: far from Linux's ephemeral range's start. */
const EARLY_CHECK_PORT = 40_000;

let lab: Lab;
let probe: ProbeServer;
const homes = new Map<NatPreset, Home>();

beforeAll(async () => {
  lab = await createLab();
  const started = await Promise.all([
    ProbeServer.start(lab),
    Coturn.start(lab),
    // A little delay, as on a real uplink: answers are not instant.
    ...NAT_PRESETS.map((preset, i) => lab.addHome(`h${i + 1}`, { preset, link: { delayMs: 5 } }))
  ]);
  probe = started[0];
  for (const home of started.slice(2) as Home[]) {
    homes.set(home.preset, home);
  }
});

afterAll(async () => {
  await lab?.close();
});

function home(preset: NatPreset): Home {
  return homes.get(preset)!;
}

describe('NAT presets', () => {
  it.each(Object.keys(EXPECTED) as (keyof typeof EXPECTED)[])(
    'gives %s its mapping and filtering',
    async (preset) => {
      const participant = home(preset).participants[0]!;
      const behaviour = await probe.natBehaviour(participant);
      const expected = EXPECTED[preset];
      expect(behaviour).toMatchObject({ reachable: true, ...expected });
      const publicAddress = expected.translated ? home(preset).publicAddress : participant.address;
      const [localAddress, localPort] = behaviour.local.split(':');
      expect(localAddress).toBe(participant.address);
      const mapped = behaviour.mapped!.map((m) => m.split(':'));
      expect(mapped.map(([address]) => address)).toEqual([
        publicAddress,
        publicAddress,
        publicAddress
      ]);
      const ports = new Set(mapped.map(([, port]) => port));
      if (expected.mapping === 'endpoint-independent') {
        // One public port for every destination: the local one.
        expect([...ports]).toEqual([localPort]);
      } else {
        // A new public port for every destination.
        expect(ports.size).toBe(3);
      }
    }
  );

  it('sends no UDP out of a udp-blocked home, and TCP only to ports 80 and 443', async () => {
    const participant = home('udp-blocked').participants[0]!;
    expect(await probe.natBehaviour(participant)).toMatchObject({ reachable: false });
    const publicAddress = home('udp-blocked').publicAddress;
    for (const port of [80, 443] as const) {
      const tcp = await probe.tcp(participant, probe.tcpEndpoint(port));
      expect(tcp.connected).toBe(true);
      expect(tcp.observed?.split(':')[0]).toBe(publicAddress);
    }
    expect(await probe.tcp(participant, probe.tcpEndpoint(4000), 1_000)).toEqual({
      connected: false,
      error: 'timeout'
    });
    // The same port is open to a home whose router does not block it.
    const other = await probe.tcp(
      home('port-restricted').participants[0]!,
      probe.tcpEndpoint(4000)
    );
    expect(other.connected).toBe(true);
  });

  it('hairpins between the two participants behind a same-nat router', async () => {
    const [listener, sender] = home('same-nat').participants;
    const { mapped, from, senderLocal } = await probe.hairpin(listener!, sender!);
    const publicAddress = home('same-nat').publicAddress;
    expect(mapped?.split(':')[0]).toBe(publicAddress);
    // The packet reaches the listener from the sender's public mapping (port kept), as from
    // any peer on the internet: RFC 4787 REQ-9.
    expect(from).toBe(`${publicAddress}:${senderLocal!.split(':')[1]}`);
  });

  it("keeps a home's mapping when a peer's packet reaches the router first", async () => {
    // An early ICE check: the peer sends to our public address and port before we have sent
    // anything there. The router must drop it without a trace, or the conntrack entry it
    // leaves takes the port and our own packets then leave from another one.
    const router = home('port-restricted');
    await probe.sendUnsolicited(
      `${probe.udpEndpoint}`,
      `${router.publicAddress}:${EARLY_CHECK_PORT}`
    );
    const behaviour = await probe.natBehaviour(router.participants[0]!, {
      port: EARLY_CHECK_PORT
    });
    expect(behaviour.mapped).toEqual(
      Array.from({ length: 3 }, () => `${router.publicAddress}:${EARLY_CHECK_PORT}`)
    );
  });

  it("agrees with coturn's RFC 5780 behaviour discovery (turnutils_natdiscovery)", async () => {
    const verdicts = await Promise.all(
      NAT_PRESETS.map(async (preset) => {
        const out = await home(preset)
          .participants[0]!.run(program('turnutils_natdiscovery'), ['-m', '-f', TURN_ADDRESS], {
            timeoutMs: 60_000
          })
          .catch((err: Error) => err.message);
        return [preset, out.split('\n').filter((line) => line.startsWith('NAT with'))];
      })
    );
    expect(Object.fromEntries(verdicts)).toEqual(DISCOVERY);
  });
});
