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
