/**
 * The events package's reader reads what the relay publishes back into typed CloudEvents,
 * raw or enveloped, and says what is wrong instead of throwing; the example
 * subscriber reports exactly the records it could not read or handle.
 */
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { createPoolUsageSubscriber, type PoolUsageEvent } from '../../../functions/pool-usage-subscriber';
import type { SnsMessage } from '../../../lib/topic/message';
import { readSnsRecord, readSqsRecord } from '@droam-webhook-relay/events';
import { changed, ENVELOPE, type Published, publishSamples } from '../../support/contract';

let published: Published[];
beforeAll(async () => {
  published = await publishSamples();
});

const sample = (type: string): Published => {
  const found = published.find((p) => p.event.type === type);
  if (found === undefined) throw new Error(`no sample publishes ${type}`);
  return found;
};

let nextId = 0;

/** The SQS record a raw-delivery subscription gets: the CloudEvent as body, attributes as SQS message attributes. */
function rawRecord(message: Pick<SnsMessage, 'Message' | 'MessageAttributes'>): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, a] of Object.entries(message.MessageAttributes)) messageAttributes[name] = { dataType: a.DataType ?? 'String', stringValue: a.StringValue };
  return record(message.Message, messageAttributes);
}

/** The SQS record an enveloped subscription gets: SNS's notification JSON as body. */
function envelopedRecord(message: Pick<SnsMessage, 'Message' | 'MessageAttributes'>): SQSRecord {
  const notification = {
    Type: 'Notification',
    MessageId: 'b7a7f0f4-5d54-5b8e-9d2a-3f3c1c9e2a11',
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:droam-webhook-relay-local',
    Message: message.Message,
    Timestamp: '2024-01-01T00:00:00.000Z',
    SignatureVersion: '1',
    MessageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes).map(([name, a]) => [name, { Type: a.DataType, Value: a.StringValue }])),
  };
  return record(JSON.stringify(notification), {});
}

