// ESLint flat config. Besides the usual recommended rules it enforces DESIGN.md's layers: which
// folder may import which (see `layers` below). Each folder runs in one process, so an import in
// the wrong direction would drag Node into the renderer, or Electron into the CLI.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const nodeBuiltinNames = builtinModules.filter((name) => !name.includes('/')).join('|');

/** Import patterns, one per neighbour a layer must not reach. */
const forbid = {
  electron: { regex: '^electron(/|$)', message: 'Only src/main and src/preload may use Electron.' },
  nodeBuiltins: {
    regex: `^(node:|(${nodeBuiltinNames})(/|$))`,
    message: 'Node built-ins belong in src/services (or src/main, src/cli).',
  },
  ...Object.fromEntries(
    ['services', 'main', 'preload', 'renderer', 'cli'].map((folder) => [
      folder,
      {
        // A relative path that climbs into src/<folder>, or a path spelled from the root.
        regex: `^((\\.\\./)+|(\\.\\./)*src/)${folder}(/|$)`,
        message: `This layer may not import src/${folder} (see DESIGN.md, "One engine, three shells").`,
      },
    ]),
  ),
};

/** Who may not import whom. src/main and src/cli sit on top and may import anything below. */
const layers = [
  {
    files: ['src/core/**'],
    patterns: [
      forbid.electron,
      forbid.nodeBuiltins,
      forbid.services,
      forbid.main,
      forbid.preload,
      forbid.renderer,
      forbid.cli,
    ],
  },
  {
    files: ['src/services/**'],
    patterns: [forbid.electron, forbid.main, forbid.preload, forbid.renderer, forbid.cli],
  },
  {
    // A later src/core/api (the contract) is the renderer's only way into core; nothing else
    // in core is forbidden yet, since the contract does not exist.
    files: ['src/renderer/**'],
    patterns: [forbid.electron, forbid.nodeBuiltins, forbid.services, forbid.main, forbid.cli],
  },
  {
    // A sandboxed preload can require only `electron` (and a few polyfilled modules).
    files: ['src/preload/**'],
    patterns: [forbid.nodeBuiltins, forbid.services, forbid.main, forbid.renderer, forbid.cli],
  },
];

export default defineConfig(
  globalIgnores([
    'out/',
    'dist/',
    'coverage/',
    'test-results/',
    '.mot-data/',
    'node_modules/',
    'resources/',
    'reports/', // mutation reports
    '.stryker-tmp/', // Stryker's sandbox copies of the repository
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  {
    name: 'mot/svelte-typescript',
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  {
    name: 'mot/rules',
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  // Globals by process. Core gets none beyond the language: it runs anywhere.
  {
    name: 'mot/globals-node',
    files: [
      'src/main/**',
      'src/services/**',
      'src/cli/**',
      'bin/**',
      'scripts/**',
      'test/**',
      '*.{js,ts}',
    ],
    languageOptions: { globals: globals.node },
  },
  {
    name: 'mot/globals-browser',
    files: ['src/renderer/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    name: 'mot/globals-preload',
    files: ['src/preload/**'],
    languageOptions: { globals: { ...globals.browser, process: 'readonly' } },
  },
  ...layers.map(({ files, patterns }) => ({
    name: `mot/layers:${files[0]}`,
    files,
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  })),
);
