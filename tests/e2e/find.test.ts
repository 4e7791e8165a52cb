/**
 * `npm run find` against the emulator's S3 and SQS, with a stage's resources
 * named as its stack names them: one SIM card's events, each left where the
 * relay leaves it — published and archived (the archiver's layout, in a
 * bucket named as CloudFormation names ArchiveBucket), quarantined by the
 * relay's own handler, queued for publishing and moved to the dead-letter
 * queue by the relay's own writer and drainer — are found in one run, each
 * with where it is and what happened to it, and no queue loses a message.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { SQSRecord } from 'aws-lambda';
import { dateOf, encodeObject, objectKey, toArchivedMessage } from '../../lib/archive/archive';
import { sqsRetryQueue } from '../../lib/queues/retry';
import { sqsRetryActions } from '../../lib/queues/retry-drainer';
import { CREDENTIALS, Emulator, type Queue, REGION } from '../support/integration/aws';
import { loadEvent, payloadOf, signed, withPayload } from '../support/integration/events';
import { receiveRecords } from '../support/integration/lambda-records';
import { childEnv, runScript, type Finished } from '../support/integration/processes';
import { deployedEnv, loadRelay, TEST_SECRET } from '../support/integration/relay';

const emulator = new Emulator();
const s3 = new S3Client({ endpoint: emulator.endpoint, region: REGION, credentials: CREDENTIALS, forcePathStyle: true });
const stage = `find-${randomBytes(4).toString('hex')}`;
const stack = `droam-webhook-relay-${stage}`;
const bucket = `${stack}-archivebucket-${randomBytes(6).toString('hex')}`;
const ICCID = `8944${String(Date.now()).slice(-12)}0`;
const OTHER_ICCID = '8920000012345678900';
const AWS_ENV = {
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_S3: emulator.endpoint,
  AWS_ENDPOINT_URL_SQS: emulator.endpoint,
};

/** A SIM card status change of that SIM card, created that many minutes ago; `invalid` drops the rule, which the schema requires. */
function statusChange(iccid: string, minutesAgo: number, invalid = false) {
  const event = loadEvent('rule-sim-card-status-changed.json');
  const payload = payloadOf(event) as { data: Record<string, Record<string, unknown>>; created_at: Record<string, unknown> };
  payload.data.sim_card = { ...payload.data.sim_card, iccid };
  payload.created_at = { ...payload.created_at, unix_timestamp: Math.floor(Date.now() / 1000) - minutesAgo * 60 };
  if (invalid) delete payload.data.rule;
  return signed(withPayload(event, payload), TEST_SECRET);
}

const queues: Record<'quarantine' | 'retry' | 'deadLetter', Queue> = {} as Record<'quarantine' | 'retry' | 'deadLetter', Queue>;
const ids: Record<string, string> = {};
let archiveKey: string;
let found: Finished;

async function createNamedQueue(name: string): Promise<Queue> {
  const { QueueUrl = '' } = await emulator.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await emulator.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
}

async function depth(queue: Queue): Promise<number> {
  const { Attributes = {} } = await emulator.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

function find(args: readonly string[]): Promise<Finished> {
  return runScript('scripts/find.mts', args, { env: childEnv(AWS_ENV), timeoutMs: 60_000 });
}

/** What the relay would have published for a raw-delivery record, as the webhook queues it when SNS cannot take it. */
const snsMessage = (record: SQSRecord) => ({
  Message: record.body,
  MessageAttributes: Object.fromEntries(
    Object.entries(record.messageAttributes).map(([name, a]): [string, MessageAttributeValue] => [name, { DataType: a.dataType, StringValue: a.stringValue }]),
  ),
});

beforeAll(async () => {
  const saved = Object.fromEntries(Object.keys(AWS_ENV).map((name) => [name, process.env[name]]));
  Object.assign(process.env, AWS_ENV);
  try {
    queues.quarantine = await createNamedQueue(`${stack}-quarantine`);
    queues.retry = await createNamedQueue(`${stack}-publish-retry`);
    queues.deadLetter = await createNamedQueue(`${stack}-publish-retry-dlq`);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    const topicArn = await emulator.createTopic('find');
    const published = await emulator.createQueue('find-published');
    await emulator.subscribe(topicArn, published, { raw: true });
    const relay = await loadRelay(deployedEnv(topicArn, { QUARANTINE_QUEUE_URL: queues.quarantine.url, AWS_ENDPOINT_URL_SQS: emulator.endpoint }));
    for (const [name, webhook] of Object.entries({
      archived: statusChange(ICCID, 90),
      queued: statusChange(ICCID, 60),
      deadLettered: statusChange(ICCID, 30),
      otherSim: statusChange(OTHER_ICCID, 20),
    })) {
      const response = await relay.invoke(webhook);
      expect(response.statusCode).toBe(200);
      ids[name] = String(response.json.id);
    }
    for (const iccid of [ICCID, OTHER_ICCID]) {
      const refused = await relay.invoke(statusChange(iccid, 10, true));
      expect(refused.json).toMatchObject({ error: 'invalid_payload', quarantined: true });
    }
    const records = await receiveRecords(emulator, published, 4);
    const recordOf = (name: string): SQSRecord => {
      const record = records.find((r) => r.body.includes(ids[name] ?? '-'));
      if (record === undefined) throw new Error(`${name} was not published`);
      return record;
    };

    // Published and archived, as the archiver writes it (with another SIM card's event in the same object).
    const lines = [recordOf('archived'), recordOf('otherSim')].map((record) => toArchivedMessage(record));
    const [first] = lines;
    if (first === undefined || lines.includes(undefined)) throw new Error('not an archivable message');
    archiveKey = objectKey(first.type, dateOf(first.time) ?? '', new Date());
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: archiveKey, Body: encodeObject(lines.filter((line) => line !== undefined)) }));

    // Queued for publishing by the webhook's writer; one of them then refused by the drainer and moved to the dead-letter queue.
    const enqueue = sqsRetryQueue(queues.retry.url, 5_000);
    for (const name of ['queued', 'deadLettered']) {
      const record = recordOf(name);
      const queuedAt = new Date().toISOString();
      const result = await enqueue(
        {
          stage,
          id: ids[name] ?? '',
          type: 'rule.sim_card.status.changed',
          queued_at: queuedAt,
          request_id: 'r-1',
          publish_error: 'Throttled: Rate exceeded',
          message: snsMessage(record),
        },
        { secret: TEST_SECRET, issue: { stage, issuedAt: Math.floor(Date.now() / 1000) } },
      );
      expect(result).toEqual({ ok: true });
    }
    const retried = await receiveRecords(emulator, queues.retry, 2);
    const refused = retried.find((record) => record.body.includes(ids.deadLettered ?? '-'));
    if (refused === undefined) throw new Error('the retry record was not queued');
    await sqsRetryActions({ retryQueueUrl: queues.retry.url, deadLetterQueueUrl: queues.deadLetter.url }).deadLetter(
      refused,
      'SNS refused the message: InvalidParameter: Message too long',
    );
    await emulator.sqs.send(new DeleteMessageCommand({ QueueUrl: queues.retry.url, ReceiptHandle: refused.receiptHandle }));
    // The one left is visible again, as the drainer leaves a record it will retry.
    const left = retried.find((record) => record !== refused);
    await emulator.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queues.retry.url, ReceiptHandle: left?.receiptHandle, VisibilityTimeout: 0 }));
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
  found = await find(['--iccid', ICCID, '--stage', stage]);
}, 120_000);

