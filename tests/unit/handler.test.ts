import { droamHash } from '../../lib/relay/signature';
import type { HttpResponse } from '../../lib/relay/respond';
import type { SnsMessage } from '../../lib/topic/message';
import type { PublishResult } from '../../lib/topic/publish';
import {
  authHeaders,
  bodyJson,
  cloudEventOf,
  deployedConfig,
  DOCUMENTED_TIMESTAMP,
  FIFO_TOPIC_ARN,
  harness,
  header,
  type Json,
  loadEvent,
  logText,
  TEST_SECRET,
  UNKNOWN_TYPE,
  unknownTypePayload,
  v2Event,
  vendorExample,
  withBody,
  withHeaders,
} from '../support/unit/harness';

/**
 * The handler and its pipeline through createWebhookHandler, with a fake
 * SNS, a fixed clock and a capturing logger: the order of the checks, the
 * echo, the answers and their bodies, publishing, and the one log line.
 */

const NOW_S = 1_790_000_000;
const NOW_MS = NOW_S * 1000 + 250;
const MAX_BODY = 256 * 1024;
const HEX64 = /[0-9a-f]{64}/i;

/** A deployed-like stage (our own secret), its clock at NOW. */
const deployed = (env: Record<string, string> = {}, publishResult?: PublishResult | ((message: SnsMessage) => Promise<PublishResult>)) =>
  harness({ config: deployedConfig(env), now: NOW_MS, ...(publishResult === undefined ? {} : { publishResult }) });

const signed = (body: string, extra: Record<string, string> = {}) => v2Event(body, { ...authHeaders(TEST_SECRET, NOW_S), ...extra });
const unsigned = (body: string, extra: Record<string, string> = {}) => v2Event(body, extra);

const POOL_BODY = JSON.stringify(vendorExample());
const ECHO_BODY = '{"type":"echo","echo_data":"something:Echo:data:123"}';

function expectError(response: HttpResponse, status: number, error: string): Json {
  expect(response.statusCode).toBe(status);
  expect(header(response, 'content-type')).toBe('application/json');
  const body = bodyJson(response);
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  expect(body.message).not.toBe('');
  return body;
}

describe('the order of the checks', () => {
  test('413 comes before 415 and 401: an oversized form post without auth', async () => {
    const relay = deployed();
    expectError(await relay.handle(unsigned('x'.repeat(MAX_BODY + 1), { 'content-type': 'text/plain' })), 413, 'payload_too_large');
    expect(relay.attempted).toHaveLength(0);
  });

  test('415 comes before 401, even for a body that is an echo', async () => {
    const relay = deployed();
    expectError(await relay.handle(unsigned(ECHO_BODY, { 'content-type': 'text/plain' })), 415, 'unsupported_media_type');
  });

  test('a body of exactly 256 KiB is not too large: it goes on to be judged as JSON', async () => {
    const relay = deployed();
    expectError(await relay.handle(signed('x'.repeat(MAX_BODY))), 400, 'invalid_json');
  });

  test('one byte over 256 KiB is 413, counted in bytes not characters', async () => {
    const relay = deployed();
    const body = 'é'.repeat(MAX_BODY / 2) + 'x'; // 262145 bytes, 131073 characters
    expectError(await relay.handle(signed(body)), 413, 'payload_too_large');
  });

  test('401 comes before 400 and 422: an unsigned request is 401 whatever its body', async () => {
    const relay = deployed();
    for (const body of ['', '{', 'not json', '[]', '{}', POOL_BODY, JSON.stringify(unknownTypePayload()), '{"type":"echo"}', '{"type":"echo","echo_data":5}']) {
      expectError(await relay.handle(unsigned(body)), 401, 'unauthorized');
    }
    expect(relay.attempted).toHaveLength(0);
  });

  test('a signed request then gets 400 for bad JSON, 422 for a bad payload, 200 for a good one', async () => {
    const relay = deployed();
    expectError(await relay.handle(signed('{')), 400, 'invalid_json');
    expectError(await relay.handle(signed('{}')), 422, 'invalid_payload');
    expect((await relay.handle(signed(POOL_BODY))).statusCode).toBe(200);
  });

  test.each([
    ['application/json', 200],
    ['application/json; charset=utf-8', 200],
    ['application/json;charset=UTF-8', 200],
    ['Application/JSON', 200],
    ['application/cloudevents+json', 200],
    ['text/plain', 415],
    ['text/json', 415],
    ['application/x-www-form-urlencoded', 415],
    ['multipart/form-data; boundary=x', 415],
    ['application/json; charset=iso-8859-1', 415],
    ['', 415],
  ])('Content-Type %j: %d', async (contentType, status) => {
    const relay = deployed();
    expect((await relay.handle(signed(POOL_BODY, { 'content-type': contentType }))).statusCode).toBe(status);
  });

  test('no Content-Type at all is accepted (the body decides)', async () => {
    const relay = deployed();
    const event = signed(POOL_BODY);
    delete (event.headers as Record<string, string>)['content-type'];
    expect((await relay.handle(event)).statusCode).toBe(200);
  });

  test('the Content-Type header name is matched in any case', async () => {
    const relay = deployed();
    const event = signed(POOL_BODY);
    delete (event.headers as Record<string, string>)['content-type'];
    expect((await relay.handle(withHeaders(event, { 'Content-Type': 'text/plain' }))).statusCode).toBe(415);
  });
});

