import { isDocumentedExampleSecret } from './signature';
import { parseSourceAllowList, type SourceAllowList } from './source-ip';

/**
 * Configuration, read from the environment once at cold start.
 * A bad configuration throws one error that lists every problem, so a
 * misconfigured stage fails its first invocation loudly instead of
 * answering requests half-working.
 */

const MAX_DEPLOYED_SKEW_SECONDS = 86_400;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

export type AuthMode = 'required' | 'off';

export interface Config {
  readonly topicArn: string;
  readonly fifo: boolean;
  readonly auth: AuthMode;
  readonly apiSecrets: readonly string[];
  /** Lower-cased header names, when pinned; otherwise discovered per request. */
  readonly timestampHeader: string | undefined;
  readonly hashHeader: string | undefined;
  readonly maxSkewSeconds: number;
  readonly eventSource: string;
  /** Types this stage publishes; undefined publishes every type. */
  readonly eventTypes: ReadonlySet<string> | undefined;
  /** SQS queue for authenticated payloads that cannot be published; undefined keeps none. */
  readonly quarantineQueueUrl: string | undefined;
  /** Source IP ranges allowed to call; undefined allows any. */
  readonly allowedSources: SourceAllowList | undefined;
  /** True under `sls invoke local` or serverless-offline. */
  readonly local: boolean;
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

  const apiSecrets = (env.DROAM_API_SECRETS ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  if (auth === 'required') {
    if (apiSecrets.length === 0) problems.push('DROAM_API_SECRETS is required unless DROAM_AUTH=off (comma-separated api secrets)');
    // Never echo a secret, not even a malformed one, into the error.
    apiSecrets.forEach((secret, index) => {
      if (secret.length < 16) problems.push(`DROAM_API_SECRETS entry ${index + 1} is shorter than 16 characters`);
      if (/\s/.test(secret)) problems.push(`DROAM_API_SECRETS entry ${index + 1} contains white space`);
    });
    if (!local && apiSecrets.some(isDocumentedExampleSecret)) {
      problems.push("DROAM_API_SECRETS contains the secret from dRoam's public documentation, which is accepted only locally (IS_LOCAL/IS_OFFLINE)");
    }
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
    timestampHeader,
    hashHeader,
    maxSkewSeconds,
    eventSource,
    eventTypes,
    quarantineQueueUrl,
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
