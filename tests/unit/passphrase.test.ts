import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BITS_PER_WORD,
  MAX_PASSPHRASE_LENGTH,
  MAX_PIN_LENGTH,
  PASSPHRASE_NORMALISATION,
  WEAK_PASSPHRASE_BITS,
  estimateStrength,
  generatePassphrase,
  normalisePassphrase,
  normalisePin
} from '../../src/p2p/passphrase.ts';
import { COMMON_PHRASES } from '../../src/p2p/common-phrases.ts';
import { COMMON_WORDS, KEYBOARDS, PASSWORDS } from '../../src/p2p/wordlist/common.ts';
import { WORDLIST as EN } from '../../src/p2p/wordlist/en.ts';
import { WORDLIST as FR } from '../../src/p2p/wordlist/fr.ts';
import { WORDLIST as NL } from '../../src/p2p/wordlist/nl.ts';
import { WORDLIST_LANGUAGES } from '../../src/p2p/wordlists.ts';

/** The name of what `fn` throws, so tests assert on names (STYLE.md), never on messages. */
function thrownName(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).name;
  }
  return 'nothing thrown';
}

const LISTS = { en: EN, nl: NL, fr: FR } as const;

/**
 * Version 1 of the normalisation, as Samen shipped it (the reference the compatibility property
 * compares with): NFKC, lower case, NFKC, whitespace runs to one space, trimmed.
 */
function normaliseV1(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    .replace(/\p{White_Space}+/gu, ' ')
    .trim();
}

/** Characters from every corner the normalisation touches, for the property tests. */
const TRICKY = [
  ...'aAeEiIoOuUzZ09 \'"-',
  ...'éÉèêëçàùîïôœŒæÆßẞıİøØłŁđĐħĦĳ', // accents, ligatures, letters with strokes
  '\u0301',
  '\u0300',
  '\u0308',
  '\u0327',
  '\u0307', // combining marks
  ...'’‘‛′`´ʹʼ“”„‟«»‐‑‒–—―−', // smart punctuation
  '\u00a0',
  '\u202f',
  '\t',
  '\n',
  '\u3000',
  '\u2028',
  '\u0085', // whitespace
  '\u200b',
  '\u200d',
  '\u00ad',
  '\ufeff',
  '\ufe0f',
  '\u034f', // invisible
  ...'０１９ＡＺａｚ٠٤٩۴४𝟘𝟡²①', // digits and full-width forms
  ...'ﬁﬂⅫ\u212aΣΊσςЙйΩ한글😀' // compatibility characters, other scripts
];
const trickyText = fc
  .array(fc.constantFrom(...TRICKY), { minLength: 1, maxLength: 40 })
  .map((chars) => chars.join(''));

/**
 * What the new rules of version 2 act on, in a version-1 form taken apart (NFD, so that an accent
 * is a mark): a text with none of these keeps its version-1 form.
 */