describe('echo (endpoint validation)', () => {
  const echoes: ReadonlyArray<readonly [string, string]> = [
    ['flat', ECHO_BODY],
    [
      'enveloped',
      '{"type":"echo","data":{"echo_data":"echo:Ariel:1715854344"},"created_at":{"unix_timestamp":1715854344,"human_time":"10:12:24","human_date":"2024-05-16","timezone":"UTC"}}',
    ],
    ['pretty-printed', '{\n  "echo_data" : "a:b:c" ,\n  "type" : "echo"\n}\n'],
    ['with non-ASCII and escapes', '{"type":"echo","echo_data":"Zürich \\u2713 \\"q\\""}'],
    ['with extra fields', '{"type":"echo","echo_data":"x","data":{"rule":{"uuid":"1"}},"created_at":{}}'],
    // Only a body that can spell "echo" is parsed before authentication: an escaped spelling is one.
    ['with its type written in escapes', '{"type":"ec\\u0068\\u006F","echo_data":"a:b"}'],
  ];

  test.each(echoes)('%s: 200, application/json, the request body byte for byte, without auth headers', async (_label, body) => {
    const relay = deployed();
    const response = await relay.handle(unsigned(body));
    expect(response.statusCode).toBe(200);
    expect(header(response, 'content-type')).toBe('application/json');
    expect(response.body).toBe(body);
    expect(Buffer.from(response.body, 'utf8').equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(relay.attempted).toHaveLength(0);
  });

  test('a base64-encoded echo is answered with the decoded body', async () => {
    const relay = deployed();
    const response = await relay.handle(withBody(unsigned(''), Buffer.from(ECHO_BODY).toString('base64'), true));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(ECHO_BODY);
  });

  test('an echo with a UTF-8 byte order mark is returned with it, byte for byte', async () => {
    const relay = deployed();
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ECHO_BODY)]);
    const response = await relay.handle(withBody(unsigned(''), bytes.toString('base64'), true));
    expect(response.statusCode).toBe(200);
    expect(Buffer.from(response.body, 'utf8').equals(bytes)).toBe(true);
  });

  test('a signed echo is answered the same way and publishes nothing', async () => {
    const relay = deployed();
    const response = await relay.handle(signed(ECHO_BODY));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(ECHO_BODY);
    expect(relay.attempted).toHaveLength(0);
  });

  test('an echo carrying a full pool event is echoed, never published', async () => {
    const relay = deployed();
    const body = JSON.stringify({ ...vendorExample(), type: 'echo', echo_data: 'x' });
    const response = await relay.handle(signed(body));
    expect(response.body).toBe(body);
    expect(relay.attempted).toHaveLength(0);
  });

  test('with auth off, an echo is still an echo', async () => {
    const relay = harness({ config: deployedConfig({ DROAM_AUTH: 'off' }), now: NOW_MS });
    expect((await relay.handle(unsigned(ECHO_BODY))).body).toBe(ECHO_BODY);
    expect(relay.attempted).toHaveLength(0);
  });
});

