/**
 * A fleet-wide burst through the real webhook handler and the real publish-retry drainer, against the
 * emulator behind an SNS that throttles above a set rate (tests/support/faults/quota.ts).
 *
 * N distinct signed pool events are sent at a set rate, at most so many at once. What SNS throttles, the
 * webhook queues in the publish-retry queue and answers 200 `queued`. Once the burst is answered, the
 * drainer's instances (each one loaded on its own, so each has its own pace) are fed batches of up to ten
 * records as Lambda's SQS event source feeds them, and publish the backlog. A drainer batch taken during
 * the burst would find SNS's quota spent by the webhook and back off for 30 s or more: the run starts the
 * drainer a second after the burst, once the quota has refilled, and counts the drain from the burst's end.
 *
 * Every event the webhook answered 200 must then be on the topic exactly once, with the id it answered
 * (read through a raw SQS subscription). Used by tests/integration/burst.test.ts (small, in npm test) and
 * `npm run load -- --burst N --sns-rate K` (large).
 */
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { poolEvent } from '../tests/support/faults/events';
import { startFaultProxy } from '../tests/support/faults/proxy';
import { snsQuota } from '../tests/support/faults/quota';
import { CREDENTIALS, Emulator, REGION } from '../tests/support/integration/aws';
import { recordOf } from '../tests/support/integration/lambda-records';
import { TEST_SECRET } from '../tests/support/integration/relay';

export type Env = Readonly<Record<string, string>>;

/** The functions as loaded with the run's environment. */
export interface BurstFunctions {
  /** functions/webhook.ts's handler. */
  readonly webhook: (event: unknown) => Promise<{ readonly statusCode: number; readonly body: string }>;
  /** functions/retry-drainer.ts's handler, once per instance: each loaded on its own, with a pace of its own. */
  readonly drainers: readonly ((event: SQSEvent) => Promise<SQSBatchResponse>)[];
}

export interface BurstSettings {
  /** The emulator's endpoint (SNS and SQS). */
  readonly emulator: string;
  /** How many events the burst has. */
  readonly events: number;
  /** What the SNS in front of the emulator takes: messages a second (its Publish quota). */
  readonly snsPerSecond: number;
  /** How fast the burst is sent, requests a second. */
  readonly sendPerSecond: number;
  /** The most requests in flight at once. */
  readonly concurrency: number;
  /** The drainer's rate, all instances together (RETRY_PUBLISH_PER_SECOND). */
  readonly drainPerSecond: number;
  /** The drainer's instances (RETRY_DRAINER_MAXIMUM_CONCURRENCY). */
  readonly drainerInstances: number;
  /** The drain gives up after this long. */
  readonly drainLimitMs: number;
  /** Loads the functions with the run's environment. */
  readonly load: (env: Env) => Promise<BurstFunctions>;
  /** Phases as they begin, and counts as they change. */
  readonly progress?: { readonly phase: (text: string) => void; readonly status: (text: string) => void };
}

