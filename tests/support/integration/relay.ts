/**
 * The real handler, functions/webhook.ts, loaded with a given environment.
 * It reads its configuration at import, so every configuration gets its own
 * isolated module registry. The SDK reads region, credentials and
 * AWS_ENDPOINT_URL_SNS lazily, so the environment is applied again around each
 * invocation; invocations of one relay must therefore not overlap with those of
 * a relay configured differently.
 */
import { randomBytes } from 'node:crypto';
import type { HttpResponse } from '../../../lib/relay/respond';
import { CREDENTIALS, REGION, emulatorEndpoint } from './aws';
import { DOCUMENTED_SECRET } from './events';

type WebhookModule = typeof import('../../../functions/webhook');
export type Env = Readonly<Record<string, string | undefined>>;

/** A secret for production-like configurations, different on every run. */
export const TEST_SECRET = randomBytes(16).toString('hex');

/** Every variable the relay or the SDK might read; unset unless a configuration sets it. */
const ISOLATED: Env = {
  STAGE: undefined,
  TOPIC_ARN: undefined,
  DROAM_API_SECRETS: undefined,
  DROAM_AUTH: undefined,
  DROAM_TIMESTAMP_HEADER: undefined,
  DROAM_HASH_HEADER: undefined,
  DROAM_MAX_SKEW_SECONDS: undefined,
  EVENT_SOURCE: undefined,
  QUARANTINE_QUEUE_URL: undefined,
  RETRY_QUEUE_URL: undefined,
  RETRY_DEAD_LETTER_QUEUE_URL: undefined,
  RETRY_PUBLISH_PER_SECOND: undefined,
  RETRY_DRAINER_MAXIMUM_CONCURRENCY: undefined,
  AWS_ENDPOINT_URL_SQS: undefined,
  IS_LOCAL: undefined,
  IS_OFFLINE: undefined,
  AWS_ENDPOINT_URL: undefined,
  AWS_PROFILE: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  // Powertools logs through the global console in dev mode, where the tests capture it.
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_SERVICE_NAME: 'droam-webhook-relay',
};

/** A deployed stage's settings: its own secret, the default 300 s skew, no local relaxations. */
export function deployedEnv(topicArn: string, extra: Env = {}): Env {
  return { AWS_ENDPOINT_URL_SNS: emulatorEndpoint(), STAGE: 'test', TOPIC_ARN: topicArn, DROAM_API_SECRETS: TEST_SECRET, ...extra };
}

/** The `local` stage of serverless.yml: dRoam's documented secret and a skew the committed samples fit in. */
export function localStageEnv(topicArn: string, extra: Env = {}): Env {
  return {
    AWS_ENDPOINT_URL_SNS: emulatorEndpoint(),
    TOPIC_ARN: topicArn,
    DROAM_API_SECRETS: DOCUMENTED_SECRET,
    DROAM_MAX_SKEW_SECONDS: '315360000',
    IS_LOCAL: 'true',
    ...extra,
  };
}

export interface RelayResponse extends HttpResponse {
  /** The body parsed as JSON. */
  readonly json: Record<string, unknown>;
  /** Log lines written during the invocation, parsed. */
  readonly logs: readonly LogLine[];
  /** What each console call wrote, as text. */
  readonly rawLogs: readonly string[];
  /** All of it in one string, to look for what must never be logged. */
  readonly logText: string;
  readonly elapsedMs: number;
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

export interface Relay {
  invoke(event: unknown): Promise<RelayResponse>;
}

export async function loadRelay(env: Env): Promise<Relay> {
  const full: Env = { ...ISOLATED, ...env };
  let module: WebhookModule | undefined;
  await withEnv(full, () =>
    jest.isolateModulesAsync(async () => {
      module = await import('../../../functions/webhook');
    }),
  );
  if (module === undefined) throw new Error('functions/webhook did not load');
  const { handler } = module;
  return {
    invoke: (event) =>
      withEnv(full, async () => {
        const captured: string[] = [];
        const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((method) =>
          jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
            captured.push(args.map(String).join(' '));
          }),
        );
        const started = performance.now();
        try {
          const response = await handler(event);
          const elapsedMs = performance.now() - started;
          return {
            ...response,
            json: parseObject(response.body),
            logs: captured.map(parseLogLine),
            rawLogs: captured,
            logText: captured.join('\n'),
            elapsedMs,
          };
        } finally {
          for (const spy of spies) spy.mockRestore();
        }
      }),
  };
}

type DrainerModule = typeof import('../../../functions/retry-drainer');
export type RetryDrainer = DrainerModule['handler'];

/** functions/retry-drainer.ts loaded with a given environment; each invocation runs inside it. */
export async function loadRetryDrainer(env: Env): Promise<RetryDrainer> {
  const full: Env = { ...ISOLATED, ...env };
  let module: DrainerModule | undefined;
  await withEnv(full, () =>
    jest.isolateModulesAsync(async () => {
      module = await import('../../../functions/retry-drainer');
    }),
  );
  if (module === undefined) throw new Error('functions/retry-drainer did not load');
  const { handler } = module;
  return (event) =>
    withEnv(full, async () => {
      const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((method) => jest.spyOn(console, method).mockImplementation(() => undefined));
      try {
        return await handler(event);
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    });
}

async function withEnv<T>(env: Env, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  apply(env);
  try {
    return await run();
  } finally {
    apply(saved);
  }
}

function apply(env: Env): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
}

/** A JSON object from text, or {} for anything else. */
export function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function parseLogLine(text: string): LogLine {
  const line = parseObject(text);
  return { ...line, level: String(line.level), message: String(line.message) };
}
