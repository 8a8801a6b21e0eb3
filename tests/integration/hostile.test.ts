import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { Multiaddr } from '@multiformats/multiaddr';
import { WebSockets } from '@multiformats/multiaddr-matcher';
import type { CID } from 'multiformats/cid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Call, type ChatEntry, type ParticipantSnapshot } from '../../src/p2p/call/index.ts';
import { ADMIT_PROTOCOL, SESSION_PROTOCOL } from '../../src/p2p/constants.ts';
import { currentHour, deriveRoomSecret, rendezvousCid } from '../../src/p2p/keys.ts';
import { createCallNode, relayOf, type CallNode } from '../../src/p2p/node.ts';
import { ADMIT_MAX_INBOUND_STREAMS } from '../../src/p2p/protocols/admit/index.ts';
import { SESSION_MAX_STREAMS } from '../../src/p2p/protocols/session/index.ts';
import {
  MAX_PROVIDERS_PER_LOOKUP,
  Rendezvous,
  type FoundPeer,
  type RendezvousProgressEvents
} from '../../src/p2p/rendezvous.ts';
import type { SamenNode } from '../../src/relay/node.ts';
import { createPlainNode, type PlainNode } from '../support/plain-libp2p.ts';
import { startLocalSwarm, type LocalSwarm } from '../support/swarm.ts';

/**
 * Hostile peers against real nodes: a local swarm of Samen nodes, Node call nodes, and an
 * attacker built from the same libp2p packages. Nothing is mocked; everything stays on loopback.
 */

/** Planted provider records per room: far more than a lookup may take. */
const PLANTED = 100;

/** Streams a hostile peer opens, one after another, never closing one. */
const FLOOD = 300;

/** The part of kad-dht's server that keeps provider records (its `providers`, not exported). */
interface ProviderStore {
  addProvider(cid: CID, provider: PeerId): Promise<void>;
}

/**
 * Plants `count` provider records of fresh peer IDs for `cid` on every DHT server of the swarm,
 * each reachable only through `relay` (a WebSocket address ending in the relay's /p2p/<id>).
 * This is what a server holds after an ADD_PROVIDER from each of `count` throwaway keys (kad-dht
 * rpc/handlers/add-provider.ts: the record, then the provider's addresses in the peer store):
 * anyone may send those, and a key costs nothing to make.
 */
async function plantProviders(
  servers: readonly SamenNode[],
  cid: CID,
  relay: Multiaddr,
  count: number
): Promise<PeerId[]> {
  const fakes = await Promise.all(
    Array.from({ length: count }, async () =>
      peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    )
  );
  for (const server of servers) {
    const store = (server.services.dht as unknown as { providers: ProviderStore }).providers;
    for (const fake of fakes) {
      await store.addProvider(cid, fake);
      await server.peerStore.merge(fake, {
        multiaddrs: [relay.encapsulate(`/p2p-circuit/p2p/${fake}`)]
      });
    }
  }
  return fakes;
}

/** The part of libp2p's registrar (@libp2p/interface-internal) read here. */
interface Registrar {
  getMiddleware(protocol: string): readonly unknown[];
}

/** A node's registrar (libp2p keeps its components to itself). */
function registrarOf(node: CallNode): Registrar {
  return (node.libp2p as unknown as { components: { registrar: Registrar } }).components.registrar;
}

function webSocketAddress(node: SamenNode | PlainNode): Multiaddr {
  const address = node.getMultiaddrs().find((ma) => WebSockets.exactMatch(ma));
  if (address === undefined) {
    throw new Error(`${node.peerId} has no WebSocket address`);
  }
  return address;
}

