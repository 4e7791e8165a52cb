/**
 * The subscriber end to end, against the emulator: webhooks POSTed through
 * the relay's real handler → the topic → a queue subscribed with the SAME
 * filter policy as this service's serverless.yml (read from it, the stage
 * parameter substituted, so a drift breaks this test) → received → the real
 * handler on those SQS records, its two tables in a DynamoDB emulator
 * (dynalite, in this process). It receives exactly what the filter selects,
 * and a corrupted record is reported in batchItemFailures while the others
 * succeed; an event delivered three times has its effect once, and of two
 * states of a pool delivered out of order the newer stays.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import YAML, { type Tags } from 'yaml';
import { readSqsRecord } from '@droam-webhook-relay/events';
import { type DynamoDbEmulator, startDynamoDb } from '../../../tests/support/dynamodb/emulator';
import { CREDENTIALS, Emulator, type Queue, REGION, uniqueName } from '../../../tests/support/integration/aws';
import { receiveRecords } from '../../../tests/support/integration/lambda-records';
import { editPayload, loadEvent, payloadOf, type PoolPayload, signed, withPayload, type SampleEvent } from '../../../tests/support/integration/events';
import { TEST_SECRET, deployedEnv, loadRelay } from '../../../tests/support/integration/relay';
import checkParams from '../params.cjs';

/** The short-form intrinsic functions this serverless.yml uses, as plain objects. */
const CFN_TAGS: Tags = [
  ...['Ref', 'GetAtt', 'ImportValue', 'Sub'].map((name) => ({
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
let dynamodb: DynamoDbEmulator;
/** The subscriber's environment, as serverless.yml gives it, with its tables in the DynamoDB emulator. */
let subscriberEnv: Record<string, string>;
beforeAll(async () => {
  dynamodb = await startDynamoDb();
  subscriberEnv = {
    IDEMPOTENCY_TABLE: uniqueName('idempotency'),
    POOL_USAGE_STATE_TABLE: uniqueName('pool-usage-state'),
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    POWERTOOLS_DEV: 'true',
  };
  await dynamodb.createTable(subscriberEnv.IDEMPOTENCY_TABLE ?? '', 'id');
  await dynamodb.createTable(subscriberEnv.POOL_USAGE_STATE_TABLE ?? '', 'key');
  // For the whole file: the SDK reads its endpoint, region and credentials when it first sends, not when the handler loads.
  saved = Object.fromEntries(Object.keys(subscriberEnv).map((name) => [name, process.env[name]]));
  Object.assign(process.env, subscriberEnv);
});
let saved: Record<string, string | undefined> = {};
afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
  emulator.destroy();
  await dynamodb.stop();
});

const sample = (file: string): SampleEvent => signed(loadEvent(file), TEST_SECRET);

/** pool-usage.json with another current_usage_kb (a number, a string of digits, or absent), and another pool name to tell them apart. */
function poolUsage(name: string, usage: number | string | undefined, edit: (payload: PoolPayload) => void = () => undefined): SampleEvent {
  const event = loadEvent('pool-usage.json');
  const payload = editPayload(payloadOf(event), (p) => {
    p.data.pool.name = name;
    if (usage === undefined) delete p.data.pool.current_usage_kb;
    else p.data.pool.current_usage_kb = usage;
    edit(p);
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

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/** The real handler, loaded as a cold start loads it. */
async function loadSubscriber(): Promise<Handler> {
  let handler: Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    ({ handler } = await import('../src/handler'));
  });
  if (handler === undefined) throw new Error('src/handler did not load');
  return handler;
}

/** Runs a handler on a batch, its Powertools log lines captured (POWERTOOLS_DEV routes them through console). */
async function runSubscriber(event: SQSEvent, loaded?: Handler): Promise<{ response: SQSBatchResponse; logs: Record<string, unknown>[] }> {
  const handler = loaded ?? (await loadSubscriber());
  const lines: string[] = [];
  const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    }),
  );
  try {
    const response = await handler(event);
    return { response, logs: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  } finally {
    for (const spy of spies) spy.mockRestore();
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

describe('an event delivered three times and two states of a pool out of order → the subscriber with handleOnce and newestWins', () => {
  const idOf = (record: SQSRecord): string => (JSON.parse(record.body) as { id: string }).id;
  const ids: Record<string, string> = {};
  let copies: SQSRecord[];
  let logs: Record<string, unknown>[];
  let responses: SQSBatchResponse[];

  beforeAll(async () => {
    const topicArn = await emulator.createTopic('pool-usage-subscriber-once');
    const queue = await emulator.createQueue('pool-usage-subscriber-once');
    await emulator.subscribe(topicArn, queue, { raw: true, filterPolicy: FILTER_POLICY });
    const relay = await loadRelay(deployedEnv(topicArn));
    const otherPool = (p: PoolPayload, unixTimestamp: number): void => {
      p.data.pool.uuid = '2b8f4c1d-6e3a-4f5b-9c7d-1a2e3f4b5c6d';
      p.created_at = { ...p.created_at, unix_timestamp: unixTimestamp };
    };
    const webhooks: [string, SampleEvent][] = [
      // dRoam's retry, a second delivery by SNS, a replay: the same payload three times, so the same CloudEvent id.
      ['copy', poolUsage('delivered three times', 84_000_000)],
      ['copy', poolUsage('delivered three times', 84_000_000)],
      ['copy', poolUsage('delivered three times', 84_000_000)],
      // The newer state published first; the older one arrives after it (the publish-retry queue, a replay).
      [
        'newer',
        poolUsage('newer state', 90_000_000, (p) => {
          otherPool(p, 1_704_070_800);
        }),
      ],
      [
        'older',
        poolUsage('older state', 85_000_000, (p) => {
          otherPool(p, 1_704_067_200);
        }),
      ],
    ];
    for (const [name, webhook] of webhooks) {
      const response = await relay.invoke(webhook);
      expect(response.statusCode).toBe(200);
      ids[name] = String(response.json.id);
    }
    const received = await receive(queue, webhooks.length);
    const find = (name: string): SQSRecord[] => received.filter((record) => idOf(record) === ids[name]);
    copies = find('copy');
    const [newer, older] = [...find('newer'), ...find('older')];
    const [copy1, copy2, copy3] = copies;
    if (newer === undefined || older === undefined || copy1 === undefined || copy2 === undefined || copy3 === undefined) {
      throw new Error('the queue did not receive every delivery');
    }

    // Three invocations, as the queue may hand the records over; the second is a cold start of another instance.
    const batches = [[copy1, newer], [copy2, older], [copy3]];
    const first = await loadSubscriber();
    const second = await loadSubscriber();
    responses = [];
    logs = [];
    for (const [index, batch] of batches.entries()) {
      const result = await runSubscriber({ Records: batch }, index === 1 ? second : first);
      responses.push(result.response);
      logs.push(...result.logs);
    }
  }, 60_000);

  it('receives the event three times with one id, and both states', () => {
    expect(copies).toHaveLength(3);
    expect(new Set([ids.copy, ids.newer, ids.older]).size).toBe(3);
  });

  it('has the effect once for the event delivered three times, and reports no failure', () => {
    expect(responses).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }, { batchItemFailures: [] }]);
    const effects = logs.filter((line) => line.message === 'pool usage above the alert threshold').map((line) => line.id);
    expect(effects.filter((id) => id === ids.copy)).toHaveLength(1);
    expect(logs.filter((line) => line.message === 'pool usage event already handled: a duplicate').map((line) => line.id)).toEqual([ids.copy, ids.copy]);
  });

  it('keeps the newer state of the pool: the older event arriving after it has no effect', async () => {
    const effects = logs.filter((line) => line.message === 'pool usage above the alert threshold').map((line) => [line.id, line.current_usage_kb]);
    expect(effects.filter(([id]) => id !== ids.copy)).toEqual([[ids.newer, 90_000_000]]);
    expect(logs.filter((line) => line.message === 'pool usage event older than the one applied: skipped')).toEqual([
      expect.objectContaining({ id: ids.older, reason: 'older', newer_id: ids.newer }),
    ]);
    const state = await dynamodb.scan(subscriberEnv.POOL_USAGE_STATE_TABLE ?? '');
    expect(state.map((item) => [item.key?.S, item.id?.S]).sort()).toEqual(
      [
        ['rule.pool.usage.triggered#7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14', ids.copy],
        ['rule.pool.usage.triggered#2b8f4c1d-6e3a-4f5b-9c7d-1a2e3f4b5c6d', ids.newer],
      ].sort(),
    );
  });
});
