/**
 * The real handler publishing to a topic of the emulator: what a raw-delivery
 * subscriber and an enveloped one receive, and what the caller is answered.
 */
import { Emulator, plainAttributes, type Queue } from '../support/integration/aws';
import { editPayload, loadEvent, payloadOf, signed, withPayload } from '../support/integration/events';
import { TEST_SECRET, deployedEnv, loadRelay, type Relay } from '../support/integration/relay';
import { canonicalJson } from '../../lib/contract/json';

/** The relay's integrity tag on each message (lib/queues/published.ts), as a stage named test makes it. */
const TAGGED = /^test\.\d+\.[A-Za-z0-9_-]{43}$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const emulator = new Emulator();
let topicArn: string;
let raw: Queue;
let enveloped: Queue;
let relay: Relay;

beforeAll(async () => {
  topicArn = await emulator.createTopic('publish');
  raw = await emulator.createQueue('publish-raw');
  enveloped = await emulator.createQueue('publish-enveloped');
  await emulator.subscribe(topicArn, raw, { raw: true });
  await emulator.subscribe(topicArn, enveloped, { raw: false });
  relay = await loadRelay(deployedEnv(topicArn));
});

afterAll(() => {
  emulator.destroy();
});

/** dRoam's own example (numbers as strings), with fields the docs do not mention. */
const vendorExample = payloadOf(loadEvent('pool-usage-vendor-example.json'));
const withExtras = editPayload(vendorExample, (p) => {
  p.data.pool.sim_count = 12;
  p.data.pool.labels = ['eu', 'trackers'];
  p.data.rule.threshold_kb = '102400';
  p.data.account = { uuid: 'acc-1', tier: 'gold' };
});
const request = signed(withPayload(loadEvent('pool-usage-vendor-example.json'), withExtras), TEST_SECRET);

