import { describe, expect, it } from 'vitest';
import { PwaState } from '../../src/lib/state/pwa.svelte.ts';

describe('PwaState: the update prompt', () => {
  it('stays away after Later when the same waiting version is announced again (Workbox announces it twice)', () => {
    const pwa = new PwaState();
    pwa.offerUpdate(); // vite-plugin-pwa on `installed` (an "external" update)
    expect(pwa.needRefresh).toBe(true);
    pwa.dismiss(); // Later
    expect(pwa.needRefresh).toBe(false);
    pwa.offerUpdate(); // the same worker's `waiting`, 200 ms later
    expect(pwa.needRefresh).toBe(false);
  });

  it('closing the offline note does not put off an update offered afterwards', () => {
    const pwa = new PwaState();
    pwa.dismiss();
    pwa.offerUpdate();
    expect(pwa.needRefresh).toBe(true);
  });
});
