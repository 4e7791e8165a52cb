import fc from 'fast-check';
import { fixedApiSecrets } from '../../lib/api-secrets/store';
import { asciiJson, checkIntegrityTag, integrityTag, type TagIssue } from '../../lib/queues/integrity';
import { readQuarantineMessage, type QuarantineRecord, REPLAY_ORIGIN_HEADER, replayOriginHeader } from '../../lib/queues/quarantine';
import type { Signer } from '../../lib/queues/records';
import { readRetryMessage, RETRY_RECORD_MAX_AGE_SECONDS } from '../../lib/queues/retry';
import { authHeaders, bodyJson, deployedConfig, harness, TEST_SECRET, TEST_STAGE, v2Event } from '../support/unit/harness';

const OLD_SECRET = 'an-older-secret-still-accepted-0001';
const OTHER_SECRET = 'someone-elses-secret-not-accepted-01';
const NOW_S = 1_790_000_000;
const ISSUE: TagIssue = { stage: TEST_STAGE, issuedAt: NOW_S };

describe('integrity tags', () => {
  test('verify under the secret that made them, or any other accepted one, for the purpose they were made for only', () => {
    const tag = integrityTag(OLD_SECRET, 'quarantine-record', 'text', ISSUE);
    expect(tag).toMatch(/^test\.1790000000\.[A-Za-z0-9_-]{43}$/);
    expect(checkIntegrityTag([TEST_SECRET, OLD_SECRET], 'quarantine-record', 'text', tag)).toEqual({ ok: true, ...ISSUE });
    expect(checkIntegrityTag([TEST_SECRET], 'quarantine-record', 'text', tag)).toMatchObject({ ok: false, problem: 'altered' });
    expect(checkIntegrityTag([OLD_SECRET], 'retry-record', 'text', tag)).toMatchObject({ ok: false, problem: 'altered' });
    expect(checkIntegrityTag([OLD_SECRET], 'quarantine-record', 'text!', tag)).toMatchObject({ ok: false, problem: 'altered' });
    expect(checkIntegrityTag([OLD_SECRET], 'quarantine-record', 'text', undefined)).toMatchObject({ ok: false, problem: 'untagged' });
    expect(checkIntegrityTag([OLD_SECRET], 'quarantine-record', 'text', 'short')).toMatchObject({ ok: false, problem: 'altered' });
  });

  test('bind the stage and the time they name: changing either breaks the tag', () => {
    const [, , mac] = integrityTag(TEST_SECRET, 'retry-record', 'text', ISSUE).split('.');
    for (const forged of [`prod.${String(NOW_S)}.${mac ?? ''}`, `${TEST_STAGE}.${String(NOW_S + 86_400)}.${mac ?? ''}`]) {
      expect(checkIntegrityTag([TEST_SECRET], 'retry-record', 'text', forged)).toMatchObject({ ok: false, problem: 'altered' });
    }
  });

  test("a reader refuses another stage's tag, and one older than it accepts", () => {
    const tag = integrityTag(TEST_SECRET, 'retry-record', 'text', ISSUE);
    expect(checkIntegrityTag([TEST_SECRET], 'retry-record', 'text', tag, { stage: 'prod' })).toMatchObject({ ok: false, problem: 'other_stage' });
    const window = { stage: TEST_STAGE, maxAgeSeconds: 600 };
    expect(checkIntegrityTag([TEST_SECRET], 'retry-record', 'text', tag, { ...window, now: NOW_S + 600 })).toMatchObject({ ok: true });
    expect(checkIntegrityTag([TEST_SECRET], 'retry-record', 'text', tag, { ...window, now: NOW_S + 601 })).toMatchObject({ ok: false, problem: 'expired' });
  });

  test('the tags of an earlier form (an HMAC alone) are refused', () => {
    const tag = integrityTag(TEST_SECRET, 'retry-record', 'text', ISSUE).split('.')[2];
    expect(checkIntegrityTag([TEST_SECRET], 'retry-record', 'text', tag)).toMatchObject({ ok: false, problem: 'altered' });
  });

  test('asciiJson writes printable ASCII only and parses back to exactly the same value', () => {
    const value = { text: 'a\ufffe\uffff\ud800\udfff\u{1f600}\u0000é\u2028', 'kéy\u{1f4a9}': ['\ud83d'] };
    const text = asciiJson(value);
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(text)).toEqual(value);
  });

  test('asciiJson is lossless for any UTF-16 text, lone surrogates included', () => {
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: anyUnit }), fc.array(fc.string({ unit: anyUnit }))), (value) => {
        const text = asciiJson(value);
        expect(text).toMatch(/^[\x20-\x7e]*$/);
        expect(JSON.parse(text)).toEqual(value);
        // Whatever the characters, one byte per character: what SQS counts is what the escapes cost.
        expect(Buffer.byteLength(text)).toBe(text.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('reading a quarantine message back', () => {
  const record: QuarantineRecord = {
    stage: TEST_STAGE,
    received_at: '2026-11-29T10:00:00.000Z',
    reason: 'invalid_payload',
    request_id: 'r-1',
    source_ip: '203.0.113.10',
    headers: { 'user-agent': 'GuzzleHttp/7' },
    issues: [],
    attempt: 1,
    body_base64: Buffer.from('{"type":"x"}').toString('base64'),
  };
  const body = asciiJson(record);

  const tagOf = (text: string, purpose: 'quarantine-record' | 'retry-record' = 'quarantine-record', secret = TEST_SECRET, issue = ISSUE): string =>
    integrityTag(secret, purpose, text, issue);

  test('a record tagged under an accepted secret reads back with its exact body bytes', () => {
    const read = readQuarantineMessage(body, tagOf(body, 'quarantine-record', OLD_SECRET), [TEST_SECRET, OLD_SECRET], TEST_STAGE);
    expect(read).toEqual({ ok: true, record, body: Buffer.from('{"type":"x"}') });
  });

  test.each([
    ['untagged', undefined, body],
    ['altered', tagOf(body), body.replace('invalid_payload', 'publish_rejected')],
    ['altered', tagOf(body, 'quarantine-record', OTHER_SECRET), body],
    ['altered', tagOf(body, 'retry-record'), body],
    // A record that names another stage than its tag does.
    ['altered', tagOf(body, 'quarantine-record', TEST_SECRET, { stage: 'prod', issuedAt: NOW_S }), body],
    ['malformed', tagOf('{"body":"x"}'), '{"body":"x"}'],
  ])('a record that is %s is refused', (problem, tag, text) => {
    expect(readQuarantineMessage(text, tag, [TEST_SECRET])).toMatchObject({ ok: false, problem });
  });

  test("a replay of another stage's quarantine refuses its records", () => {
    expect(readQuarantineMessage(body, tagOf(body), [TEST_SECRET], 'prod')).toMatchObject({ ok: false, problem: 'other_stage' });
  });

  const retryRecord = (stage: string): string =>
    asciiJson({ stage, id: 'i', type: 't', queued_at: 'q', request_id: 'r', publish_error: 'e', message: { Message: '{}', MessageAttributes: {} } });
  const drainer = { stage: TEST_STAGE, now: NOW_S };

  test('a retry record is refused unless its tag verifies', () => {
    const retry = retryRecord(TEST_STAGE);
    expect(readRetryMessage(retry, tagOf(retry, 'retry-record'), [TEST_SECRET], drainer)).toMatchObject({ ok: true });
    expect(readRetryMessage(retry, undefined, [TEST_SECRET], drainer)).toMatchObject({ ok: false, problem: 'untagged' });
    expect(readRetryMessage(retry, tagOf(retry), [TEST_SECRET], drainer)).toMatchObject({ ok: false, problem: 'altered' });
  });

  test("the drainer refuses another stage's retry record, and one tagged longer ago than SQS keeps records", () => {
    const prod = retryRecord('prod');
    const prodTag = tagOf(prod, 'retry-record', TEST_SECRET, { stage: 'prod', issuedAt: NOW_S });
    expect(readRetryMessage(prod, prodTag, [TEST_SECRET], drainer)).toMatchObject({ ok: false, problem: 'other_stage' });
    const retry = retryRecord(TEST_STAGE);
    const old = tagOf(retry, 'retry-record', TEST_SECRET, { stage: TEST_STAGE, issuedAt: NOW_S - RETRY_RECORD_MAX_AGE_SECONDS - 1 });
    expect(readRetryMessage(retry, old, [TEST_SECRET], drainer)).toMatchObject({ ok: false, problem: 'expired' });
    const oldest = tagOf(retry, 'retry-record', TEST_SECRET, { stage: TEST_STAGE, issuedAt: NOW_S - RETRY_RECORD_MAX_AGE_SECONDS });
    expect(readRetryMessage(retry, oldest, [TEST_SECRET], drainer)).toMatchObject({ ok: true });
  });
});

describe('a replayed payload refused again', () => {
  const invalid = '{"type":"rule.pool.usage.triggered","data":{}}';
  const first: QuarantineRecord = {
    stage: TEST_STAGE,
    received_at: '2026-11-01T08:00:00.000Z',
    reason: 'invalid_payload',
    request_id: 'first-request',
    source_ip: '198.51.100.7',
    headers: { 'user-agent': 'GuzzleHttp/7', 'x-first': 'yes' },
    issues: [],
    attempt: 2,
    body_base64: Buffer.from(invalid).toString('base64'),
  };
  const replay = (origin: string) => v2Event(invalid, { ...authHeaders(TEST_SECRET, NOW_S), [REPLAY_ORIGIN_HEADER]: origin });
  const relay = () => harness({ config: deployedConfig(), now: NOW_S * 1000, quarantine: () => Promise.resolve({ ok: true }) });

  test('keeps its first delivery’s received_at, request id, source and headers, and counts one more attempt', async () => {
    const r = relay();
    const response = await r.handle(replay(replayOriginHeader(first, Buffer.from(invalid), TEST_SECRET, NOW_S)));
    expect(bodyJson(response)).toMatchObject({ error: 'invalid_payload', quarantined: true });
    expect(r.quarantined).toEqual([
      {
        ...first,
        droam_source: 'default',
        issues: expect.any(Array) as unknown,
        attempt: 3,
        replayed_at: new Date(NOW_S * 1000).toISOString(),
        replay_request_id: 'unit-request-1',
      },
    ]);
  });

  test.each([
    ['tagged under a secret the relay does not accept', replayOriginHeader(first, Buffer.from(invalid), OTHER_SECRET, NOW_S)],
    ['made for another body', replayOriginHeader(first, Buffer.from('{}'), TEST_SECRET, NOW_S)],
    ['altered', replayOriginHeader(first, Buffer.from(invalid), TEST_SECRET, NOW_S).replace(/^./, 'A')],
    ['not an origin at all', 'x'.repeat(20_000)],
  ])('is a first delivery when the origin is %s', async (_label, origin) => {
    const r = relay();
    await r.handle(replay(origin));
    expect(r.quarantined).toMatchObject([{ attempt: 1, request_id: 'unit-request-1', received_at: new Date(NOW_S * 1000).toISOString() }]);
    expect(r.quarantined[0]?.headers).not.toHaveProperty(REPLAY_ORIGIN_HEADER);
  });
});

describe("a replay of another stage's record", () => {
  const invalid = '{"type":"rule.pool.usage.triggered","data":{}}';
  const prodRecord: QuarantineRecord = {
    stage: 'prod',
    received_at: '2026-11-01T08:00:00.000Z',
    reason: 'invalid_payload',
    request_id: 'prod-request',
    source_ip: '198.51.100.7',
    headers: {},
    issues: [],
    attempt: 1,
    body_base64: Buffer.from(invalid).toString('base64'),
  };

  test('is refused with 409: neither published nor kept, so the replay leaves it in its own quarantine', async () => {
    // One secret for both stages: the tag verifies, and names prod.
    const relay = harness({ config: deployedConfig(), now: NOW_S * 1000, quarantine: () => Promise.resolve({ ok: true }) });
    const valid = JSON.stringify({
      type: 'rule.pool.usage.triggered',
      data: { rule: { uuid: '1', name: 'r', description: '' }, pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'p' } },
      created_at: { unix_timestamp: 1711929600, human_time: '', human_date: '', timezone: 'UTC' },
    });
    for (const body of [invalid, valid]) {
      const origin = replayOriginHeader({ ...prodRecord, body_base64: Buffer.from(body).toString('base64') }, Buffer.from(body), TEST_SECRET, NOW_S);
      const response = await relay.handle(v2Event(body, { ...authHeaders(TEST_SECRET, NOW_S), [REPLAY_ORIGIN_HEADER]: origin }));
      expect(response.statusCode).toBe(409);
      expect(bodyJson(response)).toMatchObject({ error: 'replay_other_stage' });
    }
    expect(relay.quarantined).toEqual([]);
    expect(relay.published).toEqual([]);
  });
});

describe('what records are tagged with', () => {
  test('the first of the secrets the request was authenticated with (the stored ones, on a deployed stage), the stage and the time', async () => {
    const signers: (Signer | undefined)[] = [];
    const relay = harness({
      config: deployedConfig(),
      now: NOW_S * 1000 + 999,
      apiSecrets: fixedApiSecrets(['the-new-secret-after-rotation-01', TEST_SECRET]),
      quarantine: (record, signer) => {
        signers.push(signer);
        expect(record.stage).toBe(TEST_STAGE);
        return Promise.resolve({ ok: true });
      },
    });
    const response = await relay.handle(v2Event('{"type":"rule.pool.usage.triggered","data":{}}', authHeaders(TEST_SECRET, NOW_S)));
    expect(bodyJson(response)).toMatchObject({ quarantined: true });
    expect(signers).toEqual([{ secret: 'the-new-secret-after-rotation-01', issue: { stage: TEST_STAGE, issuedAt: NOW_S } }]);
  });
});
