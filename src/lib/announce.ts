/**
 * What changed in the participant list, as events the call screen announces (a polite live
 * region: "X joined", "X left", "X muted their microphone"). Pure, so it is tested in Node.
 */
import type { ParticipantSnapshot } from '$p2p/call/types.ts';

export type ParticipantChange = {
  readonly kind: 'joined' | 'left' | 'muted' | 'unmuted';
  readonly peerId: string;
};

/** In the call: admitted, connected, or back after a drop. */
const present = (p: ParticipantSnapshot | undefined) =>
  p !== undefined && (p.state === 'admitted' || p.state === 'direct' || p.state === 'reconnecting');

/**
 * The changes from one participant list to the next, in the next list's order: someone who is
 * now in the call and was not (joined), someone who is now `left` or gone from the list after
 * being in it (left), a microphone that went off or on (only for someone in the call both times,
 * and only once their state is known: the first MediaState is not news).
 *
 * @example
 * participantChanges([], [{ peerId: 'a', state: 'direct' }]) // [{ kind: 'joined', peerId: 'a' }]
 */
export function participantChanges(
  before: readonly ParticipantSnapshot[],
  after: readonly ParticipantSnapshot[]
): ParticipantChange[] {
  const previous = new Map(before.map((p) => [p.peerId, p]));
  const changes: ParticipantChange[] = [];
  for (const now of after) {
    const then = previous.get(now.peerId);
    if (present(now) && !present(then)) {
      changes.push({ kind: 'joined', peerId: now.peerId });
    } else if (!present(now) && present(then)) {
      changes.push({ kind: 'left', peerId: now.peerId });
    } else if (present(now) && then?.media !== undefined && now.media !== undefined) {
      if (then.media.audio && !now.media.audio) {
        changes.push({ kind: 'muted', peerId: now.peerId });
      } else if (!then.media.audio && now.media.audio) {
        changes.push({ kind: 'unmuted', peerId: now.peerId });
      }
    }
  }
  const current = new Set(after.map((p) => p.peerId));
  for (const then of before) {
    if (!current.has(then.peerId) && present(then)) {
      changes.push({ kind: 'left', peerId: then.peerId });
    }
  }
  return changes;
}
