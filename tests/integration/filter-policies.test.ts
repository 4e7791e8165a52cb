/**
 * Subscribers filter on the message attributes the relay sets: by event type,
 * and numerically on current_usage_kb. A control queue without a filter shows
 * that everything was published (and that fan-out is over) before the
 * filtered queues are read.
 */
import { Emulator, type Queue, type Received } from '../support/integration/aws';
import { editPayload, loadEvent, payloadOf, signed, withPayload, type SampleEvent } from '../support/integration/events';
import { TEST_SECRET, deployedEnv, loadRelay } from '../support/integration/relay';

const emulator = new Emulator();
afterAll(() => {
  emulator.destroy();
});

const sample = (file: string): SampleEvent => signed(loadEvent(file), TEST_SECRET);

/** pool-usage.json with another current_usage_kb (a number, a string of digits, or absent). */
function poolUsage(usage: number | string | undefined): SampleEvent {
  const event = loadEvent('pool-usage.json');
  const payload = editPayload(payloadOf(event), (p) => {
    if (usage === undefined) delete p.data.pool.current_usage_kb;
    else p.data.pool.current_usage_kb = usage;
  });
  return signed(withPayload(event, payload), TEST_SECRET);
}

const typeOf = (m: Received): string => (JSON.parse(m.body) as { type: string }).type;
const usageOf = (m: Received): number | undefined => (JSON.parse(m.body) as { data: { pool?: { current_usage_kb?: number } } }).data.pool?.current_usage_kb;
const usages = (messages: readonly Received[] | undefined): (number | undefined)[] => (messages ?? []).map(usageOf).sort((a, b) => (a ?? -1) - (b ?? -1));

/** Publishes every event through the relay and returns what each queue received. */
async function publishAll(
  events: readonly SampleEvent[],
  filters: Record<string, Record<string, unknown>>,
): Promise<{ control: Received[]; filtered: Record<string, Received[]> }> {
  const topicArn = await emulator.createTopic('filters');
  const control = await emulator.createQueue('filters-control');
  await emulator.subscribe(topicArn, control, { raw: true });
  const queues: Record<string, Queue> = {};
  for (const [name, filterPolicy] of Object.entries(filters)) {
    queues[name] = await emulator.createQueue(`filters-${name}`);
    await emulator.subscribe(topicArn, queues[name], { raw: true, filterPolicy });
  }

  const relay = await loadRelay(deployedEnv(topicArn));
  for (const event of events) {
    const response = await relay.invoke(event);
    expect(response.statusCode).toBe(200);
  }

  const received = await emulator.receiveAll(control, { expect: events.length });
  expect(received).toHaveLength(events.length);
  const filtered: Record<string, Received[]> = {};
  for (const [name, queue] of Object.entries(queues)) filtered[name] = await emulator.receiveAll(queue);
  return { control: received, filtered };
}

describe('a filter policy on event_type', () => {
  it('delivers pool events only, and the other policy the other events only', async () => {
    const { control, filtered } = await publishAll([sample('pool-usage.json'), sample('company-updated.json'), sample('pool-usage-vendor-example.json')], {
      pool: { event_type: ['rule.pool.usage.triggered'] },
      company: { event_type: [{ prefix: 'company.' }] },
    });
    expect(control.map(typeOf).sort()).toEqual(['company.updated', 'rule.pool.usage.triggered', 'rule.pool.usage.triggered']);
    expect(filtered.pool?.map(typeOf)).toEqual(['rule.pool.usage.triggered', 'rule.pool.usage.triggered']);
    expect(filtered.company?.map(typeOf)).toEqual(['company.updated']);
  });
});

describe('a numeric filter policy on current_usage_kb', () => {
  it('delivers only the events at or above the threshold; events without current_usage_kb are not delivered', async () => {
    const { control, filtered } = await publishAll(
      [
        sample('pool-usage.json'), // 83886080
        sample('pool-usage-vendor-example.json'), // "51200"
        sample('pool-usage-without-usage.json'),
        sample('company-updated.json'),
        poolUsage('60000000'), // the threshold itself, sent as a string of digits
        poolUsage(59_999_999),
      ],
      {
        over60GB: { current_usage_kb: [{ numeric: ['>=', 60_000_000] }] },
        between: { event_type: ['rule.pool.usage.triggered'], current_usage_kb: [{ numeric: ['>', 50_000, '<', 60_000_000] }] },
      },
    );
    expect(control).toHaveLength(6);
    expect(usages(filtered.over60GB)).toEqual([60_000_000, 83_886_080]);
    expect(usages(filtered.between)).toEqual([51_200, 59_999_999]);
  });
});
