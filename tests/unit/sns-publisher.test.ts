import http from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { PublishBatchCommand, PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { payloadTypes, toCloudEvent, type ValidPayload } from '../../lib/contract';
import { type SnsMessage, toSnsMessage } from '../../lib/topic/message';
import { SignalledHttpHandler } from '../../lib/lambda/call-signal';
import { snsClient } from '../../lib/lambda/clients';
import { inPublishBatches, type PublishResult, snsBatchPublisher, snsPublisher } from '../../lib/topic/publish';
import { FIFO_TOPIC_ARN, TOPIC_ARN, vendorExample } from '../support/unit/harness';
import { trackTimers } from '../support/unit/timers';

const DEADLINE_MS = 150;

function valid(input: unknown): ValidPayload {
  const result = payloadTypes.validate(input);
  if (!result.ok) throw new Error('invalid test payload');
  return result.value;
}

function poolMessage(fifo: boolean): SnsMessage {
  const payload = valid(vendorExample());
  return toSnsMessage(toCloudEvent(payload, 'droam'), payload.attributes, fifo);
}

const newClient = (): SNSClient => new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' }, maxAttempts: 1 });

/** Settles with the publisher's answer, or with 'still waiting' once `ms` have passed. */
async function within(ms: number, pending: Promise<PublishResult>): Promise<PublishResult | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => {
      resolve('still waiting');
    }, ms);
  });
  try {
    return await Promise.race([pending, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('snsPublisher with a mocked SNS client', () => {
  const client = newClient();
  const sns = mockClient(client);
  const timers = trackTimers();

  afterEach(() => {
    sns.reset();
  });

  afterAll(() => {
    sns.restore();
  });

  test('success: returns the MessageId, and the PublishCommand carries TopicArn, Message and MessageAttributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-id-1' });
    const message = poolMessage(false);
    const result = await snsPublisher(client, TOPIC_ARN, 2_000)(message);
    expect(result).toEqual({ ok: true, messageId: 'sns-id-1' });
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC_ARN);
    expect(input?.Message).toBe(message.Message);
    expect(input?.MessageAttributes).toEqual(message.MessageAttributes);
    expect(input?.MessageAttributes?.event_type).toEqual({ DataType: 'String', StringValue: 'rule.pool.usage.triggered' });
    expect(input?.MessageAttributes?.current_usage_kb).toEqual({ DataType: 'Number', StringValue: '51200' });
    expect(input).not.toHaveProperty('MessageGroupId');
    expect(input).not.toHaveProperty('MessageDeduplicationId');
  });

  test('a .fifo topic: the command also carries MessageGroupId and MessageDeduplicationId', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-id-2', SequenceNumber: '10000000000000000001' });
    const message = poolMessage(true);
    const result = await snsPublisher(client, FIFO_TOPIC_ARN, 2_000)(message);
    expect(result).toEqual({ ok: true, messageId: 'sns-id-2' });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(FIFO_TOPIC_ARN);
    expect(input?.MessageGroupId).toBe('34160e3a-3492-4f6f-bbf6-c9a9be15ea55');
    expect(input?.MessageDeduplicationId).toBe((JSON.parse(message.Message) as { id: string }).id);
  });

  test.each([
    ['ThrottledException', 'Rate exceeded'],
    ['InternalErrorException', 'Internal error'],
    ['AuthorizationErrorException', 'not authorized to perform SNS:Publish'],
    ['NotFoundException', 'Topic does not exist'],
  ])('an SDK error (%s) returns ok:false, retryable', async (name, text) => {
    sns.on(PublishCommand).rejects(new SNSServiceException({ name, $fault: 'server', $metadata: {}, message: text }));
    const result = await snsPublisher(client, TOPIC_ARN, 2_000)(poolMessage(false));
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name, retryable: true }) as unknown });
  });

  test('a network error returns ok:false, retryable', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { name: 'Error', code: 'ECONNREFUSED' }));
    const result = await snsPublisher(client, TOPIC_ARN, 2_000)(poolMessage(false));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.retryable).toBe(true);
  });

  test('SNS refusing the message itself (InvalidParameterException) is not retryable', async () => {
    sns
      .on(PublishCommand)
      .rejects(new SNSServiceException({ name: 'InvalidParameterException', $fault: 'client', $metadata: {}, message: 'Invalid parameter: Message too long' }));
    const result = await snsPublisher(client, TOPIC_ARN, 2_000)(poolMessage(false));
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'InvalidParameterException', retryable: false }) as unknown });
  });

  test('an answer without a MessageId is not taken for success', async () => {
    sns.on(PublishCommand).resolves({});
    expect((await snsPublisher(client, TOPIC_ARN, 2_000)(poolMessage(false))).ok).toBe(false);
  });

  test('something thrown that is not an Error returns ok:false', async () => {
    sns.on(PublishCommand).callsFake(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a misbehaving middleware might do
      throw 'boom';
    });
    expect((await snsPublisher(client, TOPIC_ARN, 2_000)(poolMessage(false))).ok).toBe(false);
  });

  test('an error message is kept short (no multi-kilobyte dumps in the log line)', async () => {
    sns.on(PublishCommand).rejects(new SNSServiceException({ name: 'InternalErrorException', $fault: 'server', $metadata: {}, message: 'x'.repeat(10_000) }));
    const result = await snsPublisher(client, TOPIC_ARN, 2_000)(poolMessage(false));
    expect(!result.ok && result.error.message.length).toBeLessThanOrEqual(1_000);
  });

  test('a warm instance does not pile up timers: nothing a publish starts outlives it', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-id-3' });
    const publish = snsPublisher(client, TOPIC_ARN, 7_000);
    const message = poolMessage(false);
    const left = await timers.leftBy(async () => {
      for (let i = 0; i < 1_000; i++) expect((await publish(message)).ok).toBe(true);
    });
    expect(left).toBe(0);
  });

  test('a publish that hangs past the deadline returns ok:false (Timeout) soon after the deadline', async () => {
    sns.on(PublishCommand).callsFake(() => new Promise<never>(() => undefined));
    const started = Date.now();
    const result = await within(DEADLINE_MS + 1_000, snsPublisher(client, TOPIC_ARN, DEADLINE_MS)(poolMessage(false)));
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'Timeout', retryable: true }) as unknown });
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 1_000);
  });

  test('a shorter deadline given with the message replaces its own, and a longer one does not', async () => {
    sns.on(PublishCommand).callsFake(() => new Promise<never>(() => undefined));
    const publish = snsPublisher(client, TOPIC_ARN, 60_000);
    const result = await within(DEADLINE_MS + 1_000, publish(poolMessage(false), DEADLINE_MS));
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ name: 'Timeout', message: expect.stringContaining(`${String(DEADLINE_MS)} ms`) as unknown }) as unknown,
    });
    const bounded = await snsPublisher(client, TOPIC_ARN, DEADLINE_MS)(poolMessage(false), 60_000);
    expect(bounded).toEqual({
      ok: false,
      error: expect.objectContaining({ message: expect.stringContaining(`${String(DEADLINE_MS)} ms`) as unknown }) as unknown,
    });
  });
});

