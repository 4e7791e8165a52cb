/**
 * The capacity model as Markdown: what one burst does to a stage (`npm run capacity -- --region R …`), and the
 * table docs/operating.md shows. The stage's settings come from serverless.yml's params (and
 * infra/ingress.js), the quotas from infra/quotas.js, the prices and sizes from the cost model (tools/cost):
 * nothing is written twice.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FUNCTION_URL_RESERVED_CONCURRENCY } from '../../infra/ingress';
import { SECRETS_FIRST_READ_DEADLINE_MS, SECRETS_RETRY_WITHOUT_VALUE_MS } from '../../lib/lambda/clients';
import { apiGatewayAccountThrottle, quotas, snsPublishPerSecond } from '../../infra/quotas';
import { measure, type Measured } from '../cost/measure';
import { type CostLine, logIngestionCost, requestCosts, stackCounts, type StackCounts, total } from '../cost/model';
import { PRICES } from '../cost/prices';
import { DEFAULT_OPTIONS as COST_DEFAULTS, dollars } from '../cost/tables';
import { type Bucket, type BurstOutcome, type BurstSettings, burstOutcome } from './model';

/** A rate or burst given on the command line, over the stage's or AWS's. */
export interface BucketOverride {
  readonly rate?: number | undefined;
  readonly burst?: number | undefined;
}

/** The settings an option may give, over the stage's default or AWS's documented quota. */
type Overridable =
  | 'ingress'
  | 'reservedConcurrency'
  | 'messageGroups'
  | 'durationMs'
  | 'retrySharePercent'
  | 'drainerConcurrency'
  | 'snsPublishPerSecond'
  | 'accountConcurrency'
  | 'ssmGetParameterPerSecond';

/** What `npm run capacity` is given: the burst, and any of the settings above (an account's raised quotas among them). */
export type CapacityOptions = Pick<BurstSettings, 'region' | 'webhooks' | 'perSecond' | 'fifo'> & {
  readonly [Setting in Overridable]?: BurstSettings[Setting] | undefined;
} & { readonly stageThrottle?: BucketOverride | undefined; readonly accountThrottle?: BucketOverride | undefined };

/** The stage's defaults, from serverless.yml's params (params.default). */
export type StageDefaults = Pick<BurstSettings, 'ingress' | 'stageThrottle' | 'retrySharePercent' | 'drainerConcurrency'> & {
  readonly retryQueueAgeAlarmSeconds: number;
};

export function stageDefaults(root: string): StageDefaults {
  const serverless = YAML.parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    params: { default: Record<string, unknown> };
  };
  const params = serverless.params.default;
  const number = (name: string): number => {
    const value = Number(params[name]);
    if (!Number.isFinite(value)) throw new Error(`serverless.yml: params.default.${name} is not a number`);
    return value;
  };
  return {
    ingress: params.ingress === 'functionUrl' ? 'functionUrl' : 'httpApi',
    stageThrottle: { rate: number('throttlingRateLimit'), burst: number('throttlingBurstLimit') },
    retrySharePercent: number('retryPublishSharePercent'),
    drainerConcurrency: number('retryDrainerMaximumConcurrency'),
    retryQueueAgeAlarmSeconds: number('retryQueueAgeAlarmSeconds'),
  };
}

const over = (bucket: Bucket, given: BucketOverride | undefined): Bucket => ({ rate: given?.rate ?? bucket.rate, burst: given?.burst ?? bucket.burst });

/** The model's settings: the options given, the stage's defaults, and AWS's quotas for the Region. */
export function burstSettings(defaults: StageDefaults, options: CapacityOptions): BurstSettings {
  const ingress = options.ingress ?? defaults.ingress;
  const account = apiGatewayAccountThrottle(options.region);
  return {
    region: options.region,
    webhooks: options.webhooks,
    perSecond: options.perSecond,
    ingress,
    stageThrottle: over(defaults.stageThrottle, options.stageThrottle),
    accountThrottle: over(account, options.accountThrottle),
    reservedConcurrency: options.reservedConcurrency ?? (ingress === 'functionUrl' ? FUNCTION_URL_RESERVED_CONCURRENCY : undefined),
    accountConcurrency: options.accountConcurrency ?? quotas.lambdaConcurrentExecutions.value,
    scaling: { environments: quotas.lambdaScalingRate.value, periodSeconds: quotas.lambdaScalingRate.periodSeconds },
    durationMs: options.durationMs ?? COST_DEFAULTS.durationMs,
    snsPublishPerSecond: options.snsPublishPerSecond ?? snsPublishPerSecond(options.region),
    fifo: options.fifo,
    fifoGroupPerSecond: quotas.snsFifoMessageGroup.value,
    messageGroups: options.messageGroups ?? options.webhooks,
    retrySharePercent: options.retrySharePercent ?? defaults.retrySharePercent,
    drainerConcurrency: options.drainerConcurrency ?? defaults.drainerConcurrency,
    batchMessages: quotas.snsPublishBatch.maxMessages,
    ssmGetParameterPerSecond: options.ssmGetParameterPerSecond ?? quotas.ssmGetParameter.value,
    secretsFirstReadDeadlineMs: SECRETS_FIRST_READ_DEADLINE_MS,
  };
}

