/**
 * A deployed stage's api secrets: an SSM SecureString read through the AWS
 * Parameters and Secrets Lambda Extension by the code the function runs
 * (lib/api-secrets/extension.ts), the extension played by a stand-in HTTP
 * server on 127.0.0.1 that answers as it does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extensionApiSecrets } from '../../lib/api-secrets/extension';
import { type ApiSecrets, combinedApiSecrets } from '../../lib/api-secrets/store';
import {
  ANSWER_DEADLINE_MS,
  PUBLISH_DEADLINE_MS,
  RETRY_QUEUE_DEADLINE_MS,
  SECRETS_FIRST_READ_DEADLINE_MS,
  SECRETS_READ_BACK_OFF_BASE_MS,
  SECRETS_READ_MAX_ATTEMPTS,
  SECRETS_RETRY_WITHOUT_VALUE_MS,
} from '../../lib/lambda/clients';
import { loadConfig } from '../../lib/relay/config';
import {
  authHeaders,
  bodyJson,
  DOCUMENTED_SECRET,
  DOCUMENTED_TIMESTAMP,
  harness,
  header,
  TEST_SECRET,
  TOPIC_ARN,
  v2Event,
  vendorExample,
} from '../support/unit/harness';

const PARAMETER = '/droam-webhook-relay/prod/api-secrets';
const NEXT_SECRET = 'rotated-secret-7c2e9a41b5d3f086';
const MAX_AGE_SECONDS = 60;
const RETRY_AFTER_FAILURE_MS = 10_000;
const START = Date.UTC(2026, 0, 1);
const SESSION_TOKEN = 'unit-session-token';

const config = loadConfig({ STAGE: 'test', TOPIC_ARN, DROAM_API_SECRETS_PARAMETER: PARAMETER, DROAM_API_SECRETS_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) });

/** What the stand-in extension answers: a parameter, an error as SSM gives it, or nothing at all. */
type Answer = { readonly type: string; readonly value: string } | { readonly status: number; readonly error: string } | 'no answer';
/** Its answer to every request once `once` is used up. */
let next: Answer = 'no answer';
/** Answers to the next requests, one each, before `next`. */
const once: Answer[] = [];
/** The requests the extension was sent: their path and query, and the token they carried. */
const calls: { readonly url: string; readonly token: unknown }[] = [];

const extension = createServer((request: IncomingMessage, response: ServerResponse) => {
  calls.push({ url: request.url ?? '', token: request.headers['x-aws-parameters-secrets-token'] });
  const given = once.shift() ?? next;
  if (given === 'no answer') return;
  if ('status' in given) {
    response.writeHead(given.status, { 'content-type': 'text/plain' });
    response.end(given.error);
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ Parameter: { Name: PARAMETER, Type: given.type, Value: given.value, Version: 1 }, ResultMetadata: {} }));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => extension.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  extension.closeAllConnections();
  await new Promise((resolve) => extension.close(resolve));
});

function answer(value: string, type = 'SecureString'): void {
  next = { type, value };
}

function fail(status: number, error: string): void {
  next = { status, error };
}

/** SSM's refusal for its rate, as the extension passes it on. */
const THROTTLED = { status: 400, error: '{"__type":"ThrottlingException","message":"Rate exceeded"}' } as const;

interface ReadSettings {
  /** A read's deadline with a good value held, and with none yet. */
  readonly deadlineMs?: number;
  readonly firstReadDeadlineMs?: number;
  /** Attempts per read: one unless a test is about the attempts within a read. */
  readonly attempts?: number;
  /** Where in its range a back-off falls, from 0 to 1. */
  readonly draw?: number;
}

/** The back-off after a failed read with no good value yet, at `draw`. */
const backOffAt = (draw: number): number =>
  SECRETS_RETRY_WITHOUT_VALUE_MS.min + draw * (SECRETS_RETRY_WITHOUT_VALUE_MS.max - SECRETS_RETRY_WITHOUT_VALUE_MS.min);

