// @ts-check
/** Sends requests the way dRoam does: JSON, with a timestamp header and the SHA-256 of "<secret>:<timestamp>". */
import { createHash } from 'node:crypto';

/** dRoam's documentation example secret: what the `local` stage accepts. */
export const LOCAL_SECRET = '96f3fbc76a921307f1c90d42a2203c9d';
export const LOCAL_URL = 'http://127.0.0.1:3000/webhooks/droam';
/** dRoam does not document its header names; the relay discovers them unless pinned. */
export const DEFAULT_TIMESTAMP_HEADER = 'x-api-timestamp';
export const DEFAULT_HASH_HEADER = 'x-api-hash';

/** The local stage's secret is the default only for a relay on this machine. */
export function defaultSecret(/** @type {string} */ url) {
  const fromEnv = process.env.DROAM_API_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' ? LOCAL_SECRET : '';
}

/**
 * @param {string} secret
 * @param {{ timestampHeader?: string, hashHeader?: string, now?: number }} [options]
 * @returns {Record<string, string>}
 */
export function signedHeaders(secret, { timestampHeader = DEFAULT_TIMESTAMP_HEADER, hashHeader = DEFAULT_HASH_HEADER, now = Date.now() } = {}) {
  const timestamp = String(Math.floor(now / 1000));
  return { [timestampHeader]: timestamp, [hashHeader]: createHash('sha256').update(`${secret}:${timestamp}`).digest('hex') };
}

/**
 * POSTs a body as dRoam would (Guzzle's user agent included) and returns status, headers and text.
 * @param {string} url
 * @param {string} body
 * @param {Record<string, string>} headers
 * @param {number} [timeoutMs]
 */
export async function post(url, body, headers, timeoutMs = 30_000) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'GuzzleHttp/7', ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}

/**
 * Minimal --flag value parsing; unknown flags are errors.
 * @param {string[]} argv
 * @param {Record<string, 'string' | 'boolean'>} spec
 */
export function parseFlags(argv, spec) {
  /** @type {Record<string, string | boolean>} */
  const flags = {};
  /** @type {string[]} */
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s);
    const kind = spec[name];
    if (kind === undefined) throw new Error(`unknown option --${name}`);
    if (kind === 'boolean') flags[name] = true;
    else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      flags[name] = value;
    }
  }
  return { flags, positional };
}