const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const rate = (value: number): string => (Number.isFinite(value) ? `${count(value)}/s` : 'at once');
const seconds = (value: number): string => (value === 0 ? '0 s' : value < 60 ? `${Math.ceil(value)} s` : `${(value / 60).toFixed(1)} min`);

/**
 * What the burst costs: the cost model's lines for each admitted webhook (its request, invocation, duration,
 * publish and log lines), and the publish-retry queue's for each queued one.
 */
export function burstCosts(settings: BurstSettings, outcome: BurstOutcome, measured: Measured, stack: StackCounts, root: string): CostLine[] {
  const options = { ...COST_DEFAULTS, ingress: settings.ingress, durationMs: settings.durationMs };
  const { queued } = outcome.publish;
  // The webhook sends each queued event; the drainer receives and deletes ten at a time.
  const sqsRequests = queued * (1 + 2 / settings.batchMessages);
  const invocations = Math.ceil(queued / settings.batchMessages);
  const gbSeconds = invocations * (stack.memoryMb / 1024) * (settings.durationMs / 1000);
  return [
    ...requestCosts(outcome.admitted, options, measured, stack),
    logIngestionCost(outcome.admitted, options, measured, root),
    ...(queued === 0
      ? []
      : [
          {
            line: 'Publish-retry queue: SQS requests',
            quantity: count(sqsRequests),
            usd: sqsRequests * PRICES.sqsRequest.usd,
            basis: `a send for each queued event, a receive and a delete for each ${settings.batchMessages}`,
          },
          {
            line: 'Publish-retry queue: the drainer',
            quantity: `${count(invocations)} invocations`,
            usd: invocations * PRICES.lambdaRequest.usd + gbSeconds * PRICES.lambdaGbSecond.usd,
            basis: `one PublishBatch of ${settings.batchMessages} an invocation, ${stack.memoryMb} MB × ${settings.durationMs} ms`,
          },
        ]),
  ];
}

/** The stage's limits as the report names them. */
function limits(settings: BurstSettings): string {
  const lambda =
    settings.reservedConcurrency === undefined
      ? `Lambda's account concurrency ${count(settings.accountConcurrency)}`
      : `the webhook's reserved concurrency ${count(settings.reservedConcurrency)}`;
  if (settings.ingress === 'functionUrl') return `${lambda} (a function URL has no throttle of its own)`;
  const { stageThrottle: stage, accountThrottle: account } = settings;
  return `the stage throttle ${rate(stage.rate)}, burst ${count(stage.burst)}; API Gateway's account throttle ${rate(account.rate)}, burst ${count(account.burst)}; ${lambda}`;
}

/** How long the burst's new instances take to hold the api secrets, and what their requests are answered meanwhile. */
function secretsReads(settings: BurstSettings, concurrency: BurstOutcome['concurrency']): string {
  const held = `${concurrency.secretsReadSeconds.toFixed(1)} s`;
  const ssm = `a GetParameter for each instance that starts (one more per named source), at SSM's ${rate(settings.ssmGetParameterPerSecond)}: every new instance holds them ${held} after the burst begins`;
  const deadline = `${settings.secretsFirstReadDeadlineMs / 1000} s`;
  if (concurrency.secretsWithinFirstRead >= concurrency.secretsReads) return `${ssm}, within the ${deadline} a first request waits for its instance's read`;
  const { min, max } = SECRETS_RETRY_WITHOUT_VALUE_MS;
  return (
    `${ssm}. ${count(concurrency.secretsWithinFirstRead)} hold them within the ${deadline} a first request waits for its instance's read; the other ` +
    `${count(concurrency.secretsReads - concurrency.secretsWithinFirstRead)} answer 503 secrets_unavailable until a later read succeeds (${min} to ${max} ms apart). ` +
    'Waiting requests hold their instances, so Lambda starts more, each with a read of its own: the figures are a lower bound. ' +
    "SSM's higher throughput, a paid setting (docs/operating.md), serves them sooner: --ssm-get-parameter-per-second gives its rate"
  );
}

