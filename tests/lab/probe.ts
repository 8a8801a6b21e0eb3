/**
 * The lab's probe: a small UDP/TCP program that the lab runs inside its namespaces to measure
 * what a NAT does (RFC 4787 mapping and filtering, as RFC 5780 measures them), round-trip times,
 * reachability and TURN allocations. probes.ts drives it: a server in the wan, and an agent in
 * each namespace it measures from (commands as JSON lines on stdin, answers on stdout). Each
 * command also runs on its own, printing its result:
 *
 *   node probe.ts server  '{"udp":["192.0.2.20:4000",…],"tcp":["192.0.2.20:443",…]}'
 *   node probe.ts agent
 *   node probe.ts nat     '{"bind":"192.168.1.2","server":{…},"waitMs":300}'
 *   node probe.ts rtt     '{"bind":"192.168.1.2","to":"192.0.2.20:4000","count":20,"intervalMs":20,"timeoutMs":500}'
 *   node probe.ts tcp     '{"to":"192.0.2.20:443","timeoutMs":1000}'
 *   node probe.ts send    '{"bind":"192.168.1.3","to":"198.51.100.1:40000","count":5}'
 *   node probe.ts flood   '{"to":"192.0.2.20:4000","rateKbit":5000,"packetBytes":1200,"durationMs":2000,"waitMs":500}'
 *   node probe.ts turn    '{"server":"192.0.2.1:3478","transport":"udp","username":…,"password":…,"peers":[…]}'
 *   (listen and await-packet, the two halves of a hairpinning test, need the agent)
 *
 * The server answers each UDP request `{ id, replyFrom?, echo? }` with `{ id, observed, from }`
 * (the source address it saw, and which of its sockets answers: `replyFrom` if it has that one)
 * or, with `echo`, with the packet itself; each TCP connection gets one line `{ observed }`.
 * Server and agent stop at the end of their stdin.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, connect, type Socket as TcpSocket } from 'node:net';

type Endpoint = string; // "a.b.c.d:port"

/** Retries of a request before a mapping test gives up on that server. */
const REQUEST_ATTEMPTS = 3;
/** The largest probe message: a full-size packet of a flood (see {@link flood}). */
const MAX_MESSAGE_BYTES = 1500;

