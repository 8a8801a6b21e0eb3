// Writes src/p2p/wordlist/common.ts: the small dictionaries of the passphrase strength estimate
// (src/p2p/strength.ts), cut from zxcvbn-ts's language packages so that the app does not ship
// their 222 kB (gzip) to everyone who types a passphrase. The npm packages are read from their
// tarballs, checked against the registry's integrity pinned here; they are not dependencies.
//
//   mkdir -p /tmp/zx && cd /tmp/zx && npm pack @zxcvbn-ts/language-common@4.1.3 \
//     @zxcvbn-ts/language-en@4.1.1 @zxcvbn-ts/language-fr@4.1.2 @zxcvbn-ts/language-nl-be@3.0.2
//   node scripts/strength-dictionary.ts /tmp/zx
//
// What is kept, each entry in Samen's normal form (src/p2p/passphrase.ts, which is what the
// estimate sees), duplicates dropped, in rank order (zxcvbn rates the word of rank r at r guesses):
// - the most common passwords (zxcvbn's list from Mark Burnett's ten million passwords);
// - the most frequent words of English, Dutch and French (subtitles, hermitdave/FrequencyWords);
// - the keyboard layouts people type on here: QWERTY, AZERTY (France, Belgium) and the keypad.
// How many: with a warning under 50 bits, a single word or short password is weak whatever its
// rank (8 lower-case letters are 38 bits by brute force), so the dictionaries only need to
// recognise the common words people string together; 1000 of each is 4 kB gzipped.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import compress from '@zxcvbn-ts/dictionary-compression/compress';
import decompress from '@zxcvbn-ts/dictionary-compression/decompress';
import { normalisePassphrase } from '../src/p2p/passphrase.ts';

const PASSWORDS = 1000;
const COMMON_WORDS = 1000;
const KEYBOARDS = ['qwerty', 'azerty', 'keypad'] as const;

/** The npm tarballs, by file name, and their registry integrity (`npm view <pkg> dist.integrity`). */
const PACKAGES = {
  common: {
    file: 'zxcvbn-ts-language-common-4.1.3.tgz',
    integrity:
      'sha512-g2bg4skmlJG9aJqC/nWziZzgYpSe/f3rKeGobrkdFiOrfZVFqqzUgC6BUQWuX54Sua9j0Jxxt+1bf4f/Mal1Kg=='
  },
  en: {
    file: 'zxcvbn-ts-language-en-4.1.1.tgz',
    integrity:
      'sha512-6UdzuBd3Uex8TKubohcn+uXRVAH34Zjs2eCfT4hQVo9zeTy7AkQRQfdV4OnHR5hQfW/XBrK/AGTZk7VBWh7wwQ=='
  },
  fr: {
    file: 'zxcvbn-ts-language-fr-4.1.2.tgz',
    integrity:
      'sha512-xEex2n4J9UBhkASw6Vt2lUp9+eJgP0KquNiyh/D3IAP/HbnqRdd1oBkAiynSsRhJ9olmRnZVfYghaU5N6UKNjw=='
  },
  nl: {
    file: 'zxcvbn-ts-language-nl-be-3.0.2.tgz',
    integrity:
      'sha512-TxMA71FRSjxpS6KzdVp2k20Ct2fxokK/cdn5h7xgLpFvDZMyM1qT8j46Sk+cvk16hYAzU2kS7NXiVG5E8NCvVw=='
  }
} as const;

const directory = process.argv[2];
if (directory === undefined) {
  console.error('usage: node scripts/strength-dictionary.ts <directory with the npm tarballs>');
  process.exit(2);
}

