import fc from 'fast-check';
import { droamHash } from '../../../lib/relay/signature';
import type { LogSink } from '../../../lib/observability/sinks';
import { createWebhookHandler } from '../../../lib/relay/webhook';
import type { HttpResponse } from '../../../lib/relay/respond';
import { payloadTypes } from '../../../lib/contract';
import type { SnsMessage } from '../../../lib/topic/message';
import type { PublishResult } from '../../../lib/topic/publish';
import { deployedConfig } from '../../support/unit/harness';

/**
 * Generated requests against the real handler with fake SNS, clock and logger.
 * fast-check prints the seed and the shrunk counterexample on failure;
 * re-run one with FC_SEED=<seed>.
 */

const SECRET = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const NOW_MS = 1_790_000_000_000;
const NOW_S = Math.floor(NOW_MS / 1000);
const DOCUMENTED_STATUSES = new Set([200, 400, 401, 403, 405, 413, 415, 422, 500, 503]);
const ERROR_CODES = new Set([
  'payload_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'unauthorized',
  'forbidden',
  'invalid_json',
  'invalid_echo',
  'invalid_payload',
  'publish_failed',
  'publish_rejected',
  'quarantine_failed',
  'internal_error',
]);
const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const config = deployedConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:droam-events', DROAM_API_SECRETS: SECRET });

interface Harness {
  handle: (event: unknown) => Promise<HttpResponse>;
  published: SnsMessage[];
  logLines: number;
}

function harness(publishResult: PublishResult = { ok: true, messageId: 'm-1' }): Harness {
  const published: SnsMessage[] = [];
  const h: Harness = { handle: async () => Promise.reject(new Error('unset')), published, logLines: 0 };
  const count = (): void => {
    h.logLines++;
  };
  const logger: LogSink = { info: count, warn: count, error: count };
  h.handle = createWebhookHandler({
    config,
    registry: payloadTypes,
    now: () => NOW_MS,
    logger,
    publish: (message) => {
      published.push(message);
      return Promise.resolve(publishResult);
    },
  });
  return h;
}

const validPool = {
  type: 'rule.pool.usage.triggered',
  data: {
    rule: { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB' },
    pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'Pool Name', current_usage_kb: '51200' },
  },
  created_at: { unix_timestamp: '1711929600', human_time: '17:25:11', human_date: '2024-06-12', timezone: 'UTC' },
};

const goodAuth = { 'x-ts': String(NOW_S), 'x-sig': droamHash(SECRET, NOW_S) };

// Odd keys that have broken parsers and validators before.
const nastyKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'type', 'data', 'created_at', '\u0000');
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, -0, 51200, '51200', '', '9'.repeat(400), '1e400', [], {}, 'rule.pool.usage.triggered', 'echo'),
  fc.string(),
  fc.double(),
  fc.integer(),
);
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyValue,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyKey, fc.string()), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A valid payload with one path replaced by something else, or removed. */
const mutatedPool: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom(
      ['type'],
      ['data'],
      ['data', 'rule'],
      ['data', 'rule', 'uuid'],
      ['data', 'pool', 'uuid'],
      ['data', 'pool', 'current_usage_kb'],
      ['created_at'],
      ['created_at', 'unix_timestamp'],
      ['data', '__proto__'],
      ['__proto__'],
    ),
    fc.option(nastyValue, { nil: undefined }),
  )
  .map(([path, value]) => {
    const copy = structuredClone(validPool) as Record<string, unknown>;
    let node = copy;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null) return copy;
      node = next as Record<string, unknown>;
    }
    const last = path[path.length - 1] ?? 'type';
    if (value === undefined) Reflect.deleteProperty(node, last);
    else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
    return copy;
  });

const bodyText: fc.Arbitrary<string> = fc.oneof(
  mutatedPool.map((v) => JSON.stringify(v)),
  jsonish.map((v) => (v === undefined ? '' : JSON.stringify(v))),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '',
    '{}',
    '[]',
    'null',
    '"x"',
    '{"type":"echo"}',
    '{"type":"echo","echo_data":5}',
    '{"type":"echo","echo_data":"a:1"}',
    '{"a":1,"a":2}',
    '{"type":"x","type":"rule.pool.usage.triggered"}',
    '\uFEFF{"type":"echo","echo_data":"b"}',
  ),
  fc.integer({ min: 1, max: 200 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 200 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '{"type":"rule.pool.usage.triggered","data":{},"created_at":{"unix_timestamp":1e400}}'),
);

const headerName = fc.oneof(
  fc.constantFrom('content-type', 'Content-Type', 'CONTENT-TYPE', 'x-ts', 'x-sig', 'X-Sig', 'x-api-hash', 'x-api-timestamp', '__proto__', 'constructor'),
  fc.string({ minLength: 0, maxLength: 12 }),
);
const headerValue = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/json; charset=latin1',
    String(NOW_S),
    droamHash(SECRET, NOW_S),
    droamHash(SECRET, NOW_S).toUpperCase(),
    droamHash('wrong-secret-wrong-secret', NOW_S),
    '0',
    String(NOW_S + 10_000),
  ),
  fc.string({ maxLength: 80 }),
);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 8 });

