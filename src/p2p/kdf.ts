/**
 * The room-secret KDF off the main thread. argon2id with 64 MiB takes up to a second, which would
 * freeze the page; in a browser it runs in a module Web Worker, one per derivation, terminated
 * after, so its 64 MiB (and the passphrase-dependent blocks in it) go with it. In Node (tests,
 * tools) there is no page to freeze, and it runs inline.
 */
import type { AbortOptions } from '@libp2p/interface';
// Not keys.ts: it brings hash-wasm, which belongs in the worker's chunk, not the start page's.
import { KEY_LENGTH } from './constants.ts';
import { AbortedError, KeyDerivationError } from './errors.ts';
import { normalisePassphrase } from './passphrase.ts';

/** A message from the page to the KDF worker. */
export type KdfRequest =
  /** Load hash-wasm and compile its WebAssembly now, so a later derivation starts at once. */
  | { type: 'warm' }
  /** Derive the room secret from a normalised passphrase's UTF-8 bytes (transferred). */
  | { type: 'derive'; password: Uint8Array };

/** A message from the KDF worker to the page. */
export type KdfResponse =
  /** The warm-up is done (or failed: a failure shows again, and is reported, at derivation). */
  | { type: 'ready' }
  /** The room secret (transferred). */
  | { type: 'derived'; secret: Uint8Array }
  /** argon2id threw; the page rejects with KeyDerivationError. */
  | { type: 'failed'; message: string };

/** A worker that was started and warmed before anyone needed it. */
interface WarmWorker {
  worker: Worker;
  /** Settles when the warm-up is over, or when the worker is taken or discarded. */
  ready: Promise<void>;
  /** Detaches the warm-up's listeners and settles `ready`; called when a derivation takes it. */
  release(): void;
}

/** At most one idle, warmed worker, waiting for the first Join; taken by the next derivation. */
let warm: WarmWorker | undefined;

const utf8 = new TextEncoder();

/**
 * Whether derivations run in a Web Worker: in a browser page, not in Node or in a worker itself.
 */
function inBrowserPage(): boolean {
  return typeof Worker !== 'undefined' && typeof window !== 'undefined';
}

function startWorker(): Worker {
  // Vite's pattern: it bundles kdf.worker.ts (and hash-wasm) into a separate module chunk.
  return new Worker(new URL('./kdf.worker.ts', import.meta.url), { type: 'module' });
}

/**
 * Derives the room secret exactly as `deriveRoomSecret` (keys.ts) does, without blocking the page:
 * in a browser it runs in a Web Worker (a warmed one if {@link warmKdf} made one), which is
 * terminated when it answers or when `signal` aborts. In Node it calls `deriveRoomSecret`.
 *
 * @throws {EmptyPassphraseError} / {PassphraseTooLongError} from normalisation
 * @throws {AbortedError} when `signal` aborts (the worker is terminated at once)
 * @throws {KeyDerivationError} when argon2id or the worker fails
 * @example
 * const controller = new AbortController()
 * const roomSecret = await deriveRoomSecretOffThread(passphrase, { signal: controller.signal })
 */
export async function deriveRoomSecretOffThread(
  passphrase: string,
  { signal }: AbortOptions = {}
): Promise<Uint8Array> {
  if (!inBrowserPage()) {
    const { deriveRoomSecret } = await import('./keys.ts');
    return deriveRoomSecret(passphrase, { signal });
  }

  const password = utf8.encode(normalisePassphrase(passphrase));
  if (signal?.aborted === true) {
    password.fill(0);
    throw new AbortedError('aborted', { cause: signal.reason });
  }
  const taken = warm;
  warm = undefined;
  taken?.release();
  const worker = taken?.worker ?? startWorker();

  return new Promise<Uint8Array>((resolve, reject) => {
    const finish = (): void => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onMessageError);
      signal?.removeEventListener('abort', onAbort);
      worker.terminate();
    };
    const onMessage = (event: MessageEvent<KdfResponse | undefined>): void => {
      const response = event.data;
      if (response?.type === 'ready') return; // the warm-up, finishing after this worker was taken
      finish();
      if (response?.type === 'derived' && isKey(response.secret)) {
        resolve(response.secret);
      } else {
        const message = response?.type === 'failed' ? response.message : 'malformed reply';
        reject(new KeyDerivationError(`the KDF worker failed: ${message}`));
      }
    };
    const onError = (event: ErrorEvent): void => {
      finish();
      reject(new KeyDerivationError(`the KDF worker failed: ${event.message}`, { cause: event }));
    };
    const onMessageError = (event: MessageEvent): void => {
      finish();
      reject(
        new KeyDerivationError('the KDF worker sent a message that does not decode', {
          cause: event
        })
      );
    };
    const onAbort = (): void => {
      finish();
      reject(new AbortedError('aborted', { cause: signal?.reason }));
    };

    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', onMessageError);
    signal?.addEventListener('abort', onAbort, { once: true });
    const request: KdfRequest = { type: 'derive', password };
    worker.postMessage(request, [password.buffer]); // moved, not copied: no copy left here
  });
}

/**
 * Starts a KDF worker ahead of time and has it load hash-wasm and compile its WebAssembly, so the
 * first Join does not wait for that. The start page calls it when it opens; the next derivation
 * takes the warmed worker. Calling it again while one is waiting does nothing; aborting `signal`
 * terminates a worker that has not been taken yet. In Node it does nothing.
 *
 * Never rejects: a failed warm-up only means the derivation starts its own worker, and reports the
 * failure there.
 *
 * @example
 * void warmKdf({ signal: startPage.signal })
 */
export function warmKdf({ signal }: AbortOptions = {}): Promise<void> {
  if (!inBrowserPage() || signal?.aborted === true) return Promise.resolve();
  if (warm !== undefined) return warm.ready;

  const worker = startWorker();
  let settle = (): void => {};
  const ready = new Promise<void>((resolve) => (settle = resolve));
  const release = (): void => {
    worker.removeEventListener('message', release);
    worker.removeEventListener('error', discard);
    signal?.removeEventListener('abort', discard);
    settle();
  };
  const discard = (): void => {
    if (warm?.worker === worker) {
      warm = undefined;
      worker.terminate();
    }
    release();
  };
  worker.addEventListener('message', release); // 'ready': it stays, warm, until taken
  worker.addEventListener('error', discard); // it did not load: the next derivation starts anew
  signal?.addEventListener('abort', discard, { once: true });
  warm = { worker, ready, release };
  const request: KdfRequest = { type: 'warm' };
  worker.postMessage(request);
  return ready;
}

function isKey(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === KEY_LENGTH;
}
