/**
 * The event archive and `npm run history` end to end, against the emulator
 * (SNS, SQS and S3): the relay publishes events of several types and days →
 * the archive queue, subscribed to the topic as infra/archive.js subscribes it
 * → the real functions/archiver.ts writes gzip JSON Lines to a bucket,
 * partitioned by type and date → `npm run history` replays a range into a
 * subscriber's queue and into a topic, each event once, exactly as published,
 * and only what carries the relay's integrity tag: a forged object is
 * refused, an unreadable one skipped, and the rest sent.
 */
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodeObject } from '../../lib/archive/archive';
import { CREDENTIALS, Emulator, plainAttributes, type Queue, REGION, uniqueName } from '../support/integration/aws';
import { loadEvent, payloadOf, signed, withPayload } from '../support/integration/events';
import { receiveRecords } from '../support/integration/lambda-records';
import { childEnv, runScript, type Finished } from '../support/integration/processes';
import { deployedEnv, loadRelay, TEST_SECRET } from '../support/integration/relay';

const emulator = new Emulator();
const s3 = new S3Client({ endpoint: emulator.endpoint, region: REGION, credentials: CREDENTIALS, forcePathStyle: true });
const bucket = uniqueName('archive').toLowerCase();

/** The environment of the archiver and of `npm run history`: the emulator's endpoints, its credentials. */
const AWS_ENV = {
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_S3: emulator.endpoint,
  AWS_ENDPOINT_URL_SQS: emulator.endpoint,
  AWS_ENDPOINT_URL_SNS: emulator.endpoint,
};

const DAY = 86_400;
const JAN_1 = 1704067200; // 2024-01-01T00:00:00Z

/** A sample with its created_at (and so its CloudEvent time and id) moved. */
function at(file: string, unixSeconds: number, edit: (payload: Record<string, unknown>) => void = () => undefined) {
  const event = loadEvent(file);
  const payload = payloadOf(event);
  payload.created_at = { ...(payload.created_at as object), unix_timestamp: unixSeconds };
  edit(payload);
  return signed(withPayload(event, payload), TEST_SECRET);
}

const published = {
  poolJan1: at('pool-usage.json', JAN_1 + 3600),
  companyJan1: at('company-updated.json', JAN_1 + 7200),
  poolJan2: at('pool-usage.json', JAN_1 + DAY + 60),
  // Outside the replayed range: the end is excluded.
  poolJan4: at('pool-usage.json', JAN_1 + 3 * DAY),
  // A character outside ASCII, kept exactly.
  companyJan3: at('company-updated.json', JAN_1 + 2 * DAY, (payload) => {
    ((payload.data as Record<string, Record<string, unknown>>).company as Record<string, unknown>).name = 'Société Générale Œ';
  }),
  // A type the envelope accepts that a key cannot hold as it is: filed under an escaped name.
  refundJan2: at('pool-usage.json', JAN_1 + DAY + 120, (payload) => {
    payload.type = 'payment:refunded/v2';
    payload.data = { amount: '12.50' };
  }),
  // A day of its own, where forged and unreadable objects are put beside it.
  companyFeb1: at('company-updated.json', JAN_1 + 31 * DAY + 3600),
};
const ids: Record<string, string> = {};
const bodies = new Map<string, string>();
let archiveRecords: SQSRecord[];
let archiverResponses: SQSBatchResponse[];
let keys: string[];
const archiverLogs: Record<string, unknown>[] = [];

async function runArchiver(event: SQSEvent): Promise<SQSBatchResponse> {
  const env = { ...AWS_ENV, ARCHIVE_BUCKET: bucket, POWERTOOLS_DEV: 'true' };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  const spies = (['info', 'error'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      archiverLogs.push(JSON.parse(String(args[0])) as Record<string, unknown>);
    }),
  );
  try {
    let handler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
    await jest.isolateModulesAsync(async () => {
      ({ handler } = await import('../../functions/archiver'));
    });
    if (handler === undefined) throw new Error('functions/archiver did not load');
    return await handler(event);
  } finally {
    for (const spy of spies) spy.mockRestore();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
}

