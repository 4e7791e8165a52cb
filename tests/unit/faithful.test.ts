import { parseJsonText } from '../../lib/contract/json';
import { JsonNumber, readSqsRecord } from '@droam-webhook-relay/events';
import {
  authHeaders,
  bodyBytes,
  bodyJson,
  cloudEventOf,
  DOCUMENTED_SECRET,
  DOCUMENTED_TIMESTAMP,
  harness,
  type Json,
  loadEvent,
  logText,
  v2Event,
  vendorExample,
} from '../support/unit/harness';

/** The relay on the local stage with a quarantine that keeps everything; signed and unsigned posts. */
function relay() {
  const relayed = harness({ quarantine: () => Promise.resolve({ ok: true }) });
  return {
    ...relayed,
    post: (body: string) => relayed.handle(v2Event(body, authHeaders(DOCUMENTED_SECRET, DOCUMENTED_TIMESTAMP))),
    postUnsigned: (body: string) => relayed.handle(v2Event(body)),
  };
}

const CREATED_AT = '"created_at":{"unix_timestamp":1704067200,"human_time":"00:00:00","human_date":"2024-01-01","timezone":"UTC"}';

describe('nothing dRoam sends at the top level is dropped', () => {
  test('unknown top-level fields and the human date and time reach subscribers in droamenvelope, numbers as sent', async () => {
    const { post, published } = relay();
    const body = JSON.stringify(vendorExample()).replace(/}$/, ',"event_id":"evt-1","account":{"id":12345678901234567890,"name":"Acme"}}');
    expect((await post(body)).statusCode).toBe(200);
    const event = cloudEventOf(published[0] ?? { Message: '{}', MessageAttributes: {} });
    expect(typeof event.droamenvelope).toBe('string');
    expect(event.droamenvelope).toBe(
      '{"account":{"id":12345678901234567890,"name":"Acme"},"created_at":{"human_date":"2024-06-12","human_time":"17:25:11","timezone":"UTC","unix_timestamp":1711929600},"event_id":"evt-1"}',
    );
  });

  test('two deliveries that differ only in a top-level field or a human field have different ids', async () => {
    const { post } = relay();
    const base = JSON.stringify(vendorExample());
    const ids = await Promise.all(
      [base, base.replace(/}$/, ',"event_id":"evt-2"}'), base.replace('"human_time":"17:25:11"', '"human_time":"17:25:12"')].map(
        async (body) => bodyJson(await post(body)).id,
      ),
    );
    expect(new Set(ids).size).toBe(3);
  });

  test("the subscriber kit reads droamenvelope's text back losslessly", async () => {
    const { post, published } = relay();
    await post(`{"type":"payment.received","data":{"amount":35.20},"account_id":12345678901234567890,${CREATED_AT}}`);
    const read = readSqsRecord({ body: published[0]?.Message ?? '' });
    if (!read.ok) throw new Error(read.message);
    const envelope = parseJsonText(read.event.droamenvelope ?? '', 64);
    expect(envelope.ok && (envelope.value as { account_id: { source: string } }).account_id.source).toBe('12345678901234567890');
    expect((read.event.data.amount as { source: string }).source).toBe('35.20');
    expect(read.event.data.amount).toBeInstanceOf(JsonNumber);
  });
});

describe('prototype-like keys are dropped at every depth, and the log line counts them', () => {
  const keys = ['__proto__', 'constructor', 'prototype'];

  test.each(keys)('%s at the top level, in data, in a declared model and below an unknown field of one', async (key) => {
    const { post, published, logs } = relay();
    const payload = vendorExample();
    const text = JSON.stringify(payload)
      .replace('"pool":{', `"pool":{"${key}":{"polluted":1},"extra":{"${key}":{"polluted":2},"kept":true},`)
      .replace('"data":{', `"data":{"${key}":{"polluted":3},`)
      .replace(/}$/, `,"${key}":{"polluted":4}}`);
    const response = await post(text);
    expect(response.statusCode).toBe(200);
    const message = published[0]?.Message ?? '';
    expect(message).not.toContain(key);
    expect(message).not.toContain('polluted');
    expect(message).toContain('"extra":{"kept":true}');
    expect(logs.at(-1)?.attributes.dropped_keys).toBe(4);
    expect(({} as Json).polluted).toBeUndefined();
  });

  test('the same for an undeclared type, and when the key is written with escapes', async () => {
    const { post, published } = relay();
    await post(`{"type":"payment.received","data":{"a":{"\\u005f_proto__":{"x":1},"b":[{"constructor":{"prototype":1}}]}},${CREATED_AT}}`);
    expect(cloudEventOf(published[0] ?? { Message: '{}', MessageAttributes: {} }).data).toEqual({ a: { b: [{}] } });
  });
});

