import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Coturn,
  createLab,
  TURN_ADDRESS,
  TURN_ALT_ADDRESS,
  turnAllocate,
  turnCredentials,
  type Home,
  type Lab
} from './index.ts';

/** RFC 8656 section 7.2's dynamic port range, where relayed addresses are allocated. */
const RELAY_PORTS = { min: 49152, max: 65535 };

let lab: Lab;
let coturn: Coturn;
let home: Home;
let blocked: Home;

beforeAll(async () => {
  lab = await createLab();
  [coturn, home, blocked] = await Promise.all([
    Coturn.start(lab),
    lab.addHome('a', { preset: 'port-restricted', link: { delayMs: 5 } }),
    lab.addHome('u', { preset: 'udp-blocked' })
  ]);
});

afterAll(async () => {
  await lab?.close();
});

function expectRelay(relayed: string | undefined): void {
  const [address, port] = (relayed ?? '').split(':');
  expect(address).toBe(TURN_ADDRESS);
  expect(Number(port)).toBeGreaterThanOrEqual(RELAY_PORTS.min);
  expect(Number(port)).toBeLessThanOrEqual(RELAY_PORTS.max);
}

describe('turnCredentials', () => {
  it('makes the TURN REST username and HMAC-SHA1 password coturn expects', () => {
    const { username, credential, expiresAt } = turnCredentials('north', {
      ttlSeconds: 600,
      id: 'alice',
      now: 1_700_000_000
    });
    expect(expiresAt).toBe(1_700_000_600);
    expect(username).toBe('1700000600:alice');
    // base64(HMAC-SHA1("north", "1700000600:alice")), computed with openssl:
    // printf %s 1700000600:alice | openssl dgst -sha1 -hmac north -binary | base64
    expect(credential).toBe('gthUwOpcRoLI0MMCziCEBOWYnpo=');
  });

  it('refuses an empty secret, an id with a colon and a fractional lifetime', () => {
    expect(() => turnCredentials('')).toThrow(TypeError);
    expect(() => turnCredentials('s', { id: 'a:b' })).toThrow(TypeError);
    expect(() => turnCredentials('s', { ttlSeconds: 1.5 })).toThrow(RangeError);
  });
});

describe('coturn in the lab', () => {
  it('allocates a relay over UDP and TCP on 3478 for a home behind NAT', async () => {
    const { username, credential } = coturn.credentials({ ttlSeconds: 600, id: 'a1' });
    for (const transport of ['udp', 'tcp'] as const) {
      const allocation = await turnAllocate(home.participants[0]!, {
        server: `${TURN_ADDRESS}:3478`,
        transport,
        username,
        password: credential
      });
      expect(allocation).toMatchObject({ allocated: true });
      expectRelay(allocation.relayed);
      // coturn saw the home's router, not the home.
      expect(allocation.mapped?.split(':')[0]).toBe(home.publicAddress);
    }
  });

  it('allocates a relay over TCP on 443 for a home whose router lets only web ports out', async () => {
    const { username, credential } = coturn.credentials({ id: 'u1' });
    const participant = blocked.participants[0]!;
    const on443 = await turnAllocate(participant, {
      server: `${TURN_ADDRESS}:443`,
      transport: 'tcp',
      username,
      password: credential
    });
    expect(on443).toMatchObject({ allocated: true });
    expectRelay(on443.relayed);
    const onUdp = await turnAllocate(participant, {
      server: `${TURN_ADDRESS}:3478`,
      transport: 'udp',
      username,
      password: credential
    });
    expect(onUdp).toEqual({ allocated: false, error: 'no answer' });
  });

  it('refuses expired credentials, a wrong password and another secret with 401', async () => {
    const participant = home.participants[0]!;
    const expired = coturn.credentials({ ttlSeconds: -60, id: 'a1' });
    const valid = coturn.credentials({ id: 'a1' });
    const foreign = turnCredentials('not this run', { id: 'a1' });
    for (const [username, password] of [
      [expired.username, expired.credential],
      [valid.username, `${valid.credential}x`],
      [foreign.username, foreign.credential]
    ] as const) {
      const allocation = await turnAllocate(participant, {
        server: `${TURN_ADDRESS}:3478`,
        transport: 'udp',
        username,
        password
      });
      expect(allocation).toEqual({ allocated: false, error: '401 Unauthorized' });
    }
  });

  it('relays to public (documentation) addresses and to itself, never to private, link-local, multicast or loopback ones', async () => {
    const { username, credential } = coturn.credentials({ id: 'a1' });
    const allocation = await turnAllocate(home.participants[0]!, {
      server: `${TURN_ADDRESS}:3478`,
      transport: 'udp',
      username,
      password: credential,
      peers: [
        '198.51.100.2', // another home's router
        '203.0.113.5', // a home with a public address
        TURN_ADDRESS, // a relay of the same coturn: both sides on TURN
        home.participants[0]!.address, // a home's private host candidate
        '10.1.2.3',
        '172.16.0.1',
        '100.64.0.1',
        '169.254.1.1',
        '224.0.0.1',
        '127.0.0.1'
      ]
    });
    expect(allocation.permissions).toEqual({
      '198.51.100.2': 'ok',
      '203.0.113.5': 'ok',
      [TURN_ADDRESS]: 'ok',
      [home.participants[0]!.address]: '403 Forbidden IP',
      '10.1.2.3': '403 Forbidden IP',
      '172.16.0.1': '403 Forbidden IP',
      '100.64.0.1': '403 Forbidden IP',
      '169.254.1.1': '403 Forbidden IP',
      '224.0.0.1': '403 Forbidden IP',
      '127.0.0.1': '403 Forbidden IP'
    });
  });

  it('listens on the lab addresses only, and keeps its files in the lab temp dir', async () => {
    const sockets = await lab.wan.run('ss', ['-Hlntup']);
    const coturnSockets = sockets
      .split('\n')
      .filter((line) => line.includes('"turnserver"'))
      .map((line) => line.trim().split(/\s+/)[4]!.replace(/:\d+$/, ''));
    expect(coturnSockets.length).toBeGreaterThan(0);
    expect(new Set(coturnSockets)).toEqual(new Set([TURN_ADDRESS, TURN_ALT_ADDRESS]));

    expect(dirname(coturn.configPath)).toBe(lab.tempDir);
    expect(dirname(coturn.logPath)).toBe(lab.tempDir);
    // The config holds the run's secret: its owner's alone.
    expect(statSync(coturn.configPath).mode & 0o777).toBe(0o600);
    const config = readFileSync(coturn.configPath, 'utf8');
    expect(config).toContain(`static-auth-secret=${coturn.secret}`);
    expect(coturn.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(`${lab.tempDir}/turnserver.pid`)).toBe(true);
    expect(await coturn.log()).toContain('Total General servers');
  });
});
