import { describe, expect, it } from 'vitest';
import { Settings } from '../../src/lib/state/settings.svelte.ts';

/** localStorage's interface over a Map. */
class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  clear(): void {
    this.#items.clear();
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, value);
  }
}

const KEY = 'samen.settings.v1';

describe('Settings: media path', () => {
  it('is direct only by default', () => {
    expect.hasAssertions();
    expect(new Settings(new MemoryStorage()).mediaPath).toBe('direct');
    expect(new Settings(undefined).mediaPath).toBe('direct');
  });

  it('remembers "always relay" across a reload, beside the other settings', () => {
    expect.hasAssertions();
    const storage = new MemoryStorage();
    new Settings(storage).save({
      network: { kind: 'public' },
      stun: { kind: 'off' },
      mediaPath: 'relay'
    });
    const stored = JSON.parse(storage.getItem(KEY) ?? '{}') as Record<string, unknown>;
    expect(stored).toEqual({
      version: 1,
      network: { kind: 'public' },
      stun: { kind: 'off' },
      mediaPath: 'relay'
    });
    const again = new Settings(storage);
    expect(again.mediaPath).toBe('relay');
    expect(again.network).toEqual({ kind: 'public' });
    // Saving the other settings alone keeps the choice.
    again.save({ network: { kind: 'auto' }, stun: { kind: 'default' } });
    expect(new Settings(storage).mediaPath).toBe('relay');
  });

  it('reads an entry from before the setting existed, or a damaged one, as direct', () => {
    expect.hasAssertions();
    const storage = new MemoryStorage();
    storage.setItem(
      KEY,
      JSON.stringify({ version: 1, network: { kind: 'public' }, stun: { kind: 'off' } })
    );
    const old = new Settings(storage);
    expect(old.mediaPath).toBe('direct');
    expect(old.network).toEqual({ kind: 'public' });
    storage.setItem(
      KEY,
      JSON.stringify({
        version: 1,
        network: { kind: 'public' },
        stun: { kind: 'off' },
        mediaPath: 'everywhere'
      })
    );
    expect(new Settings(storage).mediaPath).toBe('direct');
  });
});
