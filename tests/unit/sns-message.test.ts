import { type AttributeValue, type CloudEvent, MAX_MESSAGE_ATTRIBUTES, payloadTypes, toCloudEvent, type ValidPayload } from '../../lib/contract';
import { SNS_MAX_MESSAGE_BYTES, type SnsMessage, snsMessageBytes, toSnsMessage } from '../../lib/topic/message';
import { tagMessage } from '../../lib/queues/published';
import { TEST_SECRET, unknownTypePayload, vendorExample } from '../support/unit/harness';

function valid(input: unknown): ValidPayload {
  const result = payloadTypes.validate(input);
  if (!result.ok) throw new Error(`invalid test payload: ${JSON.stringify(result.issues)}`);
  return result.value;
}

function messageFor(input: unknown, fifo = false): { event: CloudEvent; message: SnsMessage } {
  const payload = valid(input);
  const event = toCloudEvent(payload, 'droam');
  return { event, message: toSnsMessage(event, payload.attributes, fifo) };
}

/** FIFO MessageGroupId: 1-128 characters from the printable ASCII range. */
const GROUP_ID = /^[\x21-\x7e]{1,128}$/;

describe('the message body', () => {
  test('is the CloudEvent as JSON', () => {
    const { event, message } = messageFor(vendorExample());
    expect(JSON.parse(message.Message)).toEqual(event);
  });
});