describe('hostile peers', () => {
  let swarm: LocalSwarm;
  const calls: Call[] = [];
  const nodes: CallNode[] = [];
  const controllers: AbortController[] = [];

  beforeAll(async () => {
    swarm = await startLocalSwarm(3);
  });

  afterEach(async () => {
    for (const controller of controllers.splice(0)) controller.abort();
    await Promise.allSettled(calls.splice(0).map((call) => call.leave()));
    await Promise.allSettled(nodes.splice(0).map((node) => node.stop()));
  });

  afterAll(async () => {
    await swarm?.stop();
  });

  /** A passphrase of its own per test, so that one test's DHT records never meet another's. */
  let room = 0;
  const phrase = () => `hostile marble kettle orchard ${++room}`;

  function states(call: Call): Record<string, ParticipantSnapshot['state']> {
    return Object.fromEntries(call.participants.map((p) => [p.peerId, p.state]));
  }

  async function callNode(options: { anyPrivateAddress?: boolean } = {}): Promise<CallNode> {
    const node = await createCallNode({
      network: swarm.profile,
      rtcBindAddress: '127.0.0.1',
      ...options
    });
    nodes.push(node);
    return node;
  }

  describe('a DHT flooded with provider records', () => {
    it(`takes at most ${MAX_PROVIDERS_PER_LOOKUP} of ${PLANTED} planted records from one lookup`, async () => {
      expect.hasAssertions();
      const now = Date.now();
      const roomSecret = crypto.getRandomValues(new Uint8Array(32));
      const cid = rendezvousCid(roomSecret, currentHour(now));
      // Through one of the profile's own relays: a record may name any relay, and these pass
      // the trusted-relay filter, so only the cap stands between them and a hundred dials.
      const relay = webSocketAddress(swarm.nodes[0]!);
      const planted = await plantProviders(swarm.nodes, cid, relay, PLANTED);
      const node = await callNode();
      await node.waitForRelay();

      const lookups: FoundPeer[][] = [];
      const controller = new AbortController();
      controllers.push(controller);
      const rendezvous = new Rendezvous({
        node,
        roomSecret,
        now: () => now,
        signal: controller.signal,
        onProgress: (event: RendezvousProgressEvents) => {
          if (event.type === 'samen:rendezvous:lookup') {
            lookups.push([]);
          } else if (event.type === 'samen:rendezvous:found') {
            lookups.at(-1)!.push(event.detail);
          }
        }
      });
      rendezvous.start();
      // Three lookups have finished once the fourth has begun. Once it has found someone it
      // looks every 15 s; it is asked to look again meanwhile, as a new relay address would.
      await expect
        .poll(
          () => {
            rendezvous.lookNow();
            return lookups.length;
          },
          { timeout: 20_000 }
        )
        .toBeGreaterThanOrEqual(4);
      await rendezvous.stop();

      const known = new Set(planted.map(String));
      for (const found of lookups.slice(0, 3)) {
        expect(found).toHaveLength(MAX_PROVIDERS_PER_LOOKUP);
        expect(found.every(({ id }) => known.has(id.toString()))).toBe(true);
        expect(new Set(found.map(({ id }) => id.toString())).size).toBe(MAX_PROVIDERS_PER_LOOKUP);
      }
    });

    it(`brings the call together and never dials the attacker's relay, despite ${PLANTED} records through it`, async () => {
      expect.hasAssertions();
      const attacker = await createPlainNode();
      const seen: string[] = [];
      attacker.addEventListener('connection:open', (event) => {
        seen.push(event.detail.remotePeer.toString());
      });
      try {
        const now = Date.now();
        const passphrase = phrase();
        const roomSecret = await deriveRoomSecret(passphrase);
        const cid = rendezvousCid(roomSecret, currentHour(now));
        // The records come first: the attacker watches the key (it is on the DHT path).
        await plantProviders(swarm.nodes, cid, webSocketAddress(attacker), PLANTED);

        // The connection gater would refuse the attacker's loopback address anyway (it is not
        // the profile's); on the public network its relay has a public one. Let the gater pass
        // it, as it would there, so that only the trusted-relay filter stands in the way.
        const join = async () => {
          const call = new Call({
            passphrase,
            network: swarm.profile,
            node: await callNode({ anyPrivateAddress: true }),
            now: () => now
          });
          calls.push(call);
          return call;
        };
        const a = await join();
        const b = await join();
        await Promise.all([a.start(), b.start()]);

        // Whom the attacker's relay saw of the two: on failure, the diff shows it beside the call.
        const outcome = () => ({
          a: states(a),
          b: states(b),
          attackerSaw: seen.filter((id) => id === a.peerId || id === b.peerId)
        });
        const together = {
          a: { [b.peerId!]: 'direct' },
          b: { [a.peerId!]: 'direct' },
          attackerSaw: []
        };
        await expect.poll(outcome, { timeout: 40_000 }).toEqual(together);
        // Both go on looking up meanwhile, each lookup as full of the planted records.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        expect(outcome()).toEqual(together);
        const relays = [a, b].flatMap((call) =>
          call.node!.libp2p.getConnections().map((c) => relayOf(c.remoteAddr))
        );
        expect(relays).not.toContain(attacker.peerId.toString());
      } finally {
        await attacker.stop();
      }
    });
  });

  describe('a peer that opens streams without end', () => {
    type Chatty = Call & { chat: ChatEntry[] };

    async function chatty(passphrase: string): Promise<Chatty> {
      const call = Object.assign(
        new Call({ passphrase, network: swarm.profile, node: await callNode() }),
        { chat: [] as ChatEntry[] }
      );
      call.addEventListener('chat', (e) => call.chat.push(e.detail));
      calls.push(call);
      return call;
    }

    /** Starts `count` calls in one room and waits until each is directly connected to all. */
    async function meshOf(count: number): Promise<Chatty[]> {
      const passphrase = phrase();
      // The nodes one after another, each connected before the next: on a busy machine, many
      // at once (with argon2id running beside them) missed the bootstrap dial timeout.
      const group: Chatty[] = [];
      for (let i = 0; i < count; i++) group.push(await chatty(passphrase));
      await Promise.all(group.map((call) => call.start()));
      for (const call of group) {
        const others = group.filter((c) => c !== call).map((c) => c.peerId!);
        await expect
          .poll(() => states(call), { timeout: 40_000 })
          .toEqual(Object.fromEntries(others.map((id) => [id, 'direct'])));
      }
      return group;
    }

    /** The streams of `protocol` that `from` opened to `node`, still open, over all connections. */
    function inbound(node: CallNode, from: PeerId, protocol: string): Stream[] {
      return node.libp2p
        .getConnections(from)
        .flatMap((c) => c.streams)
        .filter((s) => s.protocol === protocol && s.direction === 'inbound' && s.status === 'open');
    }

    /**
     * Opens FLOOD streams of `protocol` from `flooder` on `connection` one after another and
     * never closes or writes to any. Returns the streams that opened (the victim resets those
     * past its limit soon after) and the most `victim` held open from the flooder at once.
     */
    async function flood(
      flooder: CallNode,
      connection: Connection,
      protocol: string,
      victim: CallNode
    ): Promise<{ opened: Stream[]; peak: number }> {
      const opened: Stream[] = [];
      let peak = 0;
      for (let i = 0; i < FLOOD; i++) {
        try {
          opened.push(
            await connection.newStream(protocol, {
              // Our own outbound limit is not the defence under test.
              maxOutboundStreams: FLOOD * 2,
              runOnLimitedConnection: true,
              signal: AbortSignal.timeout(5_000)
            })
          );
        } catch {
          // Refused during negotiation: that is the defence too.
        }
        peak = Math.max(peak, inbound(victim, flooder.peerId, protocol).length);
      }
      return { opened, peak };
    }

    async function chatStillArrives(a: Chatty, b: Chatty): Promise<void> {
      await a.sendChat('still here?');
      await expect
        .poll(() => b.chat.map((m) => m.text), { timeout: 10_000 })
        .toEqual(['still here?']);
      await b.sendChat('yes');
      await expect
        .poll(() => a.chat.map((m) => m.text), { timeout: 10_000 })
        .toEqual(['still here?', 'yes']);
    }

    it(`holds at most ${SESSION_MAX_STREAMS} of an admitted participant's ${FLOOD} session streams open`, async () => {
      expect.hasAssertions();
      const [a, b, h] = await meshOf(3);
      const victim = a!.node!;
      const hostile = h!.node!;
      const direct = hostile.libp2p
        .getConnections(victim.peerId)
        .find((c) => c.direct && c.status === 'open');
      expect(direct).toBeDefined();

      // Unpatched, libp2p ran each accepted stream's middleware on the registrar's own array,
      // adding a handler to it per stream (patches/libp2p+3.3.11.patch); the session protocol
      // has middleware (the admitted-only check of node.ts).
      const middleware = () => registrarOf(victim).getMiddleware(SESSION_PROTOCOL).length;
      const handlers = middleware();
      const { opened, peak } = await flood(hostile, direct!, SESSION_PROTOCOL, victim);
      expect(peak).toBeLessThanOrEqual(SESSION_MAX_STREAMS);
      // The ones past the limit are reset by the victim: the flooder holds no more open either.
      await expect
        .poll(() => opened.filter((s) => s.status === 'open').length, { timeout: 10_000 })
        .toBeLessThanOrEqual(SESSION_MAX_STREAMS);
      expect(inbound(victim, hostile.peerId, SESSION_PROTOCOL).length).toBeLessThanOrEqual(
        SESSION_MAX_STREAMS
      );
      // Nothing else grew on the victim's side: its handlers, its streams with the flooder
      // (beside the session, a ping, identify or DHT stream may be open at any moment) and its
      // call.
      expect(middleware()).toBe(handlers);
      const streams = victim.libp2p.getConnections(hostile.peerId).flatMap((c) => c.streams);
      expect(streams.length).toBeLessThanOrEqual(SESSION_MAX_STREAMS + 3);
      expect(a!.participants.map((p) => p.peerId).sort()).toEqual([b!.peerId, h!.peerId].sort());
      await chatStillArrives(a!, b!);
    });

    it(`holds at most ${ADMIT_MAX_INBOUND_STREAMS} of a stranger's ${FLOOD} admission streams open`, async () => {
      expect.hasAssertions();
      const [a, b] = await meshOf(2);
      const victim = a!.node!;
      const stranger = await callNode();
      const relayed = await stranger.libp2p.dial(victim.relayAddresses()[0]!);

      const { opened, peak } = await flood(stranger, relayed, ADMIT_PROTOCOL, victim);
      expect(peak).toBeLessThanOrEqual(ADMIT_MAX_INBOUND_STREAMS);
      await expect
        .poll(() => opened.filter((s) => s.status === 'open').length, { timeout: 10_000 })
        .toBeLessThanOrEqual(ADMIT_MAX_INBOUND_STREAMS);
      // A relayed connection carries nothing else but the connection monitor's ping.
      const streams = victim.libp2p.getConnections(stranger.peerId).flatMap((c) => c.streams);
      expect(streams.length).toBeLessThanOrEqual(ADMIT_MAX_INBOUND_STREAMS + 1);
      expect(victim.admissions.isAdmitted(stranger.peerId)).toBe(false);
      expect(a!.participants.map((p) => p.peerId)).toEqual([b!.peerId]);
      await chatStillArrives(a!, b!);
    });
  });
});
