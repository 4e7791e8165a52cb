import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { LogSink } from '../observability/sinks';
import type { ApiSecrets } from './api-secrets';
import type { Publish } from './publish';
import { readRetryMessage } from './retry';
import { INTEGRITY_TAG_ATTRIBUTE } from './sqs-records';

/**
 * The publish-retry drainer: publishes each event the webhook could not
 * publish, exactly as the webhook would have (same message, attributes, id,
 * FIFO group and de-duplication ids). A record that fails for a reason time
 * can mend waits longer after each receive (exponential back-off through its
 * visibility timeout) and, after the queue's maxReceiveCount, moves to the
 * dead-letter queue. A record that must never be published — no valid
 * integrity tag, not a retry record, or a message SNS refuses as such — goes
 * to the dead-letter queue at once, where an alarm calls an operator.
 */

export interface DrainerDeps {
  readonly publish: Publish;
  /** The accepted api secrets (the webhook's): a record's tag must verify under one of them. */
  readonly apiSecrets: ApiSecrets;
  /** Hides a record for this many seconds before its next receive. */
  readonly delay: (receiptHandle: string, seconds: number) => Promise<void>;
  /** Moves a record to the dead-letter queue now (the drainer then deletes it by reporting success). */
  readonly deadLetter: (record: SQSRecord, why: string) => Promise<void>;
  readonly logger: LogSink;
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
        error: describe(error),
      });
      return { itemIdentifier: record.messageId };
    }
  }

  async function drain(record: SQSRecord, secrets: readonly string[]): Promise<SQSBatchItemFailure | undefined> {
    const read = readRetryMessage(record.body, record.messageAttributes[INTEGRITY_TAG_ATTRIBUTE]?.stringValue, secrets);
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
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    const delaySeconds = retryDelaySeconds(receiveCount);
    try {
      await deps.delay(record.receiptHandle, delaySeconds);
    } catch (error) {
      // The queue's own visibility timeout then paces the next attempt.
      logger.warn('could not delay the next attempt', { id, error: describe(error) });
    }
    logger.warn('queued event not published yet; retrying later', { id, type, receive_count: receiveCount, retry_in_seconds: delaySeconds, detail: failure });
    return { itemIdentifier: record.messageId };
  }

  return async (event, context) => {
    // Every line of the invocation carries its request id, cold start and function.
    if (context !== undefined) logger.addContext?.(context);
    const secrets = await deps.apiSecrets();
    if (!secrets.ok) {
      // Without the secrets no tag can be checked: every record waits for the queue's visibility timeout, none is refused.
      logger.error('api secrets unavailable; the batch is retried', { reason: secrets.reason, records: event.Records.length });
      return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
    }
    const results = await Promise.all(event.Records.map((record) => drain(record, secrets.secrets)));
    return { batchItemFailures: results.filter((failure): failure is SQSBatchItemFailure => failure !== undefined) };
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : 'unknown error';
}
