/**
 * The subscriber end to end, against the emulator: webhooks POSTed through
 * the relay's real handler → the topic → a queue subscribed with the SAME
 * filter policy as this service's serverless.yml (read from it, the stage
 * parameter substituted, so a drift breaks this test) → received → the real
 * handler on those SQS records. It receives exactly what the filter selects,
 * and a corrupted record is reported in batchItemFailures while the others
 * succeed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import YAML, { type Tags } from 'yaml';
import { readSqsRecord } from '@droam-webhook-relay/events';
import { Emulator, type Queue } from '../../../tests/support/integration/aws';
import { receiveRecords } from '../../../tests/support/integration/lambda-records';
import { editPayload, loadEvent, payloadOf, signed, withPayload, type SampleEvent } from '../../../tests/support/integration/events';
import { TEST_SECRET, deployedEnv, loadRelay } from '../../../tests/support/integration/relay';
import checkParams from '../params.cjs';

/** The short-form intrinsic functions this serverless.yml uses, as plain objects. */
const CFN_TAGS: Tags = [
  ...['Ref', 'GetAtt', 'ImportValue'].map((name) => ({
    tag: `!${name}`,
    resolve: (value: string) => (name === 'Ref' ? { Ref: value } : { [`Fn::${name}`]: name === 'GetAtt' ? value.split('.') : value }),
  })),
  ...['If', 'Not', 'Equals'].map((name) => ({
    tag: `!${name}`,
    collection: 'seq' as const,
    resolve: (value: YAML.YAMLSeq) => ({ [`Fn::${name}`]: value.toJSON() }),
  })),
];

interface ServerlessYml {
  params: { default: Record<string, unknown> };
  resources: { Resources: Record<string, { Properties: Record<string, unknown> }> };
}

const serverless = YAML.parse(readFileSync(path.join(__dirname, '..', 'serverless.yml'), 'utf8'), { customTags: CFN_TAGS }) as ServerlessYml;
const THRESHOLD_KB = serverless.params.default.poolUsageAlertKb;

/** What serverless.yml's `${file(./params.cjs):NAME}` gives for a stage with the default parameters. */
const checkedParams = checkParams({ resolveVariable: (variable) => Promise.resolve(serverless.params.default[variable.replace(/^param:/, '')]) });

/** The filter policy as CloudFormation receives it for a stage with the default parameters. */
async function withParams(value: unknown): Promise<unknown> {
  if (typeof value === 'string') {
    const whole = /^\$\{param:(\w+)\}$/.exec(value);
    if (whole?.[1] !== undefined) return serverless.params.default[whole[1]];
    const checked = /^\$\{file\(\.\/params\.cjs\):(\w+)\}$/.exec(value);
    if (checked?.[1] !== undefined) return ((await checkedParams) as Record<string, unknown>)[checked[1]];
    if (value.includes('${')) throw new Error(`unresolved variable in the filter policy: ${value}`);
    return value;
  }
  if (Array.isArray(value)) return Promise.all(value.map(withParams));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await withParams(v)] as const)));
  }
  return value;
}
let FILTER_POLICY: Record<string, unknown>;
beforeAll(async () => {
  FILTER_POLICY = (await withParams(serverless.resources.Resources.PoolUsageSubscription?.Properties.FilterPolicy)) as Record<string, unknown>;
});

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

/** The real handler, its Powertools log lines captured (POWERTOOLS_DEV routes them through console). */
async function runSubscriber(event: SQSEvent): Promise<{ response: SQSBatchResponse; logs: Record<string, unknown>[] }> {
  const saved = process.env.POWERTOOLS_DEV;
  process.env.POWERTOOLS_DEV = 'true';
  let handler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
  await jest.isolateModulesAsync(async () => {
    ({ handler } = await import('../src/handler'));
  });
  const lines: string[] = [];
  const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    }),
  );
  try {
    if (handler === undefined) throw new Error('src/handler did not load');
    const response = await handler(event);
    return { response, logs: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  } finally {
    for (const spy of spies) spy.mockRestore();
    if (saved === undefined) delete process.env.POWERTOOLS_DEV;
    else process.env.POWERTOOLS_DEV = saved;
  }
}

describe('POST → relay → topic → filtered queue → the pool usage subscriber', () => {
  const above = THRESHOLD_KB as number;
  const events = {
    far_above: sample('pool-usage.json'), // 83886080 KB
    just_above_as_digits: poolUsage('just above, sent as digits', String(above + 1)),
    at_threshold: poolUsage('at the threshold', above),
    below: sample('pool-usage-vendor-example.json'), // "51200"
    without_usage: sample('pool-usage-without-usage.json'),
    company: sample('company-updated.json'),
    sim_card_above: simCardAboveThreshold(),
  };
  let received: SQSRecord[];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const topicArn = await emulator.createTopic('pool-usage-subscriber');
    const control = await emulator.createQueue('pool-usage-subscriber-control');
    const queue = await emulator.createQueue('pool-usage-subscriber');
    await emulator.subscribe(topicArn, control, { raw: true });
    await emulator.subscribe(topicArn, queue, { raw: true, filterPolicy: FILTER_POLICY });

    const relay = await loadRelay(deployedEnv(topicArn));
    for (const [name, event] of Object.entries(events)) {
      const response = await relay.invoke(event);
      expect(response.statusCode).toBe(200);
      ids[name] = String(response.json.id);
    }
    // Everything was published (and fanned out) once the unfiltered queue holds every event.
    expect(await receive(control, Object.keys(events).length)).toHaveLength(Object.keys(events).length);
    // A message that reaches the queue corrupted (truncated), beside what SNS delivered.
    await emulator.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"specversion":"1.0","id":"trunc' }));
    received = await receive(queue, 3);
  }, 60_000);

  it('the threshold is a number, as SNS requires in a numeric filter', () => {
    expect(typeof THRESHOLD_KB).toBe('number');
    expect(FILTER_POLICY).toEqual({ event_type: ['rule.pool.usage.triggered'], current_usage_kb: [{ numeric: ['>', THRESHOLD_KB] }] });
  });

  it('the filtered queue receives only pool usage events above the threshold (and the corrupted record)', () => {
    const idsReceived = received.map((record) => (readSqsRecord(record).ok ? (JSON.parse(record.body) as { id: string }).id : 'corrupted')).sort();
    expect(idsReceived).toEqual([ids.far_above, ids.just_above_as_digits, 'corrupted'].sort());
  });

  it('the subscriber handles the pool usage events and reports only the corrupted record in batchItemFailures', async () => {
    const corrupted = received.find((record) => record.body.includes('trunc'));
    const { response, logs } = await runSubscriber({ Records: received });
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
});
