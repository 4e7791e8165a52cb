/**
 * What a subscriber reads, end to end against the emulator: webhooks POSTed
 * through the real handler → the topic → a raw subscription and an enveloped
 * one with a filter policy → received as the Lambda SQS event source hands
 * records over → the events package's reader. Every event the relay
 * published reads back as the declared event it is, and both deliveries read
 * the same. The example
 * subscriber (examples/pool-usage-subscriber) has its own end-to-end test.
 */
import type { SQSRecord } from 'aws-lambda';
import { readSqsRecord } from '@droam-webhook-relay/events';
import { Emulator } from '../../support/integration/aws';
import { receiveRecords } from '../../support/integration/lambda-records';
import { editPayload, loadEvent, payloadOf, signed, withPayload, type SampleEvent } from '../../support/integration/events';
import { TEST_SECRET, deployedEnv, loadRelay } from '../../support/integration/relay';

const emulator = new Emulator();
afterAll(() => {
  emulator.destroy();
});

const sample = (file: string): SampleEvent => signed(loadEvent(file), TEST_SECRET);

/** Pool usage events above 50 GB, as docs/contract.md shows a subscriber filtering them. */
const FILTER_POLICY = { event_type: ['rule.pool.usage.triggered'], current_usage_kb: [{ numeric: ['>', 52_428_800] }] };

/** pool-usage.json with its current_usage_kb just above the filter's threshold, sent as a string of digits. */
function poolUsageAsDigits(): SampleEvent {
  const event = loadEvent('pool-usage.json');
  const payload = editPayload(payloadOf(event), (p) => {
    p.data.pool.name = 'just above, sent as digits';
    p.data.pool.current_usage_kb = '52428801';
  });
  return signed(withPayload(event, payload), TEST_SECRET);
}

describe('POST → relay → topic → a raw and a filtered enveloped subscription → the events package reader', () => {
  const events = {
    pool_usage: sample('pool-usage.json'), // 83886080 KB
    pool_usage_as_digits: poolUsageAsDigits(),
    pool_usage_below: sample('pool-usage-vendor-example.json'), // "51200"
    without_usage: sample('pool-usage-without-usage.json'),
    company: sample('company-updated.json'),
    sim_card: sample('rule-sim-card-current-usage-triggered.json'),
  };
  const count = Object.keys(events).length;
  let raw: SQSRecord[];
  let enveloped: SQSRecord[];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const topicArn = await emulator.createTopic('subscriber-e2e');
    const rawQueue = await emulator.createQueue('subscriber-e2e-raw');
    const envelopedQueue = await emulator.createQueue('subscriber-e2e-enveloped');
    await emulator.subscribe(topicArn, rawQueue, { raw: true });
    await emulator.subscribe(topicArn, envelopedQueue, { raw: false, filterPolicy: FILTER_POLICY });

    const relay = await loadRelay(deployedEnv(topicArn));
    for (const [name, event] of Object.entries(events)) {
      const response = await relay.invoke(event);
      expect(response.statusCode).toBe(200);
      ids[name] = String(response.json.id);
    }
    raw = await receiveRecords(emulator, rawQueue, count);
    enveloped = await receiveRecords(emulator, envelopedQueue, 2);
  }, 60_000);

  it('every event the relay published reads back, through the reader, as the declared event it is', () => {
    const reads = raw.map((record) => readSqsRecord(record));
    expect(reads.map((read) => read.ok && read.declared)).toEqual(raw.map(() => true));
    expect(reads.map((read) => (read.ok ? read.event.id : '')).sort()).toEqual(Object.values(ids).sort());
  });

  it('an enveloped subscription with a filter policy gets the events it selects, which the reader reads as the raw ones', () => {
    const reads = enveloped.map((record) => readSqsRecord(record));
    expect(reads.map((read) => (read.ok ? read.delivery : read.reason))).toEqual(enveloped.map(() => 'enveloped'));
    const byId = new Map(raw.map((record) => readSqsRecord(record)).flatMap((read) => (read.ok ? [[read.event.id, read] as const] : [])));
    expect(reads.map((read) => (read.ok ? read.event.id : '')).sort()).toEqual([ids.pool_usage, ids.pool_usage_as_digits].sort());
    for (const read of reads) {
      if (!read.ok) throw new Error('unreadable');
      expect(read).toEqual({ ...byId.get(read.event.id), delivery: 'enveloped' });
    }
  });
});
