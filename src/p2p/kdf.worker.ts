/**
 * The KDF worker (started by kdf.ts): runs argon2id for one derivation, then the page terminates
 * it. Imports only keys.ts's argon2id path; never kdf.ts, which would start a worker from inside
 * a worker.
 */
import type { KdfRequest, KdfResponse } from './kdf.ts';
import { roomSecretFromNormalised, runArgon2id } from './keys.ts';

/**
 * argon2id at its cheapest (8 KiB, hash-wasm's minimum for one lane; one pass): running it makes
 * hash-wasm load and compile its WebAssembly, which a later derivation in this worker reuses.
 * Measured in headless Chromium (a fresh browser each time): the first derivation took 265–287 ms
 * cold and 226–242 ms warmed, before any network time for the chunk; warming with 4 MiB did no
 * better.
 */
const WARM_UP_PARAMS = { memorySize: 8, iterations: 1, parallelism: 1, hashLength: 32 } as const;
const WARM_UP_INPUT = new Uint8Array(8); // argon2 needs a salt of 8 bytes or more (RFC 9106 §3.1)

const scope = globalThis as unknown as DedicatedWorkerGlobalScope;

/** Messages are handled one at a time, in order: a derivation waits for the warm-up. */
let queue: Promise<void> = Promise.resolve();

scope.addEventListener('message', (event: MessageEvent<KdfRequest>) => {
  const request = event.data;
  queue = queue.then(() => handle(request));
});

async function handle(request: KdfRequest): Promise<void> {
  if (request.type === 'warm') {
    // A failure here shows again at derivation, which reports it.
    await runArgon2id(WARM_UP_INPUT, WARM_UP_INPUT, WARM_UP_PARAMS).catch(() => undefined);
    reply({ type: 'ready' });
    return;
  }
  if (request.type !== 'derive' || !(request.password instanceof Uint8Array)) {
    reply({ type: 'failed', message: 'malformed request' });
    return;
  }
  try {
    const result = await roomSecretFromNormalised(request.password);
    // A fresh buffer of exactly 32 bytes to transfer, never a view of hash-wasm's memory.
    const secret = new Uint8Array(result);
    result.fill(0);
    reply({ type: 'derived', secret }, [secret.buffer]);
  } catch (err) {
    reply({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  } finally {
    request.password.fill(0);
  }
}

function reply(response: KdfResponse, transfer: Transferable[] = []): void {
  scope.postMessage(response, transfer);
}