afterAll(() => {
  emulator.destroy();
  s3.destroy();
});

describe(`npm run find -- --iccid ICCID --stage STAGE`, () => {
  const entries = (): string[] => found.stdout.split(/\n(?=\S)/).filter((entry) => !/^\d+ found/.test(entry) && entry.trim() !== '');

  it('finds the SIM card in the archive, the quarantine, the publish-retry queue and its dead-letter queue in one run, oldest first', () => {
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(
      /\n4 found for --iccid \d+ from .*: 1 in the archive, 1 in the quarantine, 1 in the publish-retry queue, 1 in the publish-retry dead-letter queue\n$/,
    );
    expect(entries().map((entry) => entry.split(':')[0])).toEqual(['archive', 'publish-retry queue', 'publish-retry dead-letter queue', 'quarantine']);
    expect(found.stdout).not.toContain(ids.otherSim);
  });

  it('says where each one is and what happened to it', () => {
    const [archived, queued, deadLettered, quarantined] = entries();
    expect(archived).toContain(`archive: rule.sim_card.status.changed ${ids.archived} at `);
    expect(archived).toContain(`published\n  s3://${bucket}/${archiveKey}`);
    expect(queued).toContain(`publish-retry queue: rule.sim_card.status.changed ${ids.queued}`);
    expect(queued).toMatch(/queued for publishing since \S+ \(Throttled: Rate exceeded\), received \d+ time\(s\)\n {2}message \S+ in \S+-publish-retry$/);
    expect(deadLettered).toContain(`publish-retry dead-letter queue: rule.sim_card.status.changed ${ids.deadLettered}`);
    expect(deadLettered).toContain('dead-lettered: SNS refused the message: InvalidParameter: Message too long');
    expect(quarantined).toContain('quarantine: rule.sim_card.status.changed (never published: no id)');
    expect(quarantined).toMatch(
      /quarantined: invalid_payload \(data\.rule: [^)]+\), attempt 1; npm run replay sends it again\n {2}message \S+ in \S+-quarantine$/,
    );
  });

  it('consumes nothing: every queue still holds what it held, for the drainer, the replay and another look', async () => {
    expect([await depth(queues.quarantine), await depth(queues.retry), await depth(queues.deadLetter)]).toEqual([2, 1, 1]);
    const again = await find(['--iccid', ICCID, '--stage', stage]);
    const counts = (result: Finished): string | undefined => /: (1 in the archive, .*)\n$/.exec(result.stdout)?.[1];
    expect(counts(again)).toBe(counts(found));
    expect(counts(again)).toBe('1 in the archive, 1 in the quarantine, 1 in the publish-retry queue, 1 in the publish-retry dead-letter queue');
  }, 60_000);

  it('finds one event by its id, and only in the places that have it', async () => {
    const result = await find(['--id', ids.deadLettered ?? '', '--stage', stage, '--bucket', bucket]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: 0 in the archive, 0 in the quarantine, 0 in the publish-retry queue, 1 in the publish-retry dead-letter queue\n$/);
  }, 60_000);

  it('says so, and exits 1, when nothing is in the range', async () => {
    // Every event above is from the last two hours.
    const result = await find(['--iccid', ICCID, '--stage', stage, '--until', new Date(Date.now() - 3 * 3_600_000).toISOString()]);
    expect({ code: result.code, last: result.stdout.trim().split('\n').at(-1) }).toMatchObject({
      code: 1,
      last: expect.stringMatching(/^0 found for --iccid \d+ from .*: 0 in the archive, 0 in the quarantine, 0 in the publish-retry queue, 0 in the/) as unknown,
    });
  }, 60_000);
});