function secretsFromSsm({ deadlineMs = 500, firstReadDeadlineMs = 500, attempts = 1, draw = 0.5 }: ReadSettings = {}): ApiSecrets {
  if (config.apiSecretsParameter === undefined) throw new Error('the test configuration names no parameter');
  const { port } = extension.address() as AddressInfo;
  return extensionApiSecrets(config.apiSecretsParameter, {
    host: '127.0.0.1',
    port,
    sessionToken: SESSION_TOKEN,
    deadlineMs,
    firstReadDeadlineMs,
    maxAttempts: attempts,
    backOffBaseMs: SECRETS_READ_BACK_OFF_BASE_MS,
    local: false,
    retryAfterFailureMs: RETRY_AFTER_FAILURE_MS,
    retryWithoutValueMs: SECRETS_RETRY_WITHOUT_VALUE_MS,
    now: Date.now,
    random: () => draw,
  });
}

/** A relay whose secrets come from the stand-in extension, and a signed pool event. */
function relay(apiSecrets: ApiSecrets = secretsFromSsm()): ReturnType<typeof harness> {
  return harness({ config, apiSecrets });
}

const signedWith = (secret: string): ReturnType<typeof v2Event> => v2Event(JSON.stringify(vendorExample()), authHeaders(secret, DOCUMENTED_TIMESTAMP));

/** Moves the wall clock (the cache expires by it) without faking the timers and the clock HTTP and the deadlines use. */
function clockAt(ms: number): void {
  jest.setSystemTime(ms);
}

beforeEach(() => {
  next = 'no answer';
  once.length = 0;
  calls.length = 0;
  jest.useFakeTimers({
    now: START,
    doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'performance'],
  });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('reading the SecureString', () => {
  test('asks the extension for that one parameter, decrypted, with the session token, once for every request within the maximum age', async () => {
    answer(TEST_SECRET);
    const h = relay();
    for (let i = 0; i < 5; i++) {
      clockAt(START + i * 10_000);
      expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    }
    expect(calls).toEqual([{ url: `/systemsmanager/parameters/get?name=${encodeURIComponent(PARAMETER)}&withDecryption=true`, token: SESSION_TOKEN }]);
  });

  test('a rotated value is in use once the maximum age has passed, without a new instance', async () => {
    answer(TEST_SECRET);
    const h = relay();
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);

    answer(`${NEXT_SECRET},${TEST_SECRET}`);
    clockAt(START + (MAX_AGE_SECONDS - 1) * 1000);
    expect((await h.handle(signedWith(NEXT_SECRET))).statusCode).toBe(401);

    clockAt(START + (MAX_AGE_SECONDS + 1) * 1000);
    expect((await h.handle(signedWith(NEXT_SECRET))).statusCode).toBe(200);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);

    answer(NEXT_SECRET);
    clockAt(START + (2 * MAX_AGE_SECONDS + 2) * 1000);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(401);
    expect(calls).toHaveLength(3);
  });

  test('a read under way and the next request share one call', async () => {
    answer(TEST_SECRET);
    const secrets = secretsFromSsm();
    const prefetch = secrets();
    const h = relay(secrets);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    await prefetch;
    expect(calls).toHaveLength(1);
  });
});

