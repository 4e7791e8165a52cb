/**
 * `npm run capacity`: what a burst of dRoam's webhooks does to a stage, from AWS's documented default quotas
 * (infra/quotas.js), the stage's settings (serverless.yml) and the cost model's prices and sizes, offline.
 */
import { command, integerOption, repositoryRoot, runCommand, UsageError } from './cli.mjs';

const quota = (what: string): string => `${what} (default: AWS's documented default; for an account with a raised quota)`;

const spec = command({
  name: 'capacity',
  summary: 'What a burst of webhooks does to a stage: admitted and 429, published at once and queued, Lambda instances, cost. Offline.',
  options: {
    region: {
      type: 'string',
      value: 'REGION',
      description: "the stage's Region, e.g. eu-central-1 (without it, the table of docs/operating.md: 10,000 webhooks at 5,000/s in three Regions)",
    },
    burst: { type: 'string', value: 'N', description: 'webhooks in the burst (default 10000)' },
    rate: {
      type: 'string',
      value: 'K',
      description: "webhooks dRoam sends a second, evenly (default 5000); at-once: all at the same instant, which only the buckets' bursts admit",
    },
    fifo: { type: 'boolean', description: 'the stage has a FIFO topic (fifoTopic=true)' },
    concurrency: { type: 'string', value: 'C', description: "the webhook's reserved concurrency (default: none with httpApi, 200 with functionUrl)" },
    ingress: { type: 'string', value: 'MODE', description: "the stage's ingress: httpApi or functionUrl (default: serverless.yml's)" },
    table: { type: 'boolean', description: 'print the table of docs/operating.md' },
    'throttle-rate': { type: 'string', value: 'K', description: "the stage throttle's rate, throttlingRateLimit (default: serverless.yml's)" },
    'throttle-burst': { type: 'string', value: 'N', description: "the stage throttle's burst, throttlingBurstLimit (default: serverless.yml's)" },
    'message-groups': { type: 'string', value: 'G', description: "a FIFO topic: message groups the burst's events fall in (default: one each, as SIMs)" },
    'duration-ms': { type: 'string', value: 'MS', description: 'what a warm request takes (default: the cost model’s 25)' },
    'retry-share-percent': {
      type: 'string',
      value: 'P',
      description: "the drainer's share of the Region's SNS quota, retryPublishSharePercent (default: serverless.yml's)",
    },
    'drainer-concurrency': {
      type: 'string',
      value: 'C',
      description: "the drainer's MaximumConcurrency, retryDrainerMaximumConcurrency (default: serverless.yml's)",
    },
    'sns-publish-per-second': { type: 'string', value: 'K', description: quota('SNS Publish a second in the Region') },
    'api-rate': { type: 'string', value: 'K', description: quota("API Gateway's account throttle rate in the Region") },
    'api-burst': { type: 'string', value: 'N', description: quota("API Gateway's account throttle burst in the Region") },
    'lambda-concurrency': { type: 'string', value: 'C', description: quota("Lambda's concurrent executions in the Region") },
    'ssm-get-parameter-per-second': {
      type: 'string',
      value: 'K',
      description: quota("Parameter Store's GetParameter a second in the Region (40; more with its higher throughput setting)"),
    },
  },
});

const MAX = 1_000_000_000;

await runCommand(spec, async ({ values }) => {
  // Every option is read before anything is loaded: a mistake is a usage error, whatever else was asked.
  const whole = (name: keyof typeof values, min: number, max = MAX): number | undefined => {
    const text = values[name];
    return typeof text === 'string' ? integerOption(text, name, 0, { min, max }) : undefined;
  };
  const ingress = (['httpApi', 'functionUrl'] as const).find((mode) => mode === values.ingress);
  if (values.ingress !== undefined && ingress === undefined) throw new UsageError(`--ingress takes httpApi or functionUrl, not '${values.ingress}'`);
  const region = values.region;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError(`--region takes a Region such as eu-central-1, not '${region}'`);
  if (values.rate !== undefined && values.rate !== 'at-once' && !/^\d+$/.test(values.rate))
    throw new UsageError(`--rate takes a whole number of webhooks a second, or at-once, not '${values.rate}'`);
  const given = {
    webhooks: whole('burst', 1),
    perSecond: values.rate === 'at-once' ? Infinity : whole('rate', 1),
    fifo: values.fifo === true,
    ingress,
    stageThrottle: { rate: whole('throttle-rate', 1), burst: whole('throttle-burst', 0) },
    reservedConcurrency: whole('concurrency', 0),
    messageGroups: whole('message-groups', 1),
    durationMs: whole('duration-ms', 1, 900_000),
    retrySharePercent: whole('retry-share-percent', 1, 100),
    drainerConcurrency: whole('drainer-concurrency', 2, 1_000),
    snsPublishPerSecond: whole('sns-publish-per-second', 1),
    accountThrottle: { rate: whole('api-rate', 1), burst: whole('api-burst', 0) },
    accountConcurrency: whole('lambda-concurrency', 1),
    ssmGetParameterPerSecond: whole('ssm-get-parameter-per-second', 1),
  };
  const tables = await import('../tools/capacity/tables');
  const root = repositoryRoot(import.meta.url);
  if (region === undefined || values.table === true) {
    console.log(await tables.capacityTable(root));
    return 0;
  }
  const { webhooks = tables.TABLE_BURST.webhooks, perSecond = tables.TABLE_BURST.perSecond, ...rest } = given;
  console.log(await tables.capacityReport(root, { region, webhooks, perSecond, ...rest }));
  return 0;
});