function split(endpoint: Endpoint): { address: string; port: number } {
  const i = endpoint.lastIndexOf(':');
  return { address: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
}

function print(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/**
 * Receive buffers of the probe's sockets: a flood's burst must wait in the kernel while a busy
 * machine schedules Node (the kernel caps it at net.core.rmem_max).
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

function bound(address: string | undefined, port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    socket.once('error', reject);
    socket.bind({ address, port }, () => {
      socket.off('error', reject);
      // ICMP errors (port unreachable from a router that answers) are results, not crashes.
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

function local(socket: Socket): Endpoint {
  const { address, port } = socket.address();
  return `${address}:${port}`;
}

/** Every JSON message arriving on `socket` in `waitMs`, with its sender. */
function collect(
  socket: Socket,
  waitMs: number
): Promise<{ from: Endpoint; message: Record<string, unknown> }[]> {
  return new Promise((resolve) => {
    const received: { from: Endpoint; message: Record<string, unknown> }[] = [];
    const onMessage = (data: Buffer, rinfo: { address: string; port: number }) => {
      try {
        received.push({
          from: `${rinfo.address}:${rinfo.port}`,
          message: JSON.parse(data.toString())
        });
      } catch {
        // Not a probe message.
      }
    };
    socket.on('message', onMessage);
    setTimeout(() => {
      socket.off('message', onMessage);
      resolve(received);
    }, waitMs);
  });
}

/** Sends a request to `to` until an answer with its id comes back; the observed address or null. */
async function ask(
  socket: Socket,
  to: Endpoint,
  waitMs: number,
  id: string
): Promise<Endpoint | null> {
  const { address, port } = split(to);
  for (let attempt = 0; attempt < REQUEST_ATTEMPTS; attempt++) {
    const answers = collect(socket, waitMs);
    socket.send(JSON.stringify({ id }), port, address);
    const hit = (await answers).find((a) => a.message.id === id);
    if (hit !== undefined) {
      return String(hit.message.observed);
    }
  }
  return null;
}

async function server(args: { udp: Endpoint[]; tcp: Endpoint[] }): Promise<void> {
  const sockets = new Map<Endpoint, Socket>();
  for (const endpoint of args.udp) {
    const { address, port } = split(endpoint);
    sockets.set(endpoint, await bound(address, port));
  }
  for (const [endpoint, socket] of sockets) {
    socket.on('message', (data, rinfo) => {
      if (data.length > MAX_MESSAGE_BYTES) {
        return;
      }
      let request: { id?: unknown; replyFrom?: unknown; echo?: unknown };
      try {
        request = JSON.parse(data.toString());
      } catch {
        return;
      }
      const from =
        typeof request.replyFrom === 'string' && sockets.has(request.replyFrom)
          ? request.replyFrom
          : endpoint;
      const observed = `${rinfo.address}:${rinfo.port}`;
      // A flood's packets come back whole when asked (`echo`), so both directions carry them.
      const answer =
        request.echo === true ? data : JSON.stringify({ id: request.id, observed, from });
      sockets.get(from)!.send(answer, rinfo.port, rinfo.address);
    });
  }
  const servers = await Promise.all(
    args.tcp.map(
      (endpoint) =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const { address, port } = split(endpoint);
          const tcp = createServer((conn) => {
            conn.end(
              `${JSON.stringify({ observed: `${conn.remoteAddress}:${conn.remotePort}` })}\n`
            );
          });
          tcp.once('error', reject);
          tcp.listen(port, address, () => resolve(tcp));
        })
    )
  );
  print({ ready: true });
  // Commands on stdin: `{ "sendFrom": endpoint, "to": endpoint }` sends one unsolicited packet
  // from one of our sockets (what an early ICE check from a peer looks like to a router).
  let pending = '';
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim() !== '')) {
      const command = JSON.parse(line) as { sendFrom: Endpoint; to: Endpoint };
      const { address, port } = split(command.to);
      sockets
        .get(command.sendFrom)
        ?.send(JSON.stringify({ unsolicited: true }), port, address, () => print({ sent: true }));
    }
  });
  process.stdin.on('end', () => {
    for (const socket of sockets.values()) socket.close();
    for (const tcp of servers) tcp.close();
    process.exit(0);
  });
}

interface NatServer {
  /** Primary address and port, same address other port, other address same port, both other. */
  readonly a1p1: Endpoint;
  readonly a1p2: Endpoint;
  readonly a2p1: Endpoint;
  readonly a2p2: Endpoint;
}

type Dependence = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/**
 * RFC 5780 section 4.3 (mapping) and 4.4 (filtering), with our own server instead of STUN:
 * mapping compares the public address seen by three server endpoints; filtering asks one
 * endpoint to answer from another address, or another port, on a fresh socket that has only
 * ever talked to that one endpoint.
 */
