import { eventId, payloadTypes, rfc3339, toCloudEvent, type ValidPayload } from '../../lib/contract';
import { parseJsonBody } from '../../lib/relay/parse-json';
import { type Json, UNKNOWN_TYPE, unknownTypePayload, vendorExample } from '../support/unit/harness';

/** RFC 9562 UUIDv8: version nibble 8, variant bits 10. */
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** RFC 3339 date-time in UTC. */
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function valid(input: unknown): ValidPayload {
  const result = payloadTypes.validate(input);
  if (!result.ok) throw new Error(`invalid test payload: ${JSON.stringify(result.issues)}`);
  return result.value;
}

/** The CloudEvent for a body as dRoam would send it (text → parse → validate → event). */
function eventForText(text: string, source = 'droam'): ReturnType<typeof toCloudEvent> {
  const parsed = parseJsonBody(Buffer.from(text, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.message);
  return toCloudEvent(valid(parsed.value), source);
}

const idOf = (payload: unknown): string => toCloudEvent(valid(payload), 'droam').id;

describe("the CloudEvent for dRoam's example", () => {
  const event = toCloudEvent(valid(vendorExample()), 'droam');

  test('has the CloudEvents 1.0 required and documented attributes', () => {
    expect(event.specversion).toBe('1.0');
    expect(event.source).toBe('droam');
    expect(event.type).toBe('rule.pool.usage.triggered');
    expect(event.datacontenttype).toBe('application/json');
    expect(event.subject).toBe('34160e3a-3492-4f6f-bbf6-c9a9be15ea55');
  });

  test('time is created_at.unix_timestamp (1711929600) in RFC 3339 UTC, not the human fields', () => {
    expect(event.time).toBe('2024-04-01T00:00:00Z');
  });

  test("data is dRoam's data with the usage as a number", () => {
    expect(event.data).toEqual({
      rule: { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB' },
      pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'Pool Name', current_usage_kb: 51200 },
    });
  });

  test('the id is a UUIDv8', () => {
    expect(event.id).toMatch(UUID_V8);
  });

  test('the source is the one configured', () => {
    expect(toCloudEvent(valid(vendorExample()), 'urn:droam:acme').source).toBe('urn:droam:acme');
  });

  test('it survives JSON serialisation unchanged', () => {
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });
});

describe('an undocumented type', () => {
  const event = toCloudEvent(valid(unknownTypePayload()), 'droam');

  test('has its type verbatim, no subject, and its data as sent', () => {
    expect(event.type).toBe(UNKNOWN_TYPE);
    expect(event).not.toHaveProperty('subject');
    expect(event.data).toEqual(unknownTypePayload().data);
    expect(event.time).toBe('2024-01-01T00:00:00Z');
  });
});

describe('the id', () => {
  const text = JSON.stringify(vendorExample());

  test('is the same for the same delivery', () => {
    expect(eventForText(text).id).toBe(eventForText(text).id);
  });

  test('does not depend on key order or white space', () => {
    const reordered = `{
      "created_at": { "timezone": "UTC", "human_date": "2024-06-12", "human_time": "17:25:11", "unix_timestamp": "1711929600" },
      "data": {
        "pool": { "current_usage_kb": "51200", "name": "Pool Name", "uuid": "34160e3a-3492-4f6f-bbf6-c9a9be15ea55" },
        "rule": { "description": "Send notification to email when usage reaches 100MB", "name": "Rule for refills", "uuid": "1711929600" }
      },
      "type": "rule.pool.usage.triggered"
    }`;
    expect(eventForText(reordered).id).toBe(eventForText(text).id);
  });

  test('covers the configured source, which subscribers receive too', () => {
    expect(eventForText(text, 'a').id).not.toBe(eventForText(text, 'b').id);
  });

  const variants: ReadonlyArray<readonly [string, (p: ReturnType<typeof vendorExample>) => void]> = [
    ['another usage figure', (p) => (p.data.pool.current_usage_kb = '51201')],
    ['no usage figure', (p) => delete p.data.pool.current_usage_kb],
    ['another pool', (p) => (p.data.pool.uuid = '7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14')],
    ['another rule', (p) => (p.data.rule.uuid = '1711929601')],
    ['another rule name', (p) => (p.data.rule.name = 'Rule for refills 2')],
    ['one second later', (p) => (p.created_at.unix_timestamp = '1711929601')],
    ['another human time', (p) => (p.created_at.human_time = '17:25:12')],
    ['another type', (p) => ((p as Json).type = 'rule.pool.usage.triggered.v2')],
    ['an extra field', (p) => (p.data.pool.static = true)],
  ];

  test.each(variants)('differs for a different event (%s)', (_label, change) => {
    const other = vendorExample();
    change(other);
    expect(idOf(other)).not.toBe(idOf(vendorExample()));
  });

  test('all those variants have ids distinct from each other', () => {
    const ids = variants.map(([, change]) => {
      const payload = vendorExample();
      change(payload);
      return idOf(payload);
    });
    expect(new Set([...ids, idOf(vendorExample())]).size).toBe(variants.length + 1);
  });

  test('eventId is a UUIDv8 for any event', () => {
    const event = toCloudEvent(valid(vendorExample()), 'droam');
    for (const data of [{}, { a: [1, { b: 2 }] }, { x: 'ü' }]) expect(eventId({ ...event, data })).toMatch(UUID_V8);
  });
});

describe('rfc3339', () => {
  test.each([
    [0, '1970-01-01T00:00:00Z'],
    [1704067200, '2024-01-01T00:00:00Z'],
    [1711929600, '2024-04-01T00:00:00Z'],
    [951782400, '2000-02-29T00:00:00Z'],
    [253402300799, '9999-12-31T23:59:59Z'],
  ])('%d is %s', (seconds, text) => {
    expect(rfc3339(seconds)).toBe(text);
    expect(rfc3339(seconds)).toMatch(RFC3339_UTC);
  });

  test('round-trips through Date for a spread of timestamps', () => {
    for (let seconds = 0; seconds < 253402300799; seconds += 7_777_777_777) {
      const text = rfc3339(seconds);
      expect(text).toMatch(RFC3339_UTC);
      expect(Date.parse(text) / 1000).toBe(seconds);
    }
  });
});
