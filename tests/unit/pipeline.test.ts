import type { Quarantine } from '../../lib/queues/quarantine';
import { nonSecretHeaders } from '../../lib/queues/quarantine';
import {
  authHeaders,
  bodyJson,
  deployedConfig,
  harness,
  header,
  type Json,
  loadEvent,
  TEST_SECRET,
  unknownTypePayload,
  v2Event,
  vendorExample,
} from '../support/unit/harness';

/** The stage options on top of the core contract: source allow-list, method, EVENT_TYPES, quarantine. */

const NOW_S = 1_790_000_000;
const NOW_MS = NOW_S * 1000;
const POOL_BODY = JSON.stringify(vendorExample());
const ECHO_BODY = '{"type":"echo","echo_data":"abc:123"}';
const HEX64 = /[0-9a-f]{64}/i;

const signed = (body: string, extra: Record<string, string> = {}) => v2Event(body, { ...authHeaders(TEST_SECRET, NOW_S), ...extra });

function fromIp(body: string, ip: string, headers: Record<string, string> = authHeaders(TEST_SECRET, NOW_S)) {
  const event = v2Event(body, headers);
  return { ...event, requestContext: { ...event.requestContext, http: { method: 'POST', path: '/webhooks/droam', sourceIp: ip } } };
}

describe('ALLOWED_SOURCE_CIDRS', () => {
  const relay = () => harness({ config: deployedConfig({ ALLOWED_SOURCE_CIDRS: '203.0.113.0/24, 2001:db8::/32' }), now: NOW_MS });

  test('a source inside the ranges is served', async () => {
    expect((await relay().handle(fromIp(POOL_BODY, '203.0.113.77'))).statusCode).toBe(200);
    expect((await relay().handle(fromIp(POOL_BODY, '2001:db8::7'))).statusCode).toBe(200);
  });

  test('a source outside is 403 forbidden before anything else: signed, echo or oversized alike', async () => {
    for (const body of [POOL_BODY, ECHO_BODY, 'x'.repeat(300_000)]) {
      const r = relay();
      const response = await r.handle(fromIp(body, '198.51.100.1'));
      expect(response.statusCode).toBe(403);
      expect(bodyJson(response).error).toBe('forbidden');
      expect(r.attempted).toHaveLength(0);
    }
  });

  test('a request without a source IP is refused when a list is set', async () => {
    const event = { ...v2Event(POOL_BODY, authHeaders(TEST_SECRET, NOW_S)), requestContext: { http: { method: 'POST' } } };
    expect((await relay().handle(event)).statusCode).toBe(403);
  });

  test('the REST API source IP is read too', async () => {
    const rest = loadEvent('pool-usage-rest-api.json');
    const r = harness({ config: deployedConfig({ ALLOWED_SOURCE_CIDRS: '192.0.2.0/24', DROAM_AUTH: 'off' }), now: NOW_MS });
    expect((await r.handle(rest)).statusCode).toBe(403); // the sample comes from 203.0.113.10
  });
});

describe('method', () => {
  test.each(['GET', 'PUT', 'DELETE'])('%s through a function URL is 405 with Allow: POST', async (method) => {
    const relay = harness({ config: deployedConfig(), now: NOW_MS });
    const event = loadEvent('pool-usage-function-url.json');
    const response = await relay.handle({ ...event, requestContext: { ...event.requestContext, http: { method, path: '/', sourceIp: '203.0.113.10' } } });
    expect(response.statusCode).toBe(405);
    expect(bodyJson(response).error).toBe('method_not_allowed');
    expect(header(response, 'allow')).toBe('POST');
    expect(relay.attempted).toHaveLength(0);
  });
});

describe('EVENT_TYPES', () => {
  const relay = () => harness({ config: deployedConfig({ EVENT_TYPES: 'company.updated' }), now: NOW_MS });

  test('an authentic event of another type is answered 200 skipped and not published', async () => {
    const r = relay();
    const response = await r.handle(signed(POOL_BODY));
    expect(response.statusCode).toBe(200);
    expect(bodyJson(response)).toMatchObject({ skipped: true, type: 'rule.pool.usage.triggered' });
    expect(r.attempted).toHaveLength(0);
    expect(r.logs).toHaveLength(1);
  });

  test('an unsigned event of another type is still 401', async () => {
    const r = relay();
    expect((await r.handle(v2Event(POOL_BODY))).statusCode).toBe(401);
  });

  test('an echo is still echoed', async () => {
    expect((await relay().handle(v2Event(ECHO_BODY))).body).toBe(ECHO_BODY);
  });

  test('a listed type is published', async () => {
    const r = harness({ config: deployedConfig({ EVENT_TYPES: 'rule.pool.usage.triggered' }), now: NOW_MS });
    expect((await r.handle(signed(POOL_BODY))).statusCode).toBe(200);
    expect(r.published).toHaveLength(1);
  });
});