async function nat(args: {
  bind: string;
  port?: number;
  server: NatServer;
  waitMs: number;
}): Promise<unknown> {
  const { server, waitMs } = args;
  const socket = await bound(args.bind, args.port);
  const localEndpoint = local(socket);
  const first = await ask(socket, server.a1p1, waitMs, 'm1');
  if (first === null) {
    socket.close();
    return { local: localEndpoint, reachable: false };
  }
  const samePortOther = await ask(socket, server.a1p2, waitMs, 'm2');
  const otherAddress = await ask(socket, server.a2p1, waitMs, 'm3');
  socket.close();
  let mapping: Dependence;
  if (first === samePortOther && first === otherAddress) {
    mapping = 'endpoint-independent';
  } else if (first === samePortOther) {
    mapping = 'address-dependent';
  } else {
    mapping = 'address-and-port-dependent';
  }

  const fresh = await bound(args.bind);
  const { address, port } = split(server.a1p1);
  const answers = collect(fresh, waitMs * REQUEST_ATTEMPTS);
  // Each request twice, in case a packet is lost on a lossy link; answers are counted once.
  for (let i = 0; i < 2; i++) {
    fresh.send(JSON.stringify({ id: 'f-control' }), port, address);
    fresh.send(JSON.stringify({ id: 'f-port', replyFrom: server.a1p2 }), port, address);
    fresh.send(JSON.stringify({ id: 'f-address', replyFrom: server.a2p2 }), port, address);
  }
  const got = new Set((await answers).map((a) => String(a.message.id)));
  fresh.close();
  let filtering: Dependence | 'unknown';
  if (!got.has('f-control')) {
    filtering = 'unknown';
  } else if (got.has('f-address')) {
    filtering = 'endpoint-independent';
  } else if (got.has('f-port')) {
    filtering = 'address-dependent';
  } else {
    filtering = 'address-and-port-dependent';
  }
  return {
    local: localEndpoint,
    reachable: true,
    mapped: [first, samePortOther, otherAddress],
    mapping,
    filtering
  };
}

async function rtt(args: {
  bind?: string;
  to: Endpoint;
  count: number;
  intervalMs: number;
  timeoutMs: number;
}) {
  const socket = await bound(args.bind);
  const { address, port } = split(args.to);
  const sent = new Map<string, number>();
  const rtts: number[] = [];
  const order: number[] = [];
  socket.on('message', (data) => {
    try {
      const id = String(JSON.parse(data.toString()).id);
      const at = sent.get(id);
      if (at !== undefined) {
        rtts.push(performance.now() - at);
        order.push(Number(id.slice(1)));
        sent.delete(id);
      }
    } catch {
      // Not ours.
    }
  });
  for (let i = 0; i < args.count; i++) {
    const id = `r${i}`;
    sent.set(id, performance.now());
    socket.send(JSON.stringify({ id }), port, address);
    await new Promise((resolve) => setTimeout(resolve, args.intervalMs));
  }
  await new Promise((resolve) => setTimeout(resolve, args.timeoutMs));
  socket.close();
  // `order`: the sequence numbers of the answers as they arrived.
  return { rttsMs: rtts, lost: sent.size, order };
}

/**
 * A constant-rate UDP stream of full-size packets to the probe server, echoed back whole:
 * `rateKbit` each way for `durationMs`. Reports how many packets were sent and came back.
 */
async function flood(args: {
  bind?: string;
  to: Endpoint;
  rateKbit: number;
  packetBytes: number;
  durationMs: number;
  waitMs: number;
}) {
  const socket = await bound(args.bind);
  const { address, port } = split(args.to);
  let received = 0;
  socket.on('message', () => received++);
  const header = JSON.stringify({ echo: true, pad: '' });
  const packet = Buffer.from(
    JSON.stringify({ echo: true, pad: 'x'.repeat(Math.max(0, args.packetBytes - header.length)) })
  );
  const perSecond = (args.rateKbit * 1000) / 8 / packet.length;
  const started = performance.now();
  let sent = 0;
  // Send in 10 ms ticks, catching up to where the rate says we should be.
  while (performance.now() - started < args.durationMs) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    for (; sent < due; sent++) {
      socket.send(packet, port, address);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const elapsedMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, args.waitMs));
  socket.close();
  return { sent, received, packetBytes: packet.length, elapsedMs };
}

function tcp(args: { to: Endpoint; timeoutMs: number }): Promise<unknown> {
  const { address, port } = split(args.to);
  return new Promise((resolve) => {
    const conn = connect({ host: address, port });
    const timer = setTimeout(() => {
      conn.destroy();
      resolve({ connected: false, error: 'timeout' });
    }, args.timeoutMs);
    let data = '';
    conn.on('data', (chunk) => (data += chunk.toString()));
    conn.on('end', () => {
      clearTimeout(timer);
      resolve({ connected: true, observed: JSON.parse(data).observed });
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ connected: false, error: err.code ?? err.message });
    });
  });
}

