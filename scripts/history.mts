/**
 * `npm run history`: replays a time range of the event archive (the stage's
 * `archive` parameter) into one subscriber's queue or into the topic. Each
 * event is sent once (the archive is at-least-once: duplicates are dropped by
 * id), in the order of its `time`, exactly as it was published: the same
 * message text, so the same CloudEvent `id`, and the same message attributes,
 * so filter policies select it as they did.
 */
import { parseArgs } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type ArchivedMessage, ARCHIVE_PREFIX, dateOf, decodeObject, partitionOfKey, partitionPrefix } from '../lib/archive/archive';

const USAGE = `Usage: npm run history -- --bucket NAME --from TIME --to TIME [--type TYPE]… (--to-queue URL | --to-topic ARN) [--dry-run]

Replays the archived events whose CloudEvent time is in [--from, --to) into one queue
(as a raw-delivery subscription receives them) or into the topic (every subscription
whose filter policy matches gets them again). Ids and message attributes are kept.

  --bucket NAME     the archive bucket (stack output ArchiveBucketName; or ARCHIVE_BUCKET)
  --from TIME       start, included: 2026-11-01 (midnight UTC) or an RFC 3339 time
  --to TIME         end, excluded, same forms
  --type TYPE       only this dRoam type (repeat for several); default every archived type
  --to-queue URL    send to this SQS queue (a .fifo queue gets group and deduplication ids)
  --to-topic ARN    publish to this SNS topic (the stack output TopicArn)
  --dry-run         read and count, send nothing
  --help            this text

AWS credentials and region come from the environment, as for the AWS CLI.`;

