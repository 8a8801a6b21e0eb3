import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { deriveRoomSecretOffThread, warmKdf } from '../../src/p2p/kdf.ts';
import { deriveRoomSecret } from '../../src/p2p/keys.ts';

// In Node there is no page to keep responsive: these check the inline path. The Web Worker path
// needs a browser.
describe('deriveRoomSecretOffThread', () => {
  it('derives the same secret as deriveRoomSecret in Node', async () => {
    const passphrase = 'unwashed gravel prune sleet stoppable';
    const [offThread, inline] = await Promise.all([
      deriveRoomSecretOffThread(passphrase),
      deriveRoomSecret(passphrase)
    ]);
    expect(offThread).toHaveLength(32);
    expect(bytesToHex(offThread)).toBe(bytesToHex(inline));
  });

  it('rejects with AbortError when the signal is already aborted', async () => {
    await expect(
      deriveRoomSecretOffThread('correct horse', { signal: AbortSignal.abort() })
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects an empty passphrase with EmptyPassphraseError', async () => {
    await expect(deriveRoomSecretOffThread('')).rejects.toMatchObject({
      name: 'EmptyPassphraseError'
    });
  });
});

describe('warmKdf', () => {
  it('resolves without starting anything in Node', async () => {
    await expect(warmKdf()).resolves.toBeUndefined();
  });
});