/** Sockets kept open between commands of an agent, by handle. */
const held = new Map<string, Socket>();

/**
 * Opens a socket, learns its public mapping from the server and keeps it (as `handle`) for
 * {@link awaitPacket}: the first half of a hairpinning test.
 */
async function listen(args: { bind: string; server: Endpoint }): Promise<unknown> {
  const socket = await bound(args.bind);
  const mapped = await ask(socket, args.server, 500, 'h');
  const handle = `s${held.size + 1}-${Date.now()}`;
  held.set(handle, socket);
  return { handle, local: local(socket), mapped };
}

/** Waits for the first hairpin packet on a kept socket, and closes it. */
async function awaitPacket(args: { handle: string; waitMs: number }): Promise<unknown> {
  const socket = held.get(args.handle);
  if (socket === undefined) {
    throw new Error(`no socket ${args.handle}`);
  }
  held.delete(args.handle);
  const from = await new Promise<Endpoint | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), args.waitMs);
    socket.on('message', (data, rinfo) => {
      try {
        if (JSON.parse(data.toString()).hairpin === true) {
          clearTimeout(timer);
          resolve(`${rinfo.address}:${rinfo.port}`);
        }
      } catch {
        // Not a probe message.
      }
    });
  });
  socket.close();
  return { from };
}

async function send(args: { bind?: string; to: Endpoint; count: number }): Promise<unknown> {
  const socket = await bound(args.bind);
  const { address, port } = split(args.to);
  for (let i = 0; i < args.count; i++) {
    socket.send(JSON.stringify({ hairpin: true }), port, address);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const result = { local: local(socket), sent: args.count };
  socket.close();
  return result;
}

// --- TURN (RFC 8656) over STUN (RFC 8489): just enough to allocate and ask for permissions ---

const MAGIC_COOKIE = 0x2112a442;
const STUN_HEADER_BYTES = 20;
const ALLOCATE = 0x0003;
const CREATE_PERMISSION = 0x0008;
const REFRESH = 0x0004;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020
} as const;
/** REQUESTED-TRANSPORT's protocol number for UDP relaying (RFC 8656 section 18.7). */
const PROTOCOL_UDP = 17;
/** How long to wait for each STUN answer, and how often to send a UDP request meanwhile. */
const STUN_TIMEOUT_MS = 3_000;
const STUN_RETRANSMIT_MS = 500;

type Attribute = [type: number, value: Buffer];

