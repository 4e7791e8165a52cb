/**
 * Every function reads its configuration from the environment once, at cold
 * start. A bad configuration throws one error that lists every problem, so a
 * misconfigured stage fails its first invocation loudly instead of answering
 * half-working.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const isTrue = (value: string | undefined): boolean => value === 'true' || value === '1';

/** True under `sls invoke local` or serverless-offline. */
export function isLocalRun(env: Env): boolean {
  return isTrue(env.IS_LOCAL) || isTrue(env.IS_OFFLINE);
}

/** An SQS queue URL from `env[name]`; undefined when unset, a problem when it is not a URL. */
export function readQueueUrl(env: Env, name: string): { readonly url: string | undefined; readonly problems: string[] } {
  const url = env[name]?.trim() || undefined;
  if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) return { url, problems: [`${name} is not an SQS queue URL: "${url}"`] };
  return { url, problems: [] };
}
