import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Imports go one way. Each folder of lib/ names the folders of lib/ it may
 * read; anything else in lib/, the events package, the functions and the
 * tooling (tools/, scripts/, bench/, tests/) are refused. The events package
 * (packages/events, what subscribers install) reads the contract only; its
 * subpath exports (idempotency, newest-wins) read their peer dependencies.
 * Tooling may import anything; nothing that ships imports tooling.
 * An example subscriber (examples/) is written as another team's service: it
 * imports the events package by its name, never the relay's folders.
 */
const folder = (name) => ({ regex: `(^|/)${name}(/|$)` });
const forbid = (from, names, message) => ({
  files: [`${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: names.map((name) => ({
          ...(name.includes('/') || name.startsWith('@') || name === 'aws-lambda' ? { regex: `^${name}` } : folder(name)),
          message,
        })),
      },
    ],
  },
});
const TOOLING = ['tools', 'scripts', 'bench', 'tests'];
/** The folders of lib/, each with the folders of lib/ it may read. */
const LIB_READS = {
  contract: [],
  observability: [],
  lambda: [],
  topic: ['contract', 'lambda'],
  'api-secrets': ['lambda'],
  queues: ['contract', 'observability', 'lambda', 'topic', 'api-secrets'],
  relay: ['contract', 'observability', 'lambda', 'topic', 'api-secrets', 'queues'],
  archive: ['observability'],
};

export default tseslint.config(
  { ignores: ['node_modules/', '**/.serverless/', '**/.esbuild/', 'coverage/', 'schemas/', 'bench/.build/', 'bench/results.json', 'packages/*/dist/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [...tseslint.configs.strictTypeChecked],
    // One type-checked program for the repository, whose tsconfig includes the example subscriber too: the
    // project service would open the example's own tsconfig as a second program (lint 35 s instead of 25 s).
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  // The stack's resources (serverless.yml `resources:`), CommonJS modules that the Framework requires.
  {
    files: ['infra/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  ...Object.entries(LIB_READS).map(([room, reads]) =>
    forbid(
      `lib/${room}`,
      [
        ...Object.keys(LIB_READS).filter((other) => other !== room && !reads.includes(other)),
        'packages',
        '@droam-webhook-relay/',
        'functions',
        ...TOOLING,
        ...(room === 'contract' ? ['@aws-sdk/', '@aws-lambda-powertools/', 'aws-lambda'] : []),
      ],
      `lib/${room} may import ${reads.length === 0 ? 'nothing else of lib/' : `only ${reads.map((read) => `lib/${read}`).join(', ')} of lib/`}${room === 'contract' ? ', and no AWS SDK: it is the published contract' : ''}.`,
    ),
  ),
  forbid(
    'packages/events',
    [
      ...Object.keys(LIB_READS).filter((room) => room !== 'contract'),
      'functions',
      ...TOOLING,
      '@aws-sdk/',
      '@aws-lambda-powertools/',
      'aws-lambda',
      './idempotency',
      './newest-wins',
    ],
    'packages/events is what subscribers install: it reads the contract and valibot only (its one dependency).',
  ),
  // The subpath exports (/idempotency, /newest-wins) read their optional peer dependencies, and nothing of the relay.
  {
    ...forbid(
      'packages/events',
      [...Object.keys(LIB_READS), 'functions', ...TOOLING, 'aws-lambda', '\\.\\./'],
      'A subpath export of packages/events reads its peer dependencies (Powertools Idempotency, the DynamoDB client) and its own files only.',
    ),
    files: ['packages/events/src/idempotency.ts', 'packages/events/src/newest-wins.ts'],
  },
  forbid('functions', TOOLING, 'A function ships: it imports lib/ only.'),
  forbid(
    'examples/*/src',
    ['lib', 'functions', 'packages', ...TOOLING],
    "An example subscriber is another team's code: it imports its own files and its dependencies (@droam-webhook-relay/events by name), never the relay's folders.",
  ),
  forbid(
    'examples/*/tests',
    ['lib', 'functions', 'packages', 'tools', 'scripts', 'bench'],
    "An example subscriber's tests import its own code and the repository's tests/support, nothing else of the relay.",
  ),
);