describe('snsPublisher with a real SNS client against an endpoint that never answers', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let endpoint = '';

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket); // accept, read, never answer
      socket.resume();
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = typeof address === 'object' && address !== null ? `http://127.0.0.1:${String(address.port)}` : '';
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  const PATIENT = { connectionTimeout: 10_000, requestTimeout: 30_000 };
  const clientConfig = (maxAttempts: number) => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' }, maxAttempts });

  /** Real clients that would wait 30 s per attempt for the endpoint that never answers. */
  describe.each<[string, (maxAttempts: number) => SNSClient]>([
    ['a client given the signal as the SDK option', (maxAttempts) => new SNSClient({ ...clientConfig(maxAttempts), requestHandler: PATIENT })],
    [
      "the functions' client (snsClient), its middleware resolved once and the signal carried beside the call",
      (maxAttempts) => snsClient({ ...clientConfig(maxAttempts), requestHandler: new SignalledHttpHandler(PATIENT) }),
    ],
  ])('%s', (_label, patientClient) => {
    test('returns ok:false (Timeout) at the deadline although the client would wait 30 s', async () => {
      const client = patientClient(3);
      const started = Date.now();
      const result = await within(DEADLINE_MS + 2_000, snsPublisher(client, TOPIC_ARN, DEADLINE_MS)(poolMessage(false)));
      const elapsed = Date.now() - started;
      client.destroy();
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'Timeout', retryable: true }) as unknown });
      expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 20);
      expect(elapsed).toBeLessThan(DEADLINE_MS + 1_000);
    });

    test('at the deadline the request is aborted: its connection is closed rather than left to the client time-outs', async () => {
      const client = patientClient(1);
      const result = await snsPublisher(client, TOPIC_ARN, DEADLINE_MS)(poolMessage(false));
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'Timeout' }) as unknown });
      await closed(0);
      client.destroy();
      expect(sockets.size).toBe(0);
    });

    test('calls at once each keep their own deadline: the shorter one is aborted alone, then the longer one', async () => {
      const client = patientClient(1);
      const publish = snsPublisher(client, TOPIC_ARN, 60_000);
      const started = Date.now();
      const short = publish(poolMessage(false), DEADLINE_MS);
      const long = publish(poolMessage(false), DEADLINE_MS * 4);
      await short;
      const shortElapsed = Date.now() - started;
      await closed(1);
      // The shorter call's connection is closed; the longer call's is still open.
      expect(sockets.size).toBe(1);
      expect((await long).ok).toBe(false);
      const longElapsed = Date.now() - started;
      await closed(0);
      client.destroy();
      expect(shortElapsed).toBeLessThan(DEADLINE_MS * 3);
      expect(longElapsed).toBeGreaterThanOrEqual(DEADLINE_MS * 4 - 20);
      expect(sockets.size).toBe(0);
    });
  });

  /** Waits up to a second for the server to hold at most `count` connections. */
  async function closed(count: number): Promise<void> {
    const by = Date.now() + 1_000;
    while (sockets.size > count && Date.now() < by) await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

describe("the functions' SNS client (snsClient)", () => {
  test('resolves its middleware stack once for every publish, as the SDK does with cacheMiddleware and no per-call options', async () => {
    const server = http.createServer((request, response) => {
      request.resume().on('end', () => {
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end('<PublishResponse><PublishResult><MessageId>sns-id</MessageId></PublishResult></PublishResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = snsClient({
      endpoint: `http://127.0.0.1:${String(port)}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
    });
    const resolved = jest.spyOn(PublishCommand.prototype, 'resolveMiddleware');
    try {
      const publish = snsPublisher(client, TOPIC_ARN, 2_000);
      for (let i = 0; i < 5; i++) expect(await publish(poolMessage(false))).toEqual({ ok: true, messageId: 'sns-id' });
      expect(resolved).toHaveBeenCalledTimes(1);
    } finally {
      resolved.mockRestore();
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('snsBatchPublisher with a mocked SNS client', () => {
  const client = newClient();
  const sns = mockClient(client);
  const messages = [poolMessage(true), { ...poolMessage(true), MessageDeduplicationId: 'second' }, { ...poolMessage(true), MessageDeduplicationId: 'third' }];

  afterEach(() => {
    sns.reset();
  });

  afterAll(() => {
    sns.restore();
  });

  test('one PublishBatch call carries every message, in order, with its attributes and FIFO ids; a result per message', async () => {
    sns.on(PublishBatchCommand).resolves({
      Successful: [
        { Id: '2', MessageId: 'sns-c' },
        { Id: '0', MessageId: 'sns-a' },
      ],
      Failed: [{ Id: '1', Code: 'InternalError', Message: 'try again', SenderFault: false }],
    });
    const results = await snsBatchPublisher(client, FIFO_TOPIC_ARN, 2_000)(messages);
    expect(results).toEqual([
      { ok: true, messageId: 'sns-a' },
      { ok: false, error: { name: 'InternalError', message: 'try again', retryable: true } },
      { ok: true, messageId: 'sns-c' },
    ]);
    const calls = sns.commandCalls(PublishBatchCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      TopicArn: FIFO_TOPIC_ARN,
      PublishBatchRequestEntries: messages.map((message, index) => ({ Id: String(index), ...message })),
    });
  });

  test('a throttled call fails every message alike, retryable, after one call', async () => {
    sns.on(PublishBatchCommand).rejects(new SNSServiceException({ name: 'ThrottledException', $fault: 'client', $metadata: {}, message: 'Rate exceeded' }));
    const results = await snsBatchPublisher(client, FIFO_TOPIC_ARN, 2_000)(messages);
    expect(results).toEqual(messages.map(() => ({ ok: false, error: { name: 'ThrottledException', message: 'Rate exceeded', retryable: true } })));
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
  });

  test('a message SNS refuses on its own is not retryable; the others are published', async () => {
    sns.on(PublishBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'sns-a' }],
      Failed: [{ Id: '1', Code: 'InvalidParameter', Message: 'bad attribute', SenderFault: true }],
    });
    const results = await snsBatchPublisher(client, FIFO_TOPIC_ARN, 2_000)(messages.slice(0, 2));
    expect(results).toEqual([
      { ok: true, messageId: 'sns-a' },
      { ok: false, error: { name: 'InvalidParameter', message: 'bad attribute', retryable: false } },
    ]);
  });

  test('a call refused as a whole for what it carries is sent again one message per call, so one bad message fails alone', async () => {
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { MessageDeduplicationId?: string }[] }) => {
      const entries = input.PublishBatchRequestEntries;
      if (entries.length > 1 || entries[0]?.MessageDeduplicationId === 'second') {
        throw new SNSServiceException({ name: 'InvalidParameterException', $fault: 'client', $metadata: {}, message: 'bad' });
      }
      return { Successful: [{ Id: '0', MessageId: `sns-${String(entries[0]?.MessageDeduplicationId)}` }], Failed: [] };
    });
    const results = await snsBatchPublisher(client, FIFO_TOPIC_ARN, 2_000)(messages);
    expect(results.map((result) => (result.ok ? result.messageId : result.error.name))).toEqual([
      `sns-${String(messages[0]?.MessageDeduplicationId)}`,
      'InvalidParameterException',
      'sns-third',
    ]);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(4);
  });

  test('an answer without a result for a message is not taken for success', async () => {
    sns.on(PublishBatchCommand).resolves({ Successful: [], Failed: [] });
    const [result] = await snsBatchPublisher(client, FIFO_TOPIC_ARN, 2_000)(messages.slice(0, 1));
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'NoMessageId', retryable: true }) as unknown });
  });
});

describe('inPublishBatches', () => {
  test('runs of at most ten, in order', () => {
    const items = Array.from({ length: 23 }, (_, index) => index);
    expect(inPublishBatches(items, () => 1).map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(inPublishBatches(items, () => 1).flat()).toEqual(items);
  });

  test('a new call before the messages together would pass 256 KiB', () => {
    const sizes = [100_000, 100_000, 100_000, 262_144, 1];
    expect(inPublishBatches(sizes, (size) => size)).toEqual([[100_000, 100_000], [100_000], [262_144], [1]]);
  });
});
