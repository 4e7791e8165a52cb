import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { type DroamEvent, readSqsRecord } from '@droam-webhook-relay/events';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * A subscriber of the dRoam webhook relay, as a service of its own writes one:
 * the events package (`@droam-webhook-relay/events`) reads each record, and
 * Powertools Batch reports the records that failed. Its queue is subscribed to
 * the relay's topic with a filter policy (serverless.yml) that lets through
 * only `rule.pool.usage.triggered` events whose `current_usage_kb` is above
 * the stage's `poolUsageAlertKb`. A record that cannot be read, is not a pool
 * usage event (the filter policy and this code disagree) or fails to be
 * handled throws in its record handler; Powertools reports it in
 * `batchItemFailures`, so SQS retries it alone and, after 5 receives, moves it
 * to the dead-letter queue. The queue is a standard one (SNS FIFO topics
 * deliver to those too), so one failure does not hold back the rest of the
 * batch. Events can arrive twice: act idempotently on the CloudEvent `id`.
 */

export type PoolUsageEvent = DroamEvent<'rule.pool.usage.triggered'>;

/** The part of a logger the subscriber uses; Powertools' Logger fits it, and a test can hand it a recorder. */
export interface SubscriberLogger {
  error(message: string, attributes: Record<string, unknown>): void;
  /** Puts the invocation's Lambda context (request id, cold start, function) on every following line. */
  addContext?(context: Context): void;
}

export interface PoolUsageSubscriberDeps {
  readonly logger: SubscriberLogger;
  /** What to do with one event: alert, top the pool up… A throw has the record retried. */
  readonly onPoolUsage: (event: PoolUsageEvent) => Promise<void> | void;
}

/** A record the subscriber refuses; its message is already logged. */
class UnusableRecord extends Error {}

export function createPoolUsageSubscriber(deps: PoolUsageSubscriberDeps): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const { logger } = deps;
  const processor = new BatchProcessor(EventType.SQS);

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const read = readSqsRecord(record);
    if (!read.ok) {
      logger.error('record is not a CloudEvent of the relay', { message_id: record.messageId, reason: read.reason, detail: read.message, issues: read.issues });
      throw new UnusableRecord(read.message);
    }
    if (!read.declared || read.event.type !== 'rule.pool.usage.triggered') {
      logger.error('record is not a pool usage event: check the filter policy of the subscription', {
        message_id: record.messageId,
        type: read.event.type,
        id: read.event.id,
      });
      throw new UnusableRecord(`not a pool usage event: ${read.event.type}`);
    }
    try {
      await deps.onPoolUsage(read.event);
    } catch (error) {
      logger.error('pool usage event not handled', {
        message_id: record.messageId,
        id: read.event.id,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };

  // A batch whose every record failed is reported like any other (every record retried alone), not thrown.
  return (event, context) => {
    if (context !== undefined) logger.addContext?.(context);
    return processPartialResponse(event, handleRecord, processor, { ...(context === undefined ? {} : { context }), throwOnFullBatchFailure: false });
  };
}

// The service name and level come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL (serverless.yml).
const logger = new Logger();

export const handler = createPoolUsageSubscriber({
  logger,
  // The example only reports; replace this with what your service does.
  onPoolUsage: (event) => {
    const { pool, rule } = event.data;
    logger.warn('pool usage above the alert threshold', {
      id: event.id,
      time: event.time,
      pool_uuid: pool.uuid,
      pool_name: pool.name,
      current_usage_kb: pool.current_usage_kb,
      rule_uuid: rule.uuid,
    });
  },
});
