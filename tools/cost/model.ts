/**
 * What a stage costs a month: the lines that grow with the events it relays, and the fixed ones an idle
 * stage pays. Prices from tools/cost/prices.ts (AWS's pages), sizes measured on the relay itself
 * (tools/cost/measure.ts), counts of keys, alarms and dashboards read from the stack's own modules
 * (infra/). Assumptions, where AWS publishes no figure, are named in each line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Measured } from './measure';
import { PRICES } from './prices';

export interface CostOptions {
  readonly eventsPerMonth: number;
  /** The stage's logLevel: INFO writes each request's line, WARN only its metrics for a published event. */
  readonly logLevel: 'INFO' | 'WARN';
  /** Billed duration of a warm request: the relay's work and SNS's answer. */
  readonly durationMs: number;
  /** Event types the stage publishes in a month (each has metrics of its own unless metricsByEventType is false). */
  readonly eventTypes: number;
  readonly metricsByEventType: boolean;
  readonly archive: boolean;
  /** The stage's ingress: the HTTP API bills each request and writes an access log line; a function URL does neither. */
  readonly ingress: 'httpApi' | 'functionUrl';
}

export interface CostLine {
  readonly line: string;
  readonly quantity: string;
  readonly usd: number;
  /** Where the quantity comes from: measured, the template, or an assumption. */
  readonly basis: string;
}

export interface StackCounts {
  readonly kmsKeys: number;
  /** Alarm metrics: one per standard alarm, one per metric a math alarm reads. */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  /** SQS queues a Lambda event source long-polls, even empty. */
  readonly polledQueues: number;
  readonly memoryMb: number;
  readonly logRetentionDays: number;
}

/** A 30-day month. */
const SECONDS_PER_MONTH = 30 * 24 * 3600;
/** SNS and SQS bill each 64 KB of a message as one request. */
const CHUNK_BYTES = 64 * 1024;
/** Bytes per GB, as AWS bills data. */
const GB = 1024 ** 3;
/**
 * An assumption: AWS documents no polling rate for an empty queue. Lambda's SQS pollers long-poll it;
 * five of them, each waiting 20 s, make 15 receives a minute.
 */
const EMPTY_QUEUE_RECEIVES_PER_MONTH = 15 * 60 * 24 * 30;
/** SQS and SNS reuse a data key up to 5 minutes (SQS's KmsDataKeyReusePeriodSeconds default): KMS calls follow the windows with traffic, not the events. */
const KMS_WINDOWS_PER_MONTH = SECONDS_PER_MONTH / 300;

/**
 * Lambda's own lines per invocation (START, END and REPORT, text format), written as Lambda writes them
 * for a 512 MB function: their bytes are billed with the function's.
 */
export function lambdaPlatformBytes(): number {
  const id = '3f1e8c2a-9b7d-4e6f-a1c3-5d7e9f0b2c4d';
  const lines = [
    `START RequestId: ${id} Version: $LATEST\n`,
    `END RequestId: ${id}\n`,
    `REPORT RequestId: ${id}\tDuration: 24.75 ms\tBilled Duration: 25 ms\tMemory Size: 512 MB\tMax Memory Used: 98 MB\t\n`,
  ];
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
}

/** The HTTP API's access log line of a published event: serverless.yml's format with an API Gateway request's values. */
export function accessLogBytes(root: string): number {
  const serverless = YAML.parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    provider: { logs: { httpApi: { format: string } } };
  };
  const values: Record<string, string> = {
    '$context.requestId': 'Qx1aAjd2IAMEV1A=',
    '$context.apiId': 'a1b2c3d4e5',
    '$context.identity.sourceIp': '203.0.113.10',
    '$context.requestTime': '07/Dec/2026:19:10:03 +0000',
    '$context.routeKey': 'POST /webhooks/droam',
    '$context.status': '200',
    '$context.responseLength': '88',
    '$context.integrationLatency': '26',
    '$context.integrationErrorMessage': '-',
  };
  const line = serverless.provider.logs.httpApi.format.replace(/\$context\.[A-Za-z.]+/g, (name) => values[name] ?? '');
  return Buffer.byteLength(`${line}\n`);
}

const usd = (quantity: number, price: { readonly usd: number }): number => quantity * price.usd;
const count = (value: number): string => Math.round(value).toLocaleString('en-US');

