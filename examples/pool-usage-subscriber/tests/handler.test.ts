/**
 * The subscriber on SQS records carrying what the relay publishes for its
 * sample webhooks: it hands pool usage events on, and reports exactly the
 * records it could not read, that are not pool usage events, or whose
 * handling failed, so SQS retries those alone.
 */
import { type Published, publishSamples } from '../../../tests/support/contract';
import { envelopedRecord, rawRecord, sqsRecord } from '../../../tests/support/sqs-records';
import { createPoolUsageSubscriber, type PoolUsageEvent } from '../src/handler';

let published: Published[];
beforeAll(async () => {
  published = await publishSamples();
});

const sample = (type: string): Published => {
  const found = published.find((p) => p.event.type === type);
  if (found === undefined) throw new Error(`no sample publishes ${type}`);
  return found;
};

describe('createPoolUsageSubscriber', () => {
  function subscriber(onPoolUsage: (event: PoolUsageEvent) => void = () => undefined) {
    const logged: { message: string; attributes: Record<string, unknown> }[] = [];
    const handled: PoolUsageEvent[] = [];
    const handle = createPoolUsageSubscriber({
      logger: {
        error: (message, attributes) => {
          logged.push({ message, attributes });
        },
      },
      onPoolUsage: (event) => {
        onPoolUsage(event);
        handled.push(event);
      },
    });
    return { handle, logged, handled };
  }

  it('handles pool usage events and reports the records it could not read, that are not pool usage events, or whose handling failed', async () => {
    const pool = sample('rule.pool.usage.triggered');
    const failing = { ...pool.event, data: { ...pool.event.data, pool: { uuid: '00000000-0000-4000-8000-000000000000', name: 'fails' } } };
    const records = [
      rawRecord(pool.message),
      sqsRecord('{"corrupted": ', {}),
      rawRecord(sample('company.updated').message),
      envelopedRecord(pool.message),
      rawRecord({ ...pool.message, Message: JSON.stringify(failing) }),
    ];
    const { handle, logged, handled } = subscriber((event) => {
      if (event.data.pool.name === 'fails') throw new Error('downstream unavailable');
    });
    const response = await handle({ Records: records });
    expect(response.batchItemFailures).toEqual([records[1], records[2], records[4]].map((r) => ({ itemIdentifier: r?.messageId })));
    expect(handled.map((event) => event.id)).toEqual([pool.event.id, pool.event.id]);
    expect(logged.map(({ message }) => message)).toEqual([
      'record is not a CloudEvent of the relay',
      'record is not a pool usage event: check the filter policy of the subscription',
      'pool usage event not handled',
    ]);
    expect(logged[0]?.attributes).toMatchObject({ message_id: records[1]?.messageId, reason: 'not_json' });
  });

  it('answers an empty batch with no failures', async () => {
    expect(await subscriber().handle({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});
