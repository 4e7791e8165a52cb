/**
 * The events package's subscriber helpers against a DynamoDB emulator
 * (dynalite, in this process, on 127.0.0.1): `handleOnce` runs a handler once
 * per CloudEvent id through copies in one batch, across batches and in two
 * instances at once (the second is retried later, not failed for good); a
 * DynamoDB failure fails the record and never marks it done. `newestWins`
 * keeps the newest state of a subject whatever order events arrive in, ties
 * included, and applies nothing while DynamoDB fails.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { EventInProgressError, type HandleOnce, handleOnce, type LambdaContextLike } from '@droam-webhook-relay/events/idempotency';
import { newestWins, type StateEvent } from '@droam-webhook-relay/events/newest-wins';
import { type DynamoDbEmulator, startDynamoDb } from '../support/dynamodb/emulator';
import { uniqueName } from '../support/integration/aws';
import { sqsRecord } from '../support/sqs-records';

let dynamodb: DynamoDbEmulator;
beforeAll(async () => {
  dynamodb = await startDynamoDb();
});
afterAll(async () => {
  await dynamodb.stop();
});

interface TestEvent extends StateEvent {
  readonly subject: string;
  readonly data: { readonly status: string; readonly usage?: number };
}

let counter = 0;
function event(time: string, data: TestEvent['data'], subject = '8944500102198304826', id = `e-${String(++counter).padStart(4, '0')}`): TestEvent {
  return { id, type: 'rule.sim_card.status.changed', time, subject, data };
}

const recordOf = (e: TestEvent): SQSRecord => sqsRecord(JSON.stringify(e), {});
/** A Lambda context with this much time left: how long an attempt holds an id. */
const remaining = (ms: number): LambdaContextLike => ({ getRemainingTimeInMillis: () => ms });

async function table(partitionKey: string): Promise<string> {
  const name = uniqueName(partitionKey === 'id' ? 'idempotency' : 'newest-wins');
  await dynamodb.createTable(name, partitionKey);
  return name;
}

/** A batch handler as a subscriber writes one: each record's event through `once`, partial failures reported. */
function batchHandler(once: HandleOnce<TestEvent, string>, context: LambdaContextLike = remaining(10_000)) {
  const processor = new BatchProcessor(EventType.SQS);
  return (records: SQSRecord[]): Promise<SQSBatchResponse> =>
    processPartialResponse(
      { Records: records },
      async (record: SQSRecord) => {
        await once(JSON.parse(record.body) as TestEvent, context);
      },
      processor,
      { throwOnFullBatchFailure: false },
    );
}

const failures = (response: SQSBatchResponse): string[] => response.batchItemFailures.map((f) => f.itemIdentifier);
const statusOf = (items: Record<string, { S?: string }>[]): string[] => items.map((item) => item.status?.S ?? '');

