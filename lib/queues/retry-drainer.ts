import { ChangeMessageVisibilityCommand, type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type ApiSecretsSettings, readApiSecretsSettings } from '../api-secrets/settings';
import { type NamedSource, readNamedSources } from '../api-secrets/sources';
import { DEFAULT_DROAM_SOURCE } from '../contract';
import type { ApiSecrets } from '../api-secrets/store';
import { AWS_CLIENT_OPTIONS, describeError } from '../lambda/clients';
import { ConfigError, type Env, isLocalRun, readStage } from '../lambda/config';
import type { LogSink } from '../observability/sinks';
import { snsMessageBytes } from '../topic/message';
import { inPublishBatches, type PublishBatch, type PublishResult, readTopicArn } from '../topic/publish';
import type { Pace } from './pace';
import { INTEGRITY_TAG } from './records';
import { readRetryMessage, type RetryRecord } from './retry';

/**
 * The publish-retry drainer: publishes each event the webhook could not
 * publish, exactly as the webhook would have (same message, attributes, id,
 * FIFO group and de-duplication ids), ten to a PublishBatch call in the
 * batch's order, paced to the instance's share of the Region's SNS quota so
 * that a backlog does not throttle the webhook. A record that fails for a reason that
 * is not its own — SNS, its key or IAM unavailable, or the api secrets that
 * check its tag unreadable (SSM or KMS) — waits longer after each receive
 * (exponential back-off through its visibility timeout, one schedule for all
 * of them) and, after the queue's maxReceiveCount, moves to the dead-letter
 * queue. A record that must never be published — no valid integrity tag,
 * another stage's, older than records are kept, not a retry record, or a
 * message SNS refuses as such — goes to the dead-letter queue at once, where
 * an alarm calls an operator.
 */

export interface DrainerConfig extends ApiSecretsSettings {
  /** The stage whose relay this is: a record another stage's relay queued is refused. */
  readonly stage: string;
  readonly topicArn: string;
  /** The webhook's api secrets check each record's tag: the documented example one only locally. */
  readonly local: boolean;
  readonly retryQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** The webhook's named dRoam sources: a record is tagged with the first secret of the source it came in for. */
  readonly sources: readonly NamedSource[];
  /** Messages a second all the drainer's instances together may publish: a share of the Region's SNS Publish quota. */
  readonly publishPerSecond: number;
  /** The most instances the event source runs at once (its MaximumConcurrency): each paces itself to its part of the rate. */
  readonly maximumConcurrency: number;
}

/** Without the stack's settings (local runs, tests): 10 % of the lowest default Publish quota (300/s), and SQS's least concurrency. */
const DEFAULT_PUBLISH_PER_SECOND = 30;
const DEFAULT_MAXIMUM_CONCURRENCY = 2;
/** An instance paces a batch of ten within its 30 s timeout only at a message a second or more. */
const MIN_PUBLISH_PER_SECOND_PER_INSTANCE = 1;

/** RETRY_PUBLISH_PER_SECOND and RETRY_DRAINER_MAXIMUM_CONCURRENCY, and what is wrong with them. */
function readPace(env: Env): { readonly publishPerSecond: number; readonly maximumConcurrency: number; readonly problems: string[] } {
  const rate = env.RETRY_PUBLISH_PER_SECOND?.trim() || String(DEFAULT_PUBLISH_PER_SECOND);
  const concurrency = env.RETRY_DRAINER_MAXIMUM_CONCURRENCY?.trim() || String(DEFAULT_MAXIMUM_CONCURRENCY);
  const publishPerSecond = Number(rate);
  const maximumConcurrency = Number(concurrency);
  const problems: string[] = [];
  if (!/^\d+(\.\d+)?$/.test(rate) || !(publishPerSecond > 0)) {
    problems.push(`RETRY_PUBLISH_PER_SECOND must be a number of messages a second above 0, not "${rate}"`);
  }
  if (!/^\d+$/.test(concurrency) || maximumConcurrency < 2 || maximumConcurrency > 1000) {
    problems.push(`RETRY_DRAINER_MAXIMUM_CONCURRENCY must be a whole number from 2 to 1000 (SQS's MaximumConcurrency), not "${concurrency}"`);
  }
  if (problems.length === 0 && publishPerSecond / maximumConcurrency < MIN_PUBLISH_PER_SECOND_PER_INSTANCE) {
    problems.push(
      `RETRY_PUBLISH_PER_SECOND / RETRY_DRAINER_MAXIMUM_CONCURRENCY must be at least ${MIN_PUBLISH_PER_SECOND_PER_INSTANCE} message a second per instance, not ${rate} / ${concurrency}`,
    );
  }
  return { publishPerSecond, maximumConcurrency, problems };
}