async function listKeys(): Promise<string[]> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return Contents.map((object) => object.Key ?? '').sort();
}

/** `npm run history` with the relay's api secret, which each message's integrity tag is checked against. */
function history(args: readonly string[], env: Record<string, string> = {}): Promise<Finished> {
  return runScript('scripts/history.mts', args, { env: childEnv({ ...AWS_ENV, DROAM_API_SECRET: TEST_SECRET, ...env }), timeoutMs: 60_000 });
}

const bodyIds = (records: readonly { body: string }[]): string[] => records.map((record) => (JSON.parse(record.body) as { id: string }).id);

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const topicArn = await emulator.createTopic('history');
  const archiveQueue = await emulator.createQueue('history-archive');
  await emulator.subscribe(topicArn, archiveQueue, { raw: true });
  const relay = await loadRelay(deployedEnv(topicArn));
  for (const [name, event] of Object.entries(published)) {
    const response = await relay.invoke(event);
    expect(response.statusCode).toBe(200);
    ids[name] = String(response.json.id);
  }
  archiveRecords = await receiveRecords(emulator, archiveQueue, Object.keys(published).length);
  for (const record of archiveRecords) bodies.set((JSON.parse(record.body) as { id: string }).id, record.body);
  // Two batches, the second redelivering one record of the first: the archive is at-least-once.
  archiverResponses = [
    await runArchiver({ Records: archiveRecords.slice(0, 3) }),
    await runArchiver({ Records: [...archiveRecords.slice(2), { ...archiveRecords[0], messageId: 'not-a-cloudevent', body: '{"hello":' } as SQSRecord] }),
  ];
  keys = await listKeys();
}, 90_000);

afterAll(() => {
  emulator.destroy();
  s3.destroy();
});

describe('the archiver (functions/archiver.ts)', () => {
  it('archives every event the relay published, and reports only a record that is not a CloudEvent', () => {
    expect(archiveRecords).toHaveLength(7);
    expect(archiverResponses).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [{ itemIdentifier: 'not-a-cloudevent' }] }]);
    expect(archiverLogs.filter((line) => line.level === 'ERROR')).toEqual([
      expect.objectContaining({ message: 'record is not a CloudEvent of the relay: not archived', message_id: 'not-a-cloudevent' }),
    ]);
  });

  it('writes gzip JSON Lines partitioned by type and by the date of the event time', () => {
    const partitions = keys.map((key) => key.replace(/[^/]+$/, ''));
    expect([...new Set(partitions)].sort()).toEqual([
      'events/type=company.updated/date=2024-01-01/',
      'events/type=company.updated/date=2024-01-03/',
      'events/type=company.updated/date=2024-02-01/',
      'events/type=payment%3Arefunded%2Fv2/date=2024-01-02/',
      'events/type=rule.pool.usage.triggered/date=2024-01-01/',
      'events/type=rule.pool.usage.triggered/date=2024-01-02/',
      'events/type=rule.pool.usage.triggered/date=2024-01-04/',
    ]);
    for (const key of keys) expect(key).toMatch(/\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[0-9a-f-]{36}\.jsonl\.gz$/);
  });

  it('keeps each message exactly as published, with its message attributes', async () => {
    const lines = [];
    for (const key of keys) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      lines.push(...decodeObject(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))));
    }
    // Eight lines for seven events: the redelivered one is archived twice.
    expect(lines).toHaveLength(8);
    for (const line of lines) {
      expect(line.message).toBe(bodies.get(line.id));
      const record = archiveRecords.find((r) => r.body === line.message);
      expect(line.attributes).toEqual(
        Object.fromEntries(Object.entries(record?.messageAttributes ?? {}).map(([name, a]) => [name, { DataType: a.dataType, StringValue: a.stringValue }])),
      );
      expect(line.attributes.event_id?.StringValue).toBe(line.id);
      expect(line.attributes.integrity_tag?.StringValue).toMatch(/^test\.\d+\.[A-Za-z0-9_-]{43}$/);
    }
    expect(lines.find((line) => line.id === ids.companyJan3)?.message).toContain('Société Générale Œ');
  });
});

