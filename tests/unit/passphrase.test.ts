import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BITS_PER_WORD,
  MAX_PASSPHRASE_LENGTH,
  MAX_PIN_LENGTH,
  WEAK_PASSPHRASE_BITS,
  estimateStrength,
  generatePassphrase,
  normalisePassphrase,
  normalisePin
} from '../../src/p2p/passphrase.ts';
import { EFF_LARGE_WORDLIST } from '../../src/p2p/wordlist/eff-large.ts';

/** The name of what `fn` throws, so tests assert on names (STYLE.md), never on messages. */
function thrownName(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).name;
  }
  return 'nothing thrown';
}

const WORDS = new Set(EFF_LARGE_WORDLIST);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('EFF_LARGE_WORDLIST', () => {
  it('holds 7776 unique lowercase words from "abacus" to "zoom"', () => {
    expect(EFF_LARGE_WORDLIST).toHaveLength(7776);
    expect(WORDS.size).toBe(7776);
    expect(EFF_LARGE_WORDLIST[0]).toBe('abacus');
    expect(EFF_LARGE_WORDLIST[7775]).toBe('zoom');
    expect(EFF_LARGE_WORDLIST.every((word) => /^[a-z]+(-[a-z]+)*$/.test(word))).toBe(true);
    expect(Object.isFrozen(EFF_LARGE_WORDLIST)).toBe(true);
  });
});