function stunMessage(
  type: number,
  attributes: Attribute[],
  key?: Buffer
): { id: Buffer; bytes: Buffer } {
  const id = randomBytes(12);
  const body = Buffer.concat(attributes.map(([t, v]) => attribute(t, v)));
  const header = (extra: number) => {
    const h = Buffer.alloc(STUN_HEADER_BYTES);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(body.length + extra, 2);
    h.writeUInt32BE(MAGIC_COOKIE, 4);
    id.copy(h, 8);
    return h;
  };
  if (key === undefined) {
    return { id, bytes: Buffer.concat([header(0), body]) };
  }
  // MESSAGE-INTEGRITY covers the message with its length already counting the attribute
  // itself (RFC 8489 section 14.5).
  const mac = createHmac('sha1', key)
    .update(Buffer.concat([header(24), body]))
    .digest();
  return { id, bytes: Buffer.concat([header(24), body, attribute(ATTR.MESSAGE_INTEGRITY, mac)]) };
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function parseStun(
  bytes: Buffer
): { type: number; id: Buffer; attributes: Map<number, Buffer> } | undefined {
  if (bytes.length < STUN_HEADER_BYTES || bytes.readUInt32BE(4) !== MAGIC_COOKIE) {
    return undefined;
  }
  const length = bytes.readUInt16BE(2);
  const attributes = new Map<number, Buffer>();
  for (
    let at = STUN_HEADER_BYTES;
    at + 4 <= STUN_HEADER_BYTES + length && at + 4 <= bytes.length;
  ) {
    const t = bytes.readUInt16BE(at);
    const l = bytes.readUInt16BE(at + 2);
    if (!attributes.has(t)) {
      attributes.set(t, bytes.subarray(at + 4, at + 4 + l));
    }
    at += 4 + Math.ceil(l / 4) * 4;
  }
  return { type: bytes.readUInt16BE(0), id: bytes.subarray(8, 20), attributes };
}

function xorAddress(value: Buffer | undefined): string | undefined {
  if (value === undefined || value.length < 8 || value[1] !== 0x01) {
    return undefined;
  }
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const address = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (address >>> s) & 0xff).join('.')}:${port}`;
}

function xorPeer(address: string): Buffer {
  const value = Buffer.alloc(8);
  value[1] = 0x01; // IPv4
  value.writeUInt16BE(0 ^ (MAGIC_COOKIE >>> 16), 2); // the port does not matter to a permission
  const ip = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  value.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

function errorCode(value: Buffer | undefined): string {
  if (value === undefined || value.length < 4) {
    return 'unknown';
  }
  return `${value[2]! * 100 + value[3]!} ${value.subarray(4).toString()}`;
}

/** A request/answer channel to a STUN server over UDP or TCP. */
async function stunChannel(server: Endpoint, transport: 'udp' | 'tcp') {
  const { address, port } = split(server);
  const waiting = new Map<string, (answer: NonNullable<ReturnType<typeof parseStun>>) => void>();
  const deliver = (bytes: Buffer) => {
    const answer = parseStun(bytes);
    if (answer !== undefined) {
      waiting.get(answer.id.toString('hex'))?.(answer);
    }
  };
  let write: (bytes: Buffer) => void;
  let close: () => void;
  if (transport === 'udp') {
    const socket = await bound(undefined);
    socket.on('message', deliver);
    write = (bytes) => socket.send(bytes, port, address);
    close = () => socket.close();
  } else {
    const conn: TcpSocket = await new Promise((resolve, reject) => {
      const c = connect({ host: address, port }, () => resolve(c));
      c.once('error', reject);
    });
    conn.on('error', () => {});
    let buffer = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= STUN_HEADER_BYTES) {
        const total = STUN_HEADER_BYTES + buffer.readUInt16BE(2);
        if (buffer.length < total) break;
        deliver(buffer.subarray(0, total));
        buffer = buffer.subarray(total);
      }
    });
    write = (bytes) => conn.write(bytes);
    close = () => conn.destroy();
  }
  const request = (message: { id: Buffer; bytes: Buffer }) =>
    new Promise<NonNullable<ReturnType<typeof parseStun>>>((resolve, reject) => {
      const key = message.id.toString('hex');
      const retransmit =
        transport === 'udp'
          ? setInterval(() => write(message.bytes), STUN_RETRANSMIT_MS)
          : undefined;
      const timer = setTimeout(() => {
        clearInterval(retransmit);
        waiting.delete(key);
        reject(new Error('no answer'));
      }, STUN_TIMEOUT_MS);
      waiting.set(key, (answer) => {
        clearInterval(retransmit);
        clearTimeout(timer);
        waiting.delete(key);
        resolve(answer);
      });
      write(message.bytes);
    });
  return { request, close };
}

/**
 * Allocates a UDP relay with the long-term credential mechanism (RFC 8489 section 9.2: the
 * first request is refused with 401 and a realm and nonce; the second carries USERNAME,
 * REALM, NONCE and MESSAGE-INTEGRITY keyed with MD5(username:realm:password)), then asks for
 * a permission to each peer and releases the allocation.
 */
async function turn(args: {
  server: Endpoint;
  transport: 'udp' | 'tcp';
  username: string;
  password: string;
  peers?: string[];
}): Promise<unknown> {
  let channel;
  try {
    channel = await stunChannel(args.server, args.transport);
  } catch (err) {
    return { allocated: false, error: `connect: ${(err as NodeJS.ErrnoException).code ?? err}` };
  }
  try {
    const transport: Attribute = [ATTR.REQUESTED_TRANSPORT, Buffer.from([PROTOCOL_UDP, 0, 0, 0])];
    const challenge = await channel.request(stunMessage(ALLOCATE, [transport]));
    const realm = challenge.attributes.get(ATTR.REALM);
    const nonce = challenge.attributes.get(ATTR.NONCE);
    if (challenge.type !== (ALLOCATE | ERROR) || realm === undefined || nonce === undefined) {
      return { allocated: false, error: `unexpected first answer ${challenge.type.toString(16)}` };
    }
    const key = createHash('md5')
      .update(`${args.username}:${realm.toString()}:${args.password}`)
      .digest();
    const auth: Attribute[] = [
      [ATTR.USERNAME, Buffer.from(args.username)],
      [ATTR.REALM, realm],
      [ATTR.NONCE, nonce]
    ];
    const answer = await channel.request(stunMessage(ALLOCATE, [transport, ...auth], key));
    if (answer.type !== (ALLOCATE | SUCCESS)) {
      return { allocated: false, error: errorCode(answer.attributes.get(ATTR.ERROR_CODE)) };
    }
    const permissions: Record<string, string> = {};
    for (const peer of args.peers ?? []) {
      const reply = await channel.request(
        stunMessage(CREATE_PERMISSION, [[ATTR.XOR_PEER_ADDRESS, xorPeer(peer)], ...auth], key)
      );
      permissions[peer] =
        reply.type === (CREATE_PERMISSION | SUCCESS)
          ? 'ok'
          : errorCode(reply.attributes.get(ATTR.ERROR_CODE));
    }
    const lifetime = answer.attributes.get(ATTR.LIFETIME);
    const result = {
      allocated: true,
      relayed: xorAddress(answer.attributes.get(ATTR.XOR_RELAYED_ADDRESS)),
      mapped: xorAddress(answer.attributes.get(ATTR.XOR_MAPPED_ADDRESS)),
      lifetimeS: lifetime?.readUInt32BE(0),
      permissions
    };
    // Release it: a REFRESH with LIFETIME 0 (RFC 8656 section 7).
    await channel
      .request(stunMessage(REFRESH, [[ATTR.LIFETIME, Buffer.alloc(4)], ...auth], key))
      .catch(() => {});
    return result;
  } catch (err) {
    return { allocated: false, error: (err as Error).message };
  } finally {
    channel.close();
  }
}

/** What each mode does, for one-shot runs and for the agent alike. */
const MODES: Record<string, (args: never) => Promise<unknown>> = {
  nat,
  rtt,
  flood,
  tcp,
  listen,
  'await-packet': awaitPacket,
  send,
  turn
};

/**
 * Runs commands from stdin, one JSON line each (`{ id, mode, args }`), concurrently, answering
 * each with `{ id, result }` or `{ id, error }`: one Node process per namespace instead of one
 * per measurement (starting Node costs seconds on a busy machine). Stops at the end of stdin.
 */
function agent(): void {
  let pending = '';
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim() !== '')) {
      const { id, mode, args } = JSON.parse(line) as { id: number; mode: string; args: never };
      const run = MODES[mode];
      (run === undefined ? Promise.reject(new Error(`unknown mode ${mode}`)) : run(args)).then(
        (result) => print({ id, result }),
        (err: Error) => print({ id, error: err.message })
      );
    }
  });
  process.stdin.on('end', () => process.exit(0));
  print({ ready: true });
}

const [mode, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}');
if (mode === 'server') {
  await server(args);
} else if (mode === 'agent') {
  agent();
} else if (mode !== undefined && MODES[mode] !== undefined) {
  print(await MODES[mode](args as never));
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