function record(body: string, messageAttributes: SQSRecord['messageAttributes']): SQSRecord {
  nextId++;
  return {
    messageId: `message-${nextId}`,
    receiptHandle: `receipt-${nextId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1704067200000', SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: '1704067200000' },
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:pool-usage',
    awsRegion: 'us-east-1',
  };
}

const attributesOf = (message: SnsMessage): Record<string, string | number> =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes).map(([name, a]) => [name, a.DataType === 'Number' ? Number(a.StringValue) : (a.StringValue ?? '')]),
  );

describe('readSqsRecord', () => {
  it.each([
    ['raw', rawRecord],
    ['enveloped', envelopedRecord],
  ] as const)('reads every sample the relay publishes, %s, as the declared CloudEvent it is, with its attributes', (delivery, toRecord) => {
    for (const { file, message, event } of published) {
      const read = readSqsRecord(toRecord(message));
      expect({ file, read }).toEqual({ file, read: { ok: true, declared: true, event, attributes: attributesOf(message), delivery } });
    }
  });

  it('reads a dataschema other than its type\'s own as invalid: the event is of another version of the contract', () => {
    const { message, event } = sample('rule.pool.usage.triggered');
    const read = readSqsRecord(rawRecord({ ...message, Message: JSON.stringify({ ...event, dataschema: `${event.dataschema}:v2` }) }));
    expect(read).toMatchObject({ ok: false, reason: 'invalid_data', issues: [expect.objectContaining({ path: 'dataschema' })] });
  });

  it('types the data of a declared event by its schema', () => {
    const read = readSqsRecord(rawRecord(sample('rule.pool.usage.triggered').message));
    if (!read.ok || !read.declared || read.event.type !== 'rule.pool.usage.triggered') throw new Error('expected a pool usage event');
    const usage: number | null | undefined = read.event.data.pool.current_usage_kb;
    expect(typeof usage).toBe('number');
    expect(read.attributes.current_usage_kb).toBe(usage);
  });

  it('reads a type no declaration knows as a generic CloudEvent', () => {
    const { message, event } = sample('company.updated');
    const undeclared = { ...event, type: 'droam.future.event', dataschema: ENVELOPE, data: { anything: ['goes'] } };
    const read = readSqsRecord(rawRecord({ ...message, Message: JSON.stringify(undeclared) }));
    expect(read).toMatchObject({ ok: true, declared: false, event: undeclared });
  });

  it('reads an event published before dataschema existed', () => {
    const { message, event } = sample('rule.pool.usage.triggered');
    const read = readSqsRecord(rawRecord({ ...message, Message: JSON.stringify(changed(event, 'dataschema', undefined)) }));
    expect(read).toMatchObject({ ok: true, declared: true });
  });

  it('reports a body that is not JSON, raw or inside the notification', () => {
    expect(readSqsRecord(record('{"specversion": "1.0", ', {}))).toMatchObject({ ok: false, reason: 'not_json', delivery: undefined });
    const notification = JSON.stringify({ Type: 'Notification', Message: 'not json' });
    expect(readSqsRecord(record(notification, {}))).toMatchObject({ ok: false, reason: 'not_json', delivery: 'enveloped' });
  });

  it('reports JSON that is not a CloudEvent of the relay, with the issues', () => {
    const read = readSqsRecord(record(JSON.stringify({ hello: 'world' }), {}));
    expect(read).toMatchObject({ ok: false, reason: 'not_a_cloudevent', delivery: 'raw' });
    if (read.ok) return;
    expect(read.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['specversion', 'id', 'type', 'data']));
  });

  it('reports a declared event whose data does not match its schema, naming the path', () => {
    const { message, event } = sample('rule.pool.usage.triggered');
    const read = readSqsRecord(rawRecord({ ...message, Message: JSON.stringify(changed(event, 'data.pool.uuid', undefined)) }));
    expect(read).toMatchObject({ ok: false, reason: 'invalid_data', issues: [expect.objectContaining({ path: 'data.pool.uuid' })] });
  });

  it('never throws, whatever the body and attributes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ Type: 'Notification', Message: JSON.stringify(v), MessageAttributes: v })),
        ),
        (body) => {
          const read = readSqsRecord(record(body, { odd: { dataType: 'Number', stringValue: 'x' }, other: { dataType: 'Binary', binaryValue: 'AA==' } }));
          expect(typeof read.ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('readSnsRecord (a function subscribed to the topic)', () => {
  it('reads every sample the relay publishes as the declared CloudEvent it is, with its attributes', () => {
    for (const { file, message, event } of published) {
      const MessageAttributes = Object.fromEntries(Object.entries(message.MessageAttributes).map(([name, a]) => [name, { Type: a.DataType ?? 'String', Value: a.StringValue ?? '' }]));
      const read = readSnsRecord({ Sns: { Message: message.Message, MessageAttributes } });
      expect({ file, read }).toEqual({ file, read: { ok: true, declared: true, event, attributes: attributesOf(message), delivery: 'enveloped' } });
    }
  });

  it('reports a Message that is not JSON', () => {
    expect(readSnsRecord({ Sns: { Message: '<xml/>' } })).toMatchObject({ ok: false, reason: 'not_json', delivery: 'enveloped' });
  });
});

describe('the example subscriber (functions/pool-usage-subscriber.ts)', () => {
  function subscriber(onPoolUsage: (event: PoolUsageEvent) => void = () => undefined) {
    const logged: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
    const log =
      (level: string) =>
      (message: string, attributes: Record<string, unknown>): void => {
        logged.push({ level, message, attributes });
      };
    const handled: PoolUsageEvent[] = [];
    const handle = createPoolUsageSubscriber({
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
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
      record('{"corrupted": ', {}),
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
    expect(logged.map(({ level, message }) => `${level}: ${message}`)).toEqual([
      'error: record is not a CloudEvent of the relay',
      'error: record is not a pool usage event: check the filter policy of the subscription',
      'error: pool usage event not handled',
    ]);
    expect(logged[0]?.attributes).toMatchObject({ message_id: records[1]?.messageId, reason: 'not_json' });
  });

  it('answers an empty batch with no failures', async () => {
    expect(await subscriber().handle({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});
