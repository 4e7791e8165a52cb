/**
 * `npm run find`: where is an event, and what happened to it? Looks for the
 * events with one id, ICCID, pool, rule or type in every place the relay keeps
 * one: the event archive (published), the quarantine (refused, and why), the
 * publish-retry queue (accepted, waiting for SNS) and its dead-letter queue
 * (never published, and why). It reads and changes nothing: an archive object
 * is only read, and a queue's messages are received, hidden from other
 * readers while it looks, and made visible again before it ends (each counts
 * one more receive, which SQS gives no way to avoid).
 */
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type ArchivedMessage, dateOf } from '../lib/archive/archive';
import { ArchiveBucket } from './archive-bucket.mjs';
import { command, progress, runCommand, timeOption, UsageError } from './cli.mjs';

const SERVICE = 'droam-webhook-relay';
/** How long a received message stays hidden while the queues are looked through; each is released before the end. */
const LOOK_SECONDS = 120;
/** As far back as --since goes by default: the longest SQS keeps a message. */
const DEFAULT_DAYS = 14;

/** An option that takes a value; every option of this command does. */
const valued = (value: string, description: string) => ({ type: 'string', value, description }) as const;

const spec = command({
  name: 'find',
  synopsis: ['(--id ID | --iccid ICCID | --pool UUID | --rule UUID | --type TYPE) [--since TIME] [--until TIME] [--stage STAGE] [--bucket NAME]'],
  summary:
    "Finds the events with that CloudEvent id, SIM card, pool, automation rule or dRoam type in the stage's event archive, quarantine, " +
    'publish-retry queue and its dead-letter queue, and says where each one is and what happened to it: published, quarantined and why, ' +
    'queued for publishing, or dead-lettered and why. Reads only: every queue message it looks at is made visible again.',
  options: {
    id: valued('ID', 'the CloudEvent id (the quarantine keeps payloads never published, which have none)'),
    iccid: valued('ICCID', "a SIM card's ICCID (the iccid attribute, or data.sim_card.iccid)"),
    pool: valued('UUID', "a pool's uuid (the pool_uuid attribute, or data.pool.uuid)"),
    rule: valued('UUID', "an automation rule's uuid (the rule_uuid attribute, or data.rule.uuid)"),
    type: valued('TYPE', "dRoam's type, e.g. rule.sim_card.status.changed"),
    since: valued('TIME', `from this time, included: 2026-11-01 (midnight UTC) or an RFC 3339 time with its offset (default: ${DEFAULT_DAYS} days ago)`),
    until: valued('TIME', 'until this time, excluded, in the same forms (default: now)'),
    stage: valued('STAGE', "the relay's stage: its queues are droam-webhook-relay-<stage>-… (default: local)"),
    bucket: valued('NAME', 'the archive bucket (stack output ArchiveBucketName; default: ARCHIVE_BUCKET, else the buckets CloudFormation named for the stage)'),
  },
  notes: [
    'An event is within the range by its CloudEvent time (archive, publish-retry queues) or by when the relay received it (quarantine).',
    'AWS credentials and region come from the environment, as for the AWS CLI; the local stage reads the emulator of npm start.',
    'Exit status: 0 when anything was found, 1 when nothing was, 2 on a usage error.',
  ],
});

type Place = 'archive' | 'quarantine' | 'publish-retry queue' | 'publish-retry dead-letter queue';

interface Found {
  readonly place: Place;
  readonly type: string;
  /** The CloudEvent id; none for a payload the relay never published. */
  readonly id: string | undefined;
  /** The CloudEvent time, or when the relay received a quarantined payload. */
  readonly time: string;
  readonly what: string;
  readonly where: string;
}

type Selector = { readonly kind: 'id' | 'iccid' | 'pool' | 'rule' | 'type'; readonly value: string };

/** The message attribute each selector reads on a published event, and where it sits in a dRoam payload. */
const ATTRIBUTE: Readonly<Record<Exclude<Selector['kind'], 'id' | 'type'>, { name: string; path: readonly string[] }>> = {
  iccid: { name: 'iccid', path: ['data', 'sim_card', 'iccid'] },
  pool: { name: 'pool_uuid', path: ['data', 'pool', 'uuid'] },
  rule: { name: 'rule_uuid', path: ['data', 'rule', 'uuid'] },
};

