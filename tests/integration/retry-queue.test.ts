/**
 * Durable acceptance against the emulator: while SNS is down (a fault proxy
 * in front of it closes every connection), a valid, authenticated event is
 * written to the publish-retry queue and answered 200 with its id and
 * `queued: true`; the drainer (functions/retry-drainer.ts, run here as
 * Lambda's SQS event source would run it) backs off while SNS stays down,
 * and once SNS is back publishes the event exactly once, with the id the
 * webhook answered and, on a FIFO topic, the same group and de-duplication
 * ids. Records the relay did not write never reach the topic.
 */
import type { SQSEvent } from 'aws-lambda';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { Emulator, type Queue } from '../support/integration/aws';
import { recordOf } from '../support/integration/lambda-records';
import { loadEvent, payloadOf, signed, withPayload } from '../support/integration/events';
import { deployedEnv, loadRelay, loadRetryDrainer, type RetryDrainer, TEST_SECRET } from '../support/integration/relay';
import { startFaultProxy, type FaultProxy } from '../support/faults/proxy';

const emulator = new Emulator();
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy(emulator.endpoint);
});

afterAll(async () => {
  await proxy.close();
  emulator.destroy();
});

async function receive(queue: Queue, waitSeconds = 1): Promise<Message[]> {
  const { Messages = [] } = await emulator.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      WaitTimeSeconds: waitSeconds,
    }),
  );
  return Messages;
}

/** One poll of Lambda's SQS event source: receive a batch, invoke, delete what did not fail. */
async function drainOnce(drainer: RetryDrainer, queue: Queue): Promise<{ received: number; failed: number; handles: string[] }> {
  const messages = await receive(queue);
  if (messages.length === 0) return { received: 0, failed: 0, handles: [] };
  const event: SQSEvent = { Records: messages.map((message) => recordOf(message, queue.arn)) };
  const { batchItemFailures } = await drainer(event);
  const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
  for (const message of messages) {
    if (!failed.has(message.MessageId ?? '')) await emulator.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
  }
  return { received: messages.length, failed: failed.size, handles: messages.map((message) => message.ReceiptHandle ?? '') };
}

async function setUp(fifo: boolean) {
  const { topicArn, queue: tail } = await emulator.topicWithQueue('retry', { fifo });
  const retryQueue = await emulator.createQueue('retry-queue');
  const deadLetters = await emulator.createQueue('retry-dlq');
  const env = deployedEnv(topicArn, {
    AWS_ENDPOINT_URL_SNS: proxy.endpoint,
    AWS_ENDPOINT_URL_SQS: emulator.endpoint,
    RETRY_QUEUE_URL: retryQueue.url,
    RETRY_DEAD_LETTER_QUEUE_URL: deadLetters.url,
  });
  return { tail, retryQueue, deadLetters, env, relay: await loadRelay(env), drainer: await loadRetryDrainer(env) };
}

describe.each([
  ['standard', false],
  ['FIFO', true],
])('a %s topic that is down when the event arrives', (_label, fifo) => {
  test('the event is accepted into the retry queue, and published once with its id after SNS comes back', async () => {
    const { tail, retryQueue, deadLetters, relay, drainer } = await setUp(fifo);
    const request = signed(loadEvent('pool-usage.json'), TEST_SECRET);

    proxy.set('close-socket');
    const answer = await relay.invoke(request);
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toEqual({ id: expect.stringMatching(/\S/) as unknown, queued: true, message: expect.any(String) as unknown });
    const id = String(answer.json.id);
    const line = answer.logs.find((log) => log.outcome === 'queued' && log.id === id);
    // Its EMF metrics are countable: every metric the line declares has a number, publish_failures among them (its alarm).
    const declared = (line?._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } | undefined)?.CloudWatchMetrics[0]?.Metrics ?? [];
    expect(declared.map((metric) => metric.Name)).toEqual(expect.arrayContaining(['queued_for_retry', 'publish_failures']));
    for (const { Name } of declared) expect(typeof line?.[Name]).toBe('number');

    // SNS still down: the drainer reports the record failed and hides it for its first back-off.
    const down = await drainOnce(drainer, retryQueue);
    expect({ received: down.received, failed: down.failed }).toEqual({ received: 1, failed: 1 });
    expect(await receive(retryQueue, 0)).toEqual([]);
    expect(await emulator.receiveAll(tail, { waitSeconds: 0 })).toEqual([]);

    // The back-off ends (the time passing, shortened) and SNS is back.
    for (const handle of down.handles) {
      await emulator.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: retryQueue.url, ReceiptHandle: handle, VisibilityTimeout: 0 }));
    }
    proxy.set('pass');
    expect(await drainOnce(drainer, retryQueue)).toMatchObject({ received: 1, failed: 0 });

    const [published, ...more] = await emulator.receiveAll(tail, { expect: 1 });
    expect(more).toEqual([]);
    const event = JSON.parse(published?.body ?? '{}') as Record<string, unknown>;
    expect(event.id).toBe(id);
    expect(event.data).toEqual(payloadOf(request).data);
    expect(published?.attributes.event_id?.StringValue).toBe(id);
    if (fifo) {
      expect(published?.system.MessageDeduplicationId).toBe(id);
      expect(published?.system.MessageGroupId).toEqual(expect.stringMatching(/\S/));
    }
    expect(await receive(retryQueue, 0)).toEqual([]);
    expect(await receive(deadLetters, 0)).toEqual([]);
  }, 30_000);
});