describe('handleOnce (Powertools Idempotency, DynamoDB persistence)', () => {
  let tableName: string;
  const effects: string[] = [];
  const effect = (e: TestEvent): string => {
    effects.push(e.id);
    return `handled ${e.id}`;
  };
  beforeEach(async () => {
    tableName = await table('id');
    effects.length = 0;
  });

  it('runs the handler once for three copies of an event in one batch, and fails none of them', async () => {
    const once = handleOnce(effect, { tableName, client: dynamodb.client });
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    const other = event('2024-06-12T17:25:12Z', { status: 'Active' });
    const response = await batchHandler(once)([recordOf(e), recordOf(e), recordOf(other), recordOf(e)]);
    expect(failures(response)).toEqual([]);
    expect(effects.sort()).toEqual([e.id, other.id].sort());
    expect(statusOf(await dynamodb.scan(tableName))).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('returns the stored result to a copy in a later batch, without running the handler', async () => {
    const once = handleOnce(effect, { tableName, client: dynamodb.client });
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    expect(await once(e)).toEqual({ duplicate: false, result: `handled ${e.id}` });
    // Another instance (a new cold start): nothing in memory, the table remembers.
    const later = handleOnce(effect, { tableName, client: dynamodb.client });
    expect(await later({ ...e })).toEqual({ duplicate: true, result: `handled ${e.id}` });
    expect(failures(await batchHandler(later)([recordOf(e)]))).toEqual([]);
    expect(effects).toEqual([e.id]);
  });

  it('keeps ids apart by scope, and forgets them after the window', async () => {
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    await handleOnce(effect, { tableName, client: dynamodb.client, scope: 'billing' })(e);
    await handleOnce(effect, { tableName, client: dynamodb.client, scope: 'alerts', windowSeconds: 1 })(e);
    expect(effects).toEqual([e.id, e.id]);
    const expirations = (await dynamodb.scan(tableName)).map((item) => Number(item.expiration?.N) - Date.now() / 1000).sort((a, b) => a - b);
    // Whole seconds, rounded: a second or two from now, against fourteen days.
    expect(expirations[0]).toBeLessThan(3);
    expect(expirations[1]).toBeGreaterThan(14 * 86_400 - 60);
  });

  it('a copy arriving while another instance handles the event fails alone, as in progress, and its retry finds it done', async () => {
    let finish: () => void = () => undefined;
    const slow = handleOnce(
      async (e: TestEvent) => {
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        return effect(e);
      },
      { tableName, client: dynamodb.client },
    );
    const elsewhere = handleOnce(effect, { tableName, client: dynamodb.client });
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    const other = event('2024-06-12T17:25:13Z', { status: 'Suspended' });

    const first = slow(e, remaining(10_000));
    await waitFor(async () => statusOf(await dynamodb.scan(tableName)).includes('INPROGRESS'));
    await expect(elsewhere(e, remaining(10_000))).rejects.toBeInstanceOf(EventInProgressError);
    const copy = recordOf(e);
    const response = await batchHandler(elsewhere)([copy, recordOf(other)]);
    // Only the copy is retried; the batch's other record is done.
    expect(failures(response)).toEqual([copy.messageId]);
    expect(effects).toEqual([other.id]);

    finish();
    expect(await first).toEqual({ duplicate: false, result: `handled ${e.id}` });
    expect(failures(await batchHandler(elsewhere)([copy]))).toEqual([]);
    expect(effects).toEqual([other.id, e.id]);
  });

  it('an attempt that never finished (its invocation timed out) holds the id only for the time it had: its context, or inProgressSeconds without one', async () => {
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    let finish: () => void = () => undefined;
    const stuck = handleOnce(
      () =>
        new Promise<string>((resolve) => {
          finish = () => {
            resolve('late');
          };
        }),
      // Powertools alone would hold the id for the whole window without a context: the wrapper gives it this long instead.
      { tableName, client: dynamodb.client, inProgressSeconds: 1 },
    );
    const abandoned = stuck(e);
    await waitFor(async () => statusOf(await dynamodb.scan(tableName)).includes('INPROGRESS'));
    const retry = handleOnce(effect, { tableName, client: dynamodb.client });
    await expect(retry(e, remaining(10_000))).rejects.toBeInstanceOf(EventInProgressError);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await retry(e, remaining(10_000))).toEqual({ duplicate: false, result: `handled ${e.id}` });
    finish();
    await abandoned;
  });

  it('a handler that throws leaves the id free: the record is retried and its retry runs the handler', async () => {
    let attempts = 0;
    const once = handleOnce(
      (e: TestEvent) => {
        if (++attempts === 1) throw new Error('downstream unavailable');
        return effect(e);
      },
      { tableName, client: dynamodb.client },
    );
    const record = recordOf(event('2024-06-12T17:25:11Z', { status: 'Active' }));
    expect(failures(await batchHandler(once)([record]))).toEqual([record.messageId]);
    expect(await dynamodb.scan(tableName)).toEqual([]);
    expect(failures(await batchHandler(once)([record]))).toEqual([]);
    expect(effects).toHaveLength(1);
  });

  it('DynamoDB failing before the handler runs fails the record, marks nothing, and the retry runs the handler once', async () => {
    const once = handleOnce(effect, { tableName, client: dynamodb.client });
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    const record = recordOf(e);
    const failed = dynamodb.fail(['PutItem']);
    try {
      expect(failures(await batchHandler(once)([record]))).toEqual([record.messageId]);
    } finally {
      dynamodb.heal();
    }
    // The SDK retried the server error before giving up.
    expect(failed()).toBeGreaterThan(1);
    expect(effects).toEqual([]);
    expect(await dynamodb.scan(tableName)).toEqual([]);
    expect(failures(await batchHandler(once)([record]))).toEqual([]);
    expect(effects).toEqual([e.id]);
  });

  it('DynamoDB failing after the handler ran fails the record and never marks it done; once the attempt expires, a retry runs it again', async () => {
    const once = handleOnce(effect, { tableName, client: dynamodb.client });
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    const record = recordOf(e);
    dynamodb.fail(['UpdateItem']);
    try {
      expect(failures(await batchHandler(once, remaining(300))([record]))).toEqual([record.messageId]);
    } finally {
      dynamodb.heal();
    }
    expect(effects).toEqual([e.id]);
    expect(statusOf(await dynamodb.scan(tableName))).toEqual(['INPROGRESS']);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(failures(await batchHandler(once)([record]))).toEqual([]);
    // At least once here: the effect ran, but DynamoDB could not record it.
    expect(effects).toEqual([e.id, e.id]);
    expect(statusOf(await dynamodb.scan(tableName))).toEqual(['COMPLETED']);
  });
});

describe('newestWins (a DynamoDB conditional write per subject)', () => {
  let tableName: string;
  const state = new Map<string, string>();
  const setStatus = (e: TestEvent): string => {
    state.set(e.subject, e.data.status);
    return e.data.status;
  };
  beforeEach(async () => {
    tableName = await table('key');
    state.clear();
  });

  it('applies a newer state and refuses an older one that arrives after it', async () => {
    const guard = newestWins<TestEvent>({ tableName, client: dynamodb.client });
    const activated = event('2024-06-12T17:25:11Z', { status: 'Active' });
    const suspended = event('2024-06-12T18:00:00Z', { status: 'Suspended' });
    expect(await guard.apply(suspended, setStatus)).toEqual({ applied: true, previous: undefined, result: 'Suspended' });
    expect(await guard.apply(activated, setStatus)).toEqual({ applied: false, reason: 'older', current: { id: suspended.id, time: suspended.time } });
    expect(state.get(activated.subject)).toBe('Suspended');
    const reactivated = event('2024-06-13T08:00:00Z', { status: 'Active' });
    expect(await guard.apply(reactivated, setStatus)).toMatchObject({ applied: true, previous: { id: suspended.id } });
    expect(state.get(activated.subject)).toBe('Active');
  });

  it('orders each subject, and each type, on its own', async () => {
    const guard = newestWins<TestEvent>({ tableName, client: dynamodb.client });
    const late = event('2024-06-12T18:00:00Z', { status: 'Suspended' }, 'sim-a');
    const earlierOtherSim = event('2024-06-12T17:00:00Z', { status: 'Active' }, 'sim-b');
    const earlierUsage = { ...event('2024-06-12T17:00:00Z', { status: 'Active' }, 'sim-a'), type: 'rule.sim_card.current_usage.triggered' };
    for (const e of [late, earlierOtherSim, earlierUsage]) expect(await guard.apply(e, setStatus)).toMatchObject({ applied: true });
  });

  it('applies the event last applied again when it is redelivered (its retry after a failed effect)', async () => {
    const guard = newestWins<TestEvent>({ tableName, client: dynamodb.client });
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    await expect(
      guard.apply(e, () => {
        throw new Error('downstream unavailable');
      }),
    ).rejects.toThrow('downstream unavailable');
    expect(await guard.apply(e, setStatus)).toEqual({ applied: true, previous: { id: e.id, time: e.time }, result: 'Active' });
  });

  it('breaks a tie in the same second the same way whatever the order: by the greater id', async () => {
    const a = event('2024-06-12T17:25:11Z', { status: 'Active' }, 'sim-tie', 'f3a1');
    const b = event('2024-06-12T17:25:11Z', { status: 'Suspended' }, 'sim-tie', '0b7c');
    const outcomes = [];
    for (const order of [
      [a, b],
      [b, a],
      [b, a, b, a],
    ]) {
      const guard = newestWins<TestEvent>({ tableName: await table('key'), client: dynamodb.client });
      state.clear();
      for (const e of order) outcomes.push(await guard.apply(e, setStatus));
      expect(state.get('sim-tie')).toBe('Active');
    }
    // b after a, and b again after a: refused as the tie's loser; a after b replaces it.
    expect(outcomes.filter((o) => !o.applied)).toEqual(
      Array.from({ length: 2 }, () => ({ applied: false, reason: 'tie', current: { id: a.id, time: a.time } })),
    );
  });

  it('breaks a tie with the type own order when given one (usage only grows), before the id', async () => {
    const lower = event('2024-06-12T17:25:11Z', { status: 'usage', usage: 1_000 }, 'pool', 'ffff');
    const higher = event('2024-06-12T17:25:11Z', { status: 'usage', usage: 2_000 }, 'pool', '0000');
    for (const order of [
      [lower, higher],
      [higher, lower],
    ]) {
      const guard = newestWins<TestEvent>({ tableName: await table('key'), client: dynamodb.client, tieBreaker: (e) => e.data.usage ?? 0 });
      const applied = [];
      for (const e of order) if ((await guard.apply(e, (x) => x.data.usage)).applied) applied.push(e.data.usage);
      expect(applied.at(-1)).toBe(2_000);
    }
  });

  it('applies nothing while DynamoDB fails: the record fails, the effect does not run, and the retry applies it', async () => {
    const guard = newestWins<TestEvent>({ tableName, client: dynamodb.client });
    const e = event('2024-06-12T17:25:11Z', { status: 'Active' });
    dynamodb.fail(['UpdateItem']);
    try {
      await expect(guard.apply(e, setStatus)).rejects.toMatchObject({ name: 'InternalServerError' });
    } finally {
      dynamodb.heal();
    }
    expect(state.size).toBe(0);
    expect(await dynamodb.scan(tableName)).toEqual([]);
    expect(await guard.apply(e, setStatus)).toMatchObject({ applied: true });
    expect(state.get(e.subject)).toBe('Active');
  });

  it('refuses an event without a subject or a time, before writing anything', async () => {
    const guard = newestWins<StateEvent>({ tableName, client: dynamodb.client });
    await expect(guard.apply({ id: 'x', type: 'company.updated', time: '2024-06-12T17:25:11Z' }, () => 1)).rejects.toThrow(/has no subject/);
    await expect(guard.apply({ id: 'x', type: 'company.updated', time: 'yesterday', subject: 'c' }, () => 1)).rejects.toThrow(/no valid time/);
    expect(await dynamodb.scan(tableName)).toEqual([]);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