/** Whether a published event (its id, type and message attributes) is one the selector asks for. */
function matchesPublished(
  selector: Selector,
  event: { id: string; type: string; attributes: Readonly<Record<string, { StringValue?: string | undefined }>> },
): boolean {
  if (selector.kind === 'id') return event.id === selector.value;
  if (selector.kind === 'type') return event.type === selector.value;
  return event.attributes[ATTRIBUTE[selector.kind].name]?.StringValue === selector.value;
}

/** Whether a payload the relay refused (any JSON, maybe invalid) is one the selector asks for. */
function matchesPayload(selector: Selector, payload: unknown): boolean {
  if (selector.kind === 'id') return false;
  const at = (path: readonly string[]): unknown =>
    path.reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), payload);
  if (selector.kind === 'type') return at(['type']) === selector.value;
  return String(at(ATTRIBUTE[selector.kind].path)) === selector.value;
}

const inRange = (time: string, from: number, to: number): boolean => {
  const millis = Date.parse(time);
  return millis >= from && millis < to;
};

/** The stage's clients: the emulator of `npm start` for the local stage (unless an endpoint is given), AWS otherwise. */
function clients(stage: string): { sqs: SQSClient; s3: S3Client } {
  const endpointGiven = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_S3'].some((name) => process.env[name] !== undefined);
  const local =
    stage === 'local' && !endpointGiven
      ? { endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {};
  // The endpoint comes from the region (or an endpoint override), never from a queue URL's host, which the emulator makes up.
  return {
    sqs: new SQSClient({ ...local, useQueueUrlAsEndpoint: false }),
    s3: new S3Client({ ...local, forcePathStyle: endpointGiven || stage === 'local' }),
  };
}

/** The archive buckets: the one given, or those CloudFormation named for the stage's ArchiveBucket (one kept from an earlier stack too). */
async function archiveBuckets(s3: S3Client, stage: string, given: string | undefined): Promise<string[]> {
  if (given !== undefined && given !== '') return [given];
  const prefix = `${SERVICE}-${stage}-archivebucket-`.toLowerCase();
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  return Buckets.map((bucket) => bucket.Name ?? '').filter((name) => name.startsWith(prefix));
}

/** The archive's events the selector asks for; an object that cannot be read is noted in `unread`, and the others are searched. */
async function searchArchive(archive: ArchiveBucket, selector: Selector, from: number, to: number, unread: string[]): Promise<Found[]> {
  const types = selector.kind === 'type' ? [selector.value] : await archive.types();
  const firstDate = dateOf(new Date(from).toISOString()) ?? '';
  const lastDate = dateOf(new Date(to - 1).toISOString()) ?? '';
  // The archive is at-least-once: an event archived twice is one event, in the first object it is in.
  const byId = new Map<string, { message: ArchivedMessage; key: string; copies: number }>();
  for (const type of types) {
    for await (const { key, messages, unreadable } of archive.objects(type, firstDate, lastDate)) {
      if (unreadable !== undefined) unread.push(`archive: s3://${archive.bucket}/${key}: ${unreadable}`);
      for (const message of messages ?? []) {
        if (!inRange(message.time, from, to) || !matchesPublished(selector, message)) continue;
        const seen = byId.get(message.id);
        byId.set(message.id, seen === undefined ? { message, key, copies: 1 } : { ...seen, copies: seen.copies + 1 });
      }
    }
  }
  return [...byId.values()].map(({ message, key, copies }) => ({
    place: 'archive',
    type: message.type,
    id: message.id,
    time: message.time,
    what: `published${copies > 1 ? ` (archived ${copies} times)` : ''}`,
    where: `s3://${archive.bucket}/${key}`,
  }));
}

/**
 * Every message a queue holds that is visible now, received and hidden for LOOK_SECONDS, then released;
 * and how many were in flight (hidden by a consumer) and so not looked at.
 */
async function lookThrough<T>(sqs: SQSClient, queueUrl: string, read: (message: Message) => T): Promise<{ results: T[]; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
  const held: string[] = [];
  const seen = new Set<string>();
  const results: T[] = [];
  // A second of long polling: short polling samples some of SQS's servers, and could miss a message.
  const receive = {
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    MessageAttributeNames: ['All'],
    MessageSystemAttributeNames: ['ApproximateReceiveCount' as const],
    VisibilityTimeout: LOOK_SECONDS,
    WaitTimeSeconds: 1,
  };
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand(receive));
      const fresh = Messages.filter((message) => !seen.has(message.MessageId ?? ''));
      for (const message of Messages) if (message.ReceiptHandle !== undefined) held.push(message.ReceiptHandle);
      if (fresh.length === 0) break;
      for (const message of fresh) {
        seen.add(message.MessageId ?? '');
        results.push(read(message));
      }
    }
  } finally {
    for (const receiptHandle of held) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 })).catch(() => undefined);
    }
  }
  return { results, inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** A quarantine record (lib/queues/quarantine.ts), read without its integrity tag: it is reported, never acted on. */
function readQuarantined(selector: Selector, from: number, to: number, queueUrl: string, message: Message): Found | undefined {
  const record = parseJson(message.Body ?? '') as
    { received_at?: unknown; reason?: unknown; issues?: unknown; attempt?: unknown; body_base64?: unknown } | undefined;
  if (typeof record !== 'object' || typeof record.received_at !== 'string' || typeof record.body_base64 !== 'string') return undefined;
  if (!inRange(record.received_at, from, to)) return undefined;
  const body = Buffer.from(record.body_base64, 'base64').toString('utf8');
  const payload = parseJson(body);
  if (!matchesPayload(selector, payload)) return undefined;
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const issues = Array.isArray(record.issues)
    ? (record.issues as { path?: unknown; message?: unknown }[]).map((issue) => `${text(issue.path)}: ${text(issue.message)}`).join('; ')
    : '';
  const type = (payload as { type?: unknown } | undefined)?.type;
  return {
    place: 'quarantine',
    type: typeof type === 'string' ? type : '(no type)',
    id: undefined,
    time: record.received_at,
    what: `quarantined: ${String(record.reason)}${issues === '' ? '' : ` (${issues})`}, attempt ${String(record.attempt)}; npm run replay sends it again`,
    where: `message ${message.MessageId ?? '?'} in ${queueUrl}`,
  };
}

/** A publish-retry record (lib/queues/retry.ts), in the queue or, moved by the drainer, in its dead-letter queue. */
function readRetryRecord(selector: Selector, from: number, to: number, place: Place, queueUrl: string, message: Message): Found | undefined {
  const record = parseJson(message.Body ?? '') as
    { id?: unknown; type?: unknown; queued_at?: unknown; publish_error?: unknown; message?: { Message?: unknown; MessageAttributes?: unknown } } | undefined;
  if (typeof record !== 'object' || typeof record.id !== 'string' || typeof record.type !== 'string') return undefined;
  const event = parseJson(typeof record.message?.Message === 'string' ? record.message.Message : '') as { time?: unknown } | undefined;
  const time = typeof event?.time === 'string' ? event.time : '';
  const attributes = (typeof record.message?.MessageAttributes === 'object' ? record.message.MessageAttributes : {}) as Record<
    string,
    { StringValue?: string }
  >;
  if (!inRange(time, from, to) || !matchesPublished(selector, { id: record.id, type: record.type, attributes })) return undefined;
  const receives = message.Attributes?.ApproximateReceiveCount ?? '?';
  const refused = message.MessageAttributes?.refused?.StringValue;
  const what =
    place === 'publish-retry queue'
      ? `queued for publishing since ${String(record.queued_at)} (${String(record.publish_error)}), received ${receives} time(s)`
      : `dead-lettered: ${refused ?? 'not published after the queue\u2019s 50 receives'}; first queued ${String(record.queued_at)} (${String(record.publish_error)})`;
  return { place, type: record.type, id: record.id, time, what, where: `message ${message.MessageId ?? '?'} in ${queueUrl}` };
}

function selectorFrom(values: Partial<Record<Selector['kind'], string>>): Selector {
  const given = (['id', 'iccid', 'pool', 'rule', 'type'] as const).filter((kind) => values[kind] !== undefined);
  const [kind] = given;
  if (given.length !== 1 || kind === undefined) throw new UsageError('give exactly one of --id, --iccid, --pool, --rule and --type');
  const value = values[kind] ?? '';
  if (value.trim() === '') throw new UsageError(`--${kind} is empty`);
  return { kind, value };
}

await runCommand(spec, async ({ values }) => {
  const selector = selectorFrom(values);
  const to = timeOption(values.until, 'until') ?? Date.now();
  const from = timeOption(values.since, 'since') ?? to - DEFAULT_DAYS * 86_400_000;
  if (from >= to) throw new UsageError('--since must be before --until');
  const stage = values.stage ?? 'local';
  if (!/^[a-zA-Z0-9-]+$/.test(stage)) throw new UsageError(`--stage '${stage}' is not a stage name`);
  const report = progress('find');
  const { sqs, s3 } = clients(stage);
  const found: Found[] = [];
  const notSearched: string[] = [];
  const range = `${new Date(from).toISOString()} to ${new Date(to).toISOString()}`;

  const searchArchives = async (): Promise<void> => {
    const buckets = await archiveBuckets(s3, stage, values.bucket ?? process.env.ARCHIVE_BUCKET).catch((error: unknown) => {
      notSearched.push(`archive: no bucket given, and the buckets could not be listed (${error instanceof Error ? error.message : String(error)})`);
      return [];
    });
    if (buckets.length === 0 && !notSearched.some((note) => note.startsWith('archive:'))) {
      notSearched.push(`archive: no bucket given, and none named for the stage ${stage}`);
    }
    for (const bucket of buckets) {
      report.phase(`reading the archive s3://${bucket}/ from ${range}`);
      found.push(...(await searchArchive(new ArchiveBucket(bucket, s3), selector, from, to, notSearched)));
    }
  };

  const queues: { place: Place; name: string; read: (queueUrl: string, message: Message) => Found | undefined }[] = [
    { place: 'quarantine', name: 'quarantine', read: (url, m) => readQuarantined(selector, from, to, url, m) },
    { place: 'publish-retry queue', name: 'publish-retry', read: (url, m) => readRetryRecord(selector, from, to, 'publish-retry queue', url, m) },
    {
      place: 'publish-retry dead-letter queue',
      name: 'publish-retry-dlq',
      read: (url, m) => readRetryRecord(selector, from, to, 'publish-retry dead-letter queue', url, m),
    },
  ];
  const searchQueue = async (queue: (typeof queues)[number]): Promise<void> => {
    const name = `${SERVICE}-${stage}-${queue.name}`;
    let queueUrl: string | undefined;
    try {
      ({ QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name })));
    } catch (error) {
      notSearched.push(`${queue.place}: ${name} (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`);
      return;
    }
    if (queueUrl === undefined) return;
    report.phase(`looking through the ${queue.place} ${name}`);
    const url = queueUrl;
    const { results, inFlight } = await lookThrough(sqs, url, (message) => queue.read(url, message));
    found.push(...results.filter((result): result is Found => result !== undefined));
    if (inFlight > 0)
      notSearched.push(`${queue.place}: ${inFlight} message(s) in flight (being handled, or waiting for their next attempt) were not looked at`);
  };

  // Every place at once: each queue's look ends with a second of long polling that finds nothing.
  try {
    await Promise.all([searchArchives(), ...queues.map(searchQueue)]);
  } finally {
    sqs.destroy();
    s3.destroy();
  }

  for (const note of notSearched.sort()) console.error(`find: not searched: ${note}`);
  found.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  for (const event of found) {
    console.log(`${event.place}: ${event.type} ${event.id ?? '(never published: no id)'} at ${event.time}\n  ${event.what}\n  ${event.where}`);
  }
  const places: Place[] = ['archive', 'quarantine', 'publish-retry queue', 'publish-retry dead-letter queue'];
  const counts = places.map((place) => `${found.filter((event) => event.place === place).length} in the ${place}`).join(', ');
  console.log(`${found.length} found for --${selector.kind} ${selector.value} from ${range}: ${counts}`);
  return found.length > 0 ? 0 : 1;
});
