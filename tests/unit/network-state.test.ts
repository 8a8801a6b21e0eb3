import { describe, expect, it, vi } from 'vitest';
import { NetworkState, type NetworkStateInit } from '../../src/lib/state/network.svelte.ts';
import { Settings } from '../../src/lib/state/settings.svelte.ts';
import { REMEMBERED_NETWORK_KEY } from '../../src/p2p/host-network.ts';
import type { NetworkProfile } from '../../src/p2p/network.ts';
import type { CallNode, CallNodeInit } from '../../src/p2p/node.ts';
import { MemoryStorage } from '../support/memory-storage.ts';

const PEER = '12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh';
const WS = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`;
const HOST_JSON = JSON.stringify({ name: 'Home', bootstrap: [WS] });

/**
 * A call node that is connected to one node and holds a relay slot at once: the state's own
 * logic is under test here, not libp2p (the integration tests start real nodes).
 */
function connectedNode(): CallNode {
  const node = new EventTarget() as EventTarget & Record<string, unknown>;
  node.status = { connectedNodes: 1, relayAddresses: ['/p2p-circuit'] };
  node.waitForRelay = async () => [];
  node.stop = async () => undefined;
  node.mediaPath = 'auto';
  return node as unknown as CallNode;
}

interface Harness {
  readonly state: NetworkState;
  /** Every request for network.json, in order. */
  readonly requests: string[];
  /** The profile of every node the state started, in order. */
  readonly started: NetworkProfile[];
}

function harness(answer: () => Promise<Response>, storage: Storage = new MemoryStorage()): Harness {
  const requests: string[] = [];
  const started: NetworkProfile[] = [];
  const init: NetworkStateInit = {
    storage,
    networkJsonUrl: 'http://app/network.json',
    fetch: async (url) => {
      requests.push(String(url));
      return answer();
    },
    createNode: async (nodeInit: CallNodeInit) => {
      started.push(nodeInit.network);
      return connectedNode();
    }
  };
  return { state: new NetworkState(new Settings(storage), init), requests, started };
}

const serve =
  (status: number, body = '') =>
  async () =>
    new Response(body, { status });
const offline = async (): Promise<Response> => {
  throw new TypeError('Failed to fetch');
};

async function settled(state: NetworkState, phase: 'connected' | 'choose'): Promise<void> {
  await vi.waitFor(() => expect(state.phase).toBe(phase));
}

describe('NetworkState: the host network.json', () => {
  it('is asked for once per page load, not again when a call ends or Settings are saved', async () => {
    const { state, requests, started } = harness(serve(200, HOST_JSON));
    state.start();
    await settled(state, 'connected');
    // A call takes the warm node and starts the state again when it ends (call.svelte.ts);
    // Settings does the same on Save.
    expect(state.takeNode()).toBeDefined();
    state.start();
    await settled(state, 'connected');
    state.start();
    await settled(state, 'connected');
    expect(requests).toEqual(['http://app/network.json']);
    expect(started.map((p) => p.name)).toEqual(['Home', 'Home', 'Home']);
    expect(state.source).toBe('network.json');
    expect(state.hostProblem).toBeUndefined();
    state.stop();
  });

  it('is remembered once per load, so an Erase is not undone by the next start', async () => {
    const storage = new MemoryStorage();
    const { state } = harness(serve(200, HOST_JSON), storage);
    state.start();
    await settled(state, 'connected');
    expect(storage.getItem(REMEMBERED_NETWORK_KEY)).not.toBeNull();
    // The privacy page's Erase, then a call that ends.
    storage.removeItem(REMEMBERED_NETWORK_KEY);
    state.takeNode();
    state.start();
    await settled(state, 'connected');
    expect(storage.getItem(REMEMBERED_NETWORK_KEY)).toBeNull();
    state.stop();
  });

  it('is asked for once when starts overlap while it is on its way', async () => {
    const { state, requests } = harness(serve(200, HOST_JSON));
    state.start();
    state.start();
    state.start();
    await settled(state, 'connected');
    expect(requests).toHaveLength(1);
    state.stop();
  });

  it('is remembered on the device once it loaded, and used with a reason when the host is down', async () => {
    const storage = new MemoryStorage();
    const first = harness(serve(200, HOST_JSON), storage);
    first.state.start();
    await settled(first.state, 'connected');
    first.state.stop();
    expect(storage.getItem(REMEMBERED_NETWORK_KEY)).not.toBeNull();

    // The next page load: the host does not answer.
    const next = harness(offline, storage);
    next.state.start();
    await settled(next.state, 'connected');
    expect(next.started.map((p) => [p.name, p.bootstrap])).toEqual([['Home', [WS]]]);
    expect(next.state.source).toBe('remembered');
    expect(next.state.hostFallback).toBe('remembered');
    expect(next.state.hostProblem).toEqual({ kind: 'unreachable' });
    next.state.stop();
  });

  it('leaves the network unchosen, starting no node, when it is malformed and nothing is remembered', async () => {
    const { state, requests, started } = harness(serve(200, '{"name": 1}'));
    state.start();
    await settled(state, 'choose');
    expect(state.profile).toBeUndefined();
    expect(state.source).toBeUndefined();
    expect(state.hostFallback).toBe('ask');
    expect(state.hostProblem).toEqual({
      kind: 'invalid',
      detail: '"name" must be a non-empty string of at most 100 chars'
    });
    expect(state.takeNode()).toBeUndefined();
    expect(started).toEqual([]);

    // The user chooses the public network: for this page load, still saying why.
    state.usePublic();
    await settled(state, 'connected');
    expect(started.map((p) => p.profile)).toEqual(['public']);
    expect(state.source).toBe('public');
    expect(state.hostFallback).toBe('public');
    expect(state.hostProblem?.kind).toBe('invalid');
    expect(requests).toHaveLength(1);
    state.stop();
  });

  it('is asked for again when the user tries again after it failed', async () => {
    let answer = offline;
    const { state, requests } = harness(() => answer());
    state.start();
    await settled(state, 'choose');
    answer = serve(200, HOST_JSON);
    await state.retryHost();
    await settled(state, 'connected');
    expect(requests).toHaveLength(2);
    expect(state.source).toBe('network.json');
    expect(state.hostProblem).toBeUndefined();
    expect(state.hostFallback).toBeUndefined();
    state.stop();
  });

  it('gives the public network without a word when the host serves none and none is remembered', async () => {
    const { state, started } = harness(serve(404));
    state.start();
    await settled(state, 'connected');
    expect(started.map((p) => p.profile)).toEqual(['public']);
    expect(state.hostProblem).toBeUndefined();
    expect(state.hostFallback).toBeUndefined();
    state.stop();
  });
});