describe('message attributes for filter policies', () => {
  test('a pool event carries event_type, event_id, pool_uuid, rule_uuid as String and current_usage_kb as Number', () => {
    const { event, message } = messageFor(vendorExample());
    expect(message.MessageAttributes).toEqual({
      event_type: { DataType: 'String', StringValue: 'rule.pool.usage.triggered' },
      event_id: { DataType: 'String', StringValue: event.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
      pool_uuid: { DataType: 'String', StringValue: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55' },
      rule_uuid: { DataType: 'String', StringValue: '1711929600' },
      current_usage_kb: { DataType: 'Number', StringValue: '51200' },
    });
  });

  test.each([
    ['absent', undefined],
    ['null', null],
  ])('no current_usage_kb attribute when the usage is %s', (_label, usage) => {
    const payload = vendorExample();
    if (usage === undefined) delete payload.data.pool.current_usage_kb;
    else payload.data.pool.current_usage_kb = usage;
    const { message } = messageFor(payload);
    expect(message.MessageAttributes).not.toHaveProperty('current_usage_kb');
    expect(Object.keys(message.MessageAttributes).sort()).toEqual(['droam_source', 'event_id', 'event_type', 'pool_uuid', 'rule_uuid']);
  });

  test('a usage of 0 is still an attribute (0 is a figure, not "absent")', () => {
    const payload = vendorExample();
    payload.data.pool.current_usage_kb = 0;
    expect(messageFor(payload).message.MessageAttributes.current_usage_kb).toEqual({ DataType: 'Number', StringValue: '0' });
  });

  test('large usage figures are written as plain digits a numeric filter can read', () => {
    const payload = vendorExample();
    payload.data.pool.current_usage_kb = String(Number.MAX_SAFE_INTEGER);
    expect(messageFor(payload).message.MessageAttributes.current_usage_kb?.StringValue).toBe(String(Number.MAX_SAFE_INTEGER));
  });

  test('an undocumented type carries event_type, event_id and droam_source only', () => {
    const { event, message } = messageFor(unknownTypePayload());
    expect(message.MessageAttributes).toEqual({
      event_type: { DataType: 'String', StringValue: event.type },
      event_id: { DataType: 'String', StringValue: event.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
    });
  });

  test(`at most ${String(MAX_MESSAGE_ATTRIBUTES)} attributes (what SQS raw delivery forwards), event_type, event_id and the integrity tag always among them`, () => {
    const { event } = messageFor(vendorExample());
    const many: Record<string, AttributeValue> = {};
    for (let i = 0; i < 15; i++) many[`attr_${String(i).padStart(2, '0')}`] = `value ${String(i)}`;
    // Room is left for the integrity tag, set after the others.
    const message = toSnsMessage(event, many, false);
    expect(Object.keys(message.MessageAttributes)).toHaveLength(MAX_MESSAGE_ATTRIBUTES - 1);
    const tagged = tagMessage(message, { secret: TEST_SECRET, issue: { stage: 'test', issuedAt: 1_767_225_600 } });
    expect(Object.keys(tagged.MessageAttributes)).toHaveLength(MAX_MESSAGE_ATTRIBUTES);
    expect(tagged.MessageAttributes.event_type?.StringValue).toBe(event.type);
    expect(tagged.MessageAttributes.event_id?.StringValue).toBe(event.id);
    expect(tagged.MessageAttributes.integrity_tag?.StringValue).toMatch(/^test\.1767225600\./);
  });

  test('values SNS would refuse are left out instead of failing the publish', () => {
    const { event } = messageFor(vendorExample());
    const message = toSnsMessage(
      event,
      {
        empty: '',
        control: 'bad\u0000value',
        lone_surrogate: 'x\ud800y',
        too_long: 'x'.repeat(5000),
        not_a_number: Number.NaN,
        infinite: Number.POSITIVE_INFINITY,
        nothing: null,
        missing: undefined,
        kept_string: 'Pööl ✓',
        kept_number: -1.5,
      },
      false,
    );
    expect(Object.keys(message.MessageAttributes).sort()).toEqual(['droam_source', 'event_id', 'event_type', 'kept_number', 'kept_string']);
    expect(message.MessageAttributes.kept_number).toEqual({ DataType: 'Number', StringValue: '-1.5' });
    expect(message.MessageAttributes.kept_string).toEqual({ DataType: 'String', StringValue: 'Pööl ✓' });
  });
});

describe('FIFO', () => {
  test('a standard topic gets neither MessageGroupId nor MessageDeduplicationId', () => {
    const { message } = messageFor(vendorExample(), false);
    expect(message).not.toHaveProperty('MessageGroupId');
    expect(message).not.toHaveProperty('MessageDeduplicationId');
  });

  test('a pool event is grouped by its pool (the subject) and de-duplicated by the event id', () => {
    const { event, message } = messageFor(vendorExample(), true);
    expect(message.MessageGroupId).toBe('34160e3a-3492-4f6f-bbf6-c9a9be15ea55');
    expect(message.MessageDeduplicationId).toBe(event.id);
  });

  test('two events of one pool share a group; the same event twice shares a de-duplication id', () => {
    const later = vendorExample();
    later.created_at.unix_timestamp = '1711933200';
    const first = messageFor(vendorExample(), true).message;
    const again = messageFor(vendorExample(), true).message;
    const second = messageFor(later, true).message;
    expect(second.MessageGroupId).toBe(first.MessageGroupId);
    expect(again.MessageDeduplicationId).toBe(first.MessageDeduplicationId);
    expect(second.MessageDeduplicationId).not.toBe(first.MessageDeduplicationId);
  });

  test('an event without a subject is grouped by its type', () => {
    const { message } = messageFor(unknownTypePayload(), true);
    expect(message.MessageGroupId).toBe(unknownTypePayload().type);
  });

  test.each([
    ['a subject with spaces', 'end user 42'],
    ['a subject with non-ASCII letters', 'société-ajoutée'],
    ['a subject of 200 characters', `a.${'b'.repeat(198)}`],
  ])('%s still gives a valid, stable group id', (_label, subject) => {
    // Undeclared types must be printable names, but subjects (e.g. an end user's id) can be anything.
    const groupFor = (s: string): string | undefined => {
      const { event, message } = messageFor(unknownTypePayload(), true);
      return toSnsMessage({ ...event, subject: s }, {}, true).MessageGroupId ?? message.MessageGroupId;
    };
    const first = groupFor(subject);
    expect(first).toMatch(GROUP_ID);
    expect(groupFor(subject)).toBe(first);
    expect(groupFor(`${subject}x`)).not.toBe(first);
  });

  test('the de-duplication id is within SNS limits (1-128 printable ASCII)', () => {
    expect(messageFor(vendorExample(), true).message.MessageDeduplicationId).toMatch(GROUP_ID);
  });
});

describe('snsMessageBytes: what SNS counts against its 256 KiB limit', () => {
  test('the body in UTF-8 bytes plus each attribute name, data type and value', () => {
    const message: SnsMessage = {
      Message: 'é✓', // 2 + 3 bytes
      MessageAttributes: {
        a: { DataType: 'String', StringValue: 'ü' }, // 1 + 6 + 2
        nn: { DataType: 'Number', StringValue: '12' }, // 2 + 6 + 2
      },
    };
    expect(snsMessageBytes(message)).toBe(5 + 9 + 10);
  });

  test('a real message is counted at least as large as its JSON body', () => {
    const { message } = messageFor(vendorExample());
    expect(snsMessageBytes(message)).toBeGreaterThan(Buffer.byteLength(message.Message));
  });

  test('SNS_MAX_MESSAGE_BYTES is 256 KiB', () => {
    expect(SNS_MAX_MESSAGE_BYTES).toBe(256 * 1024);
  });
});
