/**
 * What a call does with each kind of session message (session.proto's `oneof body`): one
 * handler per kind, as kad-dht's rpc/handlers do, so that a new message is one new entry here
 * and the compiler says when one is missing. A handler that throws a SamenError (or anything
 * else, taken as a malformed message) closes that participant's session with it.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { MalformedMessageError } from '../errors.ts';
import type { SessionBodyKind, SessionMessage } from '../protocols/session/index.ts';
import type { PeerLink, PeerLinkContext } from './peer-link.ts';

export type SessionHandler<K extends SessionBodyKind> = (
  link: PeerLink,
  body: NonNullable<SessionMessage[K]>,
  context: PeerLinkContext
) => void;

export const SESSION_HANDLERS: { readonly [K in SessionBodyKind]: SessionHandler<K> } = {
  // Everyone tells everyone whom they are connected to: that is how a group meshes fully.
  roster: (link, { peers }, context) => context.roster(link, peers),

  bye: (link, _bye, context) => context.bye(link),

  // Nothing is shown any more: a call is never locked by failed guesses now (admit/limits.ts).
  notice: (link, { kind }, context) => context.log('notice %s from %s', kind, link.key),

  mediaHello: (link, mediaHello) => link.onMediaMessage(mediaHello.generation, { mediaHello }),

  mediaSignal: (link, mediaSignal) => link.onMediaMessage(mediaSignal.generation, { mediaSignal }),

  mediaClose: (link, { generation }) => link.onMediaClose(generation),

  mediaState: (link, state) => link.onMediaState(state),

  chat: (link, { link: chatLink, seq, text }) => link.onChat(chatLink, Number(seq), text),

  chatAck: (link, { link: chatLink, seq }) => link.onChatAck(chatLink, Number(seq))
};

/** A roster entry's peer ID. @throws {MalformedMessageError} when it is not one */
export function rosterPeerId(text: string): PeerId {
  try {
    return peerIdFromString(text);
  } catch (err) {
    throw new MalformedMessageError('a roster entry with a bad peer ID', { cause: err });
  }
}

/** A roster entry's address. @throws {MalformedMessageError} when it is not a multiaddr */
export function rosterAddress(text: string): Multiaddr {
  try {
    return multiaddr(text);
  } catch (err) {
    throw new MalformedMessageError('a roster entry with a bad address', { cause: err });
  }
}
