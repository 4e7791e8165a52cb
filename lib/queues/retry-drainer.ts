import { ChangeMessageVisibilityCommand, type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type ApiSecretsSettings, readApiSecretsSettings } from '../api-secrets/settings';
import { type NamedSource, readNamedSources } from '../api-secrets/sources';
import { DEFAULT_DROAM_SOURCE } from '../contract';
import type { ApiSecrets } from '../api-secrets/store';
import { AWS_CLIENT_OPTIONS, describeError } from '../lambda/clients';
import { ConfigError, type Env, isLocalRun, readStage } from '../lambda/config';
import type { LogSink } from '../observability/sinks';
import { type Publish, readTopicArn } from '../topic/publish';
import { INTEGRITY_TAG } from './records';
import { readRetryMessage } from './retry';

/**
 * The publish-retry drainer: publishes each event the webhook could not
 * publish, exactly as the webhook would have (same message, attributes, id,
 * FIFO group and de-duplication ids). A record that fails for a reason that
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
}

/** The drainer's configuration, read once at cold start: the webhook's topic and api secrets, and its two queues. */
export function loadDrainerConfig(env: Env): DrainerConfig {
  const local = isLocalRun(env);
  const { stage, problems: stageProblems } = readStage(env);
  const { topicArn, problems: topicProblems } = readTopicArn(env);
  const { problems: secretProblems, ...apiSecrets } = readApiSecretsSettings(env, { local, required: true });
  const named = readNamedSources(env, { local, required: true, defaultName: DEFAULT_DROAM_SOURCE });
  const retryQueueUrl = env.RETRY_QUEUE_URL?.trim() ?? '';
  const deadLetterQueueUrl = env.RETRY_DEAD_LETTER_QUEUE_URL?.trim() ?? '';
  const problems = [
    ...stageProblems,
    ...topicProblems,
    ...secretProblems,
    ...named.problems,
    ...(retryQueueUrl === '' || deadLetterQueueUrl === '' ? ['RETRY_QUEUE_URL and RETRY_DEAD_LETTER_QUEUE_URL are required'] : []),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return { stage, topicArn, local, ...apiSecrets, retryQueueUrl, deadLetterQueueUrl, sources: named.sources };
}

export interface DrainerDeps {
  /** The stage whose relay this is. */
  readonly stage: string;
  readonly publish: Publish;
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

  async function drain(record: SQSRecord, secrets: readonly string[]): Promise<SQSBatchItemFailure | undefined> {
    const reader = { stage: deps.stage, now: Math.floor(deps.now() / 1000) };
    const read = readRetryMessage(record.body, record.messageAttributes[INTEGRITY_TAG]?.stringValue, secrets, reader);
    if (!read.ok) return refuse(record, `${read.problem}: ${read.detail}`, {});
    const { id, type, queued_at } = read.record;
    const published = await deps.publish(read.record.message);
    const waitedMs = deps.now() - Date.parse(queued_at);
    if (published.ok) {
      logger.info('queued event published', { id, type, message_id: published.messageId, waited_ms: Number.isFinite(waitedMs) ? waitedMs : undefined });
      return undefined;
    }
    const failure = `${published.error.name}: ${published.error.message}`;
    if (!published.error.retryable) return refuse(record, `SNS refused the message: ${failure}`, { id, type });
    return later(record, { id, type }, failure);
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
    const results = await Promise.all(event.Records.map((record) => drain(record, secrets.secrets)));
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