/** Exit codes: 0 done, 1 some events not sent, 2 bad usage. */
function usageError(message: string): never {
  console.error(`history: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseTime(name: string, value: string | undefined): number {
  if (value === undefined) usageError(`--${name} is required`);
  const millis = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(millis)) usageError(`--${name} ${value} is not a date or an RFC 3339 time`);
  return millis;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      bucket: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      type: { type: 'string', multiple: true },
      'to-queue': { type: 'string' },
      'to-topic': { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
} catch (error) {
  usageError(error instanceof Error ? error.message : String(error));
}
const flags = parsed.values;
if (flags.help === true) {
  console.log(USAGE);
  process.exit(0);
}

const bucket = flags.bucket ?? process.env.ARCHIVE_BUCKET ?? '';
if (bucket === '') usageError('give the archive bucket with --bucket or ARCHIVE_BUCKET');
const from = parseTime('from', flags.from);
const to = parseTime('to', flags.to);
if (from >= to) usageError('--from must be before --to');
const queueUrl = flags['to-queue'];
const topicArn = flags['to-topic'];
if ((queueUrl === undefined) === (topicArn === undefined)) usageError('give exactly one of --to-queue and --to-topic');
const dryRun = flags['dry-run'] === true;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// An endpoint override (the local emulator) serves buckets by path, not by host name.
const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined || process.env.AWS_ENDPOINT_URL !== undefined });

/** Every key of a listing, page by page. */
async function* keys(input: { Prefix: string; StartAfter?: string; Delimiter?: string }): AsyncGenerator<{ key?: string; prefix?: string }> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ...input, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    for (const prefix of page.CommonPrefixes ?? []) yield { ...(prefix.Prefix === undefined ? {} : { prefix: prefix.Prefix }) };
    for (const object of page.Contents ?? []) yield { ...(object.Key === undefined ? {} : { key: object.Key }) };
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

async function archivedTypes(): Promise<string[]> {
  const types: string[] = [];
  for await (const { prefix } of keys({ Prefix: `${ARCHIVE_PREFIX}type=`, Delimiter: '/' })) {
    const type = /^events\/type=([^/]+)\/$/.exec(prefix ?? '')?.[1];
    if (type !== undefined) types.push(type);
  }
  return types;
}

const firstDate = dateOf(new Date(from).toISOString()) ?? '';
const lastDate = dateOf(new Date(to - 1).toISOString()) ?? '';
const types = flags.type ?? (await archivedTypes());

let objects = 0;
let lines = 0;
const byId = new Map<string, ArchivedMessage>();
for (const type of types) {
  // Keys sort by date within a type: start at the first day, stop after the last.
  for await (const { key } of keys({ Prefix: `${ARCHIVE_PREFIX}type=${type}/`, StartAfter: partitionPrefix(type, firstDate).slice(0, -1) })) {
    const partition = partitionOfKey(key ?? '');
    if (key === undefined || partition === undefined) continue;
    if (partition.date > lastDate) break;
    if (partition.date < firstDate) continue;
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (object.Body === undefined) continue;
    objects++;
    for (const message of decodeObject(await object.Body.transformToByteArray())) {
      lines++;
      const time = Date.parse(message.time);
      if (message.type === type && time >= from && time < to && !byId.has(message.id)) byId.set(message.id, message);
    }
  }
}
const events = [...byId.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id));
const destination = queueUrl !== undefined ? `queue ${queueUrl}` : `topic ${topicArn ?? ''}`;
console.log(`${objects} archive object(s), ${lines} line(s): ${events.length} event(s) in range, ${lines - events.length} duplicate(s) or outside it`);

if (dryRun) {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  for (const [type, count] of [...counts].sort()) console.log(`  ${type}: ${count}`);
  console.log(`dry run: nothing sent to ${destination}`);
  process.exit(0);
}

/** FIFO destinations group by the event's subject (else its type), as the relay does, and deduplicate by id. */
function fifoIds(event: ArchivedMessage): { MessageGroupId: string; MessageDeduplicationId: string } {
  const { subject } = JSON.parse(event.message) as { subject?: unknown };
  const key = typeof subject === 'string' && subject !== '' ? subject : event.type;
  return { MessageGroupId: /^[\x21-\x7e]{1,128}$/.test(key) ? key : event.type, MessageDeduplicationId: event.id };
}

/** Batches of at most 10 entries and 256 KiB, the limit of both SQS and SNS batches. */
function batches(all: readonly ArchivedMessage[]): ArchivedMessage[][] {
  const result: ArchivedMessage[][] = [];
  let current: ArchivedMessage[] = [];
  let bytes = 0;
  for (const event of all) {
    const size =
      Buffer.byteLength(event.message) + Object.entries(event.attributes).reduce((n, [k, a]) => n + k.length + a.DataType.length + a.StringValue.length, 0);
    if (current.length === 10 || (current.length > 0 && bytes + size > 262_144)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

const fifo = (queueUrl ?? topicArn ?? '').endsWith('.fifo');
let sent = 0;
const failed: string[] = [];
if (queueUrl !== undefined) {
  // The endpoint comes from the region (or AWS_ENDPOINT_URL_SQS), never from the queue URL's host.
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false, ...regionOf(/^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(queueUrl)?.[1]) });
  for (const batch of batches(events)) {
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((event, i) => ({
          Id: String(i),
          MessageBody: event.message,
          MessageAttributes: Object.fromEntries(
            Object.entries(event.attributes).map(([name, a]) => [name, { DataType: a.DataType, StringValue: a.StringValue }]),
          ),
          ...(fifo ? fifoIds(event) : {}),
        })),
      }),
    );
    sent += result.Successful?.length ?? 0;
    for (const failure of result.Failed ?? []) failed.push(`${batch[Number(failure.Id)]?.id ?? '?'}: ${failure.Code ?? ''} ${failure.Message ?? ''}`);
  }
} else if (topicArn !== undefined) {
  const sns = new SNSClient(regionOf(/^arn:aws[\w-]*:sns:([a-z0-9-]+):/.exec(topicArn)?.[1]));
  for (const batch of batches(events)) {
    const result = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: batch.map((event, i) => ({
          Id: String(i),
          Message: event.message,
          MessageAttributes: Object.fromEntries(
            Object.entries(event.attributes).map(([name, a]) => [name, { DataType: a.DataType, StringValue: a.StringValue }]),
          ),
          ...(fifo ? fifoIds(event) : {}),
        })),
      }),
    );
    sent += result.Successful?.length ?? 0;
    for (const failure of result.Failed ?? []) failed.push(`${batch[Number(failure.Id)]?.id ?? '?'}: ${failure.Code ?? ''} ${failure.Message ?? ''}`);
  }
}

function regionOf(fromDestination: string | undefined): { region?: string } {
  const region = process.env.AWS_REGION ?? fromDestination;
  return region === undefined ? {} : { region };
}

console.log(`${sent} event(s) sent to ${destination}`);
for (const failure of failed) console.error(`not sent: ${failure}`);
process.exitCode = failed.length === 0 ? 0 : 1;