/** What refused the webhooks answered 429; Lambda's refusal reaches dRoam through the HTTP API as a 5xx. */
function refusedBy(settings: BurstSettings, by: string | undefined): string {
  if (by === undefined) return 'none: every limit has room for the burst';
  const lambda = by.includes('concurrency') && settings.ingress === 'httpApi';
  return `by ${by}${lambda ? ' (through the HTTP API, a 5xx rather than a 429)' : ''}`;
}

/** One burst through the stage, as a Markdown table of what happens and why. */
export function burstReport(settings: BurstSettings, outcome: BurstOutcome, costs: readonly CostLine[], alarmSeconds: number): string {
  const { publish, concurrency } = outcome;
  const topic = settings.fifo ? 'a FIFO topic' : 'a standard topic';
  const ingress = settings.ingress === 'httpApi' ? 'the HTTP API' : 'a function URL';
  const drainerShare = `${settings.retrySharePercent} % of ${rate(settings.snsPublishPerSecond)}`;
  const drainerLimit =
    publish.drainerPerSecond < (settings.snsPublishPerSecond * settings.retrySharePercent) / 100
      ? `its ${settings.drainerConcurrency} instances publish at most ${rate(publish.drainerCanPublish)} (${settings.batchMessages} a batch, ${settings.durationMs} ms each), under its share, ${drainerShare}`
      : `its share, ${drainerShare}; its ${settings.drainerConcurrency} instances could publish ${rate(publish.drainerCanPublish)}`;
  const groups = settings.fifo ? `; each message group (an event's subject) in order at up to ${rate(settings.fifoGroupPerSecond)}` : '';
  const { unconfirmedGroup } = quotas.snsPublish;
  const unconfirmed =
    settings.snsPublishPerSecond === snsPublishPerSecond(settings.region) && settings.snsPublishPerSecond === unconfirmedGroup.perSecond
      ? ` (the Regions of ${rate(unconfirmedGroup.perSecond)} are those AWS's page lists; infra/quotas.js has its list as written on ${unconfirmedGroup.listedOn}, unconfirmed: --sns-publish-per-second gives the figure)`
      : '';
  const scaled = concurrency.scalingSeconds === 0 ? 'at once' : `in ${seconds(concurrency.scalingSeconds)}`;
  const rows = [
    ['admitted', count(outcome.admitted), limits(settings)],
    ['answered 429', count(outcome.refused), refusedBy(settings, outcome.by)],
    [
      'Lambda instances',
      count(concurrency.needed),
      concurrency.needed > concurrency.available
        ? `dRoam's rate × ${settings.durationMs} ms a request, over the ${count(concurrency.available)} the webhook may run: Lambda answers the rest 429`
        : `dRoam's rate × ${settings.durationMs} ms a request, of ${count(concurrency.available)} available; Lambda scales a function by ${count(settings.scaling.environments)} every ${settings.scaling.periodSeconds} s: reached ${scaled}`,
    ],
    ['api secrets reads at cold start', count(concurrency.secretsReads), secretsReads(settings, concurrency)],
    [
      'published at once',
      count(publish.atOnce),
      `the live path's share of the topic, ${rate(publish.livePerSecond)}: SNS takes ${rate(publish.topicPerSecond)} in ${settings.region}${unconfirmed}${groups}, less the drainer's pace`,
    ],
    ['queued for the drainer', count(publish.queued), `the publish-retry queue, drained at ${rate(publish.drainerPerSecond)}: ${drainerLimit}`],
    [
      'queue empty after the burst',
      seconds(publish.drainSeconds),
      `${count(publish.queued)} at ${rate(publish.drainerPerSecond)}, less the ${seconds(outcome.seconds)} of the burst; RetryQueueAgeAlarm ${
        publish.drainSeconds + outcome.seconds > alarmSeconds ? 'is raised' : 'stays quiet'
      } (an event older than retryQueueAgeAlarmSeconds, ${seconds(alarmSeconds)})`,
    ],
    ['cost of the burst', dollars(total(costs)), `the admitted webhooks: ${costs.map((line) => `${line.line} ${dollars(line.usd)}`).join('; ')}`],
  ];
  return [
    `${count(settings.webhooks)} webhooks sent ${Number.isFinite(settings.perSecond) ? `at ${rate(settings.perSecond)}` : 'at once'} to a stage in ${settings.region}: ${ingress}, ${topic}.`,
    '',
    '| | | from |',
    '|---|---:|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** The Regions the table shows: the largest SNS quota, a 1,500/s one, and a 300/s one (where API Gateway's account quota is lower too). */
export const TABLE_REGIONS = ['us-east-1', 'eu-central-1', 'af-south-1'] as const;
/** The burst the table shows: a fleet-wide change of 10,000 SIMs, sent at 5,000 a second. */
export const TABLE_BURST = { webhooks: 10_000, perSecond: 5_000 } as const;
/** A lower stage throttle, one param change away: rate 200, burst 1,000. */
export const LOWER_THROTTLE: Bucket = { rate: 200, burst: 1_000 };

/** The stage set-ups the table compares, with what each changes from the defaults. */
function setUps(defaults: StageDefaults): { label: string; options: Partial<CapacityOptions> }[] {
  return [
    { label: `HTTP API, throttle ${count(defaults.stageThrottle.rate)}/${count(defaults.stageThrottle.burst)} (the default)`, options: { ingress: 'httpApi' } },
    {
      label: `HTTP API, throttle ${count(LOWER_THROTTLE.rate)}/${count(LOWER_THROTTLE.burst)}`,
      options: { ingress: 'httpApi', stageThrottle: LOWER_THROTTLE },
    },
    { label: `function URL, reserved concurrency ${FUNCTION_URL_RESERVED_CONCURRENCY}`, options: { ingress: 'functionUrl' } },
  ];
}

/** The capacity table: the burst of TABLE_BURST in each Region, standard and FIFO topic, at each set-up. */
export async function capacityTable(root: string): Promise<string> {
  const defaults = stageDefaults(root);
  const measured = await measure(root, COST_DEFAULTS.eventTypes);
  const stacks = { httpApi: await stackCounts(root, false, 'httpApi'), functionUrl: await stackCounts(root, false, 'functionUrl') };
  const rows: string[] = [];
  for (const region of TABLE_REGIONS) {
    for (const fifo of [false, true]) {
      for (const { label, options } of setUps(defaults)) {
        const settings = burstSettings(defaults, { region, ...TABLE_BURST, fifo, ...options });
        const outcome = burstOutcome(settings);
        const costs = burstCosts(settings, outcome, measured, stacks[settings.ingress], root);
        const { publish } = outcome;
        rows.push(
          `| ${region} | ${fifo ? 'FIFO' : 'standard'} | ${label} | ${count(outcome.refused)} | ${count(publish.atOnce)} | ${count(publish.queued)} | ${seconds(publish.drainSeconds)} | ${count(outcome.concurrency.needed)} | ${dollars(total(costs))} |`,
        );
      }
    }
  }
  const { webhooks, perSecond } = TABLE_BURST;
  return [
    `${count(webhooks)} webhooks sent at ${count(perSecond)}/s, AWS's default quotas (infra/quotas.js), the drainer at ${defaults.retrySharePercent} % of the Region's SNS quota with ${defaults.drainerConcurrency} instances, ${COST_DEFAULTS.durationMs} ms a request:`,
    '',
    '| Region | topic | stage | 429 | published at once | queued | queue empty after the burst | Lambda instances | cost |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** One burst, reported: what `npm run capacity -- --region R …` prints. */
export async function capacityReport(root: string, options: CapacityOptions): Promise<string> {
  const settings = burstSettings(stageDefaults(root), options);
  const outcome = burstOutcome(settings);
  const [measured, stack] = await Promise.all([measure(root, COST_DEFAULTS.eventTypes), stackCounts(root, false, settings.ingress)]);
  return burstReport(settings, outcome, burstCosts(settings, outcome, measured, stack, root), stageDefaults(root).retryQueueAgeAlarmSeconds);
}
