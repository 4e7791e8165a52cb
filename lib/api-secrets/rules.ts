import { createHash } from 'node:crypto';

/**
 * What makes a list of dRoam api secrets usable, wherever it was read from:
 * the environment at cold start, or the SSM parameter each time it is read.
 * Several secrets are accepted while one is rotated.
 */

/** A comma-separated list of api secrets, white space around each ignored. */
export function parseApiSecrets(list: string): string[] {
  return list
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
}

/** What is wrong with a list of api secrets. Never echoes a secret, not even a malformed one. */
export function apiSecretProblems(apiSecrets: readonly string[], local: boolean, source: string): string[] {
  const problems: string[] = [];
  apiSecrets.forEach((secret, index) => {
    if (secret.length < 16) problems.push(`${source} entry ${index + 1} is shorter than 16 characters`);
    if (/\s/.test(secret)) problems.push(`${source} entry ${index + 1} contains white space`);
  });
  if (!local && apiSecrets.some(isDocumentedExampleSecret)) {
    problems.push(`${source} contains the secret from dRoam's public documentation, which is accepted only locally (IS_LOCAL/IS_OFFLINE)`);
  }
  return problems;
}

/**
 * SHA-256 of dRoam's public documentation example secret. The relay refuses
 * that secret outside a local run; only its digest is kept here, so the
 * secret's one place in code stays the local stage's settings in serverless.yml.
 */
const DOCUMENTED_EXAMPLE_SECRET_SHA256 = 'b9f2dcc01cff80fcf53ebe5821f45ecfa01a24de1ec6d1df473940da80246d4e';

/** Whether a secret is dRoam's public documentation example. */
export function isDocumentedExampleSecret(apiSecret: string): boolean {
  return createHash('sha256').update(apiSecret).digest('hex') === DOCUMENTED_EXAMPLE_SECRET_SHA256;
}
