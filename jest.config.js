/** Unit tests run alone; integration and end-to-end tests share one SNS/SQS emulator started in globalSetup. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] };

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/tests/emulator-setup.mjs',
  globalTeardown: '<rootDir>/tests/emulator-teardown.mjs',
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'], transform, testEnvironment: 'node' },
    { displayName: 'integration', testMatch: ['<rootDir>/tests/integration/**/*.test.ts'], transform, testEnvironment: 'node' },
    { displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'], transform, testEnvironment: 'node' },
  ],
};
