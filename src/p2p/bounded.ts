/**
 * Per-peer bookkeeping that a stranger cannot grow without end: every peer ID is free to make,
 * so a map keyed by them keeps at most a fixed number of entries and forgets the oldest first
 * (a Map iterates in insertion order; an entry set again moves to the end).
 */

/**
 * Sets `key` in `map` as the newest entry, dropping the oldest beyond `max`.
 *
 * @example
 * const failed = new Map<string, number>()
 * remember(failed, peerId, 1, 256)
 */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    map.delete(map.keys().next().value as K);
  }
}
