import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalisePassphrase } from '../../src/p2p/passphrase.ts';
import * as en from '../../src/p2p/wordlist/en.ts';
import * as fr from '../../src/p2p/wordlist/fr.ts';
import * as nl from '../../src/p2p/wordlist/nl.ts';
import {
  WORDLIST_LANGUAGES,
  WORDLIST_SIZE,
  isWordlistLanguage,
  loadWordlist
} from '../../src/p2p/wordlists.ts';

/** Each list, with what its source pins: first and last word, and the index of a known word. */
const LISTS = [
  { language: 'en', module: en, first: 'abacus', last: 'zoom', lengths: [3, 9] },
  { language: 'nl', module: nl, first: 'aai', last: 'zwoor', lengths: [2, 6] },
  { language: 'fr', module: fr, first: 'abaisse', last: 'zozoter', lengths: [4, 8] }
] as const;

describe('the word lists', () => {
  it('has one list per language of the app, each of 6^5 = 7776 words', () => {
    expect(WORDLIST_SIZE).toBe(7776);
    expect(WORDLIST_LANGUAGES).toEqual(['en', 'nl', 'fr']);
  });

  for (const { language, module, first, last, lengths } of LISTS) {
    describe(`${language}`, () => {
      const words = module.WORDLIST;

      it('holds 7776 unique words, frozen, in dice order from the pinned first to last word', () => {
        expect(words).toHaveLength(WORDLIST_SIZE);
        expect(new Set(words).size).toBe(WORDLIST_SIZE);
        expect(words[0]).toBe(first);
        expect(words[WORDLIST_SIZE - 1]).toBe(last);
        expect(Object.isFrozen(words)).toBe(true);
      });

      it('decompresses to exactly the words its generator checked (SHA-256 of the list)', () => {
        const digest = createHash('sha256')
          .update(words.map((word) => `${word}\n`).join(''))
          .digest('hex');
        expect(digest).toBe(module.WORDLIST_SHA256);
      });

      it('has every word unchanged by normalisation, so all stay distinct once normalised', () => {
        const changed = words.filter((word) => normalisePassphrase(word) !== word);
        expect(changed).toEqual([]);
        expect(new Set(words.map(normalisePassphrase)).size).toBe(WORDLIST_SIZE);
      });

      it('has words of a–z and single hyphens that any keyboard types, none with a space', () => {
        const odd = words.filter((word) => !/^[a-z]+(-[a-z]+)*$/.test(word));
        expect(odd).toEqual([]);
      });

      it('splits words joined by spaces back into the same words (no prefix problem)', () => {
        // Every word, in order, in one phrase: normalisation keeps it, and splitting at the
        // spaces gives back the words, so a phrase has exactly one reading.
        for (let start = 0; start < WORDLIST_SIZE; start += 64) {
          const phrase = words.slice(start, start + 64);
          expect(normalisePassphrase(phrase.join(' ')).split(' ')).toEqual(phrase);
        }
      });

      it(`has words of ${lengths[0]} to ${lengths[1]} letters, 7.5 on average at most`, () => {
        const letters = words.map((word) => word.replaceAll('-', '').length);
        expect(Math.min(...letters)).toBe(lengths[0]);
        expect(Math.max(...letters)).toBe(lengths[1]);
        // Typing effort: a generated passphrase of five words stays under 40 letters.
        const mean = letters.reduce((a, b) => a + b, 0) / letters.length;
        expect(mean).toBeLessThanOrEqual(7.5);
      });
    });
  }

  it('has the French replacement of the duplicate "Internet" at 35342 (index 3547)', () => {
    expect(fr.WORDLIST[3546]).toBe('internet');
    expect(fr.WORDLIST[3547]).toBe('sable');
  });
});

describe('loadWordlist', () => {
  it('loads each language’s list once and answers membership of normalised words', async () => {
    for (const { language, module } of LISTS) {
      const list = await loadWordlist(language);
      expect(list.language).toBe(language);
      expect(list.words).toBe(module.WORDLIST);
      expect(list.has(module.WORDLIST[1234]!)).toBe(true);
      expect(list.has('not a word')).toBe(false);
      await expect(loadWordlist(language)).resolves.toBe(list);
    }
  });

  it('rejects a language without a list with RangeError', async () => {
    expect(isWordlistLanguage('de')).toBe(false);
    expect(isWordlistLanguage('nl')).toBe(true);
    await expect(loadWordlist('de' as 'nl')).rejects.toThrow(RangeError);
  });

  it('rejects with AbortError when the signal is already aborted', async () => {
    await expect(loadWordlist('fr', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError'
    });
  });
});
