/**
 * The events package's reader reads what the relay publishes back into typed CloudEvents,
 * raw or enveloped, and says what is wrong instead of throwing.
 */
import fc from 'fast-check';
import type { SnsMessage } from '../../../lib/topic/message';
import { envelopedRecord, rawRecord, sqsRecord } from '../../support/sqs-records';
import { JsonNumber, parseJson, readSnsRecord, readSqsRecord } from '@droam-webhook-relay/events';
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

describe('parseJson, the lossless reader the record readers use', () => {
  /** The pool sample as the relay would publish it with numbers a double cannot hold, at the top level (droamenvelope) and in data. */
  function inexactPoolEvent(): { message: SnsMessage; text: string } {
    const { message } = sample('rule.pool.usage.triggered');
    // droamenvelope is JSON text inside the message: its quotes are escaped.
    const text = message.Message.replace('{\\"created_at\\":{', '{\\"account_number\\":12345678901234567890,\\"created_at\\":{\\"offset_hours\\":1.10,').replace(
      '"pool":{',
      '"pool":{"price":35.20,',
    );
    expect(text).toContain('offset_hours');
    expect(text).toContain('"price":35.20');
    return { message: { ...message, Message: text }, text };
  }

  it('reads droamenvelope with every number as dRoam wrote it: exact ones as numbers, others as JsonNumber with their text', () => {
    const { message } = inexactPoolEvent();
    const read = readSqsRecord(rawRecord(message));
    if (!read.ok) throw new Error(read.message);
    const envelope = parseJson(read.event.droamenvelope ?? '');
    if (!envelope.ok) throw new Error('droamenvelope is not JSON');
    const { account_number: accountNumber, created_at: createdAt } = envelope.value as { account_number: unknown; created_at: Record<string, unknown> };
    expect(accountNumber).toBeInstanceOf(JsonNumber);
    expect((accountNumber as JsonNumber).source).toBe('12345678901234567890');
    expect((createdAt.offset_hours as JsonNumber).source).toBe('1.10');
    expect(typeof createdAt.unix_timestamp).toBe('number');
  });

  it('reads the numbers of data no schema declares the same way, and says so when the text is not JSON', () => {
    const { text } = inexactPoolEvent();
    const parsed = parseJson(text);
    if (!parsed.ok) throw new Error('not JSON');
    const price = (parsed.value as { data: { pool: { price: unknown } } }).data.pool.price;
    expect(price).toBeInstanceOf(JsonNumber);
    expect((price as JsonNumber).source).toBe('35.20');
    const read = readSqsRecord(rawRecord({ ...sample('rule.pool.usage.triggered').message, Message: text }));
    if (!read.ok || !read.declared || read.event.type !== 'rule.pool.usage.triggered') throw new Error('expected a pool usage event');
    expect(((read.event.data.pool as Record<string, unknown>).price as JsonNumber).source).toBe('35.20');
    expect(parseJson('{"truncated":')).toEqual({ ok: false });
  });
});
