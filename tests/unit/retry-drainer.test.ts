import type { SQSRecord } from 'aws-lambda';
import { fixedApiSecrets } from '../../lib/api-secrets/store';
import { createRetryDrainer, retryDelaySeconds } from '../../lib/queues/retry-drainer';
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

function drainer(result: PublishResult, options: { deadLetterFails?: boolean } = {}) {
  const published: SnsMessage[] = [];
  const delays: number[] = [];
  const deadLettered: string[] = [];
  const handler = createRetryDrainer({
    publish: (sent) => {
      published.push(sent);
      return Promise.resolve(result);
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
  return { handler, published, delays, deadLettered };
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
