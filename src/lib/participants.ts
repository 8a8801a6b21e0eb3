/**
 * How the UI names participants and their states, in the page's language: one place for the
 * tile, the People panel, the chat, the announcements and the self view.
 */
import { m } from '$lib/paraglide/messages.js';
import type { ParticipantState } from '$p2p/call/types.ts';

/** The last characters of a peer ID: enough to tell participants apart. */
export function shortPeerId(peerId: string): string {
  return peerId.slice(-6);
}

/** "Participant 4kXq9Z": someone in the call. */
export function participantName(peerId: string): string {
  return m.participant_name({ short: shortPeerId(peerId) });
}

/** "You (4kXq9Z)": this device. */
export function selfName(peerId: string): string {
  return m.participant_you({ short: shortPeerId(peerId) });
}

/** What each participant state reads as. */
export const PARTICIPANT_STATES: Record<ParticipantState, () => string> = {
  connecting: m.participant_state_connecting,
  admitted: m.participant_state_admitted,
  direct: m.participant_state_direct,
  reconnecting: m.participant_state_reconnecting,
  left: m.participant_state_left
};