describe('quarantine of authentic payloads that cannot be published', () => {
  const ok: Quarantine = () => Promise.resolve({ ok: true });

  test('a 422 payload is kept with its issues, its body and its non-secret headers; the answer stays 422', async () => {
    const relay = harness({ config: deployedConfig(), now: NOW_MS, quarantine: ok });
    const payload: Json & { data: { pool: Json } } = vendorExample();
    delete payload.data.pool.uuid;
    const body = JSON.stringify(payload);
    const response = await relay.handle(signed(body, { authorization: 'Bearer abc', cookie: 'session=1', 'x-trace': 'keep-me' }));
    expect(response.statusCode).toBe(422);
    expect(relay.quarantined).toHaveLength(1);
    const record = relay.quarantined[0];
    expect(record).toMatchObject({
      reason: 'invalid_payload',
      body_base64: Buffer.from(body).toString('base64'),
      attempt: 1,
      issues: [{ path: 'data.pool.uuid', message: 'Required field is missing' }],
      request_id: 'unit-request-1',
      source_ip: '203.0.113.10',
      received_at: new Date(NOW_MS).toISOString(),
    });
    expect(record?.headers['x-trace']).toBe('keep-me');
    for (const name of ['x-api-timestamp', 'x-api-hash', 'authorization', 'cookie']) expect(record?.headers).not.toHaveProperty(name);
    expect(JSON.stringify(record)).not.toMatch(HEX64);
    expect(relay.logs[0]?.attributes.quarantined).toBe(true);
    expect(bodyJson(response).quarantined).toBe(true);
  });

  test('an authentic body that is not JSON is kept too, byte for byte, and answered 400', async () => {
    const relay = harness({ config: deployedConfig(), now: NOW_MS, quarantine: ok });
    const bytes = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00, 0x22]);
    const response = await relay.handle({ ...signed(''), body: bytes.toString('base64'), isBase64Encoded: true });
    expect(response.statusCode).toBe(400);
    expect(bodyJson(response)).toMatchObject({ error: 'invalid_json', quarantined: true });
    expect(relay.quarantined.map((record) => [record.reason, record.body_base64])).toEqual([['invalid_json', bytes.toString('base64')]]);
  });

  test('a valid event too large once wrapped as a message is kept and answered 413', async () => {
    const relay = harness({ config: deployedConfig(), now: NOW_MS, quarantine: ok });
    // Just under the body limit: the CloudEvent envelope and the message attributes take it over SNS's.
    const shell = JSON.stringify({ ...unknownTypePayload(), data: { note: '' } });
    const body = shell.replace('"note":""', `"note":"${'x'.repeat(262_100 - shell.length)}"`);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(262_144);
    const response = await relay.handle(signed(body));
    expect(response.statusCode).toBe(413);
    expect(bodyJson(response)).toMatchObject({ error: 'payload_too_large', quarantined: true });
    expect(relay.quarantined.map((record) => [record.reason, Buffer.from(record.body_base64, 'base64').toString('utf8')])).toEqual([
      ['payload_too_large', body],
    ]);
    expect(relay.attempted).toHaveLength(0);
  });

  test('if keeping it fails, the answer is 503 with Retry-After so dRoam sends it again', async () => {
    const relay = harness({ config: deployedConfig(), now: NOW_MS, quarantine: () => Promise.resolve({ ok: false, error: 'AccessDenied' }) });
    const response = await relay.handle(signed('{}'));
    expect(response.statusCode).toBe(503);
    expect(bodyJson(response).error).toBe('quarantine_failed');
    expect(header(response, 'retry-after')).toMatch(/^[1-9]\d*$/);
  });

  test('a message SNS refuses is kept too, as publish_rejected', async () => {
    const relay = harness({
      config: deployedConfig(),
      now: NOW_MS,
      quarantine: ok,
      publishResult: { ok: false, error: { name: 'InvalidParameterException', message: 'bad', retryable: false } },
    });
    expect((await relay.handle(signed(POOL_BODY))).statusCode).toBe(422);
    expect(relay.quarantined.map((record) => record.reason)).toEqual(['publish_rejected']);
  });

  test.each([
    ['an unsigned payload', v2Event('{}')],
    ['a valid event', signed(POOL_BODY)],
    ['an echo', v2Event(ECHO_BODY)],
    ['an event SNS could not take for now', signed(JSON.stringify(unknownTypePayload()))],
  ])('%s is never kept', async (_label, event) => {
    const relay = harness({
      config: deployedConfig(),
      now: NOW_MS,
      quarantine: ok,
      publishResult: (message) =>
        Promise.resolve(
          message.Message.includes('teleported') ? { ok: false, error: { name: 'Timeout', message: 't', retryable: true } } : { ok: true, messageId: 'm' },
        ),
    });
    await relay.handle(event);
    expect(relay.quarantined).toHaveLength(0);
  });
});

