import { droamHash } from '../../lib/relay/signature';
import {
  bodyBytes,
  bodyJson,
  cloudEventOf,
  deployedConfig,
  DOCUMENTED_HASH,
  DOCUMENTED_SECRET,
  DOCUMENTED_TIMESTAMP,
  eventFiles,
  harness,
  header,
  type Json,
  loadEvent,
  logText,
  payloadOf,
  type SampleEvent,
  withHeaders,
  withoutAuth,
} from '../support/unit/harness';

/**
 * Every committed sample in events/ through the real handler (local stage:
 * the documented example secret, a clock at the samples' timestamp) with a
 * fake SNS, checking what a caller and an operator see.
 */

type Expectation =
  | {
      readonly kind: 'published';
      readonly type: string;
      readonly time: string;
      /** The pool uuid for pool events; not checked for other types. */
      readonly pool?: { readonly uuid: string; readonly rule: string; readonly usage: number | undefined };
    }
  | { readonly kind: 'echo' }
  | { readonly kind: 'rejected'; readonly status: number; readonly error: string; readonly issues?: readonly Json[] };

const VENDOR_POOL = { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', rule: '1711929600', usage: 51200 };
const TYPICAL_POOL = { uuid: '7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14', rule: '5f0c2a4e-8d1b-4c3a-9e7f-2b6d8a1c4e90', usage: 83886080 };
const POOL_TYPE = 'rule.pool.usage.triggered';

/** What the contract (docs/contract.md) promises for each sample. */
const EXPECTED: Readonly<Record<string, Expectation>> = {
  'pool-usage-vendor-example.json': { kind: 'published', type: POOL_TYPE, time: '2024-04-01T00:00:00Z', pool: VENDOR_POOL },
  'pool-usage.json': { kind: 'published', type: POOL_TYPE, time: '2024-01-01T00:00:00Z', pool: TYPICAL_POOL },
  'pool-usage-without-usage.json': { kind: 'published', type: POOL_TYPE, time: '2024-01-01T00:00:00Z', pool: { ...TYPICAL_POOL, usage: undefined } },
  'pool-usage-base64.json': { kind: 'published', type: POOL_TYPE, time: '2024-01-01T00:00:00Z', pool: TYPICAL_POOL },
  'pool-usage-rest-api.json': { kind: 'published', type: POOL_TYPE, time: '2024-04-01T00:00:00Z', pool: VENDOR_POOL },
  'pool-usage-function-url.json': { kind: 'published', type: POOL_TYPE, time: '2024-01-01T00:00:00Z', pool: TYPICAL_POOL },
  'echo-flat.json': { kind: 'echo' },
  'echo-enveloped.json': { kind: 'echo' },
  'error-unauthorized.json': { kind: 'rejected', status: 401, error: 'unauthorized' },
  'error-stale-timestamp.json': { kind: 'rejected', status: 401, error: 'unauthorized' },
  'error-invalid-json.json': { kind: 'rejected', status: 400, error: 'invalid_json' },
  'error-invalid-payload.json': {
    kind: 'rejected',
    status: 422,
    error: 'invalid_payload',
    issues: [{ path: 'data.pool.uuid', message: 'Required field is missing' }],
  },
  'error-unsupported-media-type.json': { kind: 'rejected', status: 415, error: 'unsupported_media_type' },
  'error-payload-too-large.json': { kind: 'rejected', status: 413, error: 'payload_too_large' },
};

const FILES = eventFiles();

/** RFC 3339 UTC, whole seconds, for a created_at.unix_timestamp (number or digit string). */
const rfc3339 = (seconds: unknown): string => new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The expectation for a sample: listed above, or, for the one-per-documented-type samples that are
 * not (their names say neither error nor echo), published as their own type at their own time.
 */
const expectationOf = (file: string): Expectation => {
  const listed = EXPECTED[file];
  if (listed !== undefined) return listed;
  if (/^(error|echo)-/.test(file)) throw new Error(`events/${file} has no expectation in this test; add one to EXPECTED`);
  const payload = payloadOf(loadEvent(file)) as { type?: unknown; created_at?: { unix_timestamp?: unknown } };
  return { kind: 'published', type: String(payload.type), time: rfc3339(payload.created_at?.unix_timestamp) };
};
const requestIdOf = (event: SampleEvent): unknown => event.requestContext?.requestId;
const HEX64 = /[0-9a-f]{64}/i;

test('every error and echo sample in events/ is listed here with its expectation, and every listed sample exists', () => {
  for (const file of FILES.filter((name) => /^(error|echo)-/.test(name))) expect(Object.keys(EXPECTED)).toContain(file);
  for (const file of Object.keys(EXPECTED)) expect(FILES).toContain(file);
});

const expectable = FILES.filter((file) => EXPECTED[file] !== undefined || !/^(error|echo)-/.test(file));

describe.each(expectable)('events/%s', (file) => {
  const event = loadEvent(file);
  const expected = expectationOf(file);

  test('gets its documented answer', async () => {
    const relay = harness();
    const response = await relay.handle(event);
    expect(header(response, 'content-type')).toBe('application/json');

    if (expected.kind === 'echo') {
      expect(response.statusCode).toBe(200);
      expect(Buffer.from(response.body, 'utf8').equals(bodyBytes(event))).toBe(true);
      expect(relay.attempted).toHaveLength(0);
      return;
    }

    if (expected.kind === 'rejected') {
      expect(response.statusCode).toBe(expected.status);
      const body = bodyJson(response);
      expect(body.error).toBe(expected.error);
      expect(typeof body.message).toBe('string');
      expect(Object.keys(body).sort()).toEqual(expected.issues === undefined ? ['error', 'message'] : ['error', 'issues', 'message']);
      if (expected.issues !== undefined) expect(body.issues).toEqual(expected.issues);
      expect(relay.attempted).toHaveLength(0);
      return;
    }

    expect(response.statusCode).toBe(200);
    expect(relay.published).toHaveLength(1);
    const [message] = relay.published;
    if (message === undefined) return;
    const cloudEvent = cloudEventOf(message);
    expect(bodyJson(response)).toEqual({ id: cloudEvent.id, message_id: 'sns-message-1' });

    const sent = payloadOf(event) as Json & { data: Json };
    expect(cloudEvent).toMatchObject({ specversion: '1.0', source: 'droam', type: expected.type, time: expected.time, datacontenttype: 'application/json' });
    expect(message.MessageAttributes.event_type).toEqual({ DataType: 'String', StringValue: expected.type });
    expect(message.MessageAttributes.event_id).toEqual({ DataType: 'String', StringValue: cloudEvent.id });
    expect(message).not.toHaveProperty('MessageGroupId');

    if (expected.pool === undefined) {
      // Numbers may be normalised per type; every object dRoam sent in data is there.
      expect(Object.keys(cloudEvent.data as Json).sort()).toEqual(Object.keys(sent.data).sort());
      return;
    }
    const { uuid, rule, usage } = expected.pool;
    expect(cloudEvent.subject).toBe(uuid);
    const data = cloudEvent.data as { pool: Json; rule: Json };
    expect(data.pool.uuid).toBe(uuid);
    expect(data.rule.uuid).toBe(rule);
    expect(data.pool.current_usage_kb).toBe(usage);
    expect(message.MessageAttributes.pool_uuid).toEqual({ DataType: 'String', StringValue: uuid });
    expect(message.MessageAttributes.rule_uuid).toEqual({ DataType: 'String', StringValue: rule });
    if (usage === undefined) expect(message.MessageAttributes).not.toHaveProperty('current_usage_kb');
    else expect(message.MessageAttributes.current_usage_kb).toEqual({ DataType: 'Number', StringValue: String(usage) });
  });

  test('writes exactly one log line, saying outcome, status, type, id, duration and the auth headers', async () => {
    const relay = harness();
    const response = await relay.handle(event);
    expect(relay.logs).toHaveLength(1);
    const line = relay.logs[0]?.attributes ?? {};
    expect(line.status).toBe(response.statusCode);
    expect(typeof line.duration_ms).toBe('number');
    expect(line.request_id).toBe(requestIdOf(event));
    if (expected.kind === 'published') {
      expect(line).toMatchObject({ outcome: 'published', type: expected.type, id: bodyJson(response).id, message_id: 'sns-message-1' });
      expect(line.auth_headers).toEqual({ timestamp: 'x-api-timestamp', hash: 'x-api-hash' });
    } else if (expected.kind === 'echo') {
      expect(line.outcome).toBe('echo');
    } else {
      expect(line).toMatchObject({ outcome: 'rejected', error: expected.error });
      if (expected.status === 401) expect(typeof line.auth_failure).toBe('string');
      if (expected.status === 422) expect(line).toMatchObject({ auth_headers: { timestamp: 'x-api-timestamp', hash: 'x-api-hash' }, type: POOL_TYPE });
    }
  });

  test('neither the response nor the log line carries the secret or a hash', async () => {
    const relay = harness();
    const response = await relay.handle(event);
    const said = `${response.body}\n${JSON.stringify(response.headers)}\n${logText(relay.logs)}`;
    for (const secret of [DOCUMENTED_SECRET, DOCUMENTED_HASH, droamHash(DOCUMENTED_SECRET, 1000000000)]) {
      expect(said.toLowerCase()).not.toContain(secret);
    }
    expect(said).not.toMatch(HEX64);
  });

  if (expected.kind === 'echo') {
    test('is still echoed with wrong auth headers, and with a clock years away', async () => {
      const relay = harness({ now: Date.UTC(2031, 0, 1) });
      const response = await relay.handle(withHeaders(event, { 'x-api-timestamp': '1', 'x-api-hash': droamHash('wrong-secret-0000000000', 1) }));
      expect(response.statusCode).toBe(200);
      expect(Buffer.from(response.body, 'utf8').equals(bodyBytes(event))).toBe(true);
      expect(relay.attempted).toHaveLength(0);
    });
  } else if (expected.kind === 'rejected' && (expected.status === 413 || expected.status === 415)) {
    test(`answers ${String(expected.status)} before authentication: the same without auth headers`, async () => {
      const relay = harness();
      const response = await relay.handle(withoutAuth(event));
      expect(response.statusCode).toBe(expected.status);
      expect(bodyJson(response).error).toBe(expected.error);
      expect(relay.attempted).toHaveLength(0);
    });
  } else {
    test('is 401 unauthorized without its auth headers, whatever its body', async () => {
      const relay = harness();
      const response = await relay.handle(withoutAuth(event));
      expect(response.statusCode).toBe(401);
      expect(bodyJson(response)).toEqual({ error: 'unauthorized', message: expect.any(String) as unknown });
      expect(relay.attempted).toHaveLength(0);
    });

    test('is 401 with a hash made with another secret', async () => {
      const relay = harness();
      const response = await relay.handle(
        withHeaders(withoutAuth(event), {
          'x-api-timestamp': String(DOCUMENTED_TIMESTAMP),
          'x-api-hash': droamHash('not-the-secret-00000000', DOCUMENTED_TIMESTAMP),
        }),
      );
      expect(response.statusCode).toBe(401);
      expect(relay.attempted).toHaveLength(0);
    });

    test('is 401 on a deployed stage, whose secret is not the documented one', async () => {
      const relay = harness({ config: deployedConfig() });
      expect((await relay.handle(event)).statusCode).toBe(401);
      expect(relay.attempted).toHaveLength(0);
    });
  }
});

describe('redelivery of the samples', () => {
  test('the same sample twice gives the same id; different samples give different ids', async () => {
    const relay = harness();
    const ids = new Map<string, unknown>();
    for (const file of FILES.filter((name) => expectationOf(name).kind === 'published')) {
      const first = bodyJson(await relay.handle(loadEvent(file))).id;
      const again = bodyJson(await relay.handle(loadEvent(file))).id;
      expect(again).toBe(first);
      ids.set(file, first);
    }
    // The base64, function-URL and plain pool samples carry the same payload; so do the REST and vendor samples.
    expect(ids.get('pool-usage-base64.json')).toBe(ids.get('pool-usage.json'));
    expect(ids.get('pool-usage-function-url.json')).toBe(ids.get('pool-usage.json'));
    expect(ids.get('pool-usage-rest-api.json')).toBe(ids.get('pool-usage-vendor-example.json'));
    const distinct = new Set([
      ids.get('pool-usage.json'),
      ids.get('pool-usage-vendor-example.json'),
      ids.get('pool-usage-without-usage.json'),
      ids.get('company-updated.json'),
    ]);
    expect(distinct.size).toBe(4);
  });
});
