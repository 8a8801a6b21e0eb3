/**
 * Call PINs the app makes for the user: random digits, read out or typed on a phone keypad. A PIN
 * enters only the PAKE (DESIGN.md), so each wrong guess costs an attacker an online attempt that
 * the admission limits count; six digits make a lucky guess one in a million.
 *
 * @module
 */

/** Digits of a generated PIN: one in a million per online guess, and easy to read out. */
export const GENERATED_PIN_DIGITS = 6;

/** A source of randomness with `crypto.getRandomValues`'s contract (Web Crypto §10.1.1). */
export type RandomValues = (array: Uint32Array<ArrayBuffer>) => Uint32Array<ArrayBuffer>;

/**
 * A random PIN of `digits` decimal digits (leading zeros kept), uniform over all of them:
 * 32-bit draws above the largest multiple of 10^digits are drawn again, so no PIN is likelier.
 *
 * @throws {RangeError} unless `digits` is an integer from 1 to 9 (10^9 < 2^32).
 * @example
 * generatePin() // '042917'
 */
export function generatePin(
  digits: number = GENERATED_PIN_DIGITS,
  random: RandomValues = (array) => crypto.getRandomValues(array)
): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 9) {
    throw new RangeError(`digits: expected an integer from 1 to 9, got ${digits}`);
  }
  const range = 10 ** digits;
  const limit = Math.floor(2 ** 32 / range) * range;
  const draw = new Uint32Array(new ArrayBuffer(4));
  for (;;) {
    const value = random(draw)[0]!;
    if (value < limit) {
      return String(value % range).padStart(digits, '0');
    }
  }
}
