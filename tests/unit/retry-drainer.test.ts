import type { SQSRecord } from 'aws-lambda';
import { type ApiSecrets, fixedApiSecrets } from '../../lib/api-secrets/store';
import { createRetryDrainer, loadDrainerConfig, retryDelaySeconds } from '../../lib/queues/retry-drainer';
import { asciiJson, integrityTag, type TagIssue, type TagPurpose } from '../../lib/queues/integrity';
import { RETRY_RECORD_MAX_AGE_SECONDS } from '../../lib/queues/retry';
import type { PublishResult } from '../../lib/topic/publish';
import type { SnsMessage } from '../../lib/topic/message';
import { TEST_SECRET, TEST_STAGE } from '../support/unit/harness';

const message: SnsMessage = {
  Message: '{"id":"e-1","data":{"name":"\u{1f4e1}"}}',
  MessageAttributes: { event_id: { DataType: 'String', StringValue: 'e-1' } },
  MessageGroupId: 'pool-1',
  MessageDeduplicationId: 'e-1',
};
const QUEUED_AT_S = Date.parse('2026-11-29T10:00:00.000Z') / 1000;
const body = asciiJson({
  stage: TEST_STAGE,
  id: 'e-1',
  type: 'rule.pool.usage.triggered',
  queued_at: '2026-11-29T10:00:00.000Z',
  request_id: 'r',
  publish_error: 'x',
  message,
});
const tagOf = (text: string, purpose: TagPurpose = 'retry-record', secret = TEST_SECRET, issue: TagIssue = { stage: TEST_STAGE, issuedAt: QUEUED_AT_S }) =>
  integrityTag(secret, purpose, text, issue);

function sqsRecord(text: string, tag: string | undefined, receiveCount = 1): SQSRecord {
  return {
    messageId: `m-${String(receiveCount)}`,
    receiptHandle: 'handle',
    body: text,
    attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: tag === undefined ? {} : { integrity_tag: { dataType: 'String', stringValue: tag, stringListValues: [], binaryListValues: [] } },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:retry',
    awsRegion: 'us-east-1',
  };
}

function drainer(result: PublishResult | ((message: SnsMessage) => PublishResult), options: { deadLetterFails?: boolean; apiSecrets?: ApiSecrets } = {}) {
  const published: SnsMessage[] = [];
  const calls: number[] = [];
  const paced: number[] = [];
  const delays: number[] = [];
  const deadLettered: string[] = [];
  const handler = createRetryDrainer({
    stage: TEST_STAGE,
    publishBatch: (sent) => {
      published.push(...sent);
      calls.push(sent.length);
      return Promise.resolve(sent.map((one) => (typeof result === 'function' ? result(one) : result)));
    },
    pace: (messages) => {
      paced.push(messages);
      return Promise.resolve();
    },
    apiSecrets: options.apiSecrets ?? fixedApiSecrets(['an-older-secret-still-accepted-0001', TEST_SECRET]),
    delay: (_handle, seconds) => {
      delays.push(seconds);
      return Promise.resolve();
    },
    deadLetter: (record, why) => {
      if (options.deadLetterFails === true) return Promise.reject(new Error('AccessDenied'));
      deadLettered.push(`${record.messageId} ${why}`);
      return Promise.resolve();
    },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    now: () => Date.parse('2026-11-29T10:05:00.000Z'),
  });
  return { handler, published, calls, paced, delays, deadLettered };
}

const tag = tagOf(body);

test('publishes the queued message exactly as written, FIFO ids included, under any accepted secret', async () => {
  const d = drainer({ ok: true, messageId: 'sns-1' });
  expect(await d.handler({ Records: [sqsRecord(body, tag)] })).toEqual({ batchItemFailures: [] });
  expect(d.published).toEqual([message]);
});

test('while SNS cannot take it, the record fails and waits longer after each receive', async () => {
  const d = drainer({ ok: false, error: { name: 'Timeout', message: 't', retryable: true } });
  for (const count of [1, 2, 3, 8, 50]) {
    expect(await d.handler({ Records: [sqsRecord(body, tag, count)] })).toEqual({ batchItemFailures: [{ itemIdentifier: `m-${String(count)}` }] });
  }
  expect(d.delays).toEqual([30, 60, 120, 3600, 3600]);
  expect(d.deadLettered).toEqual([]);
});

