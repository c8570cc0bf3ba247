// ESLint flat config. Two jobs: typescript-eslint's recommended rules over every source, and
// the layer rules that keep the core portable (they replace the old regex purity test):
//   - host/policy, host/manifest, host/net, host/errors.ts are pure: no Node built-ins, no DOM globals, no
//     other host layer beneath them (they are shared by Node, the browser and the native API);
//   - host/gate and host/preview1 are platform-neutral: no Node built-ins, no DOM globals, and no
//     import of host/node, host/browser, host/cli or host/run (a platform hands them its backend).
// test/policy/layers.test.ts runs these rules against sample sources, so a rule that stops
// firing fails a test.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = {
  group: ['node:*'],
  message: 'this layer is platform-neutral: take the platform through a backend or adapter instead',
};
const BARE_NODE_BUILTINS = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'crypto',
  'net',
  'dns',
  'http',
  'https',
  'tls',
  'url',
  'util',
  'worker_threads',
  'child_process',
  'stream',
  'events',
  'buffer',
  'process',
  'module',
  'vm',
].map((name) => ({ name, message: 'Node built-in in a platform-neutral layer' }));
const DOM_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'require', 'process', 'Buffer'].map((name) => ({
  name,
  message: `${name} is platform-specific; this layer must run in Node and the browser alike`,
}));
const DYNAMIC_NODE_IMPORT = {
  selector: 'ImportExpression[source.value=/^node:/]',
  message: 'this layer is platform-neutral: no dynamic import of a Node built-in either',
};
const GLOBAL_THIS_ESCAPES = ['window', 'document', 'process', 'require', 'Buffer'].map((property) => ({
  object: 'globalThis',
  property,
  message: `globalThis.${property} is platform-specific`,
}));
const platformLayers = (extra) => ({
  group: ['**/node/*', '**/browser/*', '**/cli/*', '**/run/*', ...extra],
  message: 'a platform-neutral layer may not import a platform layer (host/node, host/browser, host/cli, host/run)',
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'test/real-guests/assemblyscript/**',
      'web/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused arguments are part of WIT signatures; `_`-prefixed names say so.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `while (true)` loops with explicit breaks are clearer than the alternatives here.
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Tests and scripts reach into untyped shapes (generated bindings, JSON fixtures).
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['host/policy/**/*.ts', 'host/manifest/**/*.ts', 'host/net/**/*.ts', 'host/errors.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: BARE_NODE_BUILTINS, patterns: [NODE_BUILTINS, platformLayers(['**/gate/*', '**/preview1/*', '**/native/*'])] },
      ],
      'no-restricted-globals': ['error', ...DOM_GLOBALS],
      'no-restricted-syntax': ['error', DYNAMIC_NODE_IMPORT],
      'no-restricted-properties': ['error', ...GLOBAL_THIS_ESCAPES],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['host/gate/**/*.ts', 'host/preview1/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: BARE_NODE_BUILTINS, patterns: [NODE_BUILTINS, platformLayers([])] }],
      'no-restricted-globals': ['error', ...DOM_GLOBALS],
      'no-restricted-syntax': ['error', DYNAMIC_NODE_IMPORT],
      'no-restricted-properties': ['error', ...GLOBAL_THIS_ESCAPES],
    },
  },
);
