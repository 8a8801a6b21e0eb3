import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/**
 * Who may import whom (DESIGN.md, "Where the code lives"): the core (src/p2p) imports nothing of
 * the UI, the pages or the relay; the UI (src/lib, src/routes) nothing of the relay, and the
 * pages reach the core only through src/lib's state; the relay (src/relay) nothing of the UI or
 * the pages, and shares the app's contracts by importing them from src/p2p. Each rule is a
 * pattern of import sources with the reason, checked for `import … from` and for `import()`.
 */
const SVELTE = {
  regex: '^svelte(/|$)',
  message: 'must stay framework-free (it runs in Node): no Svelte here.'
};
const SVELTEKIT = {
  regex: '^\\$app(/|$)',
  message: 'must stay framework-free (it runs in Node): no SvelteKit ($app) here.'
};
const UI = {
  regex: '^(\\$lib(/|$)|(\\.{1,2}/)+(lib|routes)(/|$))',
  message:
    'must not import the UI (src/lib) or the pages (src/routes): they are built on the core, not under it.'
};
const RELAY = {
  regex: '^(\\.{1,2}/)+relay(/|$)',
  message:
    'must not import the relay (src/relay), a separate program: a contract both need belongs in src/p2p.'
};
const CORE = {
  regex: '^(\\$p2p(/|$)|(\\.{1,2}/)+p2p(/|$))',
  message:
    'must not import the core (src/p2p): a page is thin, and reaches the core through the state in src/lib/state.'
};

/** @typedef {{ regex: string, message: string }} Forbidden */

/**
 * The rules for one layer: `no-restricted-imports` and its twin for dynamic `import()`.
 *
 * @param {string} name the layer, as the messages name it
 * @param {Forbidden[]} forbidden what it must not import
 * @returns {import('eslint').Linter.RulesRecord}
 */
function layer(name, forbidden) {
  const rules = forbidden.map(({ regex, message }) => ({ regex, message: `${name} ${message}` }));
  return {
    'no-restricted-imports': ['error', { patterns: rules }],
    'no-restricted-syntax': [
      'error',
      ...rules.map(({ regex, message }) => ({
        selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`,
        message
      }))
    ]
  };
}

export default ts.config(
  {
    ignores: [
      'node_modules/',
      '.tools/',
      '.svelte-kit/',
      'build/',
      'src/lib/paraglide/',
      'src/p2p/wordlist/',
      'src/p2p/protocols/*/pb/*.ts',
      'bench/results/',
      'test-results/'
    ]
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  prettier,
  ...svelte.configs.prettier,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }]
    }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig
      }
    }
  },
  {
    files: ['src/p2p/**'],
    rules: layer('The core (src/p2p)', [SVELTE, SVELTEKIT, UI, RELAY])
  },
  {
    files: ['src/relay/**'],
    rules: layer('The relay (src/relay)', [SVELTE, SVELTEKIT, UI])
  },
  {
    files: ['src/lib/**'],
    rules: layer('The UI (src/lib)', [RELAY])
  },
  {
    files: ['src/routes/**'],
    rules: layer('A page (src/routes)', [RELAY, CORE])
  },
  {
    // Command-line programs talk to their user on stdout.
    files: ['src/relay/**', 'scripts/**', 'bench/**', 'tests/e2e/global-setup.ts'],
    rules: { 'no-console': 'off' }
  }
);
