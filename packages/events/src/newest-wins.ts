import { type AttributeValue, ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * `@droam-webhook-relay/events/newest-wins`: for state-like types (a SIM's
 * status, its usage, a pool's usage), applies an event only when it is newer
 * than the last one applied for its `subject`, with one conditional write to
 * DynamoDB, so a redelivered or replayed older event never overwrites a newer
 * state, whatever order a standard topic delivers them in.
 *
 * Newer means a later CloudEvent `time`. The relay takes `time` from dRoam's
 * `created_at.unix_timestamp`, which has a resolution of one second, so two
 * changes of one subject in the same second have the same `time` and nothing
 * says which came first. Such a tie goes, by default, to the greater event
 * `id`: an arbitrary choice, but the same whatever order the two arrive in
 * and however often either is replayed, so every delivery ends with the same
 * state. A type with an order of its own (usage that only grows) says so with
 * `tieBreaker`, compared before the id.
 *
 * The write comes before the effect: an event that wins is recorded, then
 * `effect` runs. If the effect throws, the record stays and the event's own
 * retry applies it again (the event last applied always may), while older
 * events stay refused. A redelivery of the event last applied is therefore
 * applied again: wrap with `handleOnce` (`/idempotency`) for its effect once.
 * Two events of one subject handled at the same moment are written in order,
 * but their effects may finish in either order: when that matters, subscribe
 * a FIFO queue (the relay groups FIFO messages by subject), which hands one
 * subject's events over one at a time.
 */

/** What the guard reads of a CloudEvent. */
export interface StateEvent {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly subject?: string | undefined;
}

export interface NewestWinsOptions<E extends StateEvent> {
  /** The DynamoDB table (partition key `key`, a string; TTL on `expires_at`). */
  readonly tableName: string;
  /** The client to use (region, endpoint, retries); default: a new one from the environment. */
  readonly client?: DynamoDBClient | undefined;
  /**
   * Which states an event's `time` is compared within, besides its subject; default: its `type`, so a SIM's
   * status and its usage are ordered apart. Give one name to types that set the same state.
   */
  readonly state?: ((event: E) => string) | undefined;
  /** Orders events of one subject with the same `time`, before the id decides; one type of value per table. */
  readonly tieBreaker?: ((event: E) => string | number) | undefined;
  /** How long a subject's last applied event is kept after it was applied, in seconds; default 400 days. Older replays apply as new. */
  readonly retentionSeconds?: number | undefined;
}

/** The event a subject's state was last set by. */
export interface AppliedEvent {
  readonly id: string;
  readonly time: string;
}

export type NewestWinsOutcome<R> =
  /** The event is the newest of its subject (or the newest again): recorded, and the effect ran. */
  | { readonly applied: true; readonly previous: AppliedEvent | undefined; readonly result: R }
  /** An event with a later `time` was applied (`older`), or one with the same `time` that wins the tie (`tie`): the effect did not run. */
  | { readonly applied: false; readonly reason: 'older' | 'tie'; readonly current: AppliedEvent };

export interface NewestWins<E extends StateEvent> {
  /** Records the event as its subject's newest and runs `effect`, or, when a newer one was applied, does neither. */
  apply<R>(event: E, effect: (event: E) => Promise<R> | R): Promise<NewestWinsOutcome<R>>;
}

const DEFAULT_RETENTION_SECONDS = 400 * 24 * 3600;

// The event wins when nothing was applied, it was the one applied, its time is later, or the tie goes its way.
const NEWER =
  'attribute_not_exists(#key) OR #id = :id OR #time_ms < :time_ms OR ' +
  '(#time_ms = :time_ms AND (#tie < :tie OR (#tie = :tie AND #id < :id)))';

export function newestWins<E extends StateEvent>(options: NewestWinsOptions<E>): NewestWins<E> {
  const client = options.client ?? new DynamoDBClient({});
  const retention = options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS;

  const keyOf = (event: E): string => {
    if (event.subject === undefined || event.subject === '') throw new TypeError(`event ${event.id} (${event.type}) has no subject to order its state by`);
    return `${options.state?.(event) ?? event.type}#${event.subject}`;
  };

  return {
    async apply(event, effect) {
      const key = keyOf(event);
      const timeMs = Date.parse(event.time);
      if (!Number.isFinite(timeMs)) throw new TypeError(`event ${event.id} has no valid time: ${event.time}`);
      const tie = options.tieBreaker?.(event) ?? '';
      const values: Record<string, AttributeValue> = {
        ':id': { S: event.id },
        ':time': { S: event.time },
        ':time_ms': { N: String(timeMs) },
        ':tie': typeof tie === 'number' ? { N: String(tie) } : { S: tie },
        ':expires_at': { N: String(Math.floor(Date.now() / 1000) + retention) },
      };
      let previous: AppliedEvent | undefined;
      try {
        const written = await client.send(
          new UpdateItemCommand({
            TableName: options.tableName,
            Key: { key: { S: key } },
            UpdateExpression: 'SET #id = :id, #time = :time, #time_ms = :time_ms, #tie = :tie, #expires_at = :expires_at',
            ConditionExpression: NEWER,
            ExpressionAttributeNames: { '#key': 'key', '#id': 'id', '#time': 'time', '#time_ms': 'time_ms', '#tie': 'tie', '#expires_at': 'expires_at' },
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_OLD',
          }),
        );
        previous = appliedEvent(written.Attributes);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const { Item } = await client.send(new GetItemCommand({ TableName: options.tableName, Key: { key: { S: key } }, ConsistentRead: true }));
        const current = appliedEvent(Item);
        // Gone since the write was refused (its TTL passed): the next delivery applies it.
        if (current === undefined) throw new Error(`the state of ${key} changed while event ${event.id} was compared with it; deliver it again`, { cause: error });
        return { applied: false, reason: Item?.time_ms?.N === String(timeMs) ? 'tie' : 'older', current };
      }
      return { applied: true, previous, result: await effect(event) };
    },
  };
}

function appliedEvent(item: Record<string, AttributeValue> | undefined): AppliedEvent | undefined {
  const id = item?.id?.S;
  const time = item?.time?.S;
  return id === undefined || time === undefined ? undefined : { id, time };
}
