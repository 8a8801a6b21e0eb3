/**
 * Test support: localStorage's interface over a Map, for state that reads and writes settings.
 * `broken` makes it throw as storage does when the browser refuses it (Safari's private mode
 * did, and a full quota does).
 */
export class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();

  constructor(readonly broken = false) {}

  get length(): number {
    return this.#items.size;
  }
  clear(): void {
    this.#items.clear();
  }
  getItem(key: string): string | null {
    if (this.broken) throw new DOMException('denied', 'SecurityError');
    return this.#items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  setItem(key: string, value: string): void {
    if (this.broken) throw new DOMException('denied', 'QuotaExceededError');
    this.#items.set(key, value);
  }
}
