import { describeError } from '../lambda/clients';
import { apiSecretProblems, parseApiSecrets } from './rules';

/**
 * The api secrets a request is authenticated with. They are given once (in the
 * environment: local runs and tests) or read from a store that an operator
 * updates without a deploy (a deployed stage's SSM SecureString).
 */
export type ApiSecretsResult =
  | {
      readonly ok: true;
      readonly secrets: readonly string[];
      /** Set when the store could not be read again and the last value read is still in use. */
      readonly refreshFailure?: string;
    }
  | { readonly ok: false; readonly reason: string };

export type ApiSecrets = () => Promise<ApiSecretsResult>;

/** Secrets fixed for the life of the instance. */
export function fixedApiSecrets(secrets: readonly string[]): ApiSecrets {
  const result: ApiSecretsResult = { ok: true, secrets };
  return () => Promise.resolve(result);
}

export interface StoredApiSecretsOptions {
  /** Named in problems and log lines (never the value). */
  readonly source: string;
  /** The documented example secret is accepted only in a local run. */
  readonly local: boolean;
  /** With a good value held: after a failed read, the store is not asked again for this long; the value stays in use. */
  readonly retryAfterFailureMs: number;
  /** With no good value yet: after a failed read, the next one waits a back-off drawn evenly from this range. */
  readonly retryWithoutValueMs: { readonly min: number; readonly max: number };
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** A number from 0 up to 1 (Math.random): where in its range a back-off falls. */
  readonly random: () => number;
}

/** What a read is told: bypass the reader's cache (after a failure), and whether a good value is held (a failed read then costs no request its answer). */
export interface StoreRead {
  readonly fresh: boolean;
  readonly holding: boolean;
}

/**
 * Secrets read from a store through `read`, which returns the stored text
 * (comma-separated secrets) and caches it for its maximum age; `fresh` asks it
 * to bypass that cache (after a failure, so a corrected value is used at the
 * next read rather than when the bad one would have expired).
 *
 * A value read is checked as the environment's is at cold start; a value that
 * fails the check is not used. When a read fails, the last good value stays
 * in use (a store outage must not turn dRoam's events into 401s) and the store
 * is left alone for `retryAfterFailureMs`, so an outage does not cost every
 * request a read. With no good value yet, the result is a failure the
 * pipeline answers 503 (retry later), never 401, and the store is asked again
 * after a short back-off (`retryWithoutValueMs`): an instance that cannot
 * authenticate anything must not stay that way for long after the store can
 * answer. One read at a time: requests that come while one is under way wait
 * for it.
 */
export function storedApiSecrets(read: (request: StoreRead) => Promise<string>, options: StoredApiSecretsOptions): ApiSecrets {
  let lastText: string | undefined;
  let lastGood: readonly string[] | undefined;
  let quietUntil = 0;
  let lastFailure = '';
  // A read under way is shared: the requests that arrive meanwhile wait for it.
  let inflight: Promise<ApiSecretsResult> | undefined;

  const backOff = (): number => {
    const { min, max } = options.retryWithoutValueMs;
    return lastGood === undefined ? min + options.random() * (max - min) : options.retryAfterFailureMs;
  };

  const failed = (reason: string): ApiSecretsResult => {
    lastFailure = reason;
    quietUntil = options.now() + backOff();
    return lastGood === undefined ? { ok: false, reason } : { ok: true, secrets: lastGood, refreshFailure: reason };
  };

  const refresh = async (): Promise<ApiSecretsResult> => {
    let text: string;
    try {
      text = await read({ fresh: lastFailure !== '', holding: lastGood !== undefined });
    } catch (error) {
      return failed(`${options.source} could not be read: ${describeError(error)}`);
    }
    // The cached value comes back until its maximum age: checked once per value, not per request.
    if (text === lastText && lastGood !== undefined) {
      lastFailure = '';
      return { ok: true, secrets: lastGood };
    }
    const secrets = parseApiSecrets(text);
    const problems = secrets.length === 0 ? [`${options.source} holds no secret`] : apiSecretProblems(secrets, options.local, options.source);
    if (problems.length > 0) return failed(problems.join('; '));
    lastText = text;
    lastGood = secrets;
    lastFailure = '';
    return { ok: true, secrets };
  };

  return () => {
    if (options.now() < quietUntil) {
      return Promise.resolve(lastGood === undefined ? { ok: false, reason: lastFailure } : { ok: true, secrets: lastGood, refreshFailure: lastFailure });
    }
    inflight ??= refresh().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
}

/**
 * The secrets of several stores as one list, for checking tags that any of them may have made (the
 * publish-retry drainer checks records tagged under each source's secrets). A store that fails makes
 * the whole read fail: checked against part of the secrets, a genuine record would look forged.
 */
export function combinedApiSecrets(stores: readonly ApiSecrets[]): ApiSecrets {
  if (stores.length === 1 && stores[0] !== undefined) return stores[0];
  return async () => {
    const results = await Promise.all(stores.map((store) => store()));
    const failed = results.find((result) => !result.ok);
    if (failed !== undefined) return failed;
    const secrets = results.flatMap((result) => (result.ok ? result.secrets : []));
    const refreshFailure = results.flatMap((result) => (result.ok && result.refreshFailure !== undefined ? [result.refreshFailure] : [])).join('; ');
    return refreshFailure === '' ? { ok: true, secrets } : { ok: true, secrets, refreshFailure };
  };
}