describe('normalisePassphrase', () => {
  it('maps fullwidth letters, ligatures and compatibility characters to plain ones (NFKC)', () => {
    expect(normalisePassphrase('ｃｏｒｒｅｃｔ ＨＯＲＳＥ')).toBe('correct horse');
    expect(normalisePassphrase('ﬁve ﬂags')).toBe('five flags');
    expect(normalisePassphrase('Ⅻ \u212Aelvin')).toBe('xii kelvin');
    expect(normalisePassphrase('cafe\u0301')).toBe('café');
  });

  it('collapses every run of Unicode whitespace to one space and trims the ends', () => {
    const typed = ' \tcorrect\r\n\nhorse\u00a0\u00a0battery\u3000staple\u2028\u0085 ';
    expect(normalisePassphrase(typed)).toBe('correct horse battery staple');
    expect(normalisePassphrase('a\u2003\u202f\u205fb\u0085c\u000bd')).toBe('a b c d');
  });

  it('lowercases the same way in every locale, Turkish dotted and dotless I included', () => {
    expect(normalisePassphrase('KIRMIZI')).toBe('kirmizi');
    // What a locale-aware lowercase would give on a Turkish device:
    expect('KIRMIZI'.toLocaleLowerCase('tr')).toBe('kırmızı');
    expect(normalisePassphrase('İSTANBUL')).toBe('i\u0307stanbul');
    expect(normalisePassphrase('ıi')).toBe('ıi');
  });

  it('returns its own output unchanged (idempotent)', () => {
    for (const typed of ['  Ｃorrect\u00a0HORSE\tbattery ', 'İSTANBUL ﬁve', 'Straße ΣΊΣΥΦΟΣ']) {
      const once = normalisePassphrase(typed);
      expect(normalisePassphrase(once)).toBe(once);
    }
  });

  it('throws EmptyPassphraseError when nothing but whitespace is left', () => {
    expect(thrownName(() => normalisePassphrase(''))).toBe('EmptyPassphraseError');
    expect(thrownName(() => normalisePassphrase(' \t\n\u00a0\u3000 '))).toBe(
      'EmptyPassphraseError'
    );
  });

  it('throws PassphraseTooLongError over 1024 code points, counted after normalisation', () => {
    expect(MAX_PASSPHRASE_LENGTH).toBe(1024);
    expect(normalisePassphrase('a'.repeat(1024))).toHaveLength(1024);
    expect(thrownName(() => normalisePassphrase('a'.repeat(1025)))).toBe('PassphraseTooLongError');
    // 1024 emoji are 2048 UTF-16 code units but 1024 code points: allowed.
    expect(normalisePassphrase('😀'.repeat(1024))).toHaveLength(2048);
    expect(thrownName(() => normalisePassphrase('😀'.repeat(1025)))).toBe('PassphraseTooLongError');
    expect(normalisePassphrase(`a${' '.repeat(5000)}b`)).toBe('a b');
  });

  it('throws TypeError for a value that is not a string', () => {
    expect(() => normalisePassphrase(42 as unknown as string)).toThrow(TypeError);
    expect(() => normalisePassphrase(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('normalisePin', () => {
  it('normalises like a passphrase and allows an empty PIN', () => {
    expect(normalisePin(' ４３２１ ')).toBe('4321');
    expect(normalisePin('Blue\tMoon')).toBe('blue moon');
    expect(normalisePin('')).toBe('');
    expect(normalisePin(' \u00a0 ')).toBe('');
  });

  it('throws PassphraseTooLongError over 64 code points', () => {
    expect(MAX_PIN_LENGTH).toBe(64);
    expect(normalisePin('9'.repeat(64))).toHaveLength(64);
    expect(thrownName(() => normalisePin('9'.repeat(65)))).toBe('PassphraseTooLongError');
  });
});

describe('generatePassphrase', () => {
  it('draws 5 list words by default, joined by single spaces, worth 5 × log2(7776) bits', async () => {
    const { passphrase, bits } = await generatePassphrase();
    const words = passphrase.split(' ');
    expect(words).toHaveLength(5);
    expect(words.every((word) => WORDS.has(word))).toBe(true);
    expect(bits).toBe(5 * Math.log2(7776));
    expect(bits).toBeCloseTo(64.62, 2);
    expect(normalisePassphrase(passphrase)).toBe(passphrase);
  });

  it('draws the number of words asked for', async () => {
    const { passphrase, bits } = await generatePassphrase({ words: 8 });
    expect(passphrase.split(' ')).toHaveLength(8);
    expect(bits).toBe(8 * BITS_PER_WORD);
  });

  it('takes its randomness from crypto.getRandomValues, one Uint32 per word', async () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    await generatePassphrase({ words: 6 });
    expect(spy).toHaveBeenCalled();
    const first = spy.mock.calls[0]?.[0];
    expect(first).toBeInstanceOf(Uint32Array);
    expect(first).toHaveLength(6);
  });

  it('rejects draws ≥ the largest multiple of 7776 below 2^32, and draws again', async () => {
    const limit = 2 ** 32 - (2 ** 32 % 7776); // 4 294 964 736: 552 336 × 7776
    const batches = [
      [limit, 0, 0xffff_ffff, 1, 2], // two rejected, 0, 1, 2 kept
      [limit - 1, 7776 + 3] // the largest draw kept (→ 7775) and 7779 → 3
    ];
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((
      array: Uint32Array
    ) => {
      array.set(batches.shift() ?? []);
      return array;
    }) as typeof crypto.getRandomValues);

    const { passphrase } = await generatePassphrase();
    expect(passphrase).toBe('abacus abdomen abdominal zoom abide');
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy.mock.calls[1]?.[0]).toHaveLength(2); // only the words still missing
  });

  it('throws RangeError for a word count that is not an integer from 1 to 64', async () => {
    for (const words of [0, -1, 1.5, 65, Number.NaN]) {
      await expect(generatePassphrase({ words })).rejects.toThrow(RangeError);
    }
  });

  it('rejects with AbortError when the signal is already aborted', async () => {
    await expect(generatePassphrase({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError'
    });
  });
});

describe('estimateStrength', () => {
  it('rates "password" and "correct horse" weak (zxcvbn estimate)', async () => {
    const password = await estimateStrength('password');
    expect(password).toMatchObject({ weak: true, source: 'estimate' });
    expect(password.bits).toBeLessThan(5);
    const correctHorse = await estimateStrength('correct horse');
    expect(correctHorse).toMatchObject({ weak: true, source: 'estimate' });
    expect(correctHorse.bits).toBeLessThan(WEAK_PASSPHRASE_BITS);
  });

  it('reports a generated 5-word phrase exactly: 5 × log2(7776) bits, not weak', async () => {
    const { passphrase, bits } = await generatePassphrase();
    await expect(estimateStrength(passphrase, { generated: true })).resolves.toEqual({
      bits,
      weak: false,
      source: 'generated'
    });
  });

  it('caps typed list words at words × log2(7776), never raising an estimate to it', async () => {
    // Four list words: zxcvbn's figure is higher, but an attacker trying every 4-word phrase of
    // the list needs at most 7776^4 guesses.
    await expect(estimateStrength('unwashed gravel prune sleet')).resolves.toEqual({
      bits: 4 * BITS_PER_WORD,
      weak: false,
      source: 'estimate'
    });
    // Four chosen list words: zxcvbn sees the repetition, and its lower figure stands.
    const repeated = await estimateStrength('zoom zoom zoom zoom');
    expect(repeated).toMatchObject({ weak: true, source: 'estimate' });
    expect(repeated.bits).toBeLessThan(4 * BITS_PER_WORD);
  });

  it('ignores the generated flag when a word is not in the list', async () => {
    const strength = await estimateStrength('correct horse qqqzzz', { generated: true });
    expect(strength.source).toBe('estimate');
  });

  it('rejects an empty passphrase with EmptyPassphraseError', async () => {
    await expect(estimateStrength(' ')).rejects.toMatchObject({ name: 'EmptyPassphraseError' });
  });

  it('rejects with AbortError when the signal is already aborted', async () => {
    await expect(
      estimateStrength('correct horse', { signal: AbortSignal.abort() })
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