export interface BurstReport {
  readonly events: number;
  readonly sns_per_second: number;
  readonly send_per_second: number;
  readonly concurrency: number;
  readonly drainer: { readonly per_second: number; readonly instances: number };
  /** Answers by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Answered 200 with an event id: published at once, or queued. */
  readonly accepted: number;
  readonly published_at_once: number;
  readonly queued: number;
  /** Accepted events found on the topic. */
  readonly delivered: number;
  /** Accepted events found on the topic more than once. */
  readonly duplicated: number;
  /** Accepted events not found on the topic. */
  readonly lost: number;
  /** Messages on the topic whose id no answer gave. */
  readonly unexpected: number;
  /** Records in the publish-retry dead-letter queue. */
  readonly dead_lettered: number;
  /** Calls SNS throttled: the webhook's Publish calls, the drainer's PublishBatch calls. */
  readonly throttled: { readonly webhook_publishes: number; readonly drainer_batches: number };
  /** From the first request sent to the last answer. */
  readonly burst_ms: number;
  /** From the end of the burst to the last queued event published (the publish-retry queue empty). */
  readonly drain_ms: number;
  /** Whether the drain gave up at drainLimitMs. */
  readonly drain_stopped_by_limit: boolean;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

export async function runBurst(settings: BurstSettings): Promise<BurstReport> {
  const say = settings.progress?.phase ?? (() => undefined);
  const count = settings.progress?.status ?? (() => undefined);
  const emulator = new Emulator(settings.emulator);
  const quota = snsQuota(settings.snsPerSecond);
  const sns = await startFaultProxy(settings.emulator);
  sns.set(quota.choose);
  try {
    const { topicArn, queue: tail } = await emulator.topicWithQueue('burst');
    const retryQueue = await emulator.createQueue('burst-retry');
    const deadLetters = await emulator.createQueue('burst-retry-dlq');
    const functions = await settings.load({
      STAGE: 'burst',
      TOPIC_ARN: topicArn,
      DROAM_API_SECRETS: TEST_SECRET,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_ENDPOINT_URL_SQS: settings.emulator,
      RETRY_QUEUE_URL: retryQueue.url,
      RETRY_DEAD_LETTER_QUEUE_URL: deadLetters.url,
      RETRY_PUBLISH_PER_SECOND: String(settings.drainPerSecond),
      RETRY_DRAINER_MAXIMUM_CONCURRENCY: String(settings.drainerInstances),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      // Through the global console (which the caller quiets), errors only.
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    if (functions.drainers.length !== settings.drainerInstances) throw new Error('one drainer instance per RETRY_DRAINER_MAXIMUM_CONCURRENCY');

    // The burst: the n-th event is due n / sendPerSecond seconds after the first, when a place is free.
    const statuses: Record<string, number> = {};
    const acceptedIds: string[] = [];
    let queued = 0;
    const run = `burst-${String(Date.now())}`;
    const send = async (n: number): Promise<void> => {
      const response = await functions.webhook(poolEvent(n, { run }));
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      const answer = JSON.parse(response.body) as { id?: unknown; queued?: unknown };
      if (response.statusCode === 200 && typeof answer.id === 'string') {
        acceptedIds.push(answer.id);
        if (answer.queued === true) queued++;
      }
    };
    say(`sending ${String(settings.events)} events at ${String(settings.sendPerSecond)}/s, ${String(settings.concurrency)} at once`);
    const burstStart = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let n = 0; n < settings.events; n++) {
      const wait = burstStart + (n / settings.sendPerSecond) * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
      while (inFlight.size >= settings.concurrency) await Promise.race(inFlight);
      const sending: Promise<void> = send(n).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    }
    await Promise.all(inFlight);
    const burstEnd = performance.now();
    // SNS's quota refills within a second of the burst's end; a drainer polling during the burst would meet it spent.
    await sleep(1000);

    // The drain: each instance polls batches of ten, as the event source does, and deletes what did not fail, until
    // the queue is empty. It may hold more than the answers said: a write that outlived its deadline was answered 503.
    say(`${String(queued)} queued; draining at ${String(settings.drainPerSecond)}/s over ${String(settings.drainerInstances)} instances`);
    let settled = 0;
    let lastSettled = burstEnd;
    let empty = false;
    const isEmpty = async (): Promise<boolean> => {
      const { Attributes = {} } = await emulator.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: retryQueue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0;
    };
    const poll = async (drainer: BurstFunctions['drainers'][number]): Promise<void> => {
      while (!empty && performance.now() - burstEnd < settings.drainLimitMs) {
        const { Messages = [] } = await emulator.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: retryQueue.url,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
            WaitTimeSeconds: 1,
          }),
        );
        if (Messages.length === 0) {
          empty = await isEmpty();
          continue;
        }
        const { batchItemFailures } = await drainer({ Records: Messages.map((message) => recordOf(message, retryQueue.arn)) });
        const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
        const done = Messages.filter((message) => !failed.has(message.MessageId ?? ''));
        if (done.length > 0) {
          await emulator.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: retryQueue.url,
              Entries: done.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle })),
            }),
          );
        }
        settled += done.length;
        lastSettled = performance.now();
        count(`${String(settled)} queued events published`);
      }
    };
    await Promise.all(functions.drainers.map(poll));

    const onTopic = new Map<string, number>();
    for (const message of await emulator.receiveAll(tail, { expect: acceptedIds.length, waitSeconds: 5 })) {
      const id = (JSON.parse(message.body) as { id?: unknown }).id;
      if (typeof id === 'string') onTopic.set(id, (onTopic.get(id) ?? 0) + 1);
    }
    const accepted = new Set(acceptedIds);
    const deadLettered = await emulator.receiveAll(deadLetters, { waitSeconds: 0 });
    return {
      events: settings.events,
      sns_per_second: settings.snsPerSecond,
      send_per_second: settings.sendPerSecond,
      concurrency: settings.concurrency,
      drainer: { per_second: settings.drainPerSecond, instances: settings.drainerInstances },
      statuses,
      accepted: acceptedIds.length,
      published_at_once: acceptedIds.length - queued,
      queued,
      delivered: acceptedIds.filter((id) => onTopic.has(id)).length,
      duplicated: [...onTopic.values()].filter((count) => count > 1).length,
      lost: acceptedIds.filter((id) => !onTopic.has(id)).length,
      unexpected: [...onTopic.keys()].filter((id) => !accepted.has(id)).length,
      dead_lettered: deadLettered.length,
      throttled: { webhook_publishes: quota.throttled.Publish?.calls ?? 0, drainer_batches: quota.throttled.PublishBatch?.calls ?? 0 },
      burst_ms: Math.round(burstEnd - burstStart),
      drain_ms: Math.round(lastSettled - burstEnd),
      drain_stopped_by_limit: !empty,
    };
  } finally {
    await sns.close();
    emulator.destroy();
  }
}
