import { describe, expect, it } from 'vitest';
import {
  MIN_ADVISED_CHARS,
  MIN_ADVISED_WORDS,
  passphraseAdvice
} from '../../src/p2p/passphrase-advice.ts';

describe('passphraseAdvice', () => {
  it('recognises a famous phrase however it is typed', () => {
    expect.hasAssertions();
    for (const text of [
      'correct horse battery staple',
      '  Correct, Horse; BATTERY staple! ',
      'Liberté, égalité, fraternité',
      'Wie dit leest is gek'
    ]) {
      expect(passphraseAdvice(text)).toBe('known');
    }
  });

  it('calls a phrase of few words or characters short', () => {
    expect.hasAssertions();
    expect(MIN_ADVISED_WORDS).toBe(4);
    expect(MIN_ADVISED_CHARS).toBe(20);
    expect(passphraseAdvice('summer2024')).toBe('short');
    // Three long words: enough characters, too few words.
    expect(passphraseAdvice('extraordinarily unbelievable circumstances')).toBe('short');
    // Four words, 19 characters; one more is enough (below).
    expect(passphraseAdvice('one two three fours')).toBe('short');
  });

  it('says nothing of a fresh passphrase of four or more words, or of an empty field', () => {
    expect.hasAssertions();
    expect(passphraseAdvice('one two three fourrr')).toBeUndefined();
    expect(passphraseAdvice('maple orbit candle fjord parsley')).toBeUndefined();
    expect(passphraseAdvice('   ')).toBeUndefined();
  });
});
