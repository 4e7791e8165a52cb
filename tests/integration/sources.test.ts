/**
 * One stage, two dRoam accounts: the default source at /webhooks/droam and the named source `emea` at
 * /webhooks/droam/emea, each with api secrets of its own. The real handler (functions/webhook.ts) publishes
 * to the emulator's topic, where queues filter on the `droam_source` attribute: each source's events reach
 * its own subscriber, a request signed with the other source's secret is refused, a path naming no source
 * of the stage is answered 404 whatever its signature, and every message, and a refused payload, is tagged
 * with the secret of the source it came in for, over its name.
 */
import { randomBytes } from 'node:crypto';
import { checkMessageTag } from '../../lib/queues/published';
import { readQuarantineMessage } from '../../lib/queues/quarantine';
import { Emulator, plainAttributes, type Queue, type Received } from '../support/integration/aws';
import { loadEvent, signed, type SampleEvent } from '../support/integration/events';
import { receiveRecords } from '../support/integration/lambda-records';
import { deployedEnv, loadRelay, loadRetryDrainer, type Relay, TEST_SECRET } from '../support/integration/relay';

const EMEA_SECRET = randomBytes(16).toString('hex');
const emulator = new Emulator();

afterAll(() => {
  emulator.destroy();
});

/** A sample sent to another path, as API Gateway hands the route `POST /webhooks/droam/{source}` to the function. */
function atSource(event: SampleEvent, source: string): SampleEvent {
  const path = `/webhooks/droam/${source}`;
  const context = event.requestContext as { http: Record<string, unknown> };
  return {
    ...event,
    routeKey: 'POST /webhooks/droam/{source}',
    rawPath: path,
    pathParameters: { source },
    requestContext: { ...context, http: { ...context.http, path } },
  };
}

const idOf = (message: Received): string => (JSON.parse(message.body) as { id: string }).id;

describe('a stage with a default and a named dRoam source, each with its own secrets', () => {
  let relay: Relay;
  let control: Queue;
  let defaultQueue: Queue;
  let emeaQueue: Queue;
  let quarantine: Queue;

  beforeAll(async () => {
    const topicArn = await emulator.createTopic('sources');
    [control, defaultQueue, emeaQueue, quarantine] = await Promise.all([
      emulator.createQueue('sources-control'),
      emulator.createQueue('sources-default'),
      emulator.createQueue('sources-emea'),
      emulator.createQueue('sources-quarantine'),
    ]);
    await emulator.subscribe(topicArn, control, { raw: true });
    await emulator.subscribe(topicArn, defaultQueue, { raw: true, filterPolicy: { droam_source: ['default'] } });
    await emulator.subscribe(topicArn, emeaQueue, { raw: true, filterPolicy: { droam_source: ['emea'] } });
    relay = await loadRelay(
      deployedEnv(topicArn, {
        DROAM_SOURCES: 'emea',
        DROAM_SOURCE_API_SECRETS: `emea=${EMEA_SECRET}`,
        QUARANTINE_QUEUE_URL: quarantine.url,
        AWS_ENDPOINT_URL_SQS: emulator.endpoint,
      }),
    );
  });

  it("publishes each source's events with its name as the droam_source attribute, to the subscribers that filter on it", async () => {
    const fromDefault = await relay.invoke(signed(loadEvent('pool-usage.json'), TEST_SECRET));
    const fromEmea = await relay.invoke(atSource(signed(loadEvent('company-updated.json'), EMEA_SECRET), 'emea'));
    expect([fromDefault.statusCode, fromEmea.statusCode]).toEqual([200, 200]);

    expect(await emulator.receiveAll(control, { expect: 2 })).toHaveLength(2);
    const [inDefault] = await emulator.receiveAll(defaultQueue, { expect: 1 });
    const [inEmea] = await emulator.receiveAll(emeaQueue, { expect: 1 });
    expect(JSON.parse(inDefault?.body ?? '{}')).toMatchObject({ id: fromDefault.json.id, type: 'rule.pool.usage.triggered', source: 'droam' });
    expect(plainAttributes(inDefault?.attributes ?? {}).droam_source).toEqual({ DataType: 'String', StringValue: 'default' });
    expect(JSON.parse(inEmea?.body ?? '{}')).toMatchObject({ id: fromEmea.json.id, type: 'company.updated', source: 'droam/emea' });
    expect(plainAttributes(inEmea?.attributes ?? {}).droam_source).toEqual({ DataType: 'String', StringValue: 'emea' });
    expect(await emulator.receiveAll(defaultQueue)).toEqual([]);
    expect(await emulator.receiveAll(emeaQueue)).toEqual([]);
  });

  it('gives the same dRoam event from two accounts two ids, so that de-duplication never drops one', async () => {
    const fromDefault = await relay.invoke(signed(loadEvent('pool-usage.json'), TEST_SECRET));
    const fromEmea = await relay.invoke(atSource(signed(loadEvent('pool-usage.json'), EMEA_SECRET), 'emea'));
    const received = await emulator.receiveAll(control, { expect: 2 });
    expect(received.map(idOf).sort()).toEqual([String(fromDefault.json.id), String(fromEmea.json.id)].sort());
    expect(fromDefault.json.id).not.toBe(fromEmea.json.id);
    await emulator.receiveAll(defaultQueue, { expect: 1 });
    await emulator.receiveAll(emeaQueue, { expect: 1 });
  });

  it("tags each message with its source's secret, over its droam_source: a message moved to another source does not verify", async () => {
    const fromEmea = await relay.invoke(atSource(signed(loadEvent('pool-usage.json'), EMEA_SECRET), 'emea'));
    expect(fromEmea.statusCode).toBe(200);
    await emulator.receiveAll(control, { expect: 1 });
    const [message] = await emulator.receiveAll(emeaQueue, { expect: 1 });
    const body = message?.body ?? '';
    const attributes = Object.fromEntries(
      Object.entries(plainAttributes(message?.attributes ?? {})).map(([name, a]) => [name, { DataType: a.DataType ?? '', StringValue: a.StringValue ?? '' }]),
    );
    expect(checkMessageTag(body, attributes, [EMEA_SECRET])).toMatchObject({ ok: true });
    expect(checkMessageTag(body, attributes, [TEST_SECRET])).toMatchObject({ ok: false, problem: 'altered' });
    const moved = { ...attributes, droam_source: { DataType: 'String', StringValue: 'default' } };
    expect(checkMessageTag(body, moved, [EMEA_SECRET, TEST_SECRET])).toMatchObject({ ok: false, problem: 'altered' });
  });

  it("refuses a request signed with the other source's secret, on either path", async () => {
    const crossed = [
      await relay.invoke(signed(loadEvent('pool-usage.json'), EMEA_SECRET)),
      await relay.invoke(atSource(signed(loadEvent('pool-usage.json'), TEST_SECRET), 'emea')),
    ];
    expect(crossed.map((response) => [response.statusCode, response.json.error])).toEqual([
      [401, 'unauthorized'],
      [401, 'unauthorized'],
    ]);
    expect(await emulator.receiveAll(control)).toEqual([]);
  });

  it('answers 404 for a path that names no source of the stage, before authentication', async () => {
    const unknown = await relay.invoke(atSource(signed(loadEvent('pool-usage.json'), TEST_SECRET), 'apac'));
    expect([unknown.statusCode, unknown.json.error]).toEqual([404, 'unknown_source']);
    expect(unknown.logs).toContainEqual(expect.objectContaining({ outcome: 'rejected', status: 404, error: 'unknown_source' }));
    expect(await emulator.receiveAll(control)).toEqual([]);
  });

  it("keeps a refused payload with the name of its source, tagged with that source's secret", async () => {
    const refused = await relay.invoke(atSource(signed(loadEvent('error-invalid-payload.json'), EMEA_SECRET), 'emea'));
    expect([refused.statusCode, refused.json.quarantined]).toEqual([422, true]);
    const [kept] = await emulator.receiveAll(quarantine, { expect: 1 });
    const tag = kept?.attributes.integrity_tag?.StringValue;
    const read = readQuarantineMessage(kept?.body ?? '', tag, [EMEA_SECRET]);
    expect(read).toMatchObject({ ok: true, record: { droam_source: 'emea', reason: 'invalid_payload' } });
    expect(readQuarantineMessage(kept?.body ?? '', tag, [TEST_SECRET])).toMatchObject({ ok: false, problem: 'altered' });
    // The source's name is under the tag: a record moved to another source does not verify.
    const moved = (kept?.body ?? '').replace('"droam_source":"emea"', '"droam_source":"default"');
    expect(moved).not.toBe(kept?.body);
    expect(readQuarantineMessage(moved, tag, [EMEA_SECRET, TEST_SECRET])).toMatchObject({ ok: false, problem: 'altered' });
  });
});