describe('a body of type echo is an echo or refused, never published', () => {
  test.each([
    ['echo_data a number', `{"type":"echo","echo_data":5,"data":{},${CREATED_AT}}`],
    ['echo_data an object in data', `{"type":"echo","data":{"echo_data":{"a":1}},${CREATED_AT}}`],
    ['no echo_data', `{"type":"echo","data":{},${CREATED_AT}}`],
  ])('signed, %s: 422 invalid_echo, kept in the quarantine, nothing published', async (_label, body) => {
    const { post, published, attempted, quarantined } = relay();
    const response = await post(body);
    expect(response.statusCode).toBe(422);
    expect(bodyJson(response).error).toBe('invalid_echo');
    expect(attempted).toHaveLength(0);
    expect(published).toHaveLength(0);
    expect(quarantined).toHaveLength(1);
  });

  test('unsigned and malformed: 401, nothing published', async () => {
    const { postUnsigned, attempted } = relay();
    expect((await postUnsigned(`{"type":"echo","echo_data":5,"data":{},${CREATED_AT}}`)).statusCode).toBe(401);
    expect(attempted).toHaveLength(0);
  });

  test('a valid echo is answered verbatim, signed or not', async () => {
    const { post, postUnsigned, attempted } = relay();
    const body = '{"type":"echo", "echo_data":"a:b:1e400"}';
    for (const send of [post, postUnsigned]) {
      const response = await send(body);
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(body);
    }
    expect(attempted).toHaveLength(0);
  });
});

describe('no answer, log line or quarantine issue reflects a field value at length', () => {
  const hash = 'ab'.repeat(32);
  const poolBody = (): string => JSON.stringify(vendorExample());
  const simCardBody = (): string => bodyBytes(loadEvent('rule-sim-card-current-usage-triggered.json')).toString('utf8');
  const long = `${hash}${'z'.repeat(100_000)}`;

  test.each([
    ['a boolean', simCardBody, '"is_e_sim":false', `"is_e_sim":"${long}"`],
    ['a UUID', poolBody, '"uuid":"34160e3a-3492-4f6f-bbf6-c9a9be15ea55"', `"uuid":"${long}"`],
    ['an event type', poolBody, '"type":"rule.pool.usage.triggered"', `"type":"${long}"`],
    ['an integer', simCardBody, '"current_usage_kb":102400', `"current_usage_kb":"${long}"`],
    ['a string', poolBody, '"timezone":"UTC"', `"timezone":["${long}"]`],
  ])('a long hash-shaped string where %s is expected', async (_label, original, from, to) => {
    const { post, logs, quarantined } = relay();
    const body = original().replace(from, to);
    expect(body).toContain(long);
    const response = await post(body);
    expect([400, 422]).toContain(response.statusCode);
    for (const text of [response.body, logText(logs), JSON.stringify(quarantined.map((record) => record.issues))]) {
      expect(text).not.toContain(hash);
      expect(text).not.toMatch(/z{33}/);
    }
    expect(Buffer.byteLength(response.body)).toBeLessThanOrEqual(4096);
  });

  test('the issues of a payload wrong everywhere fit in a 4 KB answer and still say where', async () => {
    const { post } = relay();
    const wrong = 'x'.repeat(2_000);
    const body = JSON.stringify({
      type: 'rule.sim_card.status.changed',
      data: {
        rule: { uuid: 1, name: 2, description: 3 },
        sim_card: {
          iccid: [],
          msisdn: 1,
          imei: 2,
          is_e_sim: wrong,
          status: { id: wrong, title: 1 },
          plan: { uuid: wrong, type: 1, name: 2, prepaid_refills: Array.from({ length: 50 }, () => ({ uuid: 1, amount_mb: wrong, price: [] })) },
          company: { uuid: wrong, name: 1 },
          end_user: { uuid: 5 },
        },
      },
      created_at: { unix_timestamp: wrong, human_time: 1, human_date: 2, timezone: 3 },
    });
    const response = await post(body);
    expect(response.statusCode).toBe(422);
    expect(Buffer.byteLength(response.body)).toBeLessThanOrEqual(4096);
    const issues = bodyJson(response).issues as { path: string; message: string }[];
    expect(issues.length).toBeGreaterThanOrEqual(5);
    expect(issues.map((issue) => issue.path)).toContain('data.rule.uuid');
    expect(response.body).not.toMatch(/x{33}/);
  });
});
