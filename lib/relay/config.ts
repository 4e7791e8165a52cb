import { type ApiSecretsSettings, readApiSecretsSettings } from '../api-secrets/settings';
import { type NamedSource, readNamedSources } from '../api-secrets/sources';
import { DEFAULT_DROAM_SOURCE } from '../contract';
import { ConfigError, type Env, isLocalRun, readQueueUrl, readStage } from '../lambda/config';
import { readTopicArn } from '../topic/publish';
import { parseSourceAllowList, type SourceAllowList } from './source-ip';

/**
 * The webhook's configuration, read from the environment once at cold start;
 * a bad one throws a ConfigError listing every problem. A deployed stage's api
 * secrets are the one setting that is not here: they change without a deploy,
 * so the configuration names the SSM parameter that holds them
 * (lib/api-secrets/ reads it).
 */

const MAX_DEPLOYED_SKEW_SECONDS = 86_400;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

export type AuthMode = 'required' | 'off';

export interface Config extends ApiSecretsSettings {
  /** The stage whose relay this is: its records and tags name it. */
  readonly stage: string;
  readonly topicArn: string;
  readonly fifo: boolean;
  readonly auth: AuthMode;
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
  /**
   * The dRoam sources besides the default one (`/webhooks/droam`), each at `/webhooks/droam/<name>` with
   * api secrets of its own; empty for a stage that receives one dRoam account's webhooks.
   */
  readonly sources: readonly NamedSource[];
  /** Whether metrics are also aggregated per event type (METRICS_BY_EVENT_TYPE, `true` unless `false`). */
  readonly metricsByEventType: boolean;
  /** True under `sls invoke local` or serverless-offline. */
  readonly local: boolean;
}

export function loadConfig(env: Env): Config {
  const local = isLocalRun(env);
  const { topicArn, problems: topicProblems } = readTopicArn(env);
  const { stage, problems: stageProblems } = readStage(env);

  const authRaw = (env.DROAM_AUTH ?? 'required').trim().toLowerCase();
  const auth: AuthMode = authRaw === 'off' ? 'off' : 'required';
  const authProblems = authRaw === 'off' || authRaw === 'required' || authRaw === '' ? [] : [`DROAM_AUTH must be "required" or "off", not "${authRaw}"`];

  const { problems: secretProblems, ...apiSecrets } = readApiSecretsSettings(env, { local, required: auth === 'required' });
  const named = readNamedSources(env, { local, required: auth === 'required', defaultName: DEFAULT_DROAM_SOURCE });
  const headers = readAuthHeaders(env);
  const skew = readMaxSkew(env, local);

  const eventSource = env.EVENT_SOURCE?.trim() || 'droam';
  const eventTypeList = (env.EVENT_TYPES ?? '')
    .split(',')
    .map((type) => type.trim())
    .filter((type) => type !== '');
  const quarantine = readQueueUrl(env, 'QUARANTINE_QUEUE_URL');
  const retry = readQueueUrl(env, 'RETRY_QUEUE_URL');
  const byType = env.METRICS_BY_EVENT_TYPE?.trim().toLowerCase() ?? '';
  const cidrs = env.ALLOWED_SOURCE_CIDRS?.trim() ?? '';
  const sources = cidrs === '' ? undefined : parseSourceAllowList(cidrs);

  const problems = [
    ...stageProblems,
    ...topicProblems,
    ...authProblems,
    ...secretProblems,
    ...named.problems,
    ...headers.problems,
    ...skew.problems,
    ...(/\s/.test(eventSource) ? [`EVENT_SOURCE must be a URI reference without white space, not "${eventSource}"`] : []),
    ...quarantine.problems,
    ...retry.problems,
    ...(sources?.problems ?? []),
    ...(['', 'true', 'false'].includes(byType) ? [] : [`METRICS_BY_EVENT_TYPE must be "true" or "false", not "${byType}"`]),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    stage,
    topicArn,
    fifo: topicArn.endsWith('.fifo'),
    auth,
    ...apiSecrets,
    timestampHeader: headers.timestampHeader,
    hashHeader: headers.hashHeader,
    maxSkewSeconds: skew.maxSkewSeconds,
    eventSource,
    eventTypes: eventTypeList.length === 0 ? undefined : new Set(eventTypeList),
    quarantineQueueUrl: quarantine.url,
    retryQueueUrl: retry.url,
    allowedSources: sources?.list,
    sources: named.sources,
    metricsByEventType: byType !== 'false',
    local,
  };
}

/** DROAM_TIMESTAMP_HEADER and DROAM_HASH_HEADER, pinned together or not at all. */
function readAuthHeaders(env: Env): { timestampHeader: string | undefined; hashHeader: string | undefined; problems: string[] } {
  const timestamp = headerName(env, 'DROAM_TIMESTAMP_HEADER');
  const hash = headerName(env, 'DROAM_HASH_HEADER');
  const problems = [...timestamp.problems, ...hash.problems];
  if ((timestamp.name === undefined) !== (hash.name === undefined)) {
    problems.push('DROAM_TIMESTAMP_HEADER and DROAM_HASH_HEADER are pinned together: set both or neither');
  } else if (timestamp.name !== undefined && timestamp.name === hash.name) {
    problems.push('DROAM_TIMESTAMP_HEADER and DROAM_HASH_HEADER must name different headers');
  }
  return { timestampHeader: timestamp.name, hashHeader: hash.name, problems };
}

function headerName(env: Env, variable: string): { name: string | undefined; problems: string[] } {
  const value = env[variable]?.trim();
  if (value === undefined || value === '') return { name: undefined, problems: [] };
  if (!HEADER_NAME.test(value)) return { name: undefined, problems: [`${variable} is not a valid HTTP header name: "${value}"`] };
  return { name: value.toLowerCase(), problems: [] };
}

function readMaxSkew(env: Env, local: boolean): { maxSkewSeconds: number; problems: string[] } {
  const raw = env.DROAM_MAX_SKEW_SECONDS?.trim() || '300';
  const maxSkewSeconds = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(maxSkewSeconds) || maxSkewSeconds < 1) {
    return { maxSkewSeconds, problems: [`DROAM_MAX_SKEW_SECONDS must be a whole number of seconds of at least 1, not "${raw}"`] };
  }
  if (!local && maxSkewSeconds > MAX_DEPLOYED_SKEW_SECONDS) {
    return { maxSkewSeconds, problems: [`DROAM_MAX_SKEW_SECONDS may exceed ${MAX_DEPLOYED_SKEW_SECONDS} only locally (IS_LOCAL/IS_OFFLINE)`] };
  }
  return { maxSkewSeconds, problems: [] };
}