async function packageJson(name: keyof typeof PACKAGES, path: string): Promise<unknown> {
  const { file, integrity } = PACKAGES[name];
  const tgz = await readFile(join(directory!, file));
  const actual = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
  if (actual !== integrity) throw new Error(`${file}: integrity ${actual}, expected ${integrity}`);
  const unpacked = await mkdtemp(join(tmpdir(), 'samen-zxcvbn-'));
  try {
    execFileSync('tar', ['-xzf', join(directory!, file), '-C', unpacked, `package/${path}`]);
    return JSON.parse(await readFile(join(unpacked, 'package', path), 'utf8'));
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}

/** The first `count` distinct entries in normal form, in rank order. */
function ranked(entries: unknown, count: number): string[] {
  if (!Array.isArray(entries)) throw new Error('expected a list');
  const kept: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (kept.length === count) break;
    let normal: string;
    try {
      normal = normalisePassphrase(String(entry));
    } catch {
      continue; // empty once normalised
    }
    // One token (the estimate splits phrases at spaces), and what the compression can hold.
    if (normal.includes(' ') || /["\\]/.test(normal) || seen.has(normal)) continue;
    seen.add(normal);
    kept.push(normal);
  }
  if (kept.length !== count) throw new Error(`only ${kept.length} entries, not ${count}`);
  return kept;
}

function packed(words: readonly string[]): string {
  const text = compress([...words]);
  if (typeof text !== 'string' || JSON.stringify(decompress(text)) !== JSON.stringify(words)) {
    throw new Error('a list does not survive compression');
  }
  return JSON.stringify(text);
}

const passwords = ranked(await packageJson('common', 'src/passwords.json'), PASSWORDS);
const common = {
  en: ranked(await packageJson('en', 'src/commonWords.json'), COMMON_WORDS),
  nl: ranked(await packageJson('nl', 'src/commonWords.json'), COMMON_WORDS),
  fr: ranked(await packageJson('fr', 'src/commonWords.json'), COMMON_WORDS)
};
const graphs = (await packageJson('common', 'src/adjacencyGraphs.json')) as Record<string, unknown>;
const keyboards = Object.fromEntries(KEYBOARDS.map((name) => [name, graphs[name]]));
if (KEYBOARDS.some((name) => keyboards[name] === undefined)) throw new Error('a layout is missing');

const output = 'src/p2p/wordlist/common.ts';
await writeFile(
  output,
  `// The dictionaries of the passphrase strength estimate (src/p2p/strength.ts): common passwords,
// the most frequent words of English, Dutch and French, and keyboard layouts, in Samen's normal
// form and rank order. Generated by scripts/strength-dictionary.ts: do not edit.
//
// Taken from the npm packages (integrity checked):
//   @zxcvbn-ts/language-common@4.1.3  the first ${PASSWORDS} passwords; the layouts ${KEYBOARDS.join(', ')}.
//     MIT, Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc., (c) 2021 @zxcvbn-ts.
//     The passwords come from Mark Burnett's ten million passwords (2015), released into the
//     public domain.
//   @zxcvbn-ts/language-en@4.1.1, @zxcvbn-ts/language-nl-be@3.0.2, @zxcvbn-ts/language-fr@4.1.2
//     the first ${COMMON_WORDS} words of each commonWords list, which zxcvbn-ts made from Hermit
//     Dave's frequency lists of OpenSubtitles 2018 (github.com/hermitdave/FrequencyWords,
//     content/2018/{en,nl,fr}/*_50k.txt), licensed CC BY-SA 3.0
//     (https://creativecommons.org/licenses/by-sa/3.0/): this excerpt is under the same licence.
// Changes: entries brought to Samen's normal form; duplicates, phrases and entries with " or \\
//   dropped; the lists front-coded (@zxcvbn-ts/dictionary-compression).
import decompress from '@zxcvbn-ts/dictionary-compression/decompress';

/** The ${PASSWORDS} most common passwords, most common first. */
export const PASSWORDS: readonly string[] = Object.freeze(decompress(${packed(passwords)}));

/** The ${COMMON_WORDS} most frequent words of each language, most frequent first. */
export const COMMON_WORDS: Readonly<Record<'en' | 'nl' | 'fr', readonly string[]>> = Object.freeze({
  en: Object.freeze(decompress(${packed(common.en)})),
  nl: Object.freeze(decompress(${packed(common.nl)})),
  fr: Object.freeze(decompress(${packed(common.fr)}))
});

/** Keyboard adjacency graphs, for zxcvbn's spatial matcher. */
export const KEYBOARDS: Readonly<Record<string, Record<string, (string | null)[]>>> = ${JSON.stringify(keyboards)};
`
);
console.log(
  `${output}: ${passwords.length} passwords, ${COMMON_WORDS} words × 3, ${KEYBOARDS.length} layouts`
);
