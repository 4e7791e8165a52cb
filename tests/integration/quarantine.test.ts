/**
 * Quarantine against the emulator: an authenticated payload that fails
 * validation is kept in an SQS queue (raw body, non-secret headers, issues,
 * receive time) and still answered 422; when the queue cannot be written the
 * answer is 503, so dRoam retries.
 */
import { droamHash } from '../../lib/relay/signature';
import type { LogSink } from '../../lib/observability/sinks';
import { createWebhookHandler } from '../../lib/relay/webhook';
import { payloadTypes } from '../../lib/contract';
import { sqsQuarantine } from '../../lib/queues/quarantine';
import { readQuarantineMessage } from '../../lib/queues/quarantine';
import { Emulator, type Queue } from '../support/integration/aws';
import { bodyOf, loadEvent } from '../support/integration/events';
import { deployedConfig } from '../support/unit/harness';

const SECRET = 'quarantine-test-secret-0123456789';
const config = deployedConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:quarantine-test', DROAM_API_SECRETS: SECRET });

const emulator = new Emulator();
const saved = { ...process.env };
let queue: Queue;
const lines: { level: string; attributes: Record<string, unknown> }[] = [];
const logger: LogSink = {
  info: (_m, attributes) => lines.push({ level: 'info', attributes }),
  warn: (_m, attributes) => lines.push({ level: 'warn', attributes }),
  error: (_m, attributes) => lines.push({ level: 'error', attributes }),
};

function handlerFor(queueUrl: string) {
  return createWebhookHandler({
    config,
    registry: payloadTypes,
    now: Date.now,
    logger,
    publish: () => Promise.reject(new Error('an invalid payload must never be published')),
    quarantine: sqsQuarantine(queueUrl, 2_000),
  });
}

function invalidRequest(): unknown {
  const sample = loadEvent('error-invalid-payload.json');
  const now = Math.floor(Date.now() / 1000);
  return {
    ...sample,
    headers: {
      ...sample.headers,
      'x-api-timestamp': String(now),
      'x-api-hash': droamHash(SECRET, now),
      authorization: 'Bearer something-else',
      cookie: 'session=1',
    },
  };
}

beforeAll(async () => {
  // The quarantine's SQS client is configured like the deployed one: region, credentials and endpoint from the environment.
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_SQS: emulator.endpoint });
  queue = await emulator.createQueue('quarantine');
});

afterAll(() => {
  process.env = saved;
  emulator.destroy();
});

test('a payload that fails validation is answered 422 and kept in the quarantine queue, without its auth headers', async () => {
  const before = Date.now();
  const response = await handlerFor(queue.url)(invalidRequest());
  expect(response.statusCode).toBe(422);
  expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_payload', issues: [{ path: 'data.pool.uuid', message: 'Required field is missing' }] });

  const [message, ...more] = await emulator.receiveAll(queue, { expect: 1 });
  expect(more).toEqual([]);
  const record = JSON.parse(message?.body ?? '') as Record<string, unknown>;
  expect(record).toMatchObject({
    stage: 'test',
    reason: 'invalid_payload',
    request_id: 'Qx1aKv2uIAMEVBK=',
    source_ip: '203.0.113.10',
    issues: [{ path: 'data.pool.uuid', message: 'Required field is missing' }],
    attempt: 1,
    body_base64: bodyOf(loadEvent('error-invalid-payload.json')).toString('base64'),
  });
  // The stage, the second it was made, the HMAC.
  expect(message?.attributes.integrity_tag?.StringValue).toMatch(/^test\.\d+\.[A-Za-z0-9_-]{43}$/);
  expect(Date.parse(String(record.received_at))).toBeGreaterThanOrEqual(before - 1000);
  const headers = record.headers as Record<string, string>;
  expect(headers['user-agent']).toBe('GuzzleHttp/7');
  for (const secretBearing of ['x-api-timestamp', 'x-api-hash', 'authorization', 'cookie']) expect(headers[secretBearing]).toBeUndefined();
  expect(message?.body).not.toMatch(/[0-9a-f]{64}/i);
  expect(lines.at(-1)).toMatchObject({ level: 'warn', attributes: { status: 422, quarantined: true } });
});

