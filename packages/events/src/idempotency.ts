import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * `@droam-webhook-relay/events/idempotency`: each event's effect once, keyed on
 * the CloudEvent `id` (which every redelivery keeps: dRoam's retries, SNS,
 * the relay's publish-retry queue, `npm run replay` and `npm run history`),
 * built on Powertools Idempotency and its DynamoDB persistence layer, so a
 * team that knows Powertools has nothing new to learn and one that does not
 * gets its documented behaviour:
 *
 * - the first attempt writes the id as IN_PROGRESS (a conditional put), runs
 *   the handler, and stores its result as COMPLETED for `windowSeconds`;
 * - a later delivery within the window gets the stored result, and the
 *   handler does not run;
 * - a handler that throws deletes the IN_PROGRESS record, so a retry runs it;
 * - a delivery that arrives while another attempt holds the id (another
 *   Lambda instance) throws EventInProgressError: report the record as failed
 *   and SQS delivers it again after its visibility timeout, by when the first
 *   attempt has finished (or its lock has expired with the invocation that
 *   held it: pass the Lambda context; without one, Powertools would set no
 *   expiry and a dead attempt would hold the id for the whole window, so the
 *   wrapper gives each attempt `inProgressSeconds`);
 * - a DynamoDB failure before the handler ran throws, and nothing is marked
 *   done; one after the handler ran (storing COMPLETED failed) throws too,
 *   and a retry after the lock expires runs the handler again.
 *
 * Copies of one event in one batch wait for the first in this process
 * instead of failing as in progress.
 */

/** What the wrapper needs of a CloudEvent: its id. */
export interface EventWithId {
  readonly id: string;
}

/** The part of a Lambda context that is read: how long the invocation has left, which bounds how long it holds an id. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

export interface HandleOnceOptions {
  /** The DynamoDB table (partition key `id`, a string; TTL on `expiration`). */
  readonly tableName: string;
  /** The client to use (region, endpoint, retries); default: a new one from the environment. */
  readonly client?: DynamoDBClient | undefined;
  /** How long an id is remembered after its handler completed, in seconds; default 14 days, as long as SQS keeps a message. */
  readonly windowSeconds?: number | undefined;
  /** Keeps this handler's ids apart from another's in the same table; default `droam-event`. */
  readonly scope?: string | undefined;
  /** How long an attempt holds an id when no Lambda context is given, in seconds; default 60. */
  readonly inProgressSeconds?: number | undefined;
}

/** The handler's result, and whether it was stored from an earlier delivery (the handler did not run). */
export interface HandledOnce<R> {
  readonly duplicate: boolean;
  readonly result: R;
}

/** Handles one event, its handler running once per id within the window. */
export type HandleOnce<E extends EventWithId, R> = (event: E, context?: LambdaContextLike) => Promise<HandledOnce<R>>;

/**
 * Another attempt holds this event's id: not a failure of the event. Report
 * the record as failed (it is delivered again after the queue's visibility
 * timeout, by when the other attempt has finished) and log it below error.
 */
export class EventInProgressError extends Error {
  override readonly name = 'EventInProgressError';

  constructor(
    readonly eventId: string,
    options?: ErrorOptions,
  ) {
    super(`event ${eventId} is being handled by another attempt; deliver it again later`, options);
  }
}

export const DEFAULT_WINDOW_SECONDS = 14 * 24 * 3600;
const DEFAULT_IN_PROGRESS_SECONDS = 60;

/**
 * Wraps a handler so that its effect happens once per CloudEvent id. The
 * handler's result is stored (it must be JSON) and returned to duplicates.
 */
export function handleOnce<E extends EventWithId, R>(handler: (event: E) => Promise<R> | R, options: HandleOnceOptions): HandleOnce<E, R> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.windowSeconds ?? DEFAULT_WINDOW_SECONDS,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    ...(options.client === undefined ? {} : { awsSdkV3Client: options.client }),
  });
  const standIn: LambdaContextLike = { getRemainingTimeInMillis: () => (options.inProgressSeconds ?? DEFAULT_IN_PROGRESS_SECONDS) * 1000 };

  // The second argument tells this call whether the handler ran in it, or the result came from the table.
  const once = makeIdempotent(
    async (event: E, ran: { handled: boolean }): Promise<R> => {
      ran.handled = true;
      return handler(event);
    },
    { persistenceStore, config, keyPrefix: options.scope ?? 'droam-event', dataIndexArgument: 0 },
  );

  const inFlight = new Map<string, Promise<R>>();

  return async (event, context) => {
    const first = inFlight.get(event.id);
    if (first !== undefined) return { duplicate: true, result: await first };
    // Powertools reads only getRemainingTimeInMillis from the context: it sets how long the id is held.
    config.registerLambdaContext((context ?? standIn) as Parameters<IdempotencyConfig['registerLambdaContext']>[0]);
    const ran = { handled: false };
    const attempt = once(event, ran);
    inFlight.set(event.id, attempt);
    try {
      const result = await attempt;
      return { duplicate: !ran.handled, result };
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) throw new EventInProgressError(event.id, { cause: error });
      throw error;
    } finally {
      inFlight.delete(event.id);
    }
  };
}
