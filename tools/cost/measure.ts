/**
 * The relay's own sizes, measured by running the webhook's handler in this process as Lambda runs it
 * (the real Powertools Logger and Metrics, SNS answered here): the bytes of a published message, the
 * bytes the request's log line writes at each log level, and the CloudWatch metrics its EMF documents
 * create. Nothing leaves the machine.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { payloadTypes } from '../../lib/contract';
import { createLogger } from '../../lib/observability/logger';
import { createMetrics } from '../../lib/observability/metrics';
import { loadConfig } from '../../lib/relay/config';
import { signedHeaders } from '../../lib/relay/signature';
import { createWebhookHandler } from '../../lib/relay/webhook';
import { type SnsMessage, snsMessageBytes } from '../../lib/topic/message';

const SECRET = 'cost-model-secret-5d1e8a2c9f3b7046';

export interface Measured {
  /** A pool-usage event as SNS bills it (body and attributes). */
  readonly messageBytes: number;
  /** What the request writes to its log group at each log level: its line with its metrics, or the metrics alone. */
  readonly logBytes: { readonly INFO: number; readonly WARN: number };
  /** Distinct CloudWatch metrics (name, namespace and dimension values) a month's mix creates. */
  readonly metricSeries: number;
  /** The event types of that mix. */
  readonly eventTypes: readonly string[];
}

type SampleEvent = { headers: Record<string, string>; body: string; isBase64Encoded?: boolean; requestContext?: Record<string, unknown> } & Record<
  string,
  unknown
>;

/** The samples of events/ that publish, one per type, in name order: the first `types` of them. */
function samplesByType(root: string, types: number): SampleEvent[] {
  const byType = new Map<string, SampleEvent>();
  for (const file of readdirSync(path.join(root, 'events')).sort()) {
    if (!file.endsWith('.json') || file.startsWith('error-') || file.startsWith('echo-')) continue;
    const event = JSON.parse(readFileSync(path.join(root, 'events', file), 'utf8')) as SampleEvent;
    const body = event.isBase64Encoded === true ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const type = (JSON.parse(body) as { type?: unknown }).type;
    if (typeof type === 'string' && payloadTypes.has(type) && !byType.has(type)) byType.set(type, event);
  }
  const pool = byType.get('rule.pool.usage.triggered');
  const others = [...byType.entries()].filter(([type]) => type !== 'rule.pool.usage.triggered').map(([, event]) => event);
  return [...(pool === undefined ? [] : [pool]), ...others].slice(0, types);
}

/** A sample signed now with the model's secret, with a request id of API Gateway's length. */
function signedNow(event: SampleEvent, secret = SECRET): SampleEvent {
  const headers = Object.fromEntries(Object.entries(event.headers).filter(([name]) => !/^x-api-(timestamp|hash)$/i.test(name)));
  const requestId = randomUUID().replaceAll('-', '').slice(0, 16);
  return { ...event, headers: { ...headers, ...signedHeaders(secret, {}) }, requestContext: { ...event.requestContext, requestId } };
}

const CONTEXT = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'droam-webhook-relay-prod-webhook',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:droam-webhook-relay-prod-webhook',
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/droam-webhook-relay-prod-webhook',
  logStreamName: '2026/12/07/[$LATEST]0123456789abcdef0123456789abcdef',
  getRemainingTimeInMillis: () => 10_000,
  // The callback-era members (done, fail, succeed) are deprecated; nothing here calls them.
} as Context;