const V2_ONLY =
  /[\u00b4\p{Default_Ignorable_Code_Point}’‘‛′`ʹʼ“”„‟«»‐‑‒–—―−œæßıøłđħ]|(?![0-9])\p{Nd}|\p{M}/u;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('normalisePassphrase', () => {
  it('is version 2', () => {
    expect(PASSPHRASE_NORMALISATION).toBe(2);
  });

  it('maps fullwidth letters, ligatures and compatibility characters to plain ones (NFKC)', () => {
    expect(normalisePassphrase('ｃｏｒｒｅｃｔ ＨＯＲＳＥ')).toBe('correct horse');
    expect(normalisePassphrase('ﬁve ﬂags')).toBe('five flags');
    expect(normalisePassphrase('Ⅻ \u212Aelvin')).toBe('xii kelvin');
    expect(normalisePassphrase('Ĳsselmeer')).toBe('ijsselmeer');
  });

  it('folds accents: what French, Dutch and English keyboards type for one word agrees', () => {
    expect(normalisePassphrase('Élan vital')).toBe('elan vital');
    expect(normalisePassphrase('ÉLAN VITAL')).toBe(normalisePassphrase('elan vital'));
    expect(normalisePassphrase('cafe\u0301')).toBe('cafe'); // é typed as e + combining acute
    expect(normalisePassphrase('garçon à l’hôtel')).toBe("garcon a l'hotel");
    expect(normalisePassphrase('ideeën in België')).toBe('ideeen in belgie');
    expect(normalisePassphrase('Tiếng Việt')).toBe('tieng viet');
  });

  it('writes ligatures and letters with strokes as plain letters', () => {
    expect(normalisePassphrase('cœur')).toBe(normalisePassphrase('coeur'));
    expect(normalisePassphrase('CŒUR ÆTHER')).toBe('coeur aether');
    expect(normalisePassphrase('Straße ẞ')).toBe('strasse ss');
    expect(normalisePassphrase('Øresund Łódź Đakovo Ħal')).toBe('oresund lodz dakovo hal');
  });

  it('keeps marks that make other letters in Greek and Cyrillic', () => {
    expect(normalisePassphrase('ΣΊΣΥΦΟΣ')).toBe('σίσυφος');
    expect(normalisePassphrase('Йод')).toBe('йод');
  });

  it('makes every apostrophe, double quote and dash the ASCII one', () => {
    for (const apostrophe of ['’', '‘', '‛', '′', '`', '´', 'ʹ', 'ʼ', "'", '＇']) {
      expect(normalisePassphrase(`l${apostrophe}ete`)).toBe("l'ete");
    }
    expect(normalisePassphrase('“a” „b‟ «c»')).toBe('"a" "b" "c"');
    expect(normalisePassphrase('t‐shirt t‑shirt t‒shirt t–shirt t—shirt t―shirt t−shirt')).toBe(
      Array(7).fill('t-shirt').join(' ')
    );
  });

  it('removes invisible characters: zero-width spaces and joiners, soft hyphens, selectors', () => {
    expect(normalisePassphrase('pass\u200bphrase wo\u00adrd \ufeffbom')).toBe(
      'passphrase word bom'
    );
    expect(normalisePassphrase('❤\ufe0f 👨\u200d👩')).toBe('❤ 👨👩');
    expect(normalisePassphrase('e\u200b\u0301')).toBe('e');
  });

  it('makes every decimal digit ASCII: full-width, Arabic-Indic, Persian, Devanagari', () => {
    expect(normalisePassphrase('１２３ ٤٣٢١ ۱۲۳ १२३ 𝟘𝟙 ²')).toBe('123 4321 123 123 01 2');
  });

  it('gives the value of every digit of every numbering system Intl knows', () => {
    for (const numberingSystem of Intl.supportedValuesOf('numberingSystem')) {
      const format = new Intl.NumberFormat('en', { numberingSystem, useGrouping: false });
      const digits = [...Array(10).keys()].map((digit) => format.format(digit));
      if (!digits.every((digit) => /^\p{Nd}$/u.test(digit))) continue; // not decimal (roman…)
      expect(normalisePin(digits.join(''))).toBe('0123456789');
    }
  });

  it('collapses every run of Unicode whitespace to one space and trims the ends', () => {
    const typed = ' \tcorrect\r\n\nhorse\u00a0\u00a0battery\u3000staple\u2028\u0085 ';
    expect(normalisePassphrase(typed)).toBe('correct horse battery staple');
    expect(normalisePassphrase('a\u2003\u202f\u205fb\u0085c\u000bd')).toBe('a b c d');
    expect(normalisePassphrase('Bonjour\u202f! ça va\u00a0?')).toBe('bonjour ! ca va ?');
  });

  it('lowercases the same way in every locale, Turkish dotted and dotless I included', () => {
    expect(normalisePassphrase('KIRMIZI')).toBe('kirmizi');
    // What a locale-aware lowercase would give on a Turkish device:
    expect('KIRMIZI'.toLocaleLowerCase('tr')).toBe('kırmızı');
    // …which now folds to the same, as does the dotted capital İ.
    expect(normalisePassphrase('kırmızı')).toBe('kirmizi');
    expect(normalisePassphrase('İSTANBUL')).toBe('istanbul');
    expect(normalisePassphrase('ıi')).toBe('ii');
  });

  it('gives one form for every way a keyboard or phone may type a phrase (property)', () => {
    // A phrase of plain words, and how a phone, a French or Dutch keyboard or a paste may
    // render it: capitals, accents, curly apostrophes, odd spaces, invisible characters.
    const plain = fc
      .array(fc.stringMatching(/^[a-z]{1,8}('[a-z]{1,5})?$/), { minLength: 1, maxLength: 6 })
      .map((words) => words.join(' '));
    const rendering = fc.record({
      upper: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
      accent: fc.array(fc.constantFrom('', '\u0301', '\u0300', '\u0302', '\u0308'), {
        minLength: 60,
        maxLength: 60
      }),
      apostrophe: fc.constantFrom("'", '’', '‘', '´', '`', 'ʼ'),
      space: fc.constantFrom(' ', '\u00a0', '\u202f', '\t', '  ', ' \u200b'),
      ends: fc.constantFrom('', ' ', '\n', '\u00a0\ufeff')
    });
    fc.assert(
      fc.property(plain, rendering, (text, { upper, accent, apostrophe, space, ends }) => {
        const typed = [...text]
          .map((char, i) => {
            if (char === ' ') return space;
            if (char === "'") return apostrophe;
            const letter = upper[i % upper.length] === true ? char.toUpperCase() : char;
            return /[aeiouc]/.test(char) ? letter + accent[i % accent.length] : letter;
          })
          .join('')
          .normalize(upper[0] === true ? 'NFC' : 'NFD');
        expect(normalisePassphrase(ends + typed + ends)).toBe(text);
      })
    );
  });

  it('returns its own output unchanged (idempotent, property)', () => {
    fc.assert(
      fc.property(trickyText, (text) => {
        const once = normalisePin(text);
        expect(normalisePin(once)).toBe(once);
      }),
      { numRuns: 2000 }
    );
  });

  it('gives a form version 1 leaves as it is, so every room is a version-1 room (property)', () => {
    fc.assert(
      fc.property(trickyText, (text) => {
        const form = normalisePin(text);
        expect(normaliseV1(form)).toBe(form);
      }),
      { numRuns: 2000 }
    );
  });

  it('agrees with version 1 on every text without what version 2 added (property)', () => {
    const unchanged = fc
      .oneof(trickyText, fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }))
      .filter((text) => !V2_ONLY.test(normaliseV1(text).normalize('NFD')));
    fc.assert(
      fc.property(unchanged, (text) => {
        expect(normalisePin(text)).toBe(normaliseV1(text));
      }),
      { numRuns: 2000 }
    );
  });

  it('throws EmptyPassphraseError when nothing but whitespace is left', () => {
    expect(thrownName(() => normalisePassphrase(''))).toBe('EmptyPassphraseError');
    expect(thrownName(() => normalisePassphrase(' \t\n\u00a0\u3000 '))).toBe(
      'EmptyPassphraseError'
    );
    expect(thrownName(() => normalisePassphrase('\u200b\ufeff \u00ad'))).toBe(
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
    // Accents folded away do not count.
    expect(normalisePassphrase('e\u0301'.repeat(1024))).toHaveLength(1024);
  });

  it('throws TypeError for a value that is not a string', () => {
    expect(() => normalisePassphrase(42 as unknown as string)).toThrow(TypeError);
    expect(() => normalisePassphrase(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('normalisePin', () => {
  it('normalises like a passphrase and allows an empty PIN', () => {
    expect(normalisePin(' ４３２１ ')).toBe('4321');
    expect(normalisePin('٤٣٢١')).toBe('4321');
    expect(normalisePin('Blue\tMoon')).toBe('blue moon');
    expect(normalisePin('Bleu Été')).toBe('bleu ete');
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
  it('draws 5 English list words by default, joined by single spaces, worth 5 × log2(7776) bits', async () => {
    const { passphrase, bits, language } = await generatePassphrase();
    const words = passphrase.split(' ');
    expect(language).toBe('en');
    expect(words).toHaveLength(5);
    expect(words.every((word) => EN.includes(word))).toBe(true);
    expect(bits).toBe(5 * Math.log2(7776));
    expect(bits).toBeCloseTo(64.62, 2);
    expect(normalisePassphrase(passphrase)).toBe(passphrase);
  });

  for (const language of WORDLIST_LANGUAGES) {
    it(`draws from the ${language} list when asked, log2(7776) bits a word`, async () => {
      const generated = await generatePassphrase({ language, words: 6 });
      expect(generated.language).toBe(language);
      expect(generated.bits).toBe(6 * BITS_PER_WORD);
      const words = generated.passphrase.split(' ');
      expect(words).toHaveLength(6);
      expect(words.every((word) => LISTS[language].includes(word))).toBe(true);
      expect(normalisePassphrase(generated.passphrase)).toBe(generated.passphrase);
    });
  }

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

  it('maps the draws kept onto every word equally often: uniform over the list', async () => {
    // Draws kept are 0 … limit - 1, and limit is a multiple of 7776, so each word is the image
    // of exactly limit / 7776 of them. Shown on the first and the last block of 7776 draws: each
    // gives every word of the list once, in order.
    const limit = 2 ** 32 - (2 ** 32 % 7776);
    expect(limit % 7776).toBe(0);
    for (const start of [0, limit - 7776]) {
      vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((array: Uint32Array) => {
        array.set(Array.from({ length: array.length }, (_, i) => start + i));
        return array;
      }) as typeof crypto.getRandomValues);
      const { passphrase } = await generatePassphrase({ language: 'fr', words: 64 });
      expect(passphrase.split(' ')).toEqual(FR.slice(0, 64));
      vi.restoreAllMocks();
    }
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
  it('rates "password" and "correct horse" weak', async () => {
    const password = await estimateStrength('password');
    expect(password).toMatchObject({ weak: true, source: 'estimate' });
    expect(password.bits).toBeLessThan(5);
    const correctHorse = await estimateStrength('correct horse');
    expect(correctHorse).toMatchObject({ weak: true, source: 'estimate' });
    expect(correctHorse.bits).toBeLessThan(WEAK_PASSPHRASE_BITS);
  });

  it('rates well-known phrases weak in every language, however they are typed', async () => {
    for (const phrase of [
      'Correct Horse Battery Staple',
      'the quick brown fox jumps over the lazy dog',
      'Ik hou van jou',
      'je t’aime mon amour',
      'Liberté égalité fraternité'
    ]) {
      const strength = await estimateStrength(phrase);
      expect(strength, phrase).toMatchObject({ weak: true, source: 'estimate' });
      expect(strength.bits, phrase).toBeLessThan(20);
    }
  });

  for (const language of WORDLIST_LANGUAGES) {
    it(`reports a generated ${language} phrase exactly: 5 × log2(7776) bits, not weak`, async () => {
      const { passphrase, bits } = await generatePassphrase({ language });
      await expect(estimateStrength(passphrase, { generated: true, language })).resolves.toEqual({
        bits,
        weak: false,
        source: 'generated'
      });
      // Also when the page's language changed since: the words are in one list.
      const other = language === 'en' ? 'fr' : 'en';
      await expect(
        estimateStrength(passphrase, { generated: true, language: other })
      ).resolves.toEqual({ bits, weak: false, source: 'generated' });
    });
  }

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

  it('knows Dutch and French list words, typed on a page in any language', async () => {
    const dutch = [NL[7100]!, NL[2100]!, NL[5100]!, NL[400]!];
    const french = [FR[4200]!, FR[1300]!, FR[6100]!, FR[2900]!];
    for (const language of WORDLIST_LANGUAGES) {
      for (const words of [dutch, french]) {
        await expect(estimateStrength(words.join(' '), { language })).resolves.toEqual({
          bits: 4 * BITS_PER_WORD,
          weak: false,
          source: 'estimate'
        });
        // Three of them are weak. The same letters shifted off the words (rot13) are not words,
        // and brute force rates them far higher: the words were recognised.
        const three = await estimateStrength(words.slice(0, 3).join(' '), { language });
        expect(three.weak).toBe(true);
        expect(three.bits).toBeLessThanOrEqual(3 * BITS_PER_WORD);
        const shifted = await estimateStrength(rot13(words.slice(0, 3).join(' ')), { language });
        expect(shifted.bits).toBeGreaterThan(WEAK_PASSPHRASE_BITS);
      }
    }
  });

  it('caps a phrase of words from different lists at words × log2 of the lists’ union', async () => {
    const union = new Set([...EN, ...NL, ...FR]).size;
    const mixed = [NL[7100]!, FR[1300]!, NL[5100]!, FR[2900]!, NL[2100]!].join(' ');
    const strength = await estimateStrength(mixed, { language: 'nl' });
    expect(strength.source).toBe('estimate');
    expect(strength.bits).toBeLessThanOrEqual(5 * Math.log2(union));
    expect(strength.bits).toBeGreaterThan(WEAK_PASSPHRASE_BITS);
  });

  it('ignores the generated flag when a word is not in a list', async () => {
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

describe('the strength dictionaries', () => {
  it('hold 1000 passwords and 1000 words a language, each unique, one token in normal form', () => {
    for (const list of [PASSWORDS, COMMON_WORDS.en, COMMON_WORDS.nl, COMMON_WORDS.fr]) {
      expect(list).toHaveLength(1000);
      expect(new Set(list).size).toBe(1000);
      expect(
        list.filter((entry) => normalisePassphrase(entry) !== entry || entry.includes(' '))
      ).toEqual([]);
    }
    expect(PASSWORDS.slice(0, 2)).toEqual(['123456', 'password']);
    expect([COMMON_WORDS.en[0], COMMON_WORDS.nl[0], COMMON_WORDS.fr[0]]).toEqual([
      'you',
      'ik',
      'de'
    ]);
    expect(Object.keys(KEYBOARDS)).toEqual(['qwerty', 'azerty', 'keypad']);
  });

  it('hold well-known phrases in every language, unique and in normal form', () => {
    expect(new Set(COMMON_PHRASES).size).toBe(COMMON_PHRASES.length);
    expect(COMMON_PHRASES.filter((phrase) => normalisePassphrase(phrase) !== phrase)).toEqual([]);
    for (const phrase of ['correct horse battery staple', 'ik hou van jou', "je t'aime"]) {
      expect(COMMON_PHRASES).toContain(phrase);
    }
  });
});

function rot13(text: string): string {
  return text.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 84) % 26) + 97));
}