describe('npm run history', () => {
  let subscriber: Queue;

  beforeAll(async () => {
    subscriber = await emulator.createQueue('history-subscriber');
  });

  it('replays a range into one queue: each event once, in time order, with its id and attributes; the end excluded', async () => {
    const result = await history(['--bucket', bucket, '--from', '2024-01-01', '--to', '2024-01-04', '--to-queue', subscriber.url]);
    expect(result.code).toBe(0);
    // Progress on stderr, the result on stdout.
    // On Node 20 the AWS SDK's notice about the Node version may come between the two lines.
    expect(result.stderr).toMatch(/^history: reading s3:\/\/.*\n(?:[\s\S]*\n)?history: sending 5 event\(s\) to queue /);
    expect(result.stdout).toContain('5 event(s) sent to queue');
    const received = await emulator.receiveAll(subscriber, { expect: 5 });
    expect(bodyIds(received)).toEqual([ids.poolJan1, ids.companyJan1, ids.poolJan2, ids.refundJan2, ids.companyJan3]);
    for (const message of received) {
      const original = archiveRecords.find((record) => record.body === message.body);
      expect(original).toBeDefined();
      expect(plainAttributes(message.attributes)).toEqual(
        Object.fromEntries(Object.entries(original?.messageAttributes ?? {}).map(([name, a]) => [name, { DataType: a.dataType, StringValue: a.stringValue }])),
      );
    }
  }, 60_000);

  it('replays one type of a range into a topic, where filter policies select by the kept attributes', async () => {
    const topicArn = await emulator.createTopic('history-replay');
    const pools = await emulator.createQueue('history-replay-pools');
    const companies = await emulator.createQueue('history-replay-companies');
    await emulator.subscribe(topicArn, pools, { raw: true, filterPolicy: { event_type: ['rule.pool.usage.triggered'] } });
    await emulator.subscribe(topicArn, companies, { raw: true, filterPolicy: { event_type: ['company.updated'] } });

    const result = await history([
      '--bucket',
      bucket,
      '--from',
      '2024-01-02T00:00:00Z',
      '--to',
      '2024-01-05',
      '--type',
      'rule.pool.usage.triggered',
      '--to-topic',
      topicArn,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`2 event(s) sent to topic ${topicArn}`);
    expect(bodyIds(await emulator.receiveAll(pools, { expect: 2 }))).toEqual([ids.poolJan2, ids.poolJan4]);
    expect(await emulator.receiveAll(companies)).toEqual([]);
  }, 60_000);

  it('--dry-run counts per type and sends nothing', async () => {
    const result = await history(['--bucket', bucket, '--from', '2024-01-01', '--to', '2024-02-01', '--to-queue', subscriber.url, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('6 event(s) in range, 1 duplicate(s) or outside it');
    expect(result.stdout).toContain('  company.updated: 2\n  payment:refunded/v2: 1\n  rule.pool.usage.triggered: 3\n');
    expect(await emulator.receiveAll(subscriber)).toEqual([]);
  }, 60_000);

  it('--help prints the usage and exits 0 without reading or sending anything', async () => {
    const before = await listKeys();
    // No endpoint, no credentials: any AWS call would fail.
    const result = await runScript('scripts/history.mts', ['--help', '--to-queue', subscriber.url], {
      env: childEnv({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }),
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run history -- --bucket NAME --from TIME --to TIME/);
    expect(await listKeys()).toEqual(before);
    expect(await emulator.receiveAll(subscriber)).toEqual([]);
  }, 60_000);

  it.each([
    [['--from', '2024-01-02', '--to', '2024-01-01', '--to-queue', 'q'], /^history: --from must be before --to /],
    [['--from', '2024-01-01', '--to', '2024-01-02'], /^history: give exactly one of --to-queue and --to-topic /],
    [['--from', '2024-01-01', '--to', '2024-01-02', '--to-queue', 'q', '--to-topic', 't'], /^history: give exactly one of --to-queue and --to-topic /],
    [['--from', 'yesterday', '--to', '2024-01-02', '--to-queue', 'q'], /^history: --from 'yesterday' is not a date or an RFC 3339 time /],
    // Read in this machine's time zone, it would select another range on every machine.
    [['--from', '2024-01-01T12:00:00', '--to', '2024-01-02', '--to-queue', 'q'], /^history: --from '2024-01-01T12:00:00' has no offset: add Z for UTC/],
    [['--from', '2024-01-01', '--to', '2024-01-02 08:00', '--to-queue', 'q'], /^history: --to '2024-01-02 08:00' has no offset/],
    [['--from', '2024-01-01', '--to', '2024-01-02', '--to-queue', 'q', '--secret', ''], /^history: give the api secret with --secret or DROAM_API_SECRET/],
  ])(
    'refuses %j with one line and exit code 2, sending nothing',
    async (args, message) => {
      const result = await history(['--bucket', bucket, ...args], { DROAM_API_SECRET: args.includes('--secret') ? '' : TEST_SECRET });
      expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    },
    60_000,
  );
});

describe('npm run history sends only what the relay published', () => {
  const FEB_1 = '2024-02-01';
  let genuine: { message: string; attributes: Record<string, { DataType: string; StringValue: string }> };
  let result: Finished;
  let received: { body: string }[];
  const forgedKey = `events/type=company.updated/date=${FEB_1}/2024-02-01T09-00-00-000Z-forged.jsonl.gz`;
  const brokenKey = `events/type=company.updated/date=${FEB_1}/2024-02-01T09-30-00-000Z-broken.jsonl.gz`;

  beforeAll(async () => {
    const body = bodies.get(ids.companyFeb1 ?? '') ?? '';
    const record = archiveRecords.find((r) => r.body === body);
    genuine = {
      message: body,
      attributes: Object.fromEntries(
        Object.entries(record?.messageAttributes ?? {}).map(([name, a]) => [name, { DataType: a.dataType, StringValue: a.stringValue ?? '' }]),
      ),
    };
    const { integrity_tag: tag, ...untaggedAttributes } = genuine.attributes;
    const line = (id: string, message: string, attributes: Record<string, unknown>) =>
      JSON.stringify({
        id,
        type: 'company.updated',
        time: '2024-02-01T05:00:00Z',
        message,
        attributes: { ...attributes, event_id: { DataType: 'String', StringValue: id } },
      });
    // What a principal allowed s3:PutObject on the bucket could add: an event without a tag, and one altered under a genuine tag.
    const forged = [
      line('forged-untagged', body.replace('Example Company', 'Forged Company'), untaggedAttributes),
      line('forged-altered', body.replace('Example Company', 'Altered Company'), { ...untaggedAttributes, integrity_tag: tag }),
    ];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: forgedKey, Body: gzipSync(`${forged.join('\n')}\n`) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: brokenKey, Body: Buffer.from('not gzip at all') }));
    const queue = await emulator.createQueue('history-sealed');
    result = await history(['--bucket', bucket, '--from', FEB_1, '--to', '2024-02-02', '--to-queue', queue.url]);
    received = await emulator.receiveAll(queue, { expect: 1 });
  }, 60_000);

  it('refuses the untagged and the altered event, reporting each, and exits 1', () => {
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refused: forged-untagged \(company\.updated, 2024-02-01T05:00:00Z\): the message carries no integrity tag/);
    expect(result.stderr).toMatch(/refused: forged-altered .*: the message carries an integrity tag that matches it under no accepted secret/);
    expect(result.stdout).toContain('2 event(s) refused');
  });

  it('skips the unreadable object, reporting it, and goes on', () => {
    expect(result.stderr).toContain(`unreadable, skipped: ${brokenKey}`);
  });

  it('sends the genuine event of the same day, exactly as published', () => {
    expect(result.stdout).toContain('1 event(s) sent to queue');
    expect(received.map((message) => message.body)).toEqual([genuine.message]);
  });
});
