import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../scripts/security-headers.ts';
import { DNSADDR_RESOLVERS } from '../../src/p2p/privacy.ts';
import { CSP_DIRECTIVES } from '../../svelte.config.js';

const hosting = readFileSync(new URL('../../docs/hosting.md', import.meta.url), 'utf8');

describe('the Content-Security-Policy (svelte.config.js)', () => {
  it('allows no inline script and no eval beyond the bootstrap hash SvelteKit adds', () => {
    expect(CSP_DIRECTIVES['script-src']).toEqual(['self', 'wasm-unsafe-eval']);
    expect(CSP_DIRECTIVES['object-src']).toEqual(['none']);
    expect(CSP_DIRECTIVES['base-uri']).toEqual(['none']);
  });

  it('lets libp2p reach every DNS-over-HTTPS resolver it asks for a /dnsaddr, and no other web host', () => {
    const hosts = (CSP_DIRECTIVES['connect-src'] ?? [])
      .filter((source) => source.startsWith('https://'))
      .map((source) => new URL(source).hostname);
    expect(hosts.sort()).toEqual([...DNSADDR_RESOLVERS].sort());
  });
});

describe('docs/hosting.md', () => {
  it.each(Object.entries(SECURITY_HEADERS))(
    'asks for the header the app’s own server sends: %s',
    (name, value) => {
      // The table row, and the same line in each server's configuration.
      expect(hosting).toContain(`| \`${name}\``);
      expect(hosting).toContain(`\`${value}\``);
      expect(hosting).toContain(`add_header ${name} "${value}" always;`);
      expect(hosting).toContain(`\t\t${name} "${value}"`);
      expect(hosting).toContain(`Header always set ${name} "${value}"`);
      expect(hosting).toContain(`  ${name}: ${value}\n`);
    }
  );
});
