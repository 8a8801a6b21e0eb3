/**
 * The import rules between the layers (eslint.config.js), tried on source text that is linted as
 * if it stood in each folder: nothing is written to disk, so no file that breaks them exists.
 */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

let eslint: ESLint;

beforeAll(async () => {
  eslint = new ESLint({ cwd: process.cwd() });
  // Loading the configuration and its plugins takes seconds: once, here, not in a test's time.
  await eslint.lintText('export {};', { filePath: 'src/p2p/warm-up.ts' });
}, 60_000);

/** The import rules' messages for `code` as the file `filePath`, one per offending line. */
async function importProblems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => `${m.line}: ${m.message.replace(/^.* import is restricted .*?\. /, '')}`);
}

describe('layer rules (eslint.config.js)', () => {
  it('keeps the UI, the pages, the relay and Svelte out of the core, static or dynamic', async () => {
    expect.hasAssertions();
    const problems = await importProblems(
      'src/p2p/protocols/probe.ts',
      [
        "import { settings } from '$lib/state/settings.svelte.ts';",
        "import { parseCli } from '../../relay/options.ts';",
        "import { browser } from '$app/environment';",
        "import { mount } from 'svelte';",
        "import { KEY_LENGTH } from '../constants.ts';",
        "import { multiaddr } from '@multiformats/multiaddr';",
        'export const probe = [settings, parseCli, browser, mount, KEY_LENGTH, multiaddr];',
        "export const later = () => import('../../routes/+page.svelte');"
      ].join('\n')
    );
    expect(problems).toEqual([
      '1: The core (src/p2p) must not import the UI (src/lib) or the pages (src/routes): they are built on the core, not under it.',
      '2: The core (src/p2p) must not import the relay (src/relay), a separate program: a contract both need belongs in src/p2p.',
      '3: The core (src/p2p) must stay framework-free (it runs in Node): no SvelteKit ($app) here.',
      '4: The core (src/p2p) must stay framework-free (it runs in Node): no Svelte here.',
      '8: The core (src/p2p) must not import the UI (src/lib) or the pages (src/routes): they are built on the core, not under it.'
    ]);
  });

  it('lets the relay import the core, and nothing of the UI or the pages', async () => {
    expect.hasAssertions();
    const problems = await importProblems(
      'src/relay/probe.ts',
      [
        "import { AMINO_DHT_PROTOCOL } from '../p2p/constants.ts';",
        "import { writeNetworkJson } from '../p2p/network-json.ts';",
        "import { network } from '../lib/state/network.svelte.ts';",
        "import { load } from '../routes/+layout.ts';",
        'export const probe = [AMINO_DHT_PROTOCOL, writeNetworkJson, network, load];'
      ].join('\n')
    );
    expect(problems).toEqual([
      '3: The relay (src/relay) must not import the UI (src/lib) or the pages (src/routes): they are built on the core, not under it.',
      '4: The relay (src/relay) must not import the UI (src/lib) or the pages (src/routes): they are built on the core, not under it.'
    ]);
  });

  it('lets the UI import the core and never the relay', async () => {
    expect.hasAssertions();
    const problems = await importProblems(
      'src/lib/probe.ts',
      [
        "import { AMINO_DHT_PROTOCOL } from '$p2p/constants.ts';",
        "import { startSwarm } from '../relay/node.ts';",
        "export const probe = [AMINO_DHT_PROTOCOL, startSwarm, () => import('$p2p/kdf.ts')];"
      ].join('\n')
    );
    expect(problems).toEqual([
      '2: The UI (src/lib) must not import the relay (src/relay), a separate program: a contract both need belongs in src/p2p.'
    ]);
  });

  it('lets a page import the UI state, and neither the core nor the relay', async () => {
    expect.hasAssertions();
    const problems = await importProblems(
      'src/routes/settings/+page.ts',
      [
        "import { settings } from '$lib/state/settings.svelte.ts';",
        "import { AMINO_DHT_PROTOCOL } from '$p2p/constants.ts';",
        "import { startSwarm } from '../../relay/node.ts';",
        'export const probe = [settings, AMINO_DHT_PROTOCOL, startSwarm];',
        "export const later = () => import('../../p2p/network.ts');"
      ].join('\n')
    );
    expect(problems).toEqual([
      '2: A page (src/routes) must not import the core (src/p2p): a page is thin, and reaches the core through the state in src/lib/state.',
      '3: A page (src/routes) must not import the relay (src/relay), a separate program: a contract both need belongs in src/p2p.',
      '5: A page (src/routes) must not import the core (src/p2p): a page is thin, and reaches the core through the state in src/lib/state.'
    ]);
  });
});
