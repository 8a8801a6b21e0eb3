import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/** The core must stay framework-free and testable in Node (DESIGN.md, STYLE.md). */
const frameworkFree = {
  patterns: [
    { group: ['svelte', 'svelte/*'], message: 'src/p2p and src/relay must not import Svelte.' },
    { group: ['$app', '$app/*'], message: 'src/p2p and src/relay must not import SvelteKit.' },
    { group: ['$lib', '$lib/*'], message: 'src/p2p and src/relay must not import the UI.' },
    { group: ['**/lib/*', '**/routes/*'], message: 'src/p2p and src/relay must not import the UI.' }
  ]
};

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
    files: ['src/p2p/**', 'src/relay/**'],
    rules: { 'no-restricted-imports': ['error', frameworkFree] }
  },
  {
    // Command-line programs talk to their user on stdout.
    files: ['src/relay/**', 'scripts/**', 'bench/**', 'tests/e2e/global-setup.ts'],
    rules: { 'no-console': 'off' }
  }
);