/** Random API Gateway-ish events; bodies may be base64 (truthfully or not), headers may be anything. */
const event: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      version: fc.constantFrom('2.0', '1.0', undefined, 3),
      httpMethod: fc.constantFrom('POST', 'GET', undefined, 7),
      headers: fc.oneof(headers, fc.constant(null), fc.constant('x')),
      multiValueHeaders: fc.oneof(fc.dictionary(headerName, fc.array(headerValue, { maxLength: 3 }), { maxKeys: 4 }), fc.constant(undefined)),
      body: fc.oneof(
        bodyText,
        fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
        fc.constant(null),
        fc.constant(42),
      ),
      isBase64Encoded: fc.oneof(fc.boolean(), fc.constant('true')),
      requestContext: fc.oneof(
        fc.constant(undefined),
        fc.constant(null),
        fc.record(
          {
            http: fc.record({ method: fc.constantFrom('POST', 'PUT', 1), sourceIp: fc.constantFrom('203.0.113.10', 7) }),
            requestId: fc.oneof(fc.string(), fc.integer()),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
  jsonish,
);

function assertWellFormed(response: HttpResponse): { error?: string } {
  expect(DOCUMENTED_STATUSES.has(response.statusCode)).toBe(true);
  expect(response.headers['content-type']).toBe('application/json');
  // An echo returns the request body byte for byte, a BOM included.
  const body: unknown = JSON.parse(response.body.replace(/^\uFEFF/, ''));
  expect(typeof body === 'object' && body !== null).toBe(true);
  const error = (body as { error?: unknown }).error;
  if (response.statusCode >= 400) {
    expect(typeof error === 'string' && ERROR_CODES.has(error)).toBe(true);
    expect(typeof (body as { message?: unknown }).message).toBe('string');
  }
  return typeof error === 'string' ? { error } : {};
}

const VALID_HASH = droamHash(SECRET, NOW_S);
function carriesValidHash(generated: unknown): boolean {
  if (typeof generated !== 'object' || generated === null) return false;
  const { headers: single, multiValueHeaders: multi } = generated as { headers?: unknown; multiValueHeaders?: unknown };
  const values = [
    ...(typeof single === 'object' && single !== null ? (Object.values(single) as unknown[]) : []),
    ...(typeof multi === 'object' && multi !== null ? (Object.values(multi) as unknown[]).flat() : []),
  ];
  return values.some((value) => typeof value === 'string' && value.trim().toLowerCase() === VALID_HASH);
}

const prototypeKeys = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();

describe('the handler, on generated input', () => {
  const before = prototypeKeys();
  afterAll(() => {
    expect(prototypeKeys()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('never throws and always answers a documented status with a JSON body; unsigned requests publish nothing', async () => {
    await fc.assert(
      fc.asyncProperty(event, async (generated) => {
        const h = harness();
        const response = await h.handle(generated);
        assertWellFormed(response);
        expect(h.logLines).toBeGreaterThanOrEqual(1);
        // Random headers sometimes carry the valid pair; without the hash nothing may be published.
        if (!carriesValidHash(generated)) expect(h.published).toHaveLength(0);
        if (h.published.length > 0) expect(response.statusCode).toBe(200);
        if (response.statusCode === 200 && h.published.length === 0) {
          // Only an echo (or a skipped type, not configured here) is a 200 without a message.
          const text = typeof generated === 'object' && generated !== null ? (generated as { body?: unknown }).body : undefined;
          expect(typeof text === 'string').toBe(true);
        }
      }),
      { numRuns: 5_000, ...seed },
    );
  });

  test('signed bodies: 200 only with exactly one message of a valid CloudEvent, otherwise an error and nothing published', async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, fc.boolean(), async (body, base64) => {
        const h = harness();
        const response = await h.handle({
          version: '2.0',
          headers: { 'content-type': 'application/json', ...goodAuth },
          requestContext: { http: { method: 'POST', sourceIp: '203.0.113.10' }, requestId: 'r' },
          body: base64 ? Buffer.from(body).toString('base64') : body,
          isBase64Encoded: base64,
        });
        const { error } = assertWellFormed(response);
        if (response.statusCode === 200 && error === undefined && h.published.length === 0) {
          expect(response.body).toBe(body); // an echo answers its own body
          return;
        }
        if (response.statusCode === 200) {
          expect(h.published).toHaveLength(1);
          const event = JSON.parse(h.published[0]?.Message ?? '') as Record<string, unknown>;
          expect(event.specversion).toBe('1.0');
          expect(JSON.parse(response.body)).toEqual({ id: event.id, message_id: 'm-1' });
          expect(Number.isNaN(Date.parse(String(event.time)))).toBe(false);
        } else {
          expect(h.published).toHaveLength(0);
        }
      }),
      { numRuns: 3_000, ...seed },
    );
  });

  test('bytes that are not UTF-8, and base64 flags that lie, are 400/401, never 2xx or a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 128 }), fc.boolean(), async (bytes, signed) => {
        const invalid = Buffer.concat([Buffer.from('{"type":"'), Buffer.from(bytes), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
        const h = harness();
        const response = await h.handle({
          version: '2.0',
          headers: { 'content-type': 'application/json', ...(signed ? goodAuth : {}) },
          body: invalid.toString('base64'),
          isBase64Encoded: true,
        });
        assertWellFormed(response);
        expect(response.statusCode).toBe(signed ? 400 : 401);
        expect(h.published).toHaveLength(0);
      }),
      { numRuns: 1_000, ...seed },
    );
  });

  test('a failing publisher never yields a 2xx for an event', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedPool, fc.boolean(), async (payload, retryable) => {
        const h = harness({ ok: false, error: { name: retryable ? 'ThrottledException' : 'InvalidParameterException', message: 'no', retryable } });
        const response = await h.handle({
          version: '2.0',
          headers: { 'content-type': 'application/json', ...goodAuth },
          body: JSON.stringify(payload),
          isBase64Encoded: false,
        });
        assertWellFormed(response);
        expect(response.statusCode).not.toBe(200);
        if (h.published.length > 0) {
          expect(response.statusCode).toBe(retryable ? 503 : 422);
          if (retryable) expect(response.headers['retry-after']).toBeDefined();
        }
      }),
      { numRuns: 1_000, ...seed },
    );
  });
});
