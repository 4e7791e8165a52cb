import { isDocumentedExampleSecret } from './signature';
import { parseSourceAllowList, type SourceAllowList } from './source-ip';

/**
 * Configuration, read from the environment once at cold start.
 * A bad configuration throws one error that lists every problem, so a
 * misconfigured stage fails its first invocation loudly instead of
 * answering requests half-working.
 *
 * A deployed stage's api secrets are the one setting that is not here: they
 * change without a deploy, so the configuration names the SSM parameter that
 * holds them and how long a value read stays fresh, and api-secrets.ts reads
 * them (before the first request, then again once that age has passed).
 */

const MAX_DEPLOYED_SKEW_SECONDS = 86_400;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
// An SSM parameter name (a path of letters, digits and _.-) or its ARN.
const SSM_PARAMETER = /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?\/?[A-Za-z0-9_.\-/]{1,2048}$/;
const DEFAULT_SECRETS_MAX_AGE_SECONDS = 300;
const MAX_SECRETS_MAX_AGE_SECONDS = 3_600;

export type AuthMode = 'required' | 'off';

export interface Config {
  readonly topicArn: string;
  readonly fifo: boolean;
  readonly auth: AuthMode;
  /** The api secrets given in the environment (local runs and tests); empty when they come from SSM. */
  readonly apiSecrets: readonly string[];
  /** The SSM SecureString that holds the api secrets of a deployed stage, read at cold start and again after `maxAgeSeconds`. */
  readonly apiSecretsParameter: ApiSecretsParameter | undefined;
  /** Lower-cased header names, when pinned; otherwise discovered per request. */
  readonly timestampHeader: string | undefined;
  readonly hashHeader: string | undefined;
  readonly maxSkewSeconds: number;
  readonly eventSource: string;
  /** Types this stage publishes; undefined publishes every type. */
  readonly eventTypes: ReadonlySet<string> | undefined;
  /** SQS queue for authenticated payloads that cannot be published; undefined keeps none. */
  readonly quarantineQueueUrl: string | undefined;
  /** SQS queue for valid events SNS could not take for now, drained into the topic; undefined answers 503 instead. */
  readonly retryQueueUrl: string | undefined;
  /** Source IP ranges allowed to call; undefined allows any. */
  readonly allowedSources: SourceAllowList | undefined;
  /** True under `sls invoke local` or serverless-offline. */
  readonly local: boolean;
}

export interface ApiSecretsParameter {
  readonly name: string;
  /** How long a value read is used before it is read again: the longest a rotated secret waits to be picked up. */
  readonly maxAgeSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const isTrue = (value: string | undefined): boolean => value === 'true' || value === '1';

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const local = isTrue(env.IS_LOCAL) || isTrue(env.IS_OFFLINE);

  const topicArn = env.TOPIC_ARN?.trim() ?? '';
  if (topicArn === '') problems.push('TOPIC_ARN is required (the ARN of the destination SNS topic)');
  else if (!TOPIC_ARN.test(topicArn)) problems.push(`TOPIC_ARN is not an SNS topic ARN: "${topicArn}"`);

  const authRaw = (env.DROAM_AUTH ?? 'required').trim().toLowerCase();
  let auth: AuthMode = 'required';
  if (authRaw === 'off') auth = 'off';
  else if (authRaw !== 'required' && authRaw !== '') problems.push(`DROAM_AUTH must be "required" or "off", not "${authRaw}"`);

  const apiSecrets = parseApiSecrets(env.DROAM_API_SECRETS ?? '');
  const parameterName = env.DROAM_API_SECRETS_PARAMETER?.trim() ?? '';
  let apiSecretsParameter: ApiSecretsParameter | undefined;
  if (parameterName !== '') {
    if (!SSM_PARAMETER.test(parameterName)) problems.push(`DROAM_API_SECRETS_PARAMETER is not an SSM parameter name or ARN: "${parameterName}"`);
    if (apiSecrets.length > 0)
      problems.push('DROAM_API_SECRETS and DROAM_API_SECRETS_PARAMETER are exclusive: give the secrets, or the SSM parameter that holds them');
    const maxAgeRaw = env.DROAM_API_SECRETS_MAX_AGE_SECONDS?.trim() || String(DEFAULT_SECRETS_MAX_AGE_SECONDS);
    const maxAgeSeconds = Number(maxAgeRaw);
    if (!/^\d+$/.test(maxAgeRaw) || maxAgeSeconds < 1 || maxAgeSeconds > MAX_SECRETS_MAX_AGE_SECONDS) {
      problems.push(`DROAM_API_SECRETS_MAX_AGE_SECONDS must be a whole number of seconds from 1 to ${MAX_SECRETS_MAX_AGE_SECONDS}, not "${maxAgeRaw}"`);
    }
    apiSecretsParameter = { name: parameterName, maxAgeSeconds };
  }
  if (auth === 'required') {
    if (apiSecrets.length === 0 && apiSecretsParameter === undefined) {
      problems.push(
        'DROAM_API_SECRETS (comma-separated api secrets) or DROAM_API_SECRETS_PARAMETER (the SSM SecureString holding them) is required unless DROAM_AUTH=off',
      );
    }
    problems.push(...apiSecretProblems(apiSecrets, local, 'DROAM_API_SECRETS'));
  }

