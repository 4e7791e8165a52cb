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

/**
 * The form of an api secret: 16 to 256 letters, digits and `-_.~+/`, with up to two `=` at the end: hex
 * (dRoam's documented example is 32 hex digits), base64 or base64url. A value of another form is a
 * mistake or a forgery, never a secret: a JSON document, `DROAM_API_SECRET=…`, NUL characters.
 */
export const API_SECRET_FORM = /^[A-Za-z0-9._~+/-]{16,256}={0,2}$/;

/** What is wrong with a list of api secrets. Never echoes a secret, not even a malformed one. */
export function apiSecretProblems(apiSecrets: readonly string[], local: boolean, source: string): string[] {
  const problems: string[] = [];
  apiSecrets.forEach((secret, index) => {
    const entry = `${source} entry ${index + 1}`;
    if (secret.length < 16) problems.push(`${entry} is shorter than 16 characters`);
    else if (/\s/.test(secret)) problems.push(`${entry} contains white space`);
    else if (!API_SECRET_FORM.test(secret)) problems.push(`${entry} is not an api secret (16 to 256 letters, digits, - _ . ~ + /, and = at the end)`);
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