/** A signed request whose body is exactly these bytes (API Gateway hands binary-unsafe bodies over in base64). */
function signedBytes(body: Buffer): unknown {
  const sample = loadEvent('error-invalid-payload.json');
  const now = Math.floor(Date.now() / 1000);
  return {
    ...sample,
    body: body.toString('base64'),
    isBase64Encoded: true,
    headers: { ...sample.headers, 'x-api-timestamp': String(now), 'x-api-hash': droamHash(SECRET, now) },
  };
}

const invalidPool = (name: string): string => `{"type":"rule.pool.usage.triggered","data":{"pool":{"name":"${name}"}},"created_at":{"unix_timestamp":1}}`;

describe('every authentic refusal is kept byte for byte, whatever its characters', () => {
  test.each([
    ['U+FFFE and U+FFFF', Buffer.from(invalidPool('\ufffe\uffff'), 'utf8')],
    ['emoji and other characters outside the BMP', Buffer.from(invalidPool('\u{1f4e1} \u{10ffff} SIM'), 'utf8')],
    ['lone surrogates and NUL, escaped', Buffer.from(invalidPool('\\ud800 \\udfff \\u0000'), 'utf8')],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('{"type":"x","data":"'), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80, 0x00]), Buffer.from('"}')])],
  ])('%s', async (_label, body) => {
    const response = await handlerFor(queue.url)(signedBytes(body));
    expect([400, 422]).toContain(response.statusCode);
    expect(JSON.parse(response.body)).toMatchObject({ quarantined: true });

    const [message, ...more] = await emulator.receiveAll(queue, { expect: 1 });
    expect(more).toEqual([]);
    expect(message?.body).toMatch(/^[\x20-\x7e]+$/);
    const read = readQuarantineMessage(message?.body ?? '', message?.attributes.integrity_tag?.StringValue, [SECRET]);
    expect(read.ok && read.body.equals(body)).toBe(true);
  });

  test('a valid event too large once wrapped as an SNS message is answered 413 and kept', async () => {
    const shell = JSON.stringify({
      type: 'sim.teleported',
      data: { note: '' },
      created_at: { unix_timestamp: 1704067200, human_time: '00:00:00', human_date: '2024-01-01', timezone: 'UTC' },
    });
    const text = shell.replace('"note":""', `"note":"${'\u{1f4e1}'.repeat((262_000 - shell.length) / 4)}"`);
    const body = Buffer.from(text, 'utf8');
    expect(body.length).toBeLessThanOrEqual(262_144);
    const response = await handlerFor(queue.url)(signedBytes(body));
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'payload_too_large', quarantined: true });
    const [message] = await emulator.receiveAll(queue, { expect: 1 });
    const read = readQuarantineMessage(message?.body ?? '', message?.attributes.integrity_tag?.StringValue, [SECRET]);
    expect(read).toMatchObject({ ok: true, record: { reason: 'payload_too_large', attempt: 1 } });
    expect(read.ok && read.body.equals(body)).toBe(true);
  });
});

test('when the quarantine cannot be written the answer is 503 with Retry-After, so dRoam retries', async () => {
  const missing = queue.url.replace(/[^/]+$/, 'no-such-queue');
  const response = await handlerFor(missing)(invalidRequest());
  expect(response.statusCode).toBe(503);
  expect(response.headers['retry-after']).toBeDefined();
  expect(JSON.parse(response.body)).toMatchObject({ error: 'quarantine_failed' });
  expect(lines.at(-1)).toMatchObject({ level: 'error', attributes: { status: 503, quarantined: false } });
});

test('an unauthenticated invalid payload is not quarantined: 401 and nothing kept', async () => {
  const sample = loadEvent('error-invalid-payload.json');
  const response = await handlerFor(queue.url)({ ...sample, headers: { 'content-type': 'application/json' } });
  expect(response.statusCode).toBe(401);
  expect(await emulator.receiveAll(queue)).toEqual([]);
});
