import fc from 'fast-check';
import { canonicalJson, parseJsonText } from '../../../lib/contract/json';
import { authHeaders, DOCUMENTED_SECRET, DOCUMENTED_TIMESTAMP, harness, v2Event } from '../../support/unit/harness';

/**
 * The id is derived from what subscribers receive: two published events that
 * are equal (as JSON values, numbers compared by their text) have equal ids,
 * and any difference in a value gives different ids. Checked through the
 * handler, on what it hands SNS.
 */

const relay = harness();
const post = (body: string) => relay.handle(v2Event(body, authHeaders(DOCUMENTED_SECRET, DOCUMENTED_TIMESTAMP)));

/** Number texts chosen to collide as doubles and differ as sent: beyond 2^53, huge exponents, trailing zeros, negative zero. */
const numberText = fc.constantFrom(
  '9007199254740992',
  '9007199254740993',
  '9007199254740994',
  '12345678901234567890',
  '12345678901234567891',
  '1e400',
  '1e401',
  '-1e400',
  '35.2',
  '35.20',
  '35.200',
  '0',
  '-0',
  '0.0',
  '1',
  '1.0',
  '1e0',
);
/** Strings that look alike: composed and decomposed accents, astral characters, escapes. */
const text = fc.constantFrom('é', 'e\u0301', 'e', '🚀', '\ud83d\ude80x', '', ' ', 'a"b', 'ü', 'u');
const value = fc.oneof(
  numberText,
  text.map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null'),
);
const members = fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'ä', 'event_id'), value), { selector: ([key]) => key, maxLength: 3 });

/** A dRoam event of a type no declaration knows (its data is published as sent), with an optional unknown top-level field. */
const event = fc.record({ data: members, top: fc.option(value, { nil: undefined }), human: fc.constantFrom('00:00:00', '01:00:00') });
type Event = typeof event extends fc.Arbitrary<infer T> ? T : never;

/** The event's text; `reordered` writes every object's members in reverse and spaces them out. */
function bodyOf({ data, top, human }: Event, reordered = false): string {
  const object = (entries: string[]): string => (reordered ? `{ ${[...entries].reverse().join(' ,\n ')} }` : `{${entries.join(',')}}`);
  const createdAt = object([`"unix_timestamp":1704067200`, `"human_time":"${human}"`, `"human_date":"2024-01-01"`, `"timezone":"UTC"`]);
  const dataText = object(data.map(([key, v]) => `${JSON.stringify(key)}:${v}`));
  return object([`"type":"payment.received"`, `"data":${dataText}`, ...(top === undefined ? [] : [`"account":${top}`]), `"created_at":${createdAt}`]);
}

const body = event.map((generated) => bodyOf(generated));

/** What a subscriber receives, compared as JSON values with numbers as text, without the per-request members. */
function received(message: string): string {
  const parsed = parseJsonText(message, 128);
  if (!parsed.ok) throw new Error('the published message is not JSON');
  const event = { ...(parsed.value as Record<string, unknown>) };
  delete event.id;
  delete event.correlationid;
  return canonicalJson(event);
}

async function publish(text: string): Promise<{ id: string; received: string }> {
  relay.reset();
  const response = await post(text);
  expect(response.statusCode).toBe(200);
  const message = relay.published[0];
  if (message === undefined) throw new Error('nothing published');
  const { id } = JSON.parse(response.body) as { id: string };
  expect(message.MessageAttributes.event_id?.StringValue).toBe(id);
  return { id, received: received(message.Message) };
}

describe('the CloudEvent id', () => {
  test('equal published events have equal ids; events that differ in any value have different ids', async () => {
    await fc.assert(
      fc.asyncProperty(body, body, async (first, second) => {
        const a = await publish(first);
        const b = await publish(second);
        expect(a.id === b.id).toBe(a.received === b.received);
      }),
      { numRuns: 400 },
    );
  });

  test('the same event sent with its keys in another order and other white space has the same id, and the same text', async () => {
    await fc.assert(
      fc.asyncProperty(event, async (generated) => {
        const [a, b] = [await publish(bodyOf(generated)), await publish(bodyOf(generated, true))];
        expect(b.id).toBe(a.id);
        expect(b.received).toBe(a.received);
      }),
      { numRuns: 200 },
    );
  });

  test.each([
    ['9007199254740993', '9007199254740992'],
    ['12345678901234567890', '12345678901234567891'],
    ['1e400', '1e401'],
    ['1e400', '-1e400'],
    ['35.20', '35.2'],
    ['-0', '0'],
    ['"é"', '"e\\u0301"'],
  ])('%s and %s give different ids', async (x, y) => {
    const event = (value: string) =>
      `{"type":"payment.received","data":{"amount":${value}},"created_at":{"unix_timestamp":1704067200,"human_time":"00:00:00","human_date":"2024-01-01","timezone":"UTC"}}`;
    expect((await publish(event(x))).id).not.toBe((await publish(event(y))).id);
  });
});
