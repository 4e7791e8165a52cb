import { timingSafeEqual } from 'node:crypto';
import { droamDigest } from './signature';

/**
 * dRoam's documented scheme: one header carries a Unix timestamp in seconds,
 * another the hex SHA-256 of `<api_secret>:<timestamp>`. The header names are
 * undocumented, so unless they are pinned any header may carry either value.
 * The hash does not cover the body: it proves knowledge of the secret within
 * the skew window, nothing more.
 */

export interface AuthSettings {
  readonly apiSecrets: readonly string[];
  readonly timestampHeader: string | undefined;
  readonly hashHeader: string | undefined;
  readonly maxSkewSeconds: number;
}

export type AuthFailure = 'no_timestamp_header' | 'timestamp_outside_window' | 'no_hash_header' | 'hash_mismatch';

export type AuthResult =
  { readonly ok: true; readonly timestampHeader: string; readonly hashHeader: string } | { readonly ok: false; readonly reason: AuthFailure };

const TIMESTAMP = /^\d{1,12}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
// Bounds the hashing work a request can cause by sending many look-alike headers.
const MAX_CANDIDATES = 8;

interface Candidate {
  readonly header: string;
  readonly value: string;
}

export function authenticate(headers: ReadonlyMap<string, string>, nowSeconds: number, settings: AuthSettings): AuthResult {
  // Freshness is part of the match, so numeric headers (content-length, ports) never crowd out the timestamp.
  const fresh = candidates(
    headers,
    settings.timestampHeader,
    (value) => TIMESTAMP.test(value) && Math.abs(nowSeconds - Number(value)) <= settings.maxSkewSeconds,
  );
  if (fresh.length === 0) {
    const stale = candidates(headers, settings.timestampHeader, (value) => TIMESTAMP.test(value)).length > 0;
    return { ok: false, reason: stale ? 'timestamp_outside_window' : 'no_timestamp_header' };
  }

  const hashes = candidates(headers, settings.hashHeader, (value) => SHA256_HEX.test(value)).map((c) => ({
    header: c.header,
    digest: Buffer.from(c.value, 'hex'),
  }));
  if (hashes.length === 0) return { ok: false, reason: 'no_hash_header' };

  for (const timestamp of fresh) {
    for (const secret of settings.apiSecrets) {
      const expected = droamDigest(secret, timestamp.value);
      for (const hash of hashes) {
        if (hash.header !== timestamp.header && timingSafeEqual(expected, hash.digest)) {
          return { ok: true, timestampHeader: timestamp.header, hashHeader: hash.header };
        }
      }
    }
  }
  return { ok: false, reason: 'hash_mismatch' };
}

function candidates(headers: ReadonlyMap<string, string>, pinned: string | undefined, accepts: (value: string) => boolean): Candidate[] {
  if (pinned !== undefined) {
    const value = headers.get(pinned)?.trim();
    return value !== undefined && accepts(value) ? [{ header: pinned, value }] : [];
  }
  const found: Candidate[] = [];
  for (const [header, raw] of headers) {
    const value = raw.trim();
    if (accepts(value)) found.push({ header, value });
    if (found.length === MAX_CANDIDATES) break;
  }
  return found;
}
