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

/** A stage's name, as the Framework's `${sls:stage}` gives it: letters, digits, `-` and `_`. */
const STAGE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * STAGE: the stage whose relay this is (serverless.yml gives it `${sls:stage}`). Records, and the
 * tags on them and on every message, name it, so nothing is moved between stages. Required on a
 * deployed stage; `local` for a local run without one.
 */
export function readStage(env: Env): { readonly stage: string; readonly problems: string[] } {
  const stage = env.STAGE?.trim() ?? '';
  if (stage === '') return isLocalRun(env) ? { stage: 'local', problems: [] } : { stage, problems: ['STAGE is required (the stage whose relay this is)'] };
  return STAGE_NAME.test(stage) ? { stage, problems: [] } : { stage, problems: [`STAGE must be a stage name (letters, digits, - and _), not "${stage}"`] };
}
