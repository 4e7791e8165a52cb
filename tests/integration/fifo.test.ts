/**
 * A FIFO topic (TOPIC_ARN ending in .fifo) with a FIFO queue subscribed:
 * SNS de-duplicates by MessageDeduplicationId (the CloudEvent id) and orders
 * per MessageGroupId (the pool uuid, else the type).
 */
import { Emulator, type Queue, type Received } from '../support/integration/aws';
import { editPayload, loadEvent, payloadOf, signed, withPayload, type SampleEvent } from '../support/integration/events';
import { TEST_SECRET, deployedEnv, loadRelay, type Relay } from '../support/integration/relay';

const POOL_UUID = '7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14';

const emulator = new Emulator();
afterAll(() => {
  emulator.destroy();
});

/** A FIFO topic and FIFO queue of its own, and the relay publishing to that topic. */
async function fifoRelay(): Promise<{ relay: Relay; queue: Queue; topicArn: string }> {
  const { topicArn, queue } = await emulator.topicWithQueue('fifo', { fifo: true });
  expect(topicArn).toMatch(/\.fifo$/);
  return { relay: await loadRelay(deployedEnv(topicArn)), queue, topicArn };
}

const sample = (file: string, timestamp?: number): SampleEvent => signed(loadEvent(file), TEST_SECRET, timestamp);

function poolUsage(usage: number): SampleEvent {
  const event = loadEvent('pool-usage.json');
  return signed(
    withPayload(
      event,
      editPayload(payloadOf(event), (p) => (p.data.pool.current_usage_kb = usage)),
    ),
    TEST_SECRET,
  );
}

const idOf = (m: Received | undefined): string => (JSON.parse(m?.body ?? '') as { id: string }).id;

describe('FIFO publishing', () => {
  it('publishes the same delivery sent twice once, grouped by pool and de-duplicated by event id', async () => {
    const { relay, queue } = await fifoRelay();
    const now = Math.floor(Date.now() / 1000);
    const first = await relay.invoke(sample('pool-usage.json', now));
    const retry = await relay.invoke(sample('pool-usage.json', now + 1)); // dRoam's retry: same body, fresh signature
    expect([first.statusCode, retry.statusCode]).toEqual([200, 200]);
    expect(retry.json.id).toBe(first.json.id);

    const received = await emulator.receiveAll(queue, { expect: 1 });
    expect(received).toHaveLength(1);
    expect(idOf(received[0])).toBe(first.json.id);
    expect(received[0]?.system).toMatchObject({ MessageGroupId: POOL_UUID, MessageDeduplicationId: first.json.id });
  });

  it('publishes two different events of one pool twice, in the order they came', async () => {
    const { relay, queue } = await fifoRelay();
    const low = await relay.invoke(poolUsage(70_000_000));
    const high = await relay.invoke(poolUsage(80_000_000));
    expect([low.statusCode, high.statusCode]).toEqual([200, 200]);
    expect(high.json.id).not.toBe(low.json.id);

    const received = await emulator.receiveAll(queue, { expect: 2 });
    expect(received.map(idOf)).toEqual([low.json.id, high.json.id]);
    for (const message of received) expect(message.system.MessageGroupId).toBe(POOL_UUID);
    expect(received.map((m) => m.system.MessageDeduplicationId)).toEqual([low.json.id, high.json.id]);
  });

  it('groups an event without a subject by its type', async () => {
    const { relay, queue } = await fifoRelay();
    const company = loadEvent('company-updated.json');
    const undeclared = signed(withPayload(company, { ...payloadOf(company), type: 'droam.future.event' }), TEST_SECRET);
    const response = await relay.invoke(undeclared);
    expect(response.statusCode).toBe(200);
    const [message, ...more] = await emulator.receiveAll(queue, { expect: 1 });
    expect(more).toEqual([]);
    expect(message?.system).toMatchObject({ MessageGroupId: 'droam.future.event', MessageDeduplicationId: response.json.id });
  });
});