test('the back-off doubles from 30 s to an hour', () => {
  expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 1000].map(retryDelaySeconds)).toEqual([30, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
});

test.each([
  ['untagged', undefined, body],
  ['altered', tag, body.replace('r', 'R')],
  ['tagged for the quarantine', tagOf(body, 'quarantine-record'), body],
  ['tagged under another secret', tagOf(body, 'retry-record', 'not-an-accepted-secret-000000001'), body],
  [
    'of another stage (one secret for two stages)',
    tagOf(body.replace(`"stage":"${TEST_STAGE}"`, '"stage":"prod"'), 'retry-record', TEST_SECRET, { stage: 'prod', issuedAt: QUEUED_AT_S }),
    body.replace(`"stage":"${TEST_STAGE}"`, '"stage":"prod"'),
  ],
  [
    'tagged longer ago than SQS keeps records (sent again)',
    tagOf(body, 'retry-record', TEST_SECRET, { stage: TEST_STAGE, issuedAt: QUEUED_AT_S - RETRY_RECORD_MAX_AGE_SECONDS }),
    body,
  ],
])('a record %s is moved to the dead-letter queue, never published', async (_label, recordTag, text) => {
  const d = drainer({ ok: true, messageId: 'sns-1' });
  expect(await d.handler({ Records: [sqsRecord(text, recordTag)] })).toEqual({ batchItemFailures: [] });
  expect(d.published).toEqual([]);
  expect(d.deadLettered).toEqual([expect.stringMatching(/^m-1 (untagged|altered|other_stage|expired):/) as unknown]);
});

test('while the api secrets cannot be read (SSM or KMS), every record waits the same back-off as for SNS, and none is refused', async () => {
  const d = drainer({ ok: true, messageId: 'sns-1' }, { apiSecrets: () => Promise.resolve({ ok: false, reason: 'KMSAccessDeniedException' }) });
  for (const count of [1, 2, 3, 8, 50]) {
    expect(await d.handler({ Records: [sqsRecord(body, tag, count)] })).toEqual({ batchItemFailures: [{ itemIdentifier: `m-${String(count)}` }] });
  }
  expect(d.delays).toEqual([30, 60, 120, 3600, 3600]);
  expect(d.deadLettered).toEqual([]);
  expect(d.published).toEqual([]);
});

test('a message SNS refuses as such goes to the dead-letter queue at once', async () => {
  const d = drainer({ ok: false, error: { name: 'InvalidParameterException', message: 'bad', retryable: false } });
  expect(await d.handler({ Records: [sqsRecord(body, tag)] })).toEqual({ batchItemFailures: [] });
  expect(d.deadLettered).toEqual(['m-1 SNS refused the message: InvalidParameterException: bad']);
});

