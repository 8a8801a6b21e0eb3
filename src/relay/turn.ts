/**
 * A Samen node beside a TURN server: it mints the TURN server's time-limited credentials for the
 * peers connected to it (`/samen/turn/1.0.0`, src/p2p/protocols/turn/index.ts), from the secret
 * coturn's `use-auth-secret` checks them with.
 */
import { createHmac } from 'node:crypto';
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { remember } from '../p2p/bounded.ts';
import { TURN_PROTOCOL } from '../p2p/constants.ts';
import {
  MAX_TURN_CREDENTIAL_TTL_S,
  TURN_MAX_MESSAGE_BYTES,
  TURN_TIMEOUT_MS,
  encodeTurnCredentials,
  type TurnLogin
} from '../p2p/protocols/turn/index.ts';

/** Credentials live this long by default: a call's worth, and never days. */
export const DEFAULT_TURN_TTL_S = 6 * 3600;

/** Requests one peer may make per TURN_RATE_WINDOW_MS: a browser asks once per call or renewal. */
export const TURN_REQUESTS_PER_PEER = 3;
export const TURN_RATE_WINDOW_MS = 60_000;

/** Peers whose recent requests are remembered; the oldest is forgotten first beyond this. */
export const MAX_TRACKED_PEERS = 4096;

/** Streams answered at once on one connection: a browser needs one. */
export const TURN_MAX_INBOUND_STREAMS = 4;

export interface TurnOptions {
  /** coturn's `static-auth-secret`, as written in its configuration. */
  readonly secret: string;
  /** How long credentials live, in seconds (at most MAX_TURN_CREDENTIAL_TTL_S). */
  readonly ttlSeconds: number;
}

/**
 * Time-limited TURN credentials for a shared secret, coturn's TURN REST API scheme: username
 * "<expiry>:<label>", password base64(HMAC-SHA1(secret, username)). Anyone holding the secret
 * can mint them, coturn checks them without a database, and they stop working at the expiry.
 *
 * @example
 * const { username, credential } = mintTurnCredentials(secret, { ttlSeconds: 600 })
 */
export function mintTurnCredentials(
  secret: string,
  options: { ttlSeconds: number; label?: string; nowSeconds?: number }
): TurnLogin {
  if (secret.length === 0) {
    throw new TypeError('the TURN secret must not be empty');
  }
  // Negative makes expired credentials, which tests need; the node's option is checked apart.
  if (!Number.isInteger(options.ttlSeconds)) {
    throw new RangeError(`ttlSeconds must be a whole number, not ${options.ttlSeconds}`);
  }
  const label = options.label ?? 'samen';
  if (label.includes(':')) {
    throw new TypeError('the label must not contain ":", which separates it from the expiry');
  }
  const expiresAt = (options.nowSeconds ?? Math.floor(Date.now() / 1000)) + options.ttlSeconds;
  const username = `${expiresAt}:${label}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

/** Counts each peer's requests over the last TURN_RATE_WINDOW_MS, for a bounded set of peers. */
export class TurnRequestLimiter {
  readonly #recent = new Map<string, number[]>();

  /** Counts one more request of `peer` at `now` if it is within the limit. */
  allow(peer: PeerId, now = Date.now()): boolean {
    const key = peer.toString();
    const times = (this.#recent.get(key) ?? []).filter((t) => now - t < TURN_RATE_WINDOW_MS);
    const allowed = times.length < TURN_REQUESTS_PER_PEER;
    // The newest entry: the peer heard from longest ago is the one forgotten.
    remember(this.#recent, key, allowed ? [...times, now] : times, MAX_TRACKED_PEERS);
    return allowed;
  }
}

/**
 * Serves `/samen/turn/1.0.0` on `node`: each peer connected to it gets credentials, at most
 * TURN_REQUESTS_PER_PEER a minute; a request beyond that has its stream reset.
 */
export async function serveTurnCredentials(
  node: Pick<Libp2p, 'handle'>,
  options: TurnOptions,
  log: { verbose?: (message: string) => void } = {}
): Promise<void> {
  if (options.ttlSeconds > MAX_TURN_CREDENTIAL_TTL_S) {
    throw new RangeError(`TURN credentials may live ${MAX_TURN_CREDENTIAL_TTL_S} s at most`);
  }
  const limiter = new TurnRequestLimiter();
  await node.handle(
    TURN_PROTOCOL,
    async (stream: Stream, connection) => {
      const peer = connection.remotePeer;
      if (!limiter.allow(peer)) {
        log.verbose?.(`TURN credentials refused to ${peer}: over the rate limit`);
        stream.abort(new Error('TURN credentials rate limit'));
        return;
      }
      const signal = AbortSignal.timeout(TURN_TIMEOUT_MS);
      try {
        const { username, credential, expiresAt } = mintTurnCredentials(options.secret, {
          ttlSeconds: options.ttlSeconds
        });
        await lpStream(stream, { maxDataLength: TURN_MAX_MESSAGE_BYTES }).write(
          encodeTurnCredentials({ username, credential, expires: expiresAt }),
          { signal }
        );
        await stream.close({ signal });
        log.verbose?.(`TURN credentials for ${peer}, until ${expiresAt}`);
      } catch (err) {
        stream.abort(err as Error);
      }
    },
    { maxInboundStreams: TURN_MAX_INBOUND_STREAMS }
  );
}
