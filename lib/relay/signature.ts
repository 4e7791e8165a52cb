import { createHash } from 'node:crypto';

/**
 * dRoam's signature, in one place: the hex SHA-256 of `<api_secret>:<timestamp>`,
 * sent with the Unix timestamp (seconds) in another header. The verifier
 * (authenticate.ts) and every tool that signs a request (scripts, tests,
 * bench) use these functions, so there is one implementation of the scheme.
 */

/** dRoam does not document its header names; these are what the tools send, and the relay discovers them unless pinned. */
export const DEFAULT_TIMESTAMP_HEADER = 'x-api-timestamp';
export const DEFAULT_HASH_HEADER = 'x-api-hash';

/** The digest dRoam sends for a secret and timestamp, as bytes. */
export function droamDigest(apiSecret: string, timestampSeconds: number | string): Buffer {
  return createHash('sha256')
    .update(`${apiSecret}:${String(timestampSeconds)}`)
    .digest();
}

/** The hash dRoam sends for a secret and timestamp: lower-case hex. */
export function droamHash(apiSecret: string, timestampSeconds: number | string): string {
  return droamDigest(apiSecret, timestampSeconds).toString('hex');
}

export interface SignOptions {
  readonly timestampHeader?: string | undefined;
  readonly hashHeader?: string | undefined;
  /** Milliseconds since the epoch; the current time when absent. */
  readonly now?: number | undefined;
  /** Seconds since the epoch, instead of `now`: for files signed with a fixed timestamp. */
  readonly timestampSeconds?: number | undefined;
}

/** The two headers dRoam puts on a webhook. */
export function signedHeaders(apiSecret: string, options: SignOptions = {}): Record<string, string> {
  const timestamp = String(options.timestampSeconds ?? Math.floor((options.now ?? Date.now()) / 1000));
  return {
    [options.timestampHeader ?? DEFAULT_TIMESTAMP_HEADER]: timestamp,
    [options.hashHeader ?? DEFAULT_HASH_HEADER]: droamHash(apiSecret, timestamp),
  };
}

/** A request as dRoam sends one: a JSON body with its media type and the two signature headers. */
export function signedRequest(body: string, apiSecret: string, options: SignOptions = {}): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/json', ...signedHeaders(apiSecret, options) }, body };
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
