/**
 * The example subscriber end to end, against the emulator: webhooks POSTed
 * through the real handler → the topic → a queue subscribed with the example's
 * filter policy (pool usage events above 52428800 KB, 50 GB) → received → the
 * real functions/pool-usage-subscriber handler on those SQS records. It
 * receives exactly what the filter selects, and a corrupted record is reported
 * in batchItemFailures while the others succeed.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { readSqsRecord } from '@droam-webhook-relay/events';
import { Emulator, type Queue } from '../../support/integration/aws';
import { receiveRecords } from '../../support/integration/lambda-records';
import { editPayload, loadEvent, payloadOf, signed, withPayload, type SampleEvent } from '../../support/integration/events';
import { TEST_SECRET, deployedEnv, loadRelay } from '../../support/integration/relay';

/** The example subscriber's threshold and filter policy: pool usage events above 50 GB. */
const THRESHOLD_KB = 52_428_800;
const FILTER_POLICY = { event_type: ['rule.pool.usage.triggered'], current_usage_kb: [{ numeric: ['>', THRESHOLD_KB] }] };

const emulator = new Emulator();
afterAll(() => {
  emulator.destroy();
});

const sample = (file: string): SampleEvent => signed(loadEvent(file), TEST_SECRET);

/** pool-usage.json with another current_usage_kb (a number, a string of digits, or absent), and another pool name to tell them apart. */
function poolUsage(name: string, usage: number | string | undefined): SampleEvent {
  const event = loadEvent('pool-usage.json');
  const payload = editPayload(payloadOf(event), (p) => {
    p.data.pool.name = name;
    if (usage === undefined) delete p.data.pool.current_usage_kb;
    else p.data.pool.current_usage_kb = usage;
  });
  return signed(withPayload(event, payload), TEST_SECRET);
}

/** A SIM card rule event whose own current_usage_kb is far above the threshold: the event_type filter keeps it out. */
function simCardAboveThreshold(): SampleEvent {
  const event = loadEvent('rule-sim-card-current-usage-triggered.json');
  const payload = editPayload(payloadOf(event), (p) => {
    (p.data as unknown as { sim_card: { details: Record<string, unknown> } }).sim_card.details = { current_usage_kb: 999_999_999 };
  });
  return signed(withPayload(event, payload), TEST_SECRET);
}

const receive = (queue: Queue, expect: number): Promise<SQSRecord[]> => receiveRecords(emulator, queue, expect);

/** The real example handler, its Powertools log lines captured (POWERTOOLS_DEV routes them through console). */
async function runSubscriber(event: SQSEvent): Promise<{ response: SQSBatchResponse; logs: Record<string, unknown>[] }> {
  const saved = process.env.POWERTOOLS_DEV;
  process.env.POWERTOOLS_DEV = 'true';
  let handler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
  await jest.isolateModulesAsync(async () => {
    ({ handler } = await import('../../../functions/pool-usage-subscriber'));
  });
  const lines: string[] = [];
  const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    }),
  );
  try {
    if (handler === undefined) throw new Error('functions/pool-usage-subscriber did not load');
    const response = await handler(event);
    return { response, logs: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  } finally {
    for (const spy of spies) spy.mockRestore();
    if (saved === undefined) delete process.env.POWERTOOLS_DEV;
    else process.env.POWERTOOLS_DEV = saved;
  }
}

describe('POST → relay → topic → filtered queue → example subscriber', () => {
  const above = THRESHOLD_KB;
  const events = {
    far_above: sample('pool-usage.json'), // 83886080 KB
    just_above_as_digits: poolUsage('just above, sent as digits', String(above + 1)),
    at_threshold: poolUsage('at the threshold', above),
    below: sample('pool-usage-vendor-example.json'), // "51200"
    without_usage: sample('pool-usage-without-usage.json'),
    company: sample('company-updated.json'),
    sim_card_above: simCardAboveThreshold(),
  };
  let raw: SQSRecord[];
  let enveloped: SQSRecord[];
  let all: SQSRecord[];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const topicArn = await emulator.createTopic('subscriber-e2e');
    const control = await emulator.createQueue('subscriber-e2e-control');
    const queue = await emulator.createQueue('subscriber-e2e-pool-usage');
    const envelopedQueue = await emulator.createQueue('subscriber-e2e-enveloped');
    await emulator.subscribe(topicArn, control, { raw: true });
    await emulator.subscribe(topicArn, queue, { raw: true, filterPolicy: FILTER_POLICY });
    await emulator.subscribe(topicArn, envelopedQueue, { raw: false, filterPolicy: FILTER_POLICY });

    const relay = await loadRelay(deployedEnv(topicArn));
    for (const [name, event] of Object.entries(events)) {
      const response = await relay.invoke(event);
      expect(response.statusCode).toBe(200);
      ids[name] = String(response.json.id);
    }
    // Everything was published (and fanned out) once the unfiltered queue holds every event.
    all = await receive(control, Object.keys(events).length);
    expect(all).toHaveLength(Object.keys(events).length);
    // A message that reaches the queue corrupted (truncated), beside what SNS delivered.
    await emulator.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"specversion":"1.0","id":"trunc' }));
    raw = await receive(queue, 3);
    enveloped = await receive(envelopedQueue, 2);
  }, 60_000);

  it('the filtered queue receives only pool usage events above the threshold (and the corrupted record)', () => {
    const idsReceived = raw.map((record) => (readSqsRecord(record).ok ? (JSON.parse(record.body) as { id: string }).id : 'corrupted')).sort();
    expect(idsReceived).toEqual([ids.far_above, ids.just_above_as_digits, 'corrupted'].sort());
  });

  it('the subscriber handles the pool usage events and reports only the corrupted record in batchItemFailures', async () => {
    const corrupted = raw.find((record) => record.body.includes('trunc'));
    const { response, logs } = await runSubscriber({ Records: raw });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: corrupted?.messageId }] });
    const handled = logs.filter((line) => line.message === 'pool usage above the alert threshold');
    expect(handled.map((line) => [line.id, line.current_usage_kb]).sort()).toEqual(
      [
        [ids.far_above, 83_886_080],
        [ids.just_above_as_digits, above + 1],
      ].sort(),
    );
    expect(logs.filter((line) => line.level === 'ERROR')).toEqual([
      expect.objectContaining({ message: 'record is not a CloudEvent of the relay', message_id: corrupted?.messageId, reason: 'not_json' }),
    ]);
  });

  it('an enveloped subscription with the same filter gets the same events, which the helper reads the same', () => {
    const reads = enveloped.map((record) => readSqsRecord(record));
    expect(reads.map((read) => (read.ok ? read.delivery : read.reason))).toEqual(['enveloped', 'enveloped']);
    const byId = new Map(raw.map((record) => [readSqsRecord(record), record] as const).flatMap(([read]) => (read.ok ? [[read.event.id, read] as const] : [])));
    for (const read of reads) {
      if (!read.ok) throw new Error('unreadable');
      expect(read).toEqual({ ...byId.get(read.event.id), delivery: 'enveloped' });
    }
  });

  it('every event the relay published reads back, through the helper, as the declared event it is', () => {
    const reads = all.map((record) => readSqsRecord(record));
    expect(reads.map((read) => read.ok && read.declared)).toEqual(all.map(() => true));
    expect(reads.map((read) => (read.ok ? read.event.id : '')).sort()).toEqual(Object.values(ids).sort());
  });
});