/** The drainer's configuration, read once at cold start: the webhook's topic and api secrets, its two queues, and its pace. */
export function loadDrainerConfig(env: Env): DrainerConfig {
  const local = isLocalRun(env);
  const { stage, problems: stageProblems } = readStage(env);
  const { topicArn, problems: topicProblems } = readTopicArn(env);
  const { problems: secretProblems, ...apiSecrets } = readApiSecretsSettings(env, { local, required: true });
  const named = readNamedSources(env, { local, required: true, defaultName: DEFAULT_DROAM_SOURCE });
  const retryQueueUrl = env.RETRY_QUEUE_URL?.trim() ?? '';
  const deadLetterQueueUrl = env.RETRY_DEAD_LETTER_QUEUE_URL?.trim() ?? '';
  const { problems: paceProblems, ...paced } = readPace(env);
  const problems = [
    ...stageProblems,
    ...topicProblems,
    ...secretProblems,
    ...named.problems,
    ...(retryQueueUrl === '' || deadLetterQueueUrl === '' ? ['RETRY_QUEUE_URL and RETRY_DEAD_LETTER_QUEUE_URL are required'] : []),
    ...paceProblems,
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return { stage, topicArn, local, ...apiSecrets, retryQueueUrl, deadLetterQueueUrl, sources: named.sources, ...paced };
}

export interface DrainerDeps {
  /** The stage whose relay this is. */
  readonly stage: string;
  /** Publishes up to ten messages in one call (PublishBatch): a result per message, in order. */
  readonly publishBatch: PublishBatch;
  /** Holds a call back until its messages fit the instance's pace (publishPerSecond / maximumConcurrency). */
  readonly pace: Pace;
  /** The accepted api secrets (the webhook's, of every source): a record's tag must verify under one of them. */
  readonly apiSecrets: ApiSecrets;
  /** Hides a record for this many seconds before its next receive. */
  readonly delay: (receiptHandle: string, seconds: number) => Promise<void>;
  /** Moves a record to the dead-letter queue now (the drainer then deletes it by reporting success). */
  readonly deadLetter: (record: SQSRecord, why: string) => Promise<void>;
  readonly logger: LogSink;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

export const FIRST_RETRY_DELAY_SECONDS = 30;
export const MAX_RETRY_DELAY_SECONDS = 3_600;

/** 30 s after the first receive, doubling, at most an hour: with maxReceiveCount 50, about two days before the dead-letter queue. */
export function retryDelaySeconds(receiveCount: number): number {
  const exponent = Math.min(Math.max(receiveCount, 1) - 1, 20);
  return Math.min(FIRST_RETRY_DELAY_SECONDS * 2 ** exponent, MAX_RETRY_DELAY_SECONDS);
}

// A publisher answers a result per message; should one be missing, the record is tried again later.
const MISSING_RESULT: PublishResult = { ok: false, error: { name: 'NoResult', message: 'no result for the message', retryable: true } };

export function createRetryDrainer(deps: DrainerDeps): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const { logger } = deps;

  async function refuse(record: SQSRecord, why: string, fields: Record<string, unknown>): Promise<SQSBatchItemFailure | undefined> {
    try {
      await deps.deadLetter(record, why);
      logger.error('retry record moved to the dead-letter queue', { ...fields, message_id: record.messageId, why });
      return undefined;
    } catch (error) {
      logger.error('retry record refused, and the dead-letter queue could not take it', {
        ...fields,
        message_id: record.messageId,
        why,
        error: describeError(error),
      });
      return { itemIdentifier: record.messageId };
    }
  }

  /** Hides the record for its next back-off and reports it failed: a failure that is not the record's own. */
  async function later(record: SQSRecord, fields: Record<string, unknown>, detail: string): Promise<SQSBatchItemFailure> {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    const delaySeconds = retryDelaySeconds(receiveCount);
    try {
      await deps.delay(record.receiptHandle, delaySeconds);
    } catch (error) {
      // The queue's own visibility timeout then paces the next attempt.
      logger.warn('could not delay the next attempt', { ...fields, message_id: record.messageId, error: describeError(error) });
    }
    logger.warn('queued event not published yet; retrying later', {
      ...fields,
      message_id: record.messageId,
      receive_count: receiveCount,
      retry_in_seconds: delaySeconds,
      detail,
    });
    return { itemIdentifier: record.messageId };
  }

  /** What became of a record SNS was given: published, refused for good, or waiting longer for its next attempt. */
  async function settle(record: SQSRecord, queued: RetryRecord, published: PublishResult): Promise<SQSBatchItemFailure | undefined> {
    const { id, type, queued_at } = queued;
    const waitedMs = deps.now() - Date.parse(queued_at);
    if (published.ok) {
      logger.info('queued event published', { id, type, message_id: published.messageId, waited_ms: Number.isFinite(waitedMs) ? waitedMs : undefined });
      return undefined;
    }
    const failure = `${published.error.name}: ${published.error.message}`;
    if (!published.error.retryable) return refuse(record, `SNS refused the message: ${failure}`, { id, type });
    return later(record, { id, type }, failure);
  }

  /** The records whose tag verifies, published ten to a call in the batch's order, each call paced; the others refused. */
  async function drain(records: readonly SQSRecord[], secrets: readonly string[]): Promise<(SQSBatchItemFailure | undefined)[]> {
    const refused: Promise<SQSBatchItemFailure | undefined>[] = [];
    const readable: { readonly record: SQSRecord; readonly queued: RetryRecord }[] = [];
    const reader = { stage: deps.stage, now: Math.floor(deps.now() / 1000) };
    for (const record of records) {
      const read = readRetryMessage(record.body, record.messageAttributes[INTEGRITY_TAG]?.stringValue, secrets, reader);
      if (read.ok) readable.push({ record, queued: read.record });
      else refused.push(refuse(record, `${read.problem}: ${read.detail}`, {}));
    }
    const settled: Promise<SQSBatchItemFailure | undefined>[] = [];
    for (const batch of inPublishBatches(readable, ({ queued }) => snsMessageBytes(queued.message))) {
      await deps.pace(batch.length);
      const results = await deps.publishBatch(batch.map(({ queued }) => queued.message));
      settled.push(...batch.map(({ record, queued }, index) => settle(record, queued, results[index] ?? MISSING_RESULT)));
    }
    return Promise.all([...refused, ...settled]);
  }

  return async (event, context) => {
    // Every line of the invocation carries its request id, cold start and function.
    if (context !== undefined) logger.addContext?.(context);
    const secrets = await deps.apiSecrets();
    if (!secrets.ok) {
      // No tag can be checked: not the records' fault. Each waits its back-off, as for SNS, and none is refused.
      logger.error('api secrets unavailable; the batch waits', { reason: secrets.reason, records: event.Records.length });
      return { batchItemFailures: await Promise.all(event.Records.map((record) => later(record, {}, `api secrets unavailable: ${secrets.reason}`))) };
    }
    const results = await drain(event.Records, secrets.secrets);
    return { batchItemFailures: results.filter((failure): failure is SQSBatchItemFailure => failure !== undefined) };
  };
}

/** The drainer's SQS side: delaying a record's next receive, and moving a refused record to the dead-letter queue. */
export function sqsRetryActions(config: Pick<DrainerConfig, 'retryQueueUrl' | 'deadLetterQueueUrl'>): Pick<DrainerDeps, 'delay' | 'deadLetter'> {
  // The endpoint comes from the region (or AWS_ENDPOINT_URL_SQS locally), not from the queue URL's host.
  const sqs = new SQSClient({ ...AWS_CLIENT_OPTIONS, useQueueUrlAsEndpoint: false });
  return {
    delay: async (receiptHandle, seconds) => {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: config.retryQueueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
    },
    deadLetter: async (record, why) => {
      const attributes: Record<string, MessageAttributeValue> = {};
      for (const [name, value] of Object.entries(record.messageAttributes)) {
        if (value.stringValue !== undefined) attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
      }
      attributes.refused = { DataType: 'String', StringValue: why.replace(/[^\x20-\x7e]/g, '?').slice(0, 256) };
      await sqs.send(new SendMessageCommand({ QueueUrl: config.deadLetterQueueUrl, MessageBody: record.body, MessageAttributes: attributes }));
    },
  };
}