/** What each webhook costs to take and publish: its request (HTTP API), its invocation and duration, its SNS publish. */
export function requestCosts(events: number, options: CostOptions, measured: Measured, stack: StackCounts): CostLine[] {
  const gbSeconds = events * (stack.memoryMb / 1024) * (options.durationMs / 1000);
  const chunks = Math.ceil(measured.messageBytes / CHUNK_BYTES);
  return [
    ...(options.ingress === 'httpApi'
      ? [{ line: 'HTTP API requests', quantity: count(events), usd: usd(events, PRICES.httpApiRequest), basis: 'one request per webhook (each under 512 KB)' }]
      : []),
    { line: 'Lambda invocations', quantity: count(events), usd: usd(events, PRICES.lambdaRequest), basis: 'one per webhook' },
    {
      line: 'Lambda duration',
      quantity: `${count(gbSeconds)} GB-s`,
      usd: usd(gbSeconds, PRICES.lambdaGbSecond),
      basis: `${stack.memoryMb} MB × ${options.durationMs} ms a warm request (assumed: about 1 ms of the relay's CPU measured here, a few on Lambda's share of a vCPU, and SNS's answer, about 20 ms in region); cold starts add cents`,
    },
    {
      line: 'SNS publishes',
      quantity: count(events * chunks),
      usd: usd(events * chunks, PRICES.snsPublish),
      basis: `measured: a pool-usage event is ${measured.messageBytes.toLocaleString('en-US')} bytes as SNS counts it, one 64 KB request; deliveries to SQS queues are free`,
    },
  ];
}

/** The bytes each webhook writes to CloudWatch Logs: the relay's line, Lambda's own lines and, through the HTTP API, its access log line. */
function logBytesPerEvent(options: CostOptions, measured: Measured, root: string): { bytes: number; accessLog: number } {
  const accessLog = options.ingress === 'httpApi' ? accessLogBytes(root) : 0;
  return { bytes: measured.logBytes[options.logLevel] + lambdaPlatformBytes() + accessLog, accessLog };
}

/** What the webhooks' log lines cost to ingest. */
export function logIngestionCost(events: number, options: CostOptions, measured: Measured, root: string): CostLine {
  const { bytes, accessLog } = logBytesPerEvent(options, measured, root);
  const logGb = (events * bytes) / GB;
  const parts = `the relay's line and metrics ${measured.logBytes[options.logLevel].toLocaleString('en-US')}, Lambda's START/END/REPORT ${lambdaPlatformBytes()}${accessLog === 0 ? '; a function URL writes no access log' : `, the access log ${accessLog}`}`;
  return {
    line: 'CloudWatch Logs ingestion',
    quantity: `${logGb.toFixed(2)} GB`,
    usd: usd(logGb, PRICES.logsIngestedGb),
    basis: `measured: ${bytes.toLocaleString('en-US')} bytes a request at ${options.logLevel} (${parts})`,
  };
}

/** The lines that grow with the events relayed in a month. */
export function variableCosts(options: CostOptions, measured: Measured, stack: StackCounts, root: string): CostLine[] {
  const events = options.eventsPerMonth;
  const logGb = (events * logBytesPerEvent(options, measured, root).bytes) / GB;
  const keyUsers = options.archive ? 2 : 1;
  const kmsRequests = Math.min(events, KMS_WINDOWS_PER_MONTH) * keyUsers;
  const series = options.metricsByEventType ? measured.metricSeries : measured.metricSeries - 4 * options.eventTypes;
  const lines: CostLine[] = [
    ...requestCosts(events, options, measured, stack),
    {
      line: 'KMS requests',
      quantity: count(kmsRequests),
      usd: usd(kmsRequests, PRICES.kmsRequest),
      basis: 'estimate: SNS and SQS reuse a data key for 5 minutes, so at most one request per 5-minute window with traffic, per key user',
    },
    logIngestionCost(events, options, measured, root),
    {
      line: 'CloudWatch Logs storage',
      quantity: `${((logGb * stack.logRetentionDays) / 30).toFixed(2)} GB-month`,
      usd: usd((logGb * stack.logRetentionDays) / 30, PRICES.logsStoredGbMonth),
      basis: `${stack.logRetentionDays} days kept (logRetentionInDays), counted uncompressed: an upper bound`,
    },
    {
      line: 'CloudWatch custom metrics (EMF)',
      quantity: count(series),
      usd: usd(series, PRICES.customMetricMonth),
      basis: `measured: the metrics a month creates when the stage publishes ${options.eventTypes} event types${options.metricsByEventType ? ` (4 per type: metricsByEventType)` : ''} and answers echoes, 401s and 422s; billed the hours they are published, so this is its most`,
    },
  ];
  if (options.archive) lines.push(...archiveCosts(events, options.eventTypes, measured));
  return lines;
}

