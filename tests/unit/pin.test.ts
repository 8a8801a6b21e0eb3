import { describe, expect, it } from 'vitest';
import { GENERATED_PIN_DIGITS, generatePin, type RandomValues } from '../../src/p2p/pin.ts';

/** A RandomValues that hands out the given 32-bit values in turn. */
function scripted(values: number[]): RandomValues & { calls: number } {
  const source = (array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
    array[0] = values[source.calls++]!;
    return array;
  };
  source.calls = 0;
  return source as RandomValues & { calls: number };
}

describe('generatePin', () => {
  it('makes six digits by default, from the browser’s random source', () => {
    expect.hasAssertions();
    const pins = Array.from({ length: 50 }, () => generatePin());
    expect(GENERATED_PIN_DIGITS).toBe(6);
    for (const pin of pins) {
      expect(pin).toMatch(/^\d{6}$/);
    }
    // 50 draws from a million: a repeat would point at a broken source.
    expect(new Set(pins).size).toBe(50);
  });

  it('keeps leading zeros and takes the value modulo 10^digits', () => {
    expect.hasAssertions();
    expect(generatePin(6, scripted([42]))).toBe('000042');
    expect(generatePin(4, scripted([1_234_567]))).toBe('4567');
  });

  it('draws again above the largest multiple of 10^digits, so every PIN is equally likely', () => {
    expect.hasAssertions();
    const limit = Math.floor(2 ** 32 / 1e6) * 1e6;
    const source = scripted([limit, 2 ** 32 - 1, limit - 1]);
    expect(generatePin(6, source)).toBe(String((limit - 1) % 1e6).padStart(6, '0'));
    expect(source.calls).toBe(3);
  });

  it('refuses a number of digits it cannot draw uniformly', () => {
    expect.hasAssertions();
    for (const digits of [0, 10, 2.5, Number.NaN]) {
      expect(() => generatePin(digits)).toThrow(RangeError);
    }
  });
});
