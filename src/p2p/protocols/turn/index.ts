/**
 * TURN credentials from the network's own nodes, `/samen/turn/1.0.0`.
 *
 * A TURN server must not be open to anyone (it would relay anybody's traffic on its operator's
 * bill), and a password in network.json is open to anyone who loads the file. So an operator who
 * runs coturn with `use-auth-secret` gives the same secret to their `samen-node`, and lists the
 * TURN URLs in network.json's `turnFromNodes`. A browser connected to one of those nodes opens
 * this protocol; the node answers with credentials that expire (username "<expiry>:samen",
 * password base64(HMAC-SHA1(secret, username)), coturn's TURN REST API scheme) and ends the
 * stream. No server of ours is involved, the secret never leaves the operator's machines, and a
 * credential that leaks stops working at its expiry.
 *
 * The node says only who may use the TURN server and until when; where the TURN server is comes
 * from network.json, so a node cannot send anyone's media elsewhere.
 *
 * The answer is one length-prefixed JSON object, `{"username", "credential", "expires"}`: a
 * message this small needs no schema compiler, and samen-node runs under Node's type stripping,
 * which cannot load protons' generated code. It is read as strictly as any other message.
 *
 * @module
 */
import type { AbortOptions, Connection } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { TURN_PROTOCOL } from '../../constants.ts';
import { MalformedMessageError, TurnUnavailableError } from '../../errors.ts';
import { toStreamError } from '../stream-errors.ts';

/** The node's answer, as sent. */
export interface TurnCredentials {
  /** "<expiry in Unix seconds>:<label>" (coturn's TURN REST API scheme). */
  readonly username: string;
  /** base64(HMAC-SHA1(the TURN server's shared secret, username)). */
  readonly credential: string;
  /** The expiry in the username, in Unix seconds. */
  readonly expires: number;
}

/** A TurnCredentials message is under 100 bytes; this leaves room and nothing more. */
export const TURN_MAX_MESSAGE_BYTES = 512;

/** The node answers at once; a stream that takes longer than this is given up. */
export const TURN_TIMEOUT_MS = 5_000;

/**
 * The longest lifetime a browser accepts: credentials are meant to expire within hours, and one
 * that claims more is a misconfigured or hostile node.
 */
export const MAX_TURN_CREDENTIAL_TTL_S = 2 * 86_400;

/** "<expiry>:<label>": the expiry in Unix seconds, then a short label (coturn's REST scheme). */
const USERNAME = /^(\d{1,12}):[A-Za-z0-9._-]{1,32}$/;

/** base64 of an HMAC-SHA1: 20 bytes, 28 characters with padding. */
const CREDENTIAL = /^[A-Za-z0-9+/]{27}=$/;

/** Credentials as the app uses them, checked. */
export interface TurnLogin {
  readonly username: string;
  readonly credential: string;
  /** When the TURN server stops accepting them, in Unix seconds. */
  readonly expiresAt: number;
}

/**
 * Checks a node's answer: a well-formed REST username whose expiry is the one stated, in the
 * future and within {@link MAX_TURN_CREDENTIAL_TTL_S}, and an HMAC-SHA1-sized credential.
 *
 * @throws {MalformedMessageError} naming what does not fit.
 */
export function checkTurnCredentials(
  message: TurnCredentials,
  nowSeconds = Math.floor(Date.now() / 1000)
): TurnLogin {
  const match = USERNAME.exec(message.username);
  if (match === null) {
    throw new MalformedMessageError('TURN username is not "<expiry>:<label>"');
  }
  const expiresAt = Number(match[1]);
  if (expiresAt !== message.expires) {
    throw new MalformedMessageError('TURN username and expiry disagree');
  }
  if (expiresAt <= nowSeconds || expiresAt > nowSeconds + MAX_TURN_CREDENTIAL_TTL_S) {
    throw new MalformedMessageError('TURN credentials expired or too long-lived');
  }
  if (!CREDENTIAL.test(message.credential)) {
    throw new MalformedMessageError('TURN credential is not a base64 HMAC-SHA1');
  }
  return { username: message.username, credential: message.credential, expiresAt };
}

/** The bytes of an answer. */
export function encodeTurnCredentials(message: TurnCredentials): Uint8Array {
  const { username, credential, expires } = message;
  return utf8ToBytes(JSON.stringify({ username, credential, expires }));
}

/**
 * An answer's fields, from its bytes: a JSON object with two strings and a whole number (other
 * keys are ignored); {@link checkTurnCredentials} then checks what they say.
 *
 * @throws {MalformedMessageError} when it is not that.
 */
export function decodeTurnCredentials(bytes: Uint8Array): TurnCredentials {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new MalformedMessageError('TURN credentials that are not JSON', { cause });
  }
  const { username, credential, expires } = (value ?? {}) as Record<string, unknown>;
  if (
    typeof username !== 'string' ||
    typeof credential !== 'string' ||
    typeof expires !== 'number' ||
    !Number.isSafeInteger(expires)
  ) {
    throw new MalformedMessageError('TURN credentials without a username, credential and expiry');
  }
  return { username, credential, expires };
}

/**
 * Asks the node at the other end of `connection` for TURN credentials.
 *
 * @throws {MalformedMessageError} when the answer does not fit (checkTurnCredentials).
 * @throws {ProtocolTimeoutError} after TURN_TIMEOUT_MS; {AbortedError} when `signal` aborts.
 * @throws {TurnUnavailableError} when the node serves no credentials or refuses (rate limit).
 * @example
 * const login = await requestTurnCredentials(connectionToOurNode)
 */
export async function requestTurnCredentials(
  connection: Connection,
  options: AbortOptions = {}
): Promise<TurnLogin> {
  const deadline = AbortSignal.timeout(TURN_TIMEOUT_MS);
  const signal =
    options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  try {
    const stream = await connection.newStream(TURN_PROTOCOL, { signal });
    try {
      const messages = lpStream(stream, { maxDataLength: TURN_MAX_MESSAGE_BYTES });
      const answer = decodeTurnCredentials((await messages.read({ signal })).subarray());
      await stream.close({ signal });
      return checkTurnCredentials(answer);
    } catch (err) {
      stream.abort(err as Error);
      throw err;
    }
  } catch (err) {
    const error = toStreamError(err, 'turn', { caller: options.signal, deadline });
    if (error === undefined || error.name === 'SamenError') {
      throw new TurnUnavailableError('the node gave no TURN credentials', { cause: err });
    }
    throw error;
  }
}