test('when the dead-letter queue cannot take a refused record, it fails and SQS redrives it there later', async () => {
  const d = drainer({ ok: true, messageId: 'sns-1' }, { deadLetterFails: true });
  expect(await d.handler({ Records: [sqsRecord(body, undefined)] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  expect(d.published).toEqual([]);
});

/** The n-th queued event's record: its own id, FIFO group and de-duplication id, tagged, received once. */
function queuedRecord(n: number): SQSRecord {
  const id = `e-${String(n)}`;
  const queued: SnsMessage = { ...message, Message: `{"id":"${id}"}`, MessageGroupId: `pool-${String(n % 3)}`, MessageDeduplicationId: id };
  const text = asciiJson({
    stage: TEST_STAGE,
    id,
    type: 'rule.pool.usage.triggered',
    queued_at: '2026-11-29T10:00:00.000Z',
    request_id: 'r',
    publish_error: 'x',
    message: queued,
  });
  return { ...sqsRecord(text, tagOf(text)), messageId: `m-${id}` };
}

const idOf = (sent: SnsMessage): string => (JSON.parse(sent.Message) as { id: string }).id;

test("publishes ten records to a PublishBatch call, in the batch order, each call paced, with each event's message and FIFO ids", async () => {
  const d = drainer({ ok: true, messageId: 'sns-1' });
  const records = Array.from({ length: 23 }, (_, n) => queuedRecord(n));
  expect(await d.handler({ Records: records })).toEqual({ batchItemFailures: [] });
  expect(d.calls).toEqual([10, 10, 3]);
  expect(d.paced).toEqual([10, 10, 3]);
  expect(d.published.map(idOf)).toEqual(records.map((_, n) => `e-${String(n)}`));
  expect(d.published[4]).toMatchObject({ MessageGroupId: 'pool-1', MessageDeduplicationId: 'e-4', MessageAttributes: message.MessageAttributes });
});

test('a message SNS fails in a batch fails its own record only, and waits for its back-off', async () => {
  const d = drainer((sent) =>
    idOf(sent) === 'e-2' ? { ok: false, error: { name: 'InternalError', message: 'later', retryable: true } } : { ok: true, messageId: 'sns-1' },
  );
  const records = Array.from({ length: 5 }, (_, n) => queuedRecord(n));
  expect(await d.handler({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-e-2' }] });
  expect(d.delays).toEqual([30]);
});

test('a throttled batch fails every record in it, each backing off as for any SNS failure, none refused', async () => {
  const d = drainer({ ok: false, error: { name: 'ThrottledException', message: 'Rate exceeded', retryable: true } });
  const records = Array.from({ length: 10 }, (_, n) => queuedRecord(n));
  const { batchItemFailures } = await d.handler({ Records: records });
  expect(batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.map((record) => record.messageId));
  expect(d.calls).toEqual([10]);
  expect(d.delays).toEqual(records.map(() => 30));
  expect(d.deadLettered).toEqual([]);
});

test('a record that fails its checks is refused on its own; the others of the batch are published', async () => {
  const d = drainer({ ok: true, messageId: 'sns-1' });
  const records = [queuedRecord(0), sqsRecord(body, undefined), queuedRecord(2)];
  expect(await d.handler({ Records: records })).toEqual({ batchItemFailures: [] });
  expect(d.published.map(idOf)).toEqual(['e-0', 'e-2']);
  expect(d.deadLettered).toEqual([expect.stringMatching(/^m-1 untagged:/) as unknown]);
});

describe('the pace, read at cold start', () => {
  const env = {
    STAGE: TEST_STAGE,
    TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:t',
    DROAM_API_SECRETS: TEST_SECRET,
    RETRY_QUEUE_URL: 'q',
    RETRY_DEAD_LETTER_QUEUE_URL: 'd',
  };

  test("takes the rate and the event source's maximum concurrency from the stack", () => {
    expect(loadDrainerConfig({ ...env, RETRY_PUBLISH_PER_SECOND: '3000', RETRY_DRAINER_MAXIMUM_CONCURRENCY: '4' })).toMatchObject({
      publishPerSecond: 3000,
      maximumConcurrency: 4,
    });
    expect(loadDrainerConfig(env)).toMatchObject({ publishPerSecond: 30, maximumConcurrency: 2 });
  });

  test.each([
    [{ RETRY_PUBLISH_PER_SECOND: 'fast' }, /RETRY_PUBLISH_PER_SECOND must be a number/],
    [{ RETRY_PUBLISH_PER_SECOND: '0' }, /RETRY_PUBLISH_PER_SECOND must be a number/],
    [{ RETRY_DRAINER_MAXIMUM_CONCURRENCY: '1' }, /RETRY_DRAINER_MAXIMUM_CONCURRENCY must be a whole number from 2 to 1000/],
    [{ RETRY_PUBLISH_PER_SECOND: '3', RETRY_DRAINER_MAXIMUM_CONCURRENCY: '4' }, /at least 1 message a second per instance, not 3 \/ 4/],
  ])('refuses %j', (values, problem) => {
    expect(() => loadDrainerConfig({ ...env, ...values })).toThrow(problem);
  });
});

describe('a drainer whose api secrets cannot be read for 3 hours (fake clock, the queue as SQS runs it)', () => {
  // infra/retry.js: the queue hides a received record for 180 s unless the drainer says otherwise, and moves it to the
  // dead-letter queue on the receive after the 50th.
  const VISIBILITY_TIMEOUT_S = 180;
  const MAX_RECEIVE_COUNT = 50;
  const OUTAGE_S = 3 * 3600;

  test('publishes every queued event once the read succeeds, each once, and none reaches the dead-letter queue', async () => {
    let clock = QUEUED_AT_S;
    interface Queued {
      readonly id: string;
      readonly text: string;
      readonly tag: string;
      visibleAt: number;
      receives: number;
      state: 'queued' | 'deleted' | 'dead-lettered';
    }
    const queue = Array.from({ length: 25 }, (_, i): Queued => {
      const text = body.replace('"id":"e-1"', `"id":"e-${String(i)}"`);
      return { id: `m-${String(i)}`, text, tag: tagOf(text), visibleAt: QUEUED_AT_S, receives: 0, state: 'queued' };
    });
    const published: string[] = [];
    const handler = createRetryDrainer({
      stage: TEST_STAGE,
      publishBatch: (sent) => {
        published.push(...sent.map((one) => one.Message));
        return Promise.resolve(sent.map(() => ({ ok: true, messageId: `sns-${String(published.length)}` })));
      },
      pace: () => Promise.resolve(),
      apiSecrets: () =>
        Promise.resolve(
          clock < QUEUED_AT_S + OUTAGE_S
            ? { ok: false, reason: 'SSM parameter could not be read: KMS.KMSInvalidStateException' }
            : { ok: true, secrets: [TEST_SECRET] },
        ),
      delay: (handle, seconds) => {
        const message = queue.find((m) => m.id === handle);
        if (message !== undefined) message.visibleAt = clock + seconds;
        return Promise.resolve();
      },
      deadLetter: () => Promise.reject(new Error('not expected')),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      now: () => clock * 1000,
    });
    // Lambda's poller: batches of up to 10 visible records, until the queue is empty (or two weeks pass).
    while (queue.some((m) => m.state === 'queued') && clock < QUEUED_AT_S + RETRY_RECORD_MAX_AGE_SECONDS) {
      clock = Math.max(clock, Math.min(...queue.filter((m) => m.state === 'queued').map((m) => m.visibleAt)));
      const batch = queue.filter((m) => m.state === 'queued' && m.visibleAt <= clock).slice(0, 10);
      const delivered = [];
      for (const message of batch) {
        message.receives++;
        if (message.receives > MAX_RECEIVE_COUNT) message.state = 'dead-lettered';
        else {
          message.visibleAt = clock + VISIBILITY_TIMEOUT_S;
          delivered.push(message);
        }
      }
      if (delivered.length === 0) continue;
      const records = delivered.map((m) => ({ ...sqsRecord(m.text, m.tag, m.receives), messageId: m.id, receiptHandle: m.id }));
      const { batchItemFailures } = await handler({ Records: records });
      const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const message of delivered) if (!failed.has(message.id)) message.state = 'deleted';
    }
    expect(queue.map((m) => m.state)).toEqual(queue.map(() => 'deleted'));
    expect(published.sort()).toEqual(
      queue
        .map((m) => JSON.parse(m.text) as { message: SnsMessage })
        .map((r) => r.message.Message)
        .sort(),
    );
    // Published within the hour after the read came back (the longest back-off), well short of the 50th receive.
    expect(clock).toBeLessThanOrEqual(QUEUED_AT_S + OUTAGE_S + 3600);
    expect(Math.max(...queue.map((m) => m.receives))).toBeLessThan(15);
    // Without the back-off, every 180 s: 60 receives in 3 hours, past the dead-letter queue's 50.
    expect(OUTAGE_S / VISIBILITY_TIMEOUT_S).toBeGreaterThan(MAX_RECEIVE_COUNT);
  });
});