test('a record the relay did not write goes to the dead-letter queue and is never published', async () => {
  const { tail, retryQueue, deadLetters, drainer } = await setUp(false);
  proxy.set('pass');
  const forged = JSON.stringify({
    stage: 'test',
    id: 'forged',
    type: 'payment.created',
    queued_at: new Date().toISOString(),
    request_id: 'x',
    publish_error: 'x',
    message: { Message: JSON.stringify({ id: 'forged', type: 'payment.created', data: { amount: '1000000' } }), MessageAttributes: {} },
  });
  await emulator.sqs.send(new SendMessageCommand({ QueueUrl: retryQueue.url, MessageBody: forged }));
  await emulator.sqs.send(
    new SendMessageCommand({
      QueueUrl: retryQueue.url,
      MessageBody: forged,
      MessageAttributes: { integrity_tag: { DataType: 'String', StringValue: `test.${String(Math.floor(Date.now() / 1000))}.${'A'.repeat(43)}` } },
    }),
  );
  let drained = 0;
  while (drained < 2) {
    const { received, failed } = await drainOnce(drainer, retryQueue);
    expect(failed).toBe(0);
    drained += received;
  }
  expect(await emulator.receiveAll(tail, { waitSeconds: 0 })).toEqual([]);
  const refused = await receive(deadLetters);
  expect(refused.map((message) => message.Body)).toEqual([forged, forged]);
  expect(refused.map((message) => message.MessageAttributes?.refused?.StringValue).sort()).toEqual([
    expect.stringMatching(/^altered:/) as unknown,
    expect.stringMatching(/^untagged:/) as unknown,
  ]);
});

test('when neither SNS nor the retry queue takes the event the answer is 503 with Retry-After', async () => {
  const { topicArn } = await emulator.topicWithQueue('retry-none');
  const missing = (await emulator.createQueue('retry-any')).url.replace(/[^/]+$/, 'no-such-queue');
  const relay = await loadRelay(
    deployedEnv(topicArn, { AWS_ENDPOINT_URL_SNS: proxy.endpoint, AWS_ENDPOINT_URL_SQS: emulator.endpoint, RETRY_QUEUE_URL: missing }),
  );
  proxy.set('internal-error');
  const answer = await relay.invoke(signed(loadEvent('pool-usage.json'), TEST_SECRET));
  expect(answer.statusCode).toBe(503);
  expect(answer.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(answer.json).toMatchObject({ error: 'publish_failed' });
  expect(answer.logs).toContainEqual(expect.objectContaining({ status: 503, queued_for_retry: false }));
});

test('an event the relay could publish is not queued', async () => {
  const { tail, retryQueue, relay } = await setUp(false);
  proxy.set('pass');
  const answer = await relay.invoke(signed(withPayload(loadEvent('pool-usage.json'), payloadOf(loadEvent('pool-usage.json'))), TEST_SECRET));
  expect(answer.statusCode).toBe(200);
  expect(answer.json).toHaveProperty('message_id');
  expect(await emulator.receiveAll(tail, { expect: 1 })).toHaveLength(1);
  expect(await receive(retryQueue, 0)).toEqual([]);
});

describe.each(['throttling', 'throttled'] as const)('SNS answering %s (its account quota reached)', (fault) => {
  test('the webhook makes exactly one SNS call, then the event is in the publish-retry queue and the answer is 200 queued', async () => {
    const { tail, retryQueue, relay } = await setUp(false);
    proxy.set(fault);
    proxy.reset();
    const answer = await relay.invoke(signed(loadEvent('pool-usage.json'), TEST_SECRET));
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toMatchObject({ queued: true });
    expect(proxy.records.map((record) => [record.action, record.fault])).toEqual([['Publish', fault]]);
    const queued = await receive(retryQueue);
    expect(queued.map((message) => (JSON.parse(message.Body ?? '{}') as { id?: unknown }).id)).toEqual([answer.json.id]);
    expect(await emulator.receiveAll(tail, { waitSeconds: 0 })).toEqual([]);
  });
});