describe('400 invalid_json (after authentication)', () => {
  test.each([
    ['an empty body', Buffer.alloc(0)],
    ['a truncated object', Buffer.from('{"type":"rule.pool.usage.triggered","data":{')],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
    ['nesting 65 deep', Buffer.from(`${'['.repeat(65)}${']'.repeat(65)}`)],
    ['nesting 100000 deep', Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
  ])('%s: 400, nothing published', async (_label, bytes) => {
    const relay = deployed();
    const body = expectError(await relay.handle(withBody(signed(''), bytes.toString('base64'), true)), 400, 'invalid_json');
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(relay.attempted).toHaveLength(0);
  });
});

describe('422 invalid_payload', () => {
  test('issues is a list of {path, message}, one per problem', async () => {
    const relay = deployed();
    const payload = vendorExample();
    payload.data.pool.uuid = 'not-a-uuid';
    payload.data.pool.current_usage_kb = '-5';
    delete payload.created_at.timezone;
    const body = expectError(await relay.handle(signed(JSON.stringify(payload))), 422, 'invalid_payload');
    const issues = body.issues as Json[];
    for (const issue of issues) {
      expect(Object.keys(issue).sort()).toEqual(['message', 'path']);
      expect(typeof issue.path).toBe('string');
      expect(typeof issue.message).toBe('string');
    }
    expect(new Set(issues.map((issue) => issue.path))).toEqual(new Set(['data.pool.uuid', 'data.pool.current_usage_kb', 'created_at.timezone']));
    expect(issues).toContainEqual({ path: 'created_at.timezone', message: 'Required field is missing' });
    expect(relay.attempted).toHaveLength(0);
  });

  test.each([
    ['an array', '[]'],
    ['a string', '"rule.pool.usage.triggered"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('JSON that is %s: 422, nothing published', async (_label, body) => {
    const relay = deployed();
    expectError(await relay.handle(signed(body)), 422, 'invalid_payload');
    expect(relay.attempted).toHaveLength(0);
  });

  test('a pool event whose usage is beyond MAX_SAFE_INTEGER is refused, not published rounded', async () => {
    const relay = deployed();
    const payload = vendorExample();
    payload.data.pool.current_usage_kb = '9007199254740993';
    const body = expectError(await relay.handle(signed(JSON.stringify(payload))), 422, 'invalid_payload');
    expect(body.issues).toEqual([{ path: 'data.pool.current_usage_kb', message: expect.any(String) as unknown }]);
    expect(relay.attempted).toHaveLength(0);
  });
});

describe('publishing', () => {
  test('200 {id, message_id}: the CloudEvent id and the id SNS gave', async () => {
    const relay = deployed({}, { ok: true, messageId: 'f5a4c1d2-sns' });
    const response = await relay.handle(signed(POOL_BODY));
    expect(response.statusCode).toBe(200);
    expect(header(response, 'content-type')).toBe('application/json');
    const [message] = relay.published;
    expect(bodyJson(response)).toEqual({ id: message === undefined ? 'none' : cloudEventOf(message).id, message_id: 'f5a4c1d2-sns' });
  });

  test('the answer waits until SNS has accepted the message', async () => {
    let accept: (result: PublishResult) => void = () => undefined;
    const relay = deployed({}, () => new Promise<PublishResult>((resolve) => (accept = resolve)));
    let settled = false;
    const pending = relay.handle(signed(POOL_BODY)).then((response) => {
      settled = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(relay.attempted).toHaveLength(1);
    expect(settled).toBe(false);
    accept({ ok: true, messageId: 'late' });
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(bodyJson(response).message_id).toBe('late');
  });

  test('one request publishes exactly one message', async () => {
    const relay = deployed();
    await relay.handle(signed(POOL_BODY));
    expect(relay.attempted).toHaveLength(1);
  });

  test('the source is EVENT_SOURCE', async () => {
    const relay = deployed({ EVENT_SOURCE: 'urn:droam:acme-prod' });
    await relay.handle(signed(POOL_BODY));
    const [message] = relay.published;
    expect(message === undefined ? undefined : cloudEventOf(message).source).toBe('urn:droam:acme-prod');
  });

  test('a .fifo topic gets MessageGroupId = pool uuid and MessageDeduplicationId = id', async () => {
    const relay = deployed({ TOPIC_ARN: FIFO_TOPIC_ARN });
    const response = await relay.handle(signed(POOL_BODY));
    const [message] = relay.published;
    expect(message?.MessageGroupId).toBe('34160e3a-3492-4f6f-bbf6-c9a9be15ea55');
    expect(message?.MessageDeduplicationId).toBe(bodyJson(response).id);
  });

  test('an undocumented type with a valid envelope is published with its type and data', async () => {
    const relay = deployed();
    const response = await relay.handle(signed(JSON.stringify(unknownTypePayload())));
    expect(response.statusCode).toBe(200);
    const [message] = relay.published;
    if (message === undefined) throw new Error('nothing published');
    expect(cloudEventOf(message)).toMatchObject({ type: UNKNOWN_TYPE, data: unknownTypePayload().data });
    expect(message.MessageAttributes.event_type?.StringValue).toBe(UNKNOWN_TYPE);
  });

  test('an event too large to publish (body under 256 KiB, message over it) is 413 and not sent', async () => {
    const relay = deployed();
    const payload = vendorExample();
    payload.data.pool.notes = '';
    const padding = MAX_BODY - Buffer.byteLength(JSON.stringify(payload));
    payload.data.pool.notes = 'n'.repeat(padding);
    const body = JSON.stringify(payload);
    expect(Buffer.byteLength(body)).toBe(MAX_BODY);
    expectError(await relay.handle(signed(body)), 413, 'payload_too_large');
    expect(relay.attempted).toHaveLength(0);
  });
});

describe('503 publish_failed', () => {
  test.each([
    ['SNS throttled', { ok: false, error: { name: 'ThrottledException', message: 'Rate exceeded', retryable: true } }],
    ['SNS timed out', { ok: false, error: { name: 'Timeout', message: 'SNS did not answer within 7000 ms', retryable: true } }],
    ['SNS unreachable', { ok: false, error: { name: 'Error', message: 'connect ECONNREFUSED', retryable: true } }],
  ] as const)('%s: 503 with Retry-After, and the SNS detail stays out of the answer', async (_label, result) => {
    const relay = deployed({}, result);
    const response = await relay.handle(signed(POOL_BODY));
    const body = expectError(response, 503, 'publish_failed');
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(header(response, 'retry-after')).toMatch(/^[1-9]\d*$/);
    expect(response.body).not.toContain(result.error.message);
    expect(relay.published).toHaveLength(0);
  });

  test('SNS refusing the message itself is 422 publish_rejected, not a retry invitation', async () => {
    const relay = deployed({}, { ok: false, error: { name: 'InvalidParameterException', message: 'Invalid parameter', retryable: false } });
    const response = await relay.handle(signed(POOL_BODY));
    expectError(response, 422, 'publish_rejected');
    expect(header(response, 'retry-after')).toBeUndefined();
  });

  test('the next request succeeds once SNS recovers', async () => {
    let healthy = false;
    const relay = deployed({}, () =>
      Promise.resolve<PublishResult>(healthy ? { ok: true, messageId: 'ok' } : { ok: false, error: { name: 'Timeout', message: 't', retryable: true } }),
    );
    expect((await relay.handle(signed(POOL_BODY))).statusCode).toBe(503);
    healthy = true;
    expect((await relay.handle(signed(POOL_BODY))).statusCode).toBe(200);
  });
});

describe('the handler never throws', () => {
  const garbage: ReadonlyArray<readonly [string, unknown]> = [
    ['null', null],
    ['undefined', undefined],
    ['a number', 7],
    ['a string', 'hello'],
    ['an array', [v2Event(POOL_BODY)]],
    ['an S3 event', { Records: [{ eventSource: 'aws:s3' }] }],
    [
      'headers of numbers',
      { version: '2.0', headers: { 'x-api-timestamp': 1, 'x-api-hash': 2 }, body: POOL_BODY, requestContext: { http: { method: 'POST' } } },
    ],
    ['a body that is an object', { version: '2.0', headers: {}, body: { type: 'echo' }, requestContext: { http: { method: 'POST' } } }],
  ];

  test.each(garbage)('%s: a JSON error answer, nothing published', async (_label, event) => {
    const relay = deployed();
    const response = await relay.handle(event);
    expect([400, 401, 405, 415]).toContain(response.statusCode);
    expect(typeof bodyJson(response).error).toBe('string');
    expect(relay.attempted).toHaveLength(0);
    expect(relay.logs).toHaveLength(1);
  });

  test('a publish function that throws gives 500 internal_error without a stack trace', async () => {
    const relay = deployed({}, () => Promise.reject(new TypeError('Cannot read properties of undefined (reading "send") at /var/task/index.js:1:2')));
    const response = await relay.handle(signed(POOL_BODY));
    const body = expectError(response, 500, 'internal_error');
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(response.body).not.toMatch(/Cannot read|index\.js|at /);
    expect(logText(relay.logs)).not.toMatch(/index\.js/);
  });
});

describe('authentication through the handler', () => {
  test('DROAM_AUTH=off: an unsigned event is published', async () => {
    const relay = harness({ config: deployedConfig({ DROAM_AUTH: 'off' }), now: NOW_MS });
    expect((await relay.handle(unsigned(POOL_BODY))).statusCode).toBe(200);
    expect(relay.published).toHaveLength(1);
  });

  test('pinned headers: only those names authenticate', async () => {
    const relay = deployed({ DROAM_TIMESTAMP_HEADER: 'X-Droam-Timestamp', DROAM_HASH_HEADER: 'X-Droam-Hash' });
    expect((await relay.handle(signed(POOL_BODY))).statusCode).toBe(401);
    const event = unsigned(POOL_BODY, { 'X-DROAM-TIMESTAMP': String(NOW_S), 'x-droam-hash': droamHash(TEST_SECRET, NOW_S) });
    expect((await relay.handle(event)).statusCode).toBe(200);
    expect(relay.logs.at(-1)?.attributes.auth_headers).toEqual({ timestamp: 'x-droam-timestamp', hash: 'x-droam-hash' });
  });

  test('rotation: both secrets are accepted while both are configured', async () => {
    const next = 'the-next-secret-0f1e2d3c4b5a6978';
    const relay = deployed({ DROAM_API_SECRETS: `${TEST_SECRET},${next}` });
    expect((await relay.handle(signed(POOL_BODY))).statusCode).toBe(200);
    expect((await relay.handle(unsigned(POOL_BODY, authHeaders(next, NOW_S)))).statusCode).toBe(200);
    expect((await relay.handle(unsigned(POOL_BODY, authHeaders('a-third-secret-nobody-holds-0000', NOW_S)))).statusCode).toBe(401);
  });

  test.each([
    ['300 s old', -300, 200],
    ['301 s old', -301, 401],
    ['300 s ahead', 300, 200],
    ['301 s ahead', 301, 401],
  ])('a timestamp %s against the handler clock: %d', async (_label, offset, status) => {
    const relay = deployed();
    expect((await relay.handle(unsigned(POOL_BODY, authHeaders(TEST_SECRET, NOW_S + offset)))).statusCode).toBe(status);
  });

  test('the skew comes from DROAM_MAX_SKEW_SECONDS', async () => {
    const relay = deployed({ DROAM_MAX_SKEW_SECONDS: '60' });
    expect((await relay.handle(unsigned(POOL_BODY, authHeaders(TEST_SECRET, NOW_S - 60)))).statusCode).toBe(200);
    expect((await relay.handle(unsigned(POOL_BODY, authHeaders(TEST_SECRET, NOW_S - 61)))).statusCode).toBe(401);
  });

  test('the committed samples (signed at 2024-01-01 with the documented secret) do not pass a deployed stage', async () => {
    const relay = harness({ config: deployedConfig(), now: DOCUMENTED_TIMESTAMP * 1000 });
    expect((await relay.handle(loadEvent('pool-usage.json'))).statusCode).toBe(401);
  });
});

describe('one log line per request', () => {
  test('each of a series of different requests writes exactly one line', async () => {
    const relay = deployed({}, (message) =>
      Promise.resolve<PublishResult>(
        cloudEventOf(message).type === 'fail.me' ? { ok: false, error: { name: 'Timeout', message: 't', retryable: true } } : { ok: true, messageId: 'm' },
      ),
    );
    const requests = [
      signed(POOL_BODY),
      unsigned(ECHO_BODY),
      unsigned(POOL_BODY),
      signed('{'),
      signed('{}'),
      signed(JSON.stringify({ ...unknownTypePayload(), type: 'fail.me' })),
      unsigned('x'.repeat(MAX_BODY + 1)),
      null,
    ];
    for (const request of requests) {
      const before = relay.logs.length;
      await relay.handle(request);
      expect(relay.logs.length - before).toBe(1);
    }
  });

  test('a type that is a run of hex digits (a hash, or a secret, made up by the sender) is quoted by its length, never whole', async () => {
    const relay = deployed({ EVENT_TYPES: 'rule.pool.usage.triggered' });
    const hash = '0123456789abcdef'.repeat(4);
    const types = [hash, `x.${hash.slice(0, 40)}`, hash.slice(0, 32)];
    for (const type of types) {
      // Skipped by this stage (EVENT_TYPES), valid or not: each line quotes the type.
      await relay.handle(signed(JSON.stringify({ ...unknownTypePayload(), type })));
      await relay.handle(signed(JSON.stringify({ type, data: 'not an object' })));
    }
    const quoted = relay.logs.map((line) => line.attributes.type);
    expect(quoted).toEqual(['<64 hex digits>', '<64 hex digits>', 'x.<40 hex digits>', 'x.<40 hex digits>', '<32 hex digits>', '<32 hex digits>']);
    expect(logText(relay.logs)).not.toMatch(/[0-9a-f]{32}/i);
    const published = deployed();
    await published.handle(signed(JSON.stringify({ ...unknownTypePayload(), type: hash })));
    expect(published.logs[0]?.attributes).toMatchObject({ outcome: 'published', type: '<64 hex digits>' });
    // What subscribers get is the type as sent; the answer says nothing of it.
    expect(published.published.map((message) => cloudEventOf(message).type)).toEqual([hash]);
  });

  test('also for the first event of an undocumented type', async () => {
    const relay = deployed();
    const response = await relay.handle(signed(JSON.stringify(unknownTypePayload())));
    expect(response.statusCode).toBe(200);
    expect(relay.logs).toHaveLength(1);
    expect(relay.logs[0]?.attributes).toMatchObject({ outcome: 'published', type: UNKNOWN_TYPE });
  });

  test('a published event: outcome, status, type, id, message id, duration and the matched auth header names', async () => {
    const relay = deployed();
    const response = await relay.handle(signed(POOL_BODY));
    expect(relay.logs).toHaveLength(1);
    expect(relay.logs[0]?.level).toBe('info');
    expect(relay.logs[0]?.attributes).toMatchObject({
      outcome: 'published',
      status: 200,
      type: 'rule.pool.usage.triggered',
      id: bodyJson(response).id,
      message_id: 'sns-message-1',
      duration_ms: expect.any(Number) as unknown,
      auth_headers: { timestamp: 'x-api-timestamp', hash: 'x-api-hash' },
    });
  });

  test('the matched header names are logged lower-case for a REST API event with Title-Case names', async () => {
    const relay = harness();
    await relay.handle(loadEvent('pool-usage-rest-api.json'));
    expect(relay.logs[0]?.attributes.auth_headers).toEqual({ timestamp: 'x-api-timestamp', hash: 'x-api-hash' });
  });

  test('duration_ms is the time the request took, SNS included', async () => {
    let clock = NOW_MS;
    const relay = harness({
      config: deployedConfig(),
      now: () => clock,
      publishResult: () => {
        clock += 1234;
        return Promise.resolve({ ok: true, messageId: 'm' });
      },
    });
    await relay.handle(signed(POOL_BODY));
    expect(relay.logs[0]?.attributes.duration_ms).toBe(1234);
  });

  test.each([
    ['no auth headers', 'no_timestamp_header', {}],
    ['a stale timestamp', 'timestamp_outside_window', authHeaders(TEST_SECRET, NOW_S - 3600)],
    ['a fresh timestamp and no hash', 'no_hash_header', { 'x-api-timestamp': String(NOW_S) }],
    ['the wrong secret', 'hash_mismatch', authHeaders('wrong-secret-wrong-secret-000', NOW_S)],
  ])('401 with %s: logged as a warning with the reason %s', async (_label, reason, headers) => {
    const relay = deployed();
    const event = v2Event(POOL_BODY, headers);
    delete (event.headers as Record<string, string>)['content-length'];
    await relay.handle(event);
    expect(relay.logs).toHaveLength(1);
    expect(relay.logs[0]?.level).toBe('warn');
    expect(relay.logs[0]?.attributes).toMatchObject({ outcome: 'rejected', status: 401, error: 'unauthorized', auth_failure: reason });
  });

  test('a 503 is logged at error level with type, id and what SNS said', async () => {
    const relay = deployed({}, { ok: false, error: { name: 'ThrottledException', message: 'Rate exceeded', retryable: true } });
    await relay.handle(signed(POOL_BODY));
    expect(relay.logs).toHaveLength(1);
    expect(relay.logs[0]?.level).toBe('error');
    expect(relay.logs[0]?.attributes).toMatchObject({
      outcome: 'rejected',
      status: 503,
      error: 'publish_failed',
      type: 'rule.pool.usage.triggered',
      id: expect.any(String) as unknown,
    });
    expect(logText(relay.logs)).toContain('ThrottledException');
  });

  test('a 422 is logged with the issues', async () => {
    const relay = deployed();
    await relay.handle(signed('{}'));
    expect(relay.logs[0]?.attributes.issues).toEqual(expect.arrayContaining([{ path: 'type', message: 'Required field is missing' }]));
  });
});

describe('no secret and no hash in any answer or log line', () => {
  test('across every kind of outcome', async () => {
    const relay = deployed({}, (message) =>
      Promise.resolve<PublishResult>(
        cloudEventOf(message).type === 'fail.me' ? { ok: false, error: { name: 'Timeout', message: 't', retryable: true } } : { ok: true, messageId: 'm' },
      ),
    );
    const answers: HttpResponse[] = [];
    for (const request of [
      signed(POOL_BODY),
      signed(ECHO_BODY),
      signed('{'),
      signed('{}'),
      signed(JSON.stringify({ ...unknownTypePayload(), type: 'fail.me' })),
      unsigned(POOL_BODY, authHeaders(TEST_SECRET, NOW_S - 3600)),
      unsigned(POOL_BODY, authHeaders(TEST_SECRET.toUpperCase(), NOW_S)),
      unsigned(POOL_BODY, { 'x-api-timestamp': String(NOW_S), 'x-api-hash': droamHash(TEST_SECRET, NOW_S).toUpperCase(), 'content-type': 'text/plain' }),
      signed('x'.repeat(MAX_BODY + 1)),
    ]) {
      answers.push(await relay.handle(request));
    }
    const said = `${answers.map((a) => `${a.body} ${JSON.stringify(a.headers)}`).join('\n')}\n${logText(relay.logs)}`;
    expect(said).not.toContain(TEST_SECRET);
    expect(said.toLowerCase()).not.toContain(TEST_SECRET.toLowerCase());
    expect(said).not.toMatch(HEX64);
  });
});
