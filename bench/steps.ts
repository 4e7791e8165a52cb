/**
 * Where a warm pool event's time goes, step by step: our handler as deployed, then the same handler
 * with one more thing taken away at each step, down to the floor — all in one process, measured in
 * interleaved rounds, so each step's difference to the previous one is what that thing costs while
 * everything else around it runs too (which is more than it costs in a loop of its own). Built
 * like the contenders (serverless.yml's esbuild options) and run by bench/lib/steps-child.mjs with
 * the SNS stub preloaded; not a contender and not a usable relay.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AWS_CLIENT_OPTIONS, PUBLISH_DEADLINE_MS } from '../lib/relay/clients';
import { loadConfig } from '../lib/relay/config';
import { createWebhookHandler, type HandlerDeps } from '../lib/relay/handler';
import { payloadTypes } from '../lib/contract';
import type { SnsMessage } from '../lib/relay/message';
import { type PublishResult, snsPublisher } from '../lib/relay/publish';
import { Logger as JsonLogger } from './experiments/json-logger';
import { payloadTypes as withoutValidation } from './experiments/no-validation';
import type { LambdaEvent } from './fixtures';

type Invoke = (event: LambdaEvent) => Promise<unknown>;

export interface Step {
  readonly key: string;
  readonly label: string;
  readonly p50: number;
  readonly mean: number;
  readonly n: number;
}

const config = loadConfig(process.env);
const sns = new SNSClient(AWS_CLIENT_OPTIONS);
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'droam-webhook-relay';
const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DroamWebhookRelay';

const withoutDeadline = async (message: SnsMessage): Promise<PublishResult> => {
  const { MessageId } = await sns.send(new PublishCommand({ TopicArn: config.topicArn, ...message }));
  return MessageId === undefined ? { ok: false, error: { name: 'NoMessageId', message: '', retryable: true } } : { ok: true, messageId: MessageId };
};

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Each step takes one more thing away from the one before. */
function steps(): { key: string; label: string; invoke: Invoke }[] {
  const deployed: HandlerDeps = {
    config,
    registry: payloadTypes,
    publish: snsPublisher(sns, config.topicArn, PUBLISH_DEADLINE_MS),
    now: Date.now,
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace, serviceName }),
  };
  const jsonLogger: HandlerDeps = { ...deployed, logger: new JsonLogger({ serviceName }), metrics: new Metrics({ namespace, serviceName }) };
  const noMetrics: HandlerDeps = { ...jsonLogger, metrics: undefined };
  const noLog: HandlerDeps = { ...noMetrics, logger: silent };
  const noDeadline: HandlerDeps = { ...noLog, publish: withoutDeadline };
  const noAuth: HandlerDeps = { ...noDeadline, config: { ...config, auth: 'off' } };
  const noValidation: HandlerDeps = { ...noAuth, registry: withoutValidation as unknown as typeof payloadTypes };
  return [
    { key: 'deployed', label: 'ours as deployed', invoke: createWebhookHandler(deployed) },
    { key: 'json-logger', label: 'Powertools Logger → a 20-line JSON logger', invoke: createWebhookHandler(jsonLogger) },
    { key: 'no-metrics', label: 'and no Powertools Metrics', invoke: createWebhookHandler(noMetrics) },
    { key: 'no-log', label: 'and no log line', invoke: createWebhookHandler(noLog) },
    { key: 'no-deadline', label: 'and no deadline (no abort signal for the SDK)', invoke: createWebhookHandler(noDeadline) },
    { key: 'no-auth', label: 'and no authentication', invoke: createWebhookHandler(noAuth) },
    { key: 'no-validation', label: 'and no validation (no attributes either)', invoke: createWebhookHandler(noValidation) },
    {
      key: 'floor',
      label: 'the floor: JSON.parse the body, publish it',
      invoke: async (event) => {
        const { MessageId } = await sns.send(new PublishCommand({ TopicArn: config.topicArn, Message: JSON.stringify(JSON.parse(event.body ?? '{}')) }));
        return MessageId;
      },
    },
  ];
}

/** p50 and mean handler time (µs) of each step over `rounds` × `perRound` pool events, steps interleaved round by round. */
export async function measureSteps(pool: readonly LambdaEvent[], rounds: number, perRound: number, warmup: number): Promise<Step[]> {
  const all = steps();
  const samples = all.map(() => new Float64Array(rounds * perRound));
  // Handlers may rewrite what they are given, so each call gets its own copy of the event.
  const call = (step: (typeof all)[number], i: number) => {
    const event = pool[i % pool.length] as LambdaEvent;
    return step.invoke({ ...event, headers: { ...event.headers } });
  };
  for (const step of all) for (let i = 0; i < warmup; i++) await call(step, i);
  for (let round = 0; round < rounds; round++) {
    for (const [index, step] of all.entries()) {
      const into = samples[index] as Float64Array;
      for (let i = 0; i < perRound; i++) {
        const started = process.hrtime.bigint();
        await call(step, round * perRound + i);
        into[round * perRound + i] = Number(process.hrtime.bigint() - started) / 1e3;
      }
    }
  }
  return all.map((step, index) => {
    const sorted = Float64Array.from(samples[index] as Float64Array).sort();
    let sum = 0;
    for (const value of sorted) sum += value;
    return { key: step.key, label: step.label, p50: sorted[Math.floor(sorted.length / 2)] ?? NaN, mean: sum / sorted.length, n: sorted.length };
  });
}
