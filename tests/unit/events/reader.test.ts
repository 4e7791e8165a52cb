/**
 * The events package's reader reads what the relay publishes back into typed CloudEvents,
 * raw or enveloped, and says what is wrong instead of throwing.
 */
import fc from 'fast-check';
import type { SnsMessage } from '../../../lib/topic/message';
import { envelopedRecord, rawRecord, sqsRecord } from '../../support/sqs-records';
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
    expect(readSqsRecord(sqsRecord('{"specversion": "1.0", ', {}))).toMatchObject({ ok: false, reason: 'not_json', delivery: undefined });
    const notification = JSON.stringify({ Type: 'Notification', Message: 'not json' });
    expect(readSqsRecord(sqsRecord(notification, {}))).toMatchObject({ ok: false, reason: 'not_json', delivery: 'enveloped' });
  });

  it('reports JSON that is not a CloudEvent of the relay, with the issues', () => {
    const read = readSqsRecord(sqsRecord(JSON.stringify({ hello: 'world' }), {}));
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
          const read = readSqsRecord(sqsRecord(body, { odd: { dataType: 'Number', stringValue: 'x' }, other: { dataType: 'Binary', binaryValue: 'AA==' } }));
          expect(typeof read.ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the readers never throw on what is not a record', () => {
  const body = (): string => sample('rule.pool.usage.triggered').message.Message;
  type Loose = Parameters<typeof readSqsRecord>[0] & Parameters<typeof readSnsRecord>[0];
  const loose = (value: unknown): Loose => value as Loose;

  it.each([
    ['a null body', { body: null }],
    ['no body', {}],
    ['null', null],
    ['a number body', { body: 42 }],
  ])('readSqsRecord: %s is reported as not JSON', (_label, record) => {
    expect(readSqsRecord(loose(record))).toMatchObject({ ok: false, reason: 'not_json' });
  });

  it.each([
    ['a record without Sns', {}],
    ['Sns: null', { Sns: null }],
    ['a null Message', { Sns: { Message: null } }],
    ['null', null],
  ])('readSnsRecord: %s is reported as not JSON', (_label, record) => {
    expect(readSnsRecord(loose(record))).toMatchObject({ ok: false, reason: 'not_json', delivery: 'enveloped' });
  });

  it('a null attribute, or null attributes, is left out and the event read', () => {
    const raw = readSqsRecord(loose({ body: body(), messageAttributes: { event_type: null, odd: { dataType: null } } }));
    expect(raw).toMatchObject({ ok: true, attributes: {} });
    expect(readSqsRecord(loose({ body: body(), messageAttributes: null }))).toMatchObject({ ok: true, attributes: {} });
    const enveloped = readSnsRecord(loose({ Sns: { Message: body(), MessageAttributes: { event_type: null } } }));
    expect(enveloped).toMatchObject({ ok: true, attributes: {} });
  });
});

describe('Number attributes', () => {
  const read = (stringValue: string): unknown => {
    const result = readSqsRecord({ body: sample('rule.pool.usage.triggered').message.Message, messageAttributes: { current_usage_kb: { dataType: 'Number', stringValue } } });
    return result.ok ? result.attributes.current_usage_kb : 'unread';
  };

  it.each(['', ' ', '0x10', '0b1', '1_000', 'Infinity', '1e400', '12abc', ' 5'])('%j is not a number: the attribute is left out', (text) => {
    expect(read(text)).toBeUndefined();
  });

  it.each([
    ['51200', 51200],
    ['-3', -3],
    ['0.5', 0.5],
    ['1e3', 1000],
    ['+7', 7],
  ])('%j reads as %d', (text, value) => {
    expect(read(text)).toBe(value);
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