describe('the publish-retry drainer of a stage with named sources', () => {
  it("publishes an event queued while SNS was down, its record tagged with its source's secret, with its source's attribute", async () => {
    const topicArn = await emulator.createTopic('sources-retry');
    const [subscriber, retryQueue, deadLetters] = await Promise.all([
      emulator.createQueue('sources-retry-subscriber'),
      emulator.createQueue('sources-retry'),
      emulator.createQueue('sources-retry-dlq'),
    ]);
    await emulator.subscribe(topicArn, subscriber, { raw: true, filterPolicy: { droam_source: ['emea'] } });
    const sources = {
      DROAM_SOURCES: 'emea',
      DROAM_SOURCE_API_SECRETS: `emea=${EMEA_SECRET}`,
      AWS_ENDPOINT_URL_SQS: emulator.endpoint,
      RETRY_QUEUE_URL: retryQueue.url,
    };
    // SNS unreachable (nothing listens on port 9): the event waits in the publish-retry queue.
    const relay = await loadRelay(deployedEnv(topicArn, { ...sources, AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9' }));
    const queued = await relay.invoke(atSource(signed(loadEvent('pool-usage.json'), EMEA_SECRET), 'emea'));
    expect([queued.statusCode, queued.json.queued]).toEqual([200, true]);

    const drainer = await loadRetryDrainer(deployedEnv(topicArn, { ...sources, RETRY_DEAD_LETTER_QUEUE_URL: deadLetters.url }));
    const records = await receiveRecords(emulator, retryQueue, 1);
    expect(JSON.parse(records[0]?.body ?? '{}')).toMatchObject({ id: queued.json.id, droam_source: 'emea' });
    expect(await drainer({ Records: records })).toEqual({ batchItemFailures: [] });
    const [published] = await emulator.receiveAll(subscriber, { expect: 1 });
    expect(idOf(published ?? { body: '{}', attributes: {}, system: {} })).toBe(queued.json.id);
    expect(plainAttributes(published?.attributes ?? {}).droam_source).toEqual({ DataType: 'String', StringValue: 'emea' });
    expect(await emulator.receiveAll(deadLetters)).toEqual([]);
  });
});