  const timestampHeader = headerName(env, 'DROAM_TIMESTAMP_HEADER', problems);
  const hashHeader = headerName(env, 'DROAM_HASH_HEADER', problems);
  if ((timestampHeader === undefined) !== (hashHeader === undefined)) {
    problems.push('DROAM_TIMESTAMP_HEADER and DROAM_HASH_HEADER are pinned together: set both or neither');
  } else if (timestampHeader !== undefined && timestampHeader === hashHeader) {
    problems.push('DROAM_TIMESTAMP_HEADER and DROAM_HASH_HEADER must name different headers');
  }

  const skewRaw = env.DROAM_MAX_SKEW_SECONDS?.trim() || '300';
  const maxSkewSeconds = Number(skewRaw);
  if (!/^\d+$/.test(skewRaw) || !Number.isSafeInteger(maxSkewSeconds) || maxSkewSeconds < 1) {
    problems.push(`DROAM_MAX_SKEW_SECONDS must be a whole number of seconds of at least 1, not "${skewRaw}"`);
  } else if (!local && maxSkewSeconds > MAX_DEPLOYED_SKEW_SECONDS) {
    problems.push(`DROAM_MAX_SKEW_SECONDS may exceed ${MAX_DEPLOYED_SKEW_SECONDS} only locally (IS_LOCAL/IS_OFFLINE)`);
  }

  const eventSource = env.EVENT_SOURCE?.trim() || 'droam';
  if (/\s/.test(eventSource)) problems.push(`EVENT_SOURCE must be a URI reference without white space, not "${eventSource}"`);

  const eventTypeList = (env.EVENT_TYPES ?? '')
    .split(',')
    .map((type) => type.trim())
    .filter((type) => type !== '');
  const eventTypes = eventTypeList.length === 0 ? undefined : new Set(eventTypeList);

  const quarantineQueueUrl = env.QUARANTINE_QUEUE_URL?.trim() || undefined;
  if (quarantineQueueUrl !== undefined && !/^https?:\/\/\S+$/.test(quarantineQueueUrl)) {
    problems.push(`QUARANTINE_QUEUE_URL is not an SQS queue URL: "${quarantineQueueUrl}"`);
  }

  const retryQueueUrl = env.RETRY_QUEUE_URL?.trim() || undefined;
  if (retryQueueUrl !== undefined && !/^https?:\/\/\S+$/.test(retryQueueUrl)) {
    problems.push(`RETRY_QUEUE_URL is not an SQS queue URL: "${retryQueueUrl}"`);
  }

  let allowedSources: SourceAllowList | undefined;
  const cidrs = env.ALLOWED_SOURCE_CIDRS?.trim() ?? '';
  if (cidrs !== '') {
    const parsed = parseSourceAllowList(cidrs);
    problems.push(...parsed.problems);
    allowedSources = parsed.list;
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    topicArn,
    fifo: topicArn.endsWith('.fifo'),
    auth,
    apiSecrets,
    apiSecretsParameter,
    timestampHeader,
    hashHeader,
    maxSkewSeconds,
    eventSource,
    eventTypes,
    quarantineQueueUrl,
    retryQueueUrl,
    allowedSources,
    local,
  };
}

function headerName(env: Env, variable: string, problems: string[]): string | undefined {
  const value = env[variable]?.trim();
  if (value === undefined || value === '') return undefined;
  if (!HEADER_NAME.test(value)) {
    problems.push(`${variable} is not a valid HTTP header name: "${value}"`);
    return undefined;
  }
  return value.toLowerCase();
}

/** A comma-separated list of api secrets (several while rotating), white space around each ignored. */
export function parseApiSecrets(list: string): string[] {
  return list
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
}

/**
 * What is wrong with a list of api secrets, wherever it was read from: the
 * environment at cold start, or the SSM parameter each time it is read.
 * Never echoes a secret, not even a malformed one.
 */
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
