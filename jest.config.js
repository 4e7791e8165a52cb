/** Unit tests run alone; integration and end-to-end tests share one SNS/SQS emulator started in globalSetup. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] };
// Every line the code under test writes is captured; the global teardown fails the run on a secret or a hash.
const setupFiles = ['<rootDir>/tests/support/log-capture.ts'];
// The events package and its subpath exports from their source, as tsconfig.json's `paths` maps them (a change to the contract is tested without rebuilding dist/).
// Prettier's CommonJS entry imports its ES module as it loads, which jest's module runtime refuses; json-schema-to-typescript
// (tools/codegen) requires it but, run with `format: false`, never formats: Prettier's standalone build, which imports nothing, stands in.
// Jest's Node environment, with the AWS SDK's Node version notice shown once per worker instead of once per test file.
const testEnvironment = '<rootDir>/tests/support/node-environment.cjs';
const moduleNameMapper = {
  '^@droam-webhook-relay/events$': '<rootDir>/packages/events/src/index.ts',
  '^@droam-webhook-relay/events/(idempotency|newest-wins)$': '<rootDir>/packages/events/src/$1.ts',
  '^prettier$': 'prettier/standalone',
};

/** @type {import('jest').Config} */
module.exports = {
  // One worker per core, not jest's default of one fewer: the end-to-end tests spend much of their time waiting on the processes they start.
  maxWorkers: '100%',
  globalSetup: '<rootDir>/tests/emulator-setup.mjs',
  globalTeardown: '<rootDir>/tests/emulator-teardown.mjs',
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'], transform, setupFiles, moduleNameMapper, testEnvironment },
    { displayName: 'integration', testMatch: ['<rootDir>/tests/integration/**/*.test.ts'], transform, setupFiles, moduleNameMapper, testEnvironment },
    { displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'], transform, setupFiles, moduleNameMapper, testEnvironment },
    // The example subscribers' own tests (unit, against the emulator, and their packaging).
    { displayName: 'examples', testMatch: ['<rootDir>/examples/*/tests/**/*.test.ts'], transform, setupFiles, moduleNameMapper, testEnvironment },
  ],
};
