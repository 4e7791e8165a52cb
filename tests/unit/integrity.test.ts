import fc from 'fast-check';
import { fixedApiSecrets } from '../../lib/api-secrets/store';
import { asciiJson, integrityTag, verifyIntegrityTag } from '../../lib/queues/integrity';
import { readQuarantineMessage, type QuarantineRecord, REPLAY_ORIGIN_HEADER, replayOriginHeader } from '../../lib/queues/quarantine';
import { readRetryMessage } from '../../lib/queues/retry';
import { authHeaders, bodyJson, deployedConfig, harness, TEST_SECRET, v2Event } from '../support/unit/harness';

const OLD_SECRET = 'an-older-secret-still-accepted-0001';
const OTHER_SECRET = 'someone-elses-secret-not-accepted-01';

describe('integrity tags', () => {
  test('verify under the secret that made them, or any other accepted one, for the purpose they were made for only', () => {
    const tag = integrityTag(OLD_SECRET, 'quarantine-record', 'text');
    expect(tag).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyIntegrityTag([TEST_SECRET, OLD_SECRET], 'quarantine-record', 'text', tag)).toBe(true);
    expect(verifyIntegrityTag([TEST_SECRET], 'quarantine-record', 'text', tag)).toBe(false);
    expect(verifyIntegrityTag([OLD_SECRET], 'retry-record', 'text', tag)).toBe(false);
    expect(verifyIntegrityTag([OLD_SECRET], 'quarantine-record', 'text!', tag)).toBe(false);
    expect(verifyIntegrityTag([OLD_SECRET], 'quarantine-record', 'text', undefined)).toBe(false);
    expect(verifyIntegrityTag([OLD_SECRET], 'quarantine-record', 'text', 'short')).toBe(false);
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

  test('a record tagged under an accepted secret reads back with its exact body bytes', () => {
    const read = readQuarantineMessage(body, integrityTag(OLD_SECRET, 'quarantine-record', body), [TEST_SECRET, OLD_SECRET]);
    expect(read).toEqual({ ok: true, record, body: Buffer.from('{"type":"x"}') });
  });

  test.each([
    ['untagged', undefined, body],
    ['altered', integrityTag(TEST_SECRET, 'quarantine-record', body), body.replace('invalid_payload', 'publish_rejected')],
    ['altered', integrityTag(OTHER_SECRET, 'quarantine-record', body), body],
    ['altered', integrityTag(TEST_SECRET, 'retry-record', body), body],
    ['malformed', integrityTag(TEST_SECRET, 'quarantine-record', '{"body":"x"}'), '{"body":"x"}'],
  ])('a record that is %s is refused', (problem, tag, text) => {
    expect(readQuarantineMessage(text, tag, [TEST_SECRET])).toMatchObject({ ok: false, problem });
  });

  test('a retry record is refused unless its tag verifies', () => {
    const retry = asciiJson({ id: 'i', type: 't', queued_at: 'q', request_id: 'r', publish_error: 'e', message: { Message: '{}', MessageAttributes: {} } });
    expect(readRetryMessage(retry, integrityTag(TEST_SECRET, 'retry-record', retry), [TEST_SECRET])).toMatchObject({ ok: true });
    expect(readRetryMessage(retry, undefined, [TEST_SECRET])).toMatchObject({ ok: false, problem: 'untagged' });
    expect(readRetryMessage(retry, integrityTag(TEST_SECRET, 'quarantine-record', retry), [TEST_SECRET])).toMatchObject({ ok: false, problem: 'altered' });
  });
});

describe('a replayed payload refused again', () => {
  const NOW_S = 1_790_000_000;
  const invalid = '{"type":"rule.pool.usage.triggered","data":{}}';
  const first: QuarantineRecord = {
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
    const response = await r.handle(replay(replayOriginHeader(first, Buffer.from(invalid), TEST_SECRET)));
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
    ['tagged under a secret the relay does not accept', replayOriginHeader(first, Buffer.from(invalid), OTHER_SECRET)],
    ['made for another body', replayOriginHeader(first, Buffer.from('{}'), TEST_SECRET)],
    ['altered', replayOriginHeader(first, Buffer.from(invalid), TEST_SECRET).replace(/^./, 'A')],
    ['not an origin at all', 'x'.repeat(20_000)],
  ])('is a first delivery when the origin is %s', async (_label, origin) => {
    const r = relay();
    await r.handle(replay(origin));
    expect(r.quarantined).toMatchObject([{ attempt: 1, request_id: 'unit-request-1', received_at: new Date(NOW_S * 1000).toISOString() }]);
    expect(r.quarantined[0]?.headers).not.toHaveProperty(REPLAY_ORIGIN_HEADER);
  });
});

describe('the secret records are tagged with', () => {
  test('is the first of the secrets the request was authenticated with (the stored ones, on a deployed stage)', async () => {
    const NOW_S = 1_790_000_000;
    const signingSecrets: (string | undefined)[] = [];
    const relay = harness({
      config: deployedConfig(),
      now: NOW_S * 1000,
      apiSecrets: fixedApiSecrets(['the-new-secret-after-rotation-01', TEST_SECRET]),
      quarantine: (_record, signingSecret) => {
        signingSecrets.push(signingSecret);
        return Promise.resolve({ ok: true });
      },
    });
    const response = await relay.handle(v2Event('{"type":"rule.pool.usage.triggered","data":{}}', authHeaders(TEST_SECRET, NOW_S)));
    expect(bodyJson(response)).toMatchObject({ quarantined: true });
    expect(signingSecrets).toEqual(['the-new-secret-after-rotation-01']);
  });
});
