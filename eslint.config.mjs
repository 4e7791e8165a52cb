import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Imports go one way: contract ← observability ← relay ← functions, and the
 * events package (packages/events, what subscribers install) reads the
 * contract only; the event archive (lib/archive) reads observability only. Tooling (tools/, scripts/, bench/, tests/) may import
 * anything; nothing that ships imports tooling.
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

export default tseslint.config(
  { ignores: ['node_modules/', '.serverless/', '.esbuild/', 'coverage/', 'schemas/', 'bench/.build/', 'bench/results.json', 'packages/*/dist/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
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
  forbid(
    'lib/contract',
    ['relay', 'observability', 'packages', 'functions', ...TOOLING, '@aws-sdk/', '@aws-lambda-powertools/', 'aws-lambda'],
    'lib/contract is the published contract: it depends on nothing else in lib/ and on no AWS SDK.',
  ),
  forbid(
    'lib/observability',
    ['contract', 'relay', 'packages', 'functions', ...TOOLING],
    'lib/observability is shared instrumentation: it depends on nothing else in lib/.',
  ),
  forbid(
    'packages/events',
    ['relay', 'observability', 'functions', ...TOOLING, '@aws-sdk/', '@aws-lambda-powertools/', 'aws-lambda'],
    'packages/events is what subscribers install: it reads the contract and valibot only (its one dependency).',
  ),
  forbid(
    'lib/relay',
    ['packages', '@droam-webhook-relay/', 'functions', ...TOOLING],
    'lib/relay is the request path: it reads the contract and observability only.',
  ),
  forbid('functions', TOOLING, 'A function ships: it imports lib/ only.'),
);
