/**
 * SNS that hangs, an emulator that was stopped, and an endpoint where nothing
 * listens: the sender still gets 503 publish_failed with Retry-After, within
 * the deadline, and one error-level log line says why.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CREDENTIALS, Emulator, REGION, type Queue } from '../../support/integration/aws';
import { freePort } from '../../support/integration/net';
import { captureConsole } from '../../support/faults/console';
import { startPrivateEmulator, type PrivateEmulator } from '../../support/faults/emulator';
import { poolEvent } from '../../support/faults/events';
import { ANSWER_LIMIT_MS, expectPublishFailed } from '../../support/faults/expect';
import { startFaultProxy, type FaultProxy, type ProxyRecord } from '../../support/faults/proxy';
import { faultRelay, type FaultRelay, type FaultRelayResponse, type SinkLine } from '../../support/faults/relay';

const emulator = new Emulator();
afterAll(() => {
  emulator.destroy();
});

const idOf = (body: string): string => (JSON.parse(body) as { id: string }).id;

describe('an SNS endpoint that accepts the connection and never answers', () => {
  interface Case {
    proxy?: FaultProxy;
    relay?: FaultRelay;
    queue?: Queue;
    response?: FaultRelayResponse;
    lines: SinkLine[];
    records: ProxyRecord[];
  }
  const always: Case = { lines: [], records: [] };
  const firstOnly: Case = { lines: [], records: [] };
  let consoleLines: string[] = [];

  // The two slow cases run side by side, each with its own topic, proxy and client.
  beforeAll(async () => {
    const start = async (item: Case, hangOn: (attempt: number) => boolean, n: number) => {
      const { topicArn, queue } = await emulator.topicWithQueue('hang');
      item.queue = queue;
      item.proxy = await startFaultProxy(emulator.endpoint);
      item.proxy.set((request) => (hangOn(request.attempt ?? 1) ? 'hang' : 'pass'));
      item.relay = await faultRelay({ endpoint: item.proxy.endpoint, topicArn });
      const event = poolEvent(n, { run: 'hang' });
      item.response = await item.relay.invoke(event);
      item.lines = item.relay.sink.forRequest(event.requestId);
      item.records = [...item.proxy.records];
    };
    const captured = captureConsole();
    try {
      await Promise.all([start(always, () => true, 1), start(firstOnly, (attempt) => attempt === 1, 2)]);
    } finally {
      captured.restore();
      consoleLines = captured.lines;
    }
    process.stdout.write(
      `faults: SNS hanging on every attempt answered ${always.response?.statusCode} in ${Math.round(always.response?.elapsedMs ?? NaN)} ms; ` +
        `hanging on the first attempt only answered ${firstOnly.response?.statusCode} in ${Math.round(firstOnly.response?.elapsedMs ?? NaN)} ms\n`,
    );
  }, 3 * ANSWER_LIMIT_MS);

  afterAll(async () => {
    for (const item of [always, firstOnly]) {
      item.relay?.destroy();
      await item.proxy?.close();
    }
  });

  const settings = () => {
    if (always.relay === undefined) throw new Error('beforeAll did not finish');
    return always.relay.settings;
  };

  it('is answered 503 publish_failed with Retry-After within the deadline (well under 10 s), one error line naming the time-out', async () => {
    if (always.response === undefined) throw new Error('no response');
    expectPublishFailed(always.response, always.lines, /^(TimeoutError|Timeout): /, settings().deadlineMs);
    expect(always.records.every((r) => r.fault === 'hang' && !r.forwarded)).toBe(true);
    expect(await emulator.receiveAll(always.queue ?? missing('queue'))).toEqual([]);
  });

  // functions/webhook.ts: "two attempts of at most 3 s each, inside a 7 s deadline".
  it('ends each attempt at the request time-out, so the one retry happens inside the deadline', () => {
    expect(always.records).toHaveLength(Number(settings().clientConfig.maxAttempts));
    expect(consoleLines).toEqual([]);
  });

  it('when only the first attempt hangs, the retry publishes the event exactly once and the answer is 200', async () => {
    const response = firstOnly.response ?? missing('response');
    expect(response.statusCode).toBe(200);
    expect(response.elapsedMs).toBeLessThan(settings().deadlineMs);
    expect(firstOnly.records.map((r) => [r.attempt, r.fault, r.forwarded])).toEqual([
      [1, 'hang', false],
      [2, 'pass', true],
    ]);
    const received = await emulator.receiveAll(firstOnly.queue ?? missing('queue'), { expect: 1 });
    expect(received.map((m) => idOf(m.body))).toEqual([response.json.id]);
    expect(firstOnly.lines).toEqual([expect.objectContaining({ level: 'info', message: 'event published' })]);
  });
});

describe('fauxqs stopped', () => {
  let stoppable: PrivateEmulator | undefined;
  let relay: FaultRelay | undefined;
  let sqs: SQSClient | undefined;

  beforeAll(async () => {
    stoppable = await startPrivateEmulator();
    relay = await faultRelay({ endpoint: stoppable.endpoint, topicArn: stoppable.topicArn });
    sqs = new SQSClient({ endpoint: stoppable.endpoint, region: REGION, credentials: CREDENTIALS, useQueueUrlAsEndpoint: false });
  }, 15_000);

  afterAll(async () => {
    sqs?.destroy();
    relay?.destroy();
    await stoppable?.stop();
  });

  it('publishes while it runs; once it is stopped the answer is 503', async () => {
    if (stoppable === undefined || relay === undefined || sqs === undefined) throw new Error('beforeAll did not finish');
    const before = poolEvent(1, { run: 'stopped' });
    const running = await relay.invoke(before);
    expect(running.statusCode).toBe(200);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stoppable.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(Messages.map((m) => idOf(m.Body ?? ''))).toEqual([running.json.id]);

    await stoppable.stop();
    const after = poolEvent(2, { run: 'stopped' });
    const response = await relay.invoke(after);
    expectPublishFailed(response, relay.sink.forRequest(after.requestId), /ECONNREFUSED|ECONNRESET|socket hang up/, relay.settings.deadlineMs);
  });
});

it('answers 503 when nothing listens at the SNS endpoint', async () => {
  const { topicArn } = await emulator.topicWithQueue('nobody-home');
  const relay = await faultRelay({ endpoint: `http://127.0.0.1:${await freePort()}`, topicArn });
  try {
    const event = poolEvent(1, { run: 'nobody-home' });
    const response = await relay.invoke(event);
    expectPublishFailed(response, relay.sink.forRequest(event.requestId), /ECONNREFUSED/, relay.settings.deadlineMs);
  } finally {
    relay.destroy();
  }
});

function missing(what: string): never {
  throw new Error(`beforeAll left no ${what}`);
}
