/**
 * The alerts a call shows, kept so that a stranger cannot multiply them: peer IDs are free to
 * make, so one alert per peer (as before) let anyone with the hourly key fill the page and a
 * set that never shrank. Each kind is shown once at a time with how often it happened; a repeat
 * from the same peer is not counted again; and what was seen is remembered for a bounded number
 * of peers.
 */
import { remember } from '$p2p/bounded.ts';
import type { SecurityEvent } from '$p2p/call/types.ts';

export interface Alert {
  readonly id: number;
  /** A security event, or the `name` of an error: the UI turns either into a sentence. */
  readonly security?: SecurityEvent;
  readonly errorName?: string;
  /** How many peers (or times, for an event about no peer) it stands for; 1 at first. */
  readonly count: number;
}

/** Which (kind, peer) pairs were seen, at most this many: the oldest are forgotten first. */
export const SEEN_ALERTS_KEPT = 256;

/** What an alert is about, whichever peer caused it. */
export function alertKind(alert: Pick<Alert, 'security' | 'errorName'>): string {
  return alert.security?.kind ?? `error:${alert.errorName}`;
}

/**
 * The alerts to show once `alert` happened: unchanged when this peer already caused this kind (or
 * an event about no peer was seen already in this call); the shown alert of its kind counted up;
 * or a new alert with the id `nextId()` gives.
 *
 * @example
 * alerts = withAlert(alerts, seen, { security: { kind: 'intruder', peerId, reason } }, () => id++)
 */
export function withAlert(
  shown: readonly Alert[],
  seen: Map<string, true>,
  alert: Omit<Alert, 'id' | 'count'>,
  nextId: () => number
): readonly Alert[] {
  const kind = alertKind(alert);
  const key =
    alert.security !== undefined && 'peerId' in alert.security
      ? `${kind}:${alert.security.peerId}`
      : kind;
  if (seen.has(key)) {
    return shown;
  }
  remember(seen, key, true, SEEN_ALERTS_KEPT);
  const same = shown.findIndex((other) => alertKind(other) === kind);
  if (same >= 0) {
    return shown.with(same, { ...shown[same]!, count: shown[same]!.count + 1 });
  }
  return [...shown, { id: nextId(), count: 1, ...alert }];
}
