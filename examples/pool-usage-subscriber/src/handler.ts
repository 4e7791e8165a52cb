import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DroamEvent, readSqsRecord } from '@droam-webhook-relay/events';
import { EventInProgressError, handleOnce } from '@droam-webhook-relay/events/idempotency';
import { newestWins } from '@droam-webhook-relay/events/newest-wins';
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
 * batch.
 *
 * Events can arrive more than once and out of order. Each event's effect
 * happens once (`handleOnce`, keyed on the CloudEvent `id`, in
 * IdempotencyTable), and only for the newest usage of its pool
 * (`newestWins`, in PoolUsageStateTable): an older event delivered after a
 * newer one is skipped. A copy that another instance is handling at that
 * moment is reported failed and handled (as a duplicate) on its next receive.
 */

export type PoolUsageEvent = DroamEvent<'rule.pool.usage.triggered'>;

/** The part of a logger the subscriber uses; Powertools' Logger fits it, and a test can hand it a recorder. */
export interface SubscriberLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
  /** Puts the invocation's Lambda context (request id, cold start, function) on every following line. */
  addContext?(context: Context): void;
}

export interface PoolUsageSubscriberDeps {
  readonly logger: SubscriberLogger;
  /** What to do with one event: alert, top the pool up… Runs once per event, for a pool's newest usage only. A throw has the record retried. */
  readonly onPoolUsage: (event: PoolUsageEvent) => Promise<void> | void;
  /** The DynamoDB tables (serverless.yml) and the client to reach them. */
  readonly tables: { readonly idempotency: string; readonly poolUsageState: string };
  readonly dynamodb: DynamoDBClient;
}

/** What an event's handling came to; stored with its id, so a duplicate gets it back. */
type Handled = { readonly applied: true } | { readonly applied: false; readonly reason: 'older' | 'tie'; readonly newer_id: string };

/** A record the subscriber refuses; its message is already logged. */
class UnusableRecord extends Error {}

export function createPoolUsageSubscriber(deps: PoolUsageSubscriberDeps): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const { logger } = deps;
  const processor = new BatchProcessor(EventType.SQS);
  // Pool usage only grows within a period: of two events of one pool in the same second, the larger usage is the later.
  const poolUsage = newestWins<PoolUsageEvent>({
    tableName: deps.tables.poolUsageState,
    client: deps.dynamodb,
    tieBreaker: (event) => event.data.pool.current_usage_kb ?? -1,
  });
  const handle = handleOnce(
    async (event: PoolUsageEvent): Promise<Handled> => {
      const outcome = await poolUsage.apply(event, deps.onPoolUsage);
      return outcome.applied ? { applied: true } : { applied: false, reason: outcome.reason, newer_id: outcome.current.id };
    },
    { tableName: deps.tables.idempotency, client: deps.dynamodb },
  );

  const handleRecord = async (record: SQSRecord, context: Context | undefined): Promise<void> => {
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
    const { id } = read.event;
    try {
      const { duplicate, result } = await handle(read.event, context);
      if (duplicate) logger.info('pool usage event already handled: a duplicate', { message_id: record.messageId, id });
      else if (!result.applied) logger.info('pool usage event older than the one applied: skipped', { message_id: record.messageId, id, ...result });
    } catch (error) {
      if (error instanceof EventInProgressError) {
        logger.warn('pool usage event being handled by another instance: retried later', { message_id: record.messageId, id });
        throw error;
      }
      logger.error('pool usage event not handled', {
        message_id: record.messageId,
        id,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };

  // A batch whose every record failed is reported like any other (every record retried alone), not thrown.
  return (event, context) => {
    if (context !== undefined) logger.addContext?.(context);
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
      ...(context === undefined ? {} : { context }),
      throwOnFullBatchFailure: false,
    });
  };
}

// The service name and level come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL (serverless.yml).
const logger = new Logger();

export const handler = createPoolUsageSubscriber({
  logger,
  // Named by serverless.yml; the client takes its region (and, locally, AWS_ENDPOINT_URL_DYNAMODB) from the environment.
  tables: { idempotency: process.env.IDEMPOTENCY_TABLE ?? '', poolUsageState: process.env.POOL_USAGE_STATE_TABLE ?? '' },
  dynamodb: new DynamoDBClient({}),
  // The example only reports; replace this with what your service does (once per event, for a pool's newest usage).
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
