/**
 * Quarantine against the emulator: an authenticated payload that fails
 * validation is kept in an SQS queue (raw body, non-secret headers, issues,
 * receive time) and still answered 422; when the queue cannot be written the
 * answer is 503, so dRoam retries.
 */
import { droamHash } from '../../lib/relay/signature';
import type { LogSink } from '../../lib/observability/sinks';
import { createWebhookHandler } from '../../lib/relay/handler';
import { payloadTypes } from '../../lib/contract';
import { sqsQuarantine } from '../../lib/relay/quarantine';
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
    reason: 'invalid_payload',
    request_id: 'Qx1aKv2uIAMEVBK=',
    source_ip: '203.0.113.10',
    issues: [{ path: 'data.pool.uuid', message: 'Required field is missing' }],
    body: bodyOf(loadEvent('error-invalid-payload.json')).toString('utf8'),
  });
  expect(Date.parse(String(record.received_at))).toBeGreaterThanOrEqual(before - 1000);
  const headers = record.headers as Record<string, string>;
  expect(headers['user-agent']).toBe('GuzzleHttp/7');
  for (const secretBearing of ['x-api-timestamp', 'x-api-hash', 'authorization', 'cookie']) expect(headers[secretBearing]).toBeUndefined();
  expect(message?.body).not.toMatch(/[0-9a-f]{64}/i);
  expect(lines.at(-1)).toMatchObject({ level: 'warn', attributes: { status: 422, quarantined: true } });
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
