/**
 * The subscriber on SQS records carrying what the relay publishes for its
 * sample webhooks, its tables in a DynamoDB emulator (dynalite, in this
 * process): it hands pool usage events on, and reports exactly the records it
 * could not read, that are not pool usage events, or whose handling failed,
 * so SQS retries those alone.
 */
import { type Published, publishSamples } from '../../../tests/support/contract';
import { type DynamoDbEmulator, startDynamoDb } from '../../../tests/support/dynamodb/emulator';
import { uniqueName } from '../../../tests/support/integration/aws';
import { envelopedRecord, rawRecord, sqsRecord } from '../../../tests/support/sqs-records';
import { createPoolUsageSubscriber, type PoolUsageEvent } from '../src/handler';

let published: Published[];
let dynamodb: DynamoDbEmulator;
beforeAll(async () => {
  published = await publishSamples();
  dynamodb = await startDynamoDb();
});
afterAll(async () => {
  await dynamodb.stop();
});

const sample = (type: string): Published => {
  const found = published.find((p) => p.event.type === type);
  if (found === undefined) throw new Error(`no sample publishes ${type}`);
  return found;
};

describe('createPoolUsageSubscriber', () => {
  async function subscriber(onPoolUsage: (event: PoolUsageEvent) => void = () => undefined) {
    const logged: { message: string; attributes: Record<string, unknown> }[] = [];
    const handled: PoolUsageEvent[] = [];
    const tables = { idempotency: uniqueName('idempotency'), poolUsageState: uniqueName('pool-usage-state') };
    await dynamodb.createTable(tables.idempotency, 'id');
    await dynamodb.createTable(tables.poolUsageState, 'key');
    const log = (message: string, attributes: Record<string, unknown>): void => {
      logged.push({ message, attributes });
    };
    const handle = createPoolUsageSubscriber({
      logger: { info: log, warn: log, error: log },
      tables,
      dynamodb: dynamodb.client,
      onPoolUsage: (event) => {
        onPoolUsage(event);
        handled.push(event);
      },
    });
    return { handle, logged, handled };
  }

  it('handles pool usage events once and reports the records it could not read, that are not pool usage events, or whose handling failed', async () => {
    const pool = sample('rule.pool.usage.triggered');
    const uuid = '00000000-0000-4000-8000-000000000000';
    const failing = { ...pool.event, id: 'another-event', subject: uuid, data: { ...pool.event.data, pool: { uuid, name: 'fails' } } };
    const records = [
      rawRecord(pool.message),
      sqsRecord('{"corrupted": ', {}),
      rawRecord(sample('company.updated').message),
      envelopedRecord(pool.message),
      rawRecord({ ...pool.message, Message: JSON.stringify(failing) }),
    ];
    const { handle, logged, handled } = await subscriber((event) => {
      if (event.data.pool.name === 'fails') throw new Error('downstream unavailable');
    });
    const response = await handle({ Records: records });
    expect(response.batchItemFailures).toEqual([records[1], records[2], records[4]].map((r) => ({ itemIdentifier: r?.messageId })));
    // The same event delivered raw and enveloped: handled once.
    expect(handled.map((event) => event.id)).toEqual([pool.event.id]);
    expect(logged.map(({ message }) => message).sort()).toEqual(
      [
        'record is not a CloudEvent of the relay',
        'record is not a pool usage event: check the filter policy of the subscription',
        'pool usage event already handled: a duplicate',
        'pool usage event not handled',
      ].sort(),
    );
    expect(logged.find(({ message }) => message.startsWith('record is not a CloudEvent'))?.attributes).toMatchObject({
      message_id: records[1]?.messageId,
      reason: 'not_json',
    });
  });

  it('answers an empty batch with no failures', async () => {
    expect(await (await subscriber()).handle({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});