describe('when SSM fails', () => {
  test('with no value read yet: 503 secrets_unavailable with Retry-After (never 401), an echo still answered', async () => {
    fail(400, 'ParameterNotFound: Parameter not found');
    const h = relay();
    const response = await h.handle(signedWith(TEST_SECRET));
    expect(response.statusCode).toBe(503);
    expect(header(response, 'retry-after')).toBe('30');
    expect(bodyJson(response)).toEqual({ error: 'secrets_unavailable', message: expect.any(String) as unknown });
    expect(h.logs).toEqual([
      expect.objectContaining({
        level: 'error',
        attributes: expect.objectContaining({ error: 'secrets_unavailable', detail: expect.stringContaining('ParameterNotFound') as unknown }) as unknown,
      }),
    ]);

    const echo = '{"type":"echo","echo_data":"still:here"}';
    expect((await h.handle(v2Event(echo))).body).toBe(echo);
  });

  test('after a good read: the last value stays in use, the line says why, and SSM is left alone for a while', async () => {
    answer(TEST_SECRET);
    const h = relay();
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);

    fail(400, 'ThrottlingException: Rate exceeded');
    clockAt(START + (MAX_AGE_SECONDS + 1) * 1000);
    h.reset();
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    expect(h.logs[0]).toMatchObject({
      level: 'warn',
      attributes: { outcome: 'published', secrets_read_failure: expect.stringContaining('ThrottlingException') as unknown },
    });

    clockAt(START + (MAX_AGE_SECONDS + 1) * 1000 + RETRY_AFTER_FAILURE_MS - 1);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    expect(calls).toHaveLength(2);

    answer(NEXT_SECRET);
    clockAt(START + (MAX_AGE_SECONDS + 1) * 1000 + RETRY_AFTER_FAILURE_MS + 1);
    expect((await h.handle(signedWith(NEXT_SECRET))).statusCode).toBe(200);
    expect(calls).toHaveLength(3);
  });

  test('an SSM that does not answer costs a request at most the deadline of the read: the first read’s with no value yet, the shorter one with a value held', async () => {
    next = 'no answer';
    const first = relay(secretsFromSsm({ deadlineMs: 50, firstReadDeadlineMs: 200 }));
    let started = performance.now();
    expect((await first.handle(signedWith(TEST_SECRET))).statusCode).toBe(503);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(first.logs[0]?.attributes.detail).toMatch(/within 200 ms/);

    answer(TEST_SECRET);
    const held = relay(secretsFromSsm({ deadlineMs: 50, firstReadDeadlineMs: 200 }));
    expect((await held.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    next = 'no answer';
    clockAt(START + (MAX_AGE_SECONDS + 1) * 1000);
    held.reset();
    started = performance.now();
    expect((await held.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(held.logs[0]?.attributes.secrets_read_failure).toMatch(/within 50 ms/);
  });
});

describe('a new instance in a burst, whose first reads SSM throttles', () => {
  test('answers 503 until a read succeeds, reads again a few hundred milliseconds after each refusal rather than 10 s, and answers 200 from the first read that succeeds', async () => {
    once.push(THROTTLED, THROTTLED, THROTTLED);
    answer(TEST_SECRET);
    const h = relay(secretsFromSsm({ draw: 0.5 }));
    const backOff = backOffAt(0.5);
    // dRoam's requests reach the instance 40 times a second.
    const statuses: (readonly [number, number])[] = [];
    for (let at = 0; at <= 1_500; at += 25) {
      clockAt(START + at);
      statuses.push([at, (await h.handle(signedWith(TEST_SECRET))).statusCode]);
    }
    // Three refused reads, each followed by the back-off, then the fourth read succeeds.
    const served = 3 * backOff;
    expect(served).toBeLessThan(1_000);
    expect(statuses.filter(([at]) => at < served).every(([, status]) => status === 503)).toBe(true);
    expect(statuses.filter(([at]) => at >= served).every(([, status]) => status === 200)).toBe(true);
    expect(calls).toHaveLength(4);
    const unavailable = h.logs.filter((line) => line.attributes.error === 'secrets_unavailable');
    expect(unavailable).toHaveLength(statuses.filter(([, status]) => status === 503).length);
    expect(unavailable[0]?.attributes.detail).toMatch(/ThrottlingException/);

    // Holding a good value, the instance reads once per maximum age, not per request.
    for (const at of [served + 10_000, served + MAX_AGE_SECONDS * 1000 - 1]) {
      clockAt(START + at);
      expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    }
    expect(calls).toHaveLength(4);
    clockAt(START + served + MAX_AGE_SECONDS * 1000 + 1);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    expect(calls).toHaveLength(5);
  });

  test('draws each back-off from its range, so that instances started together do not read at the same moments', async () => {
    next = THROTTLED;
    for (const draw of [0, 0.999]) {
      calls.length = 0;
      const h = relay(secretsFromSsm({ draw }));
      clockAt(START);
      await h.handle(signedWith(TEST_SECRET));
      clockAt(START + backOffAt(draw) - 1);
      await h.handle(signedWith(TEST_SECRET));
      expect(calls).toHaveLength(1);
      clockAt(START + backOffAt(draw));
      await h.handle(signedWith(TEST_SECRET));
      expect(calls).toHaveLength(2);
    }
    expect([backOffAt(0), Math.round(backOffAt(0.999))]).toEqual([SECRETS_RETRY_WITHOUT_VALUE_MS.min, SECRETS_RETRY_WITHOUT_VALUE_MS.max]);
  });

  test.each([
    ['SSM throttled it (400 ThrottlingException)', THROTTLED],
    ['the extension had too many calls in flight (429)', { status: 429, error: 'Too many requests' }],
    ['SSM failed (500)', { status: 500, error: '{"__type":"InternalServerError","message":"Internal error"}' }],
    ['the extension could not reach SSM (502)', { status: 502, error: 'Bad gateway' }],
  ])('the first request’s read asks again within its deadline when %s, and the request is answered 200', async (_, refusal) => {
    once.push(refusal, refusal);
    answer(TEST_SECRET);
    const h = relay(secretsFromSsm({ attempts: SECRETS_READ_MAX_ATTEMPTS, firstReadDeadlineMs: SECRETS_FIRST_READ_DEADLINE_MS, draw: 0.05 }));
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    expect(calls).toHaveLength(3);
  });

  test('a refusal that another attempt would not change (ParameterNotFound, AccessDenied) is not asked again within the read', async () => {
    fail(400, '{"__type":"ParameterNotFound","message":"Parameter not found"}');
    const h = relay(secretsFromSsm({ attempts: SECRETS_READ_MAX_ATTEMPTS, firstReadDeadlineMs: SECRETS_FIRST_READ_DEADLINE_MS }));
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(503);
    expect(calls).toHaveLength(1);
  });

  test('stops at the attempts, and makes no attempt whose back-off would end past the deadline: the request is answered 503 within it, naming the throttling', async () => {
    next = THROTTLED;
    const many = relay(secretsFromSsm({ attempts: SECRETS_READ_MAX_ATTEMPTS, firstReadDeadlineMs: SECRETS_FIRST_READ_DEADLINE_MS, draw: 0.01 }));
    expect((await many.handle(signedWith(TEST_SECRET))).statusCode).toBe(503);
    expect(calls).toHaveLength(SECRETS_READ_MAX_ATTEMPTS);

    // Back-offs of 250 ms, then 500 ms: the second would end past 400 ms.
    calls.length = 0;
    const few = relay(secretsFromSsm({ attempts: SECRETS_READ_MAX_ATTEMPTS, firstReadDeadlineMs: 400, draw: 0.5 }));
    const started = performance.now();
    expect((await few.handle(signedWith(TEST_SECRET))).statusCode).toBe(503);
    expect(performance.now() - started).toBeLessThan(400);
    expect(calls).toHaveLength(2);
    expect(few.logs[0]?.attributes.detail).toMatch(/ThrottlingException/);
  });

  test('a request that waited for the first read publishes within what is left of its time: a queue write after a failed publish still answers within 10 s', async () => {
    let clock = DOCUMENTED_TIMESTAMP * 1000;
    let firstRead = true;
    const secrets: ApiSecrets = () => {
      if (firstRead) clock += SECRETS_FIRST_READ_DEADLINE_MS;
      firstRead = false;
      return Promise.resolve({ ok: true, secrets: [TEST_SECRET] });
    };
    const deadlines: (number | undefined)[] = [];
    const h = harness({
      config,
      apiSecrets: secrets,
      now: () => clock,
      publishResult: (_message, deadlineMs) => {
        deadlines.push(deadlineMs);
        return Promise.resolve({ ok: true, messageId: 'sns-message' });
      },
    });
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    const [waited, warm] = deadlines;
    expect(waited).toBe(ANSWER_DEADLINE_MS - RETRY_QUEUE_DEADLINE_MS - SECRETS_FIRST_READ_DEADLINE_MS);
    expect(SECRETS_FIRST_READ_DEADLINE_MS + (waited ?? Infinity) + RETRY_QUEUE_DEADLINE_MS).toBeLessThan(10_000);
    expect(warm).toBe(PUBLISH_DEADLINE_MS);
  });
});

describe('a value that is not a list of good secrets is not used', () => {
  test('once corrected, it is read again after the short back-off that follows a failure with no good value, not after the maximum age', async () => {
    answer('Xq7z9Wk2');
    const h = relay(secretsFromSsm({ draw: 0 }));
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(503);
    answer(TEST_SECRET);
    clockAt(START + SECRETS_RETRY_WITHOUT_VALUE_MS.min - 1);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(503);
    clockAt(START + SECRETS_RETRY_WITHOUT_VALUE_MS.min + 1);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    expect(calls).toHaveLength(2);
  });

  test.each([
    ['no secret', ' , ', TEST_SECRET],
    ['a secret shorter than 16 characters', 'Xq7z9Wk2', 'Xq7z9Wk2'],
    ["dRoam's documented example secret", DOCUMENTED_SECRET, DOCUMENTED_SECRET],
  ])('%s: 503, and neither the answer nor the log shows the value', async (_, value, signer) => {
    answer(value);
    const h = relay();
    const response = await h.handle(signedWith(signer));
    expect(response.statusCode).toBe(503);
    expect(String(h.logs[0]?.attributes.detail)).toContain(PARAMETER);
    expect(`${response.body} ${JSON.stringify(h.logs)}`).not.toContain(signer);
  });
});

describe('a value read from SSM that is not in the form of api secrets is a read failure, never adopted', () => {
  // What passed the length and white-space checks alone: a JSON document, an environment assignment, NUL characters.
  const SHAPES: readonly (readonly [string, string])[] = [
    ['a JSON document', JSON.stringify({ DROAM_API_SECRET: NEXT_SECRET })],
    ['DROAM_API_SECRET=…', `DROAM_API_SECRET=${NEXT_SECRET}`],
    ['20 NUL characters', '\u0000'.repeat(20)],
  ];

  test.each(SHAPES)('%s: the last good secret stays, signed requests are answered 200, and the read failure is counted', async (_label, value) => {
    answer(TEST_SECRET);
    const h = relay();
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);

    answer(value);
    clockAt(START + (MAX_AGE_SECONDS + 1) * 1000);
    h.reset();
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    const [line] = h.logs;
    expect(line).toMatchObject({
      level: 'warn',
      attributes: { outcome: 'published', secrets_read_failure: expect.stringContaining('is not an api secret') as unknown },
    });
    // The line's secrets_read_failures metric raises SecretsReadFailuresAlarm; the value itself is never logged.
    expect(JSON.stringify(line)).not.toContain(NEXT_SECRET);
    // The secret the value carries is not accepted.
    expect((await h.handle(signedWith(NEXT_SECRET))).statusCode).toBe(401);
  });

  test.each(SHAPES)('%s with no good value yet: 503 secrets_unavailable, not 401', async (_label, value) => {
    answer(value);
    const h = relay();
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(503);
  });

  test('a String parameter (no key needed to write one) is a read failure too', async () => {
    answer(TEST_SECRET);
    const h = relay();
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
    answer(NEXT_SECRET, 'String');
    clockAt(START + (MAX_AGE_SECONDS + 1) * 1000);
    h.reset();
    expect((await h.handle(signedWith(NEXT_SECRET))).statusCode).toBe(401);
    expect(h.logs[0]?.attributes.secrets_read_failure).toMatch(/not a SecureString/);
    expect((await h.handle(signedWith(TEST_SECRET))).statusCode).toBe(200);
  });
});

describe('the secrets of several sources as one list (the publish-retry drainer checks tags made under any of them)', () => {
  const fixed =
    (...secrets: string[]): ApiSecrets =>
    () =>
      Promise.resolve({ ok: true, secrets });

  test("joins every source's secrets, and says when one of them is an old value kept through a failed read", async () => {
    const refreshed: ApiSecrets = () => Promise.resolve({ ok: true, secrets: ['c'], refreshFailure: 'SSM unavailable' });
    expect(await combinedApiSecrets([fixed('a', 'b'), refreshed])()).toEqual({ ok: true, secrets: ['a', 'b', 'c'], refreshFailure: 'SSM unavailable' });
    expect(await combinedApiSecrets([fixed('a'), fixed('b')])()).toEqual({ ok: true, secrets: ['a', 'b'] });
  });

  test('fails when any source cannot be read: checked against part of the secrets, a genuine record would look forged', async () => {
    const failing: ApiSecrets = () => Promise.resolve({ ok: false, reason: 'SSM parameter /x/sources/emea/api-secrets could not be read' });
    expect(await combinedApiSecrets([fixed('a'), failing])()).toEqual({ ok: false, reason: 'SSM parameter /x/sources/emea/api-secrets could not be read' });
  });
});