/** The event archive (archive=true): its queue, its function, its objects. */
function archiveCosts(events: number, eventTypes: number, measured: Measured): CostLine[] {
  // Lambda receives and deletes ten messages a request; at most one invocation a minute while events arrive.
  const sqsRequests = (events / 10) * 2;
  const invocations = Math.min(events, SECONDS_PER_MONTH / 60);
  const puts = Math.min(events, invocations * eventTypes);
  const storedGb = (events * measured.messageBytes * 0.3) / GB;
  return [
    { line: 'Archive: SQS requests', quantity: count(sqsRequests), usd: usd(sqsRequests, PRICES.sqsRequest), basis: 'receives and deletes, ten messages each' },
    {
      line: 'Archive: Lambda',
      quantity: `${count(invocations)} invocations`,
      usd: usd(invocations, PRICES.lambdaRequest) + usd(invocations * 0.25 * 0.5, PRICES.lambdaGbSecond),
      basis: 'at most one a minute, 256 MB for about half a second (assumed)',
    },
    { line: 'Archive: S3 PUTs', quantity: count(puts), usd: usd(puts, PRICES.s3Put), basis: 'at most one object per event type and invocation' },
    {
      line: 'Archive: S3 storage added',
      quantity: `${storedGb.toFixed(2)} GB`,
      usd: usd(storedGb, PRICES.s3StoredGbMonth),
      basis: 'gzip JSON Lines, about 30 % of the messages (assumed); it adds up month after month unless archiveRetentionDays expires it',
    },
  ];
}

/** What an idle stage pays a month. */
export function fixedCosts(stack: StackCounts): CostLine[] {
  const receives = EMPTY_QUEUE_RECEIVES_PER_MONTH * stack.polledQueues;
  return [
    {
      line: 'KMS keys',
      quantity: String(stack.kmsKeys),
      usd: usd(stack.kmsKeys, PRICES.kmsKeyMonth),
      basis: 'the api secrets key and the topic and queues key',
    },
    {
      line: 'CloudWatch alarms',
      quantity: `${stack.alarmMetrics} alarm metrics`,
      usd: usd(stack.alarmMetrics, PRICES.alarmMetricMonth),
      basis: "the stack's alarms (a duration alarm reads one metric)",
    },
    {
      line: 'CloudWatch dashboard',
      quantity: String(stack.dashboards),
      usd: usd(stack.dashboards, PRICES.dashboardMonth),
      basis: "an account's first three are free",
    },
    {
      line: 'SQS long polls of empty queues',
      quantity: count(receives),
      usd: usd(receives, PRICES.sqsRequest),
      basis: `assumed: ${count(EMPTY_QUEUE_RECEIVES_PER_MONTH)} receives a month for each queue a function reads (${stack.polledQueues}); an account's first million SQS requests are free`,
    },
  ];
}

/** The stack's keys, alarms, dashboards and polled queues, from the modules of infra/ with serverless.yml's default params and the ingress. */
export async function stackCounts(root: string, archive: boolean, ingress: CostOptions['ingress'] = 'httpApi'): Promise<StackCounts> {
  const serverless = YAML.parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    params: { default: Record<string, unknown> };
    provider: { memorySize: number };
    // A function's events are a list, or a variable for the Framework to resolve (the webhook's: HTTP events, infra/ingress.js).
    functions: Record<string, { events?: { sqs?: unknown }[] | string }>;
  };
  const params: Record<string, unknown> = { ...serverless.params.default, archive, ingress };
  const framework = {
    resolveVariable: (variable: string): Promise<unknown> => Promise.resolve(params[variable.replace(/^param:/, '').replace(/, null$/, '')] ?? null),
  };
  const resources: { Type: string; Condition?: string; Properties?: { Metrics?: { MetricStat?: unknown }[] } }[] = [];
  for (const file of ['topic', 'secrets', 'webhook', 'quarantine', 'retry', 'archive', 'dashboard', 'domain']) {
    const loaded = (await import(path.join(root, 'infra', `${file}.js`))) as { default?: unknown };
    const fragment = (
      typeof loaded.default === 'function' ? await (loaded.default as (f: typeof framework) => Promise<unknown>)(framework) : loaded.default
    ) as {
      Resources?: Record<string, (typeof resources)[number]>;
    };
    resources.push(...Object.values(fragment.Resources ?? {}));
  }
  const present = resources.filter((resource) => resource.Condition === undefined || (archive && resource.Condition === 'ArchiveEnabled'));
  const alarmMetrics = present
    .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
    .reduce((sum, alarm) => sum + (alarm.Properties?.Metrics?.filter((metric) => metric.MetricStat !== undefined).length ?? 1), 0);
  const polledQueues = Object.entries(serverless.functions).filter(
    ([name, fn]) => (name !== 'archiver' || archive) && Array.isArray(fn.events) && fn.events.some((event) => event.sqs !== undefined),
  ).length;
  return {
    kmsKeys: present.filter((resource) => resource.Type === 'AWS::KMS::Key').length,
    alarmMetrics,
    dashboards: present.filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard').length,
    polledQueues,
    memoryMb: serverless.provider.memorySize,
    logRetentionDays: Number(serverless.params.default.logRetentionInDays),
  };
}

export const total = (lines: readonly CostLine[]): number => lines.reduce((sum, line) => sum + line.usd, 0);