describe('a pool usage event', () => {
  let response: Awaited<ReturnType<Relay['invoke']>>;
  let rawMessages: Awaited<ReturnType<Emulator['receiveAll']>>;
  let envelopedMessages: Awaited<ReturnType<Emulator['receiveAll']>>;

  beforeAll(async () => {
    response = await relay.invoke(request);
    rawMessages = await emulator.receiveAll(raw, { expect: 1 });
    envelopedMessages = await emulator.receiveAll(enveloped, { expect: 1 });
  });

  it('is answered 200 with the event id and the SNS message id', () => {
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(Object.keys(response.json).sort()).toEqual(['id', 'message_id']);
    expect(response.json.id).toMatch(UUID);
    expect(typeof response.json.message_id).toBe('string');
  });

  it('reaches a raw-delivery subscriber once, as a CloudEvents 1.0 structured JSON document', () => {
    expect(rawMessages).toHaveLength(1);
    const event = JSON.parse(rawMessages[0]?.body ?? '') as unknown;
    expect(event).toEqual({
      specversion: '1.0',
      id: response.json.id,
      source: 'droam',
      type: 'rule.pool.usage.triggered',
      time: '2024-04-01T00:00:00Z',
      subject: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55',
      datacontenttype: 'application/json',
      dataschema: 'urn:droam-webhook-relay:schema:event:rule.pool.usage.triggered',
      droamenvelope: '{"created_at":{"human_date":"2024-06-12","human_time":"17:25:11","timezone":"UTC","unix_timestamp":1711929600}}',
      correlationid: (request.requestContext as { requestId?: unknown }).requestId,
      data: {
        rule: { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB', threshold_kb: '102400' },
        // "51200" normalised to a number; the undocumented fields kept as they came.
        pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'Pool Name', current_usage_kb: 51200, sim_count: 12, labels: ['eu', 'trackers'] },
        account: { uuid: 'acc-1', tier: 'gold' },
      },
    });
  });

  it('carries the filterable message attributes, current_usage_kb as a Number', () => {
    expect(plainAttributes(rawMessages[0]?.attributes ?? {})).toEqual({
      event_type: { DataType: 'String', StringValue: 'rule.pool.usage.triggered' },
      event_id: { DataType: 'String', StringValue: response.json.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
      pool_uuid: { DataType: 'String', StringValue: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55' },
      rule_uuid: { DataType: 'String', StringValue: '1711929600' },
      current_usage_kb: { DataType: 'Number', StringValue: '51200' },
      integrity_tag: { DataType: 'String', StringValue: expect.stringMatching(TAGGED) as unknown },
    });
  });

  it('reaches an enveloped subscriber in an SNS notification with the same event and attributes', () => {
    expect(envelopedMessages).toHaveLength(1);
    const envelope = JSON.parse(envelopedMessages[0]?.body ?? '') as {
      Type: string;
      MessageId: string;
      TopicArn: string;
      Message: string;
      MessageAttributes: Record<string, { Type: string; Value: string }>;
    };
    expect(envelope.Type).toBe('Notification');
    expect(envelope.TopicArn).toBe(topicArn);
    expect(envelope.MessageId).toBe(response.json.message_id);
    expect(envelope.Message).toBe(rawMessages[0]?.body);
    expect(envelope.MessageAttributes).toEqual({
      event_type: { Type: 'String', Value: 'rule.pool.usage.triggered' },
      event_id: { Type: 'String', Value: response.json.id },
      droam_source: { Type: 'String', Value: 'default' },
      pool_uuid: { Type: 'String', Value: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55' },
      rule_uuid: { Type: 'String', Value: '1711929600' },
      current_usage_kb: { Type: 'Number', Value: '51200' },
      integrity_tag: { Type: 'String', Value: expect.stringMatching(TAGGED) as unknown },
    });
  });

  it('writes one structured log line with outcome, status, type, id and duration, and no secret or hash', () => {
    expect(response.logs).toHaveLength(1);
    expect(response.logs[0]).toMatchObject({
      level: 'INFO',
      outcome: 'published',
      status: 200,
      type: 'rule.pool.usage.triggered',
      id: response.json.id,
      duration_ms: expect.any(Number) as unknown,
    });
    const hash = request.headers['x-api-hash'] ?? '';
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    for (const text of [response.logText, response.body]) {
      expect(text).not.toContain(TEST_SECRET);
      expect(text).not.toContain(hash);
    }
  });
});

describe('event ids', () => {
  it('are the same for the same delivery sent again, and differ between events', async () => {
    const again = signed(request, TEST_SECRET, Math.floor(Date.now() / 1000) - 5);
    const other = signed(
      withPayload(
        request,
        editPayload(withExtras, (p) => (p.data.pool.current_usage_kb = '51201')),
      ),
      TEST_SECRET,
    );
    const first = await relay.invoke(request);
    const second = await relay.invoke(again);
    const third = await relay.invoke(other);
    const received = await emulator.receiveAll(raw, { expect: 3 });
    await emulator.receiveAll(enveloped, { expect: 3 });

    expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([200, 200, 200]);
    expect(second.json.id).toBe(first.json.id);
    expect(second.json.message_id).not.toBe(first.json.message_id);
    expect(third.json.id).not.toBe(first.json.id);
    // A standard topic does not de-duplicate: both deliveries are published.
    const ids = received.map((m) => (JSON.parse(m.body) as { id: string }).id).sort();
    expect(ids).toEqual([first.json.id, second.json.id, third.json.id].map(String).sort());
  });
});

describe('a type no schema declares', () => {
  it('is published with its type and id as attributes and no subject', async () => {
    // company-updated.json's envelope under a type no later schema will claim.
    const sample = loadEvent('company-updated.json');
    const undeclared = signed(withPayload(sample, { ...payloadOf(sample), type: 'droam.future.event' }), TEST_SECRET);
    const response = await relay.invoke(undeclared);
    expect(response.statusCode).toBe(200);
    const createdAt = payloadOf(sample).created_at as Record<string, unknown>;
    const [message, ...more] = await emulator.receiveAll(raw, { expect: 1 });
    await emulator.receiveAll(enveloped, { expect: 1 });
    expect(more).toEqual([]);
    expect(JSON.parse(message?.body ?? '')).toEqual({
      specversion: '1.0',
      id: response.json.id,
      source: 'droam',
      type: 'droam.future.event',
      correlationid: (undeclared.requestContext as { requestId?: unknown }).requestId,
      time: new Date(Number((payloadOf(sample).created_at as { unix_timestamp: unknown }).unix_timestamp) * 1000).toISOString().replace('.000Z', 'Z'),
      datacontenttype: 'application/json',
      dataschema: 'urn:droam-webhook-relay:schema:envelope',
      droamenvelope: canonicalJson({ created_at: { ...createdAt, unix_timestamp: Number(createdAt.unix_timestamp) } }),
      data: payloadOf(sample).data,
    });
    expect(plainAttributes(message?.attributes ?? {})).toEqual({
      event_type: { DataType: 'String', StringValue: 'droam.future.event' },
      event_id: { DataType: 'String', StringValue: response.json.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
      integrity_tag: { DataType: 'String', StringValue: expect.stringMatching(TAGGED) as unknown },
    });
  });
});

describe('EVENT_SOURCE', () => {
  it('becomes the CloudEvent source', async () => {
    const custom = await loadRelay(deployedEnv(topicArn, { EVENT_SOURCE: 'https://api.droam.example/push' }));
    const response = await custom.invoke(signed(loadEvent('pool-usage.json'), TEST_SECRET));
    expect(response.statusCode).toBe(200);
    const [message] = await emulator.receiveAll(raw, { expect: 1 });
    await emulator.receiveAll(enveloped, { expect: 1 });
    expect(JSON.parse(message?.body ?? '')).toMatchObject({ source: 'https://api.droam.example/push', id: response.json.id });
  });
});
