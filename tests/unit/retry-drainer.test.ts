import type { SQSRecord } from 'aws-lambda';
import { fixedApiSecrets } from '../../lib/api-secrets/store';
import { createRetryDrainer, loadDrainerConfig, retryDelaySeconds } from '../../lib/queues/retry-drainer';
import { asciiJson, integrityTag } from '../../lib/queues/integrity';
import type { PublishResult } from '../../lib/topic/publish';
import type { SnsMessage } from '../../lib/topic/message';
import { TEST_SECRET } from '../support/unit/harness';

const message: SnsMessage = {
  Message: '{"id":"e-1","data":{"name":"\u{1f4e1}"}}',
  MessageAttributes: { event_id: { DataType: 'String', StringValue: 'e-1' } },
  MessageGroupId: 'pool-1',
  MessageDeduplicationId: 'e-1',
};
const body = asciiJson({ id: 'e-1', type: 'rule.pool.usage.triggered', queued_at: '2026-11-29T10:00:00.000Z', request_id: 'r', publish_error: 'x', message });

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

function drainer(result: PublishResult | ((message: SnsMessage) => PublishResult), options: { deadLetterFails?: boolean } = {}) {
  const published: SnsMessage[] = [];
  const calls: number[] = [];
  const paced: number[] = [];
  const delays: number[] = [];
  const deadLettered: string[] = [];
  const handler = createRetryDrainer({
    publishBatch: (sent) => {
      published.push(...sent);
      calls.push(sent.length);
      return Promise.resolve(sent.map((one) => (typeof result === 'function' ? result(one) : result)));
    },
    pace: (messages) => {
      paced.push(messages);
      return Promise.resolve();
    },
    apiSecrets: fixedApiSecrets(['an-older-secret-still-accepted-0001', TEST_SECRET]),
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

const tag = integrityTag(TEST_SECRET, 'retry-record', body);

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
  ['tagged for the quarantine', integrityTag(TEST_SECRET, 'quarantine-record', body), body],
  ['tagged under another secret', integrityTag('not-an-accepted-secret-000000001', 'retry-record', body), body],
])('a record %s is moved to the dead-letter queue, never published', async (_label, recordTag, text) => {
  const d = drainer({ ok: true, messageId: 'sns-1' });
  expect(await d.handler({ Records: [sqsRecord(text, recordTag)] })).toEqual({ batchItemFailures: [] });
  expect(d.published).toEqual([]);
  expect(d.deadLettered).toEqual([expect.stringMatching(/^m-1 (untagged|altered):/) as unknown]);
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
    id,
    type: 'rule.pool.usage.triggered',
    queued_at: '2026-11-29T10:00:00.000Z',
    request_id: 'r',
    publish_error: 'x',
    message: queued,
  });
  return { ...sqsRecord(text, integrityTag(TEST_SECRET, 'retry-record', text)), messageId: `m-${id}` };
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
  const env = { TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:t', DROAM_API_SECRETS: TEST_SECRET, RETRY_QUEUE_URL: 'q', RETRY_DEAD_LETTER_QUEUE_URL: 'd' };

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