describe('nonSecretHeaders', () => {
  test('drops the named auth headers, credentials and anything hash-shaped, in any case of hex', () => {
    const headers = new Map([
      ['x-ts', '1790000000'],
      ['x-sig', 'A'.repeat(64)],
      ['x-other-digest', ` ${'b'.repeat(64)} `],
      ['authorization', 'Basic Zm9vOmJhcg=='],
      ['proxy-authorization', 'Basic eA=='],
      ['cookie', 'a=b'],
      ['x-api-key', 'k'],
      ['user-agent', 'GuzzleHttp/7'],
      ['content-length', '415'],
    ]);
    expect(nonSecretHeaders(headers, ['x-ts', undefined])).toEqual({ 'user-agent': 'GuzzleHttp/7', 'content-length': '415' });
  });
});

describe('publish-retry queue: a valid event SNS cannot take for now', () => {
  const unavailable = { ok: false, error: { name: 'KMSThrottlingException', message: 'slow down', retryable: true } } as const;

  test('is queued with its message exactly as it would have been published, and answered 200 with its id and queued: true', async () => {
    const relay = harness({ config: deployedConfig(), now: NOW_MS, publishResult: unavailable, retry: () => Promise.resolve({ ok: true }) });
    const response = await relay.handle(signed(POOL_BODY));
    expect(response.statusCode).toBe(200);
    const answer = bodyJson(response);
    expect(answer).toMatchObject({ queued: true, id: expect.any(String) as unknown });
    expect(answer).not.toHaveProperty('message_id');
    expect(relay.queuedForRetry).toEqual([
      {
        stage: 'test',
        id: answer.id,
        type: 'rule.pool.usage.triggered',
        droam_source: 'default',
        queued_at: new Date(NOW_MS).toISOString(),
        request_id: 'unit-request-1',
        publish_error: 'KMSThrottlingException: slow down',
        message: relay.attempted[0],
      },
    ]);
    expect(relay.logs[0]).toMatchObject({ level: 'warn', attributes: { outcome: 'queued', id: answer.id, queued_for_retry: true } });
  });

  test('is answered 503 with Retry-After when the retry queue refuses it too', async () => {
    const relay = harness({
      config: deployedConfig(),
      now: NOW_MS,
      publishResult: unavailable,
      retry: () => Promise.resolve({ ok: false, error: 'AccessDenied' }),
    });
    const response = await relay.handle(signed(POOL_BODY));
    expect(response.statusCode).toBe(503);
    expect(bodyJson(response).error).toBe('publish_failed');
    expect(header(response, 'retry-after')).toMatch(/^[1-9]\d*$/);
    expect(relay.logs[0]?.attributes).toMatchObject({ queued_for_retry: false });
  });

  test('a message SNS refuses as such is quarantined, never queued for retry', async () => {
    const relay = harness({
      config: deployedConfig(),
      now: NOW_MS,
      quarantine: () => Promise.resolve({ ok: true }),
      retry: () => Promise.resolve({ ok: true }),
      publishResult: { ok: false, error: { name: 'InvalidParameterException', message: 'bad', retryable: false } },
    });
    expect((await relay.handle(signed(POOL_BODY))).statusCode).toBe(422);
    expect(relay.queuedForRetry).toEqual([]);
    expect(relay.quarantined).toHaveLength(1);
  });
});