/** Runs the requests through a fresh handler at that log level; returns what was written to stdout and stderr, and the messages published. */
async function run(events: readonly SampleEvent[], logLevel: 'INFO' | 'WARN'): Promise<{ written: string[]; last: string[]; published: SnsMessage[] }> {
  // As Lambda sets them for an on-demand instance of a deployed stage (Powertools reports cold starts only then).
  const env: Readonly<Record<string, string | undefined>> = {
    POWERTOOLS_LOG_LEVEL: logLevel,
    POWERTOOLS_SERVICE_NAME: 'droam-webhook-relay-prod',
    POWERTOOLS_DEV: undefined,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const apply = (values: Readonly<Record<string, string | undefined>>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  };
  apply(env);
  const published: SnsMessage[] = [];
  const written: string[] = [];
  const startedAt = Date.now();
  // Where the last request's output starts: an instance's first request also writes its cold start.
  let lastFrom = 0;
  // Lambda keeps both in the function's log group: Powertools writes warnings and errors to stderr.
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write.bind(stream));
  try {
    const handler = createWebhookHandler({
      config: loadConfig({ STAGE: 'prod', TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:droam-webhook-relay-prod', DROAM_API_SECRETS: SECRET }),
      registry: payloadTypes,
      publish: (message) => {
        published.push(message);
        return Promise.resolve({ ok: true, messageId: randomUUID() });
      },
      // A clock that stands still: durations of 0 ms, so that the sizes are the same on every run (a real one adds a digit or two).
      now: () => startedAt,
      logger: createLogger('droam-webhook-relay'),
      metrics: createMetrics('droam-webhook-relay'),
    });
    for (const stream of streams) {
      stream.write = (chunk: string | Uint8Array): boolean => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      };
    }
    for (const event of events) {
      lastFrom = written.length;
      await handler(event, CONTEXT);
    }
  } finally {
    streams.forEach((stream, index) => {
      const write = writes[index];
      if (write !== undefined) stream.write = write;
    });
    apply(saved);
  }
  return { written, last: written.slice(lastFrom), published };
}

/** The distinct metrics of EMF documents: each metric name with each dimension set's values. */
function metricSeries(lines: readonly string[]): Set<string> {
  const series = new Set<string>();
  for (const line of lines.flatMap((text) => text.split('\n')).filter((text) => text.startsWith('{'))) {
    const document = JSON.parse(line) as Record<string, unknown> & {
      _aws?: { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
    };
    for (const directive of document._aws?.CloudWatchMetrics ?? []) {
      for (const dimensions of directive.Dimensions) {
        const values = dimensions.map((name) => `${name}=${String(document[name])}`).join(',');
        for (const metric of directive.Metrics) series.add(`${directive.Namespace} ${metric.Name} ${values}`);
      }
    }
  }
  return series;
}

/**
 * Measures the sizes with the pool-usage sample, and the metrics of a month in which the stage publishes
 * `types` event types and also answers echoes, 401s and 422s (each reason its own metrics).
 */
export async function measure(root: string, types: number): Promise<Measured> {
  const samples = samplesByType(root, types);
  const pool = samples[0];
  if (pool === undefined) throw new Error('no sample event publishes');
  // A warm request's: the second of an instance.
  const info = await run([signedNow(pool), signedNow(pool)], 'INFO');
  const warn = await run([signedNow(pool), signedNow(pool)], 'WARN');
  const message = info.published[0];
  if (message === undefined) throw new Error('the pool-usage sample was not published');
  const bytes = (written: readonly string[]): number => written.reduce((sum, text) => sum + Buffer.byteLength(text), 0);

  const event = (file: string): SampleEvent => JSON.parse(readFileSync(path.join(root, 'events', file), 'utf8')) as SampleEvent;
  const mix = [
    ...samples.map((sample) => signedNow(sample)),
    signedNow(event('echo-flat.json')),
    signedNow(pool, 'not-the-secret-of-this-stage-0000'),
    signedNow(event('error-invalid-payload.json')),
  ];
  const month = await run(mix, 'INFO');
  return {
    messageBytes: snsMessageBytes(message),
    logBytes: { INFO: bytes(info.last), WARN: bytes(warn.last) },
    // Powertools' ColdStart metric comes with the first invocation of each instance: counted too.
    metricSeries: metricSeries(month.written).size,
    eventTypes: month.published.map((published) => published.MessageAttributes.event_type?.StringValue ?? ''),
  };
}
