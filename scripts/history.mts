/**
 * `npm run history`: replays a time range of the event archive (the stage's
 * `archive` parameter) into one subscriber's queue or into the topic. Each
 * event is sent once (the archive is at-least-once: duplicates are dropped by
 * id), in the order of its `time`, exactly as it was published: the same
 * message text, so the same CloudEvent `id`, and the same message attributes,
 * so filter policies select it as they did.
 *
 * Only what the relay published is sent: each message's `integrity_tag`
 * (lib/queues/published.ts) must verify under one of the api secrets, or the
 * event is refused and reported. An object that cannot be read, or a line
 * that is not an archived message, is reported and skipped; the rest is sent.
 */
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type ArchivedMessage, ARCHIVE_PREFIX, dateOf } from '../lib/archive/archive';
import { checkMessageTag } from '../lib/queues/published';
import { snsMessageBytes } from '../lib/topic/message';
import { inPublishBatches } from '../lib/topic/publish';
import { ArchiveBucket } from './archive-bucket.mjs';
import { command, progress, runCommand, timeOption, UsageError } from './cli.mjs';

const spec = command({
  name: 'history',
  synopsis: ['--bucket NAME --from TIME --to TIME [--type TYPE]… (--to-queue URL | --to-topic ARN) [--stage NAME] [--dry-run]'],
  summary:
    'Replays the archived events whose CloudEvent time is in [--from, --to) into one queue (as a raw-delivery subscription receives them) or into the topic (every subscription whose filter policy matches gets them again), each once, with its id and message attributes. Only messages whose integrity tag verifies under the api secret are sent.',
  options: {
    bucket: { type: 'string', value: 'NAME', description: 'the archive bucket (the stack output ArchiveBucketName; default: ARCHIVE_BUCKET)' },
    from: {
      type: 'string',
      value: 'TIME',
      description: 'start, included: 2026-11-01 (midnight UTC) or an RFC 3339 time with its offset (2026-11-01T12:00:00Z, 2026-11-01T13:00:00+01:00)',
    },
    to: { type: 'string', value: 'TIME', description: 'end, excluded, in the same forms' },
    type: { type: 'string', value: 'TYPE', description: 'only this dRoam type (repeat for several; default: every archived type)' },
    'to-queue': { type: 'string', value: 'URL', description: 'send to this SQS queue (a .fifo queue gets group and deduplication ids)' },
    'to-topic': { type: 'string', value: 'ARN', description: 'publish to this SNS topic (the stack output TopicArn)' },
    secret: {
      type: 'string',
      value: 'S1[,S2]',
      description:
        "the api secrets each message's integrity tag is checked against, older ones included for events archived before a rotation, and a named dRoam source's for its events (default: DROAM_API_SECRETS, DROAM_API_SECRET)",
    },
    stage: { type: 'string', value: 'NAME', description: "send only what this stage's relay published (default: any stage's, under the secrets)" },
    'dry-run': { type: 'boolean', description: 'read, check the tags when a secret is given, and count per type; send nothing' },
  },
  notes: [
    'AWS credentials and region come from the environment, as for the AWS CLI.',
    'A message without a valid integrity tag is refused and reported, never sent; an unreadable object or line is reported and skipped.',
    'Exit status: 0 when every event in range was sent, 1 when any was refused, unreadable or not sent, 2 on a usage error.',
  ],
});

/** `--type` may be repeated: every value, in order. */
function repeated(flag: string, argv: readonly string[]): string[] {
  const values: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === flag && argv[i + 1] !== undefined) values.push(argv[i + 1] ?? '');
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
  });
  return values;
}

function parseTime(name: string, value: string | undefined): number {
  const millis = timeOption(value, name);
  if (millis === undefined) throw new UsageError(`--${name} is required`);
  return millis;
}

/** The archive bucket, and the range of it a replay sends. */
class Archive extends ArchiveBucket {
  /**
   * The events of these types whose time is in [from, to), once per id, in time order, with what could not be
   * read: an object (not gzip, or not fetched) or a line (not an archived message) is reported and skipped.
   */
  async read(types: readonly string[], from: number, to: number): Promise<ArchiveRead> {
    const firstDate = dateOf(new Date(from).toISOString()) ?? '';
    const lastDate = dateOf(new Date(to - 1).toISOString()) ?? '';
    let objects = 0;
    let lines = 0;
    const unreadable: string[] = [];
    const byId = new Map<string, ArchivedMessage>();
    for (const type of types) {
      for await (const object of this.objects(type, firstDate, lastDate)) {
        if (object.unreadable !== undefined) unreadable.push(`${object.key}: ${object.unreadable}`);
        if (object.messages === undefined) continue;
        objects++;
        for (const message of object.messages) {
          lines++;
          const time = Date.parse(message.time);
          if (message.type === type && time >= from && time < to && !byId.has(message.id)) byId.set(message.id, message);
        }
      }
    }
    const events = [...byId.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id));
    return { events, objects, lines, unreadable };
  }
}

interface ArchiveRead {
  readonly events: ArchivedMessage[];
  readonly objects: number;
  readonly lines: number;
  /** What was skipped, one line each: the object's key and why. */
  readonly unreadable: readonly string[];
}

/** The events whose integrity tag verifies under the secrets (made by `stage`'s relay, when given), and why each other is refused. */
function verified(
  events: readonly ArchivedMessage[],
  secrets: readonly string[],
  stage: string | undefined,
): { sendable: ArchivedMessage[]; refused: string[] } {
  const sendable: ArchivedMessage[] = [];
  const refused: string[] = [];
  for (const event of events) {
    const check = checkMessageTag(event.message, event.attributes, secrets, stage === undefined ? {} : { stage });
    if (check.ok) sendable.push(event);
    else refused.push(`${event.id} (${event.type}, ${event.time}): the message ${check.detail}`);
  }
  return { sendable, refused };
}

interface Sent {
  readonly sent: number;
  readonly failed: string[];
}

const attributesOf = (event: ArchivedMessage) =>
  Object.fromEntries(Object.entries(event.attributes).map(([name, a]) => [name, { DataType: a.DataType, StringValue: a.StringValue }]));

/** FIFO destinations group by the event's subject (else its type), as the relay does, and deduplicate by id. */
function fifoIds(event: ArchivedMessage): { MessageGroupId: string; MessageDeduplicationId: string } {
  const { subject } = JSON.parse(event.message) as { subject?: unknown };
  const key = typeof subject === 'string' && subject !== '' ? subject : event.type;
  return { MessageGroupId: /^[\x21-\x7e]{1,128}$/.test(key) ? key : event.type, MessageDeduplicationId: event.id };
}

/** Batches within the limits of an SNS PublishBatch (10 entries, 256 KiB), which an SQS SendMessageBatch also takes. */
const batches = (all: readonly ArchivedMessage[]): ArchivedMessage[][] =>
  inPublishBatches(all, (event) => snsMessageBytes({ Message: event.message, MessageAttributes: attributesOf(event) }));

function regionOf(fromDestination: string | undefined): { region?: string } {
  const region = process.env.AWS_REGION ?? fromDestination;
  return region === undefined ? {} : { region };
}

async function sendToQueue(queueUrl: string, events: readonly ArchivedMessage[]): Promise<Sent> {
  // The endpoint comes from the region (or AWS_ENDPOINT_URL_SQS), never from the queue URL's host.
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false, ...regionOf(/^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(queueUrl)?.[1]) });
  const fifo = queueUrl.endsWith('.fifo');
  let sent = 0;
  const failed: string[] = [];
  for (const batch of batches(events)) {
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((event, i) => ({
          Id: String(i),
          MessageBody: event.message,
          MessageAttributes: attributesOf(event),
          ...(fifo ? fifoIds(event) : {}),
        })),
      }),
    );
    sent += result.Successful?.length ?? 0;
    for (const failure of result.Failed ?? []) failed.push(`${batch[Number(failure.Id)]?.id ?? '?'}: ${failure.Code ?? ''} ${failure.Message ?? ''}`);
  }
  return { sent, failed };
}

async function publishToTopic(topicArn: string, events: readonly ArchivedMessage[]): Promise<Sent> {
  const sns = new SNSClient(regionOf(/^arn:aws[\w-]*:sns:([a-z0-9-]+):/.exec(topicArn)?.[1]));
  const fifo = topicArn.endsWith('.fifo');
  let sent = 0;
  const failed: string[] = [];
  for (const batch of batches(events)) {
    const result = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: batch.map((event, i) => ({
          Id: String(i),
          Message: event.message,
          MessageAttributes: attributesOf(event),
          ...(fifo ? fifoIds(event) : {}),
        })),
      }),
    );
    sent += result.Successful?.length ?? 0;
    for (const failure of result.Failed ?? []) failed.push(`${batch[Number(failure.Id)]?.id ?? '?'}: ${failure.Code ?? ''} ${failure.Message ?? ''}`);
  }
  return { sent, failed };
}

await runCommand(spec, async ({ values: flags }) => {
  const bucket = flags.bucket ?? process.env.ARCHIVE_BUCKET ?? '';
  if (bucket === '') throw new UsageError('give the archive bucket with --bucket or ARCHIVE_BUCKET');
  const from = parseTime('from', flags.from);
  const to = parseTime('to', flags.to);
  if (from >= to) throw new UsageError('--from must be before --to');
  const queueUrl = flags['to-queue'];
  const topicArn = flags['to-topic'];
  if ((queueUrl === undefined) === (topicArn === undefined)) throw new UsageError('give exactly one of --to-queue and --to-topic');
  const secrets = (
    flags.secret ??
    [process.env.DROAM_API_SECRETS, process.env.DROAM_API_SECRET].find((value) => value !== undefined && value.trim() !== '') ??
    ''
  )
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  const dryRun = flags['dry-run'] === true;
  if (secrets.length === 0 && !dryRun)
    throw new UsageError('give the api secret with --secret or DROAM_API_SECRET: only messages whose integrity tag verifies are sent');
  const types = repeated('--type', process.argv.slice(2));
  const destination = queueUrl !== undefined ? `queue ${queueUrl}` : `topic ${topicArn ?? ''}`;
  const report = progress('history');

  const archive = new Archive(bucket);
  report.phase(`reading s3://${bucket}/${ARCHIVE_PREFIX} from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`);
  const { events, objects, lines, unreadable } = await archive.read(types.length > 0 ? types : await archive.types(), from, to);
  console.log(`${objects} archive object(s), ${lines} line(s): ${events.length} event(s) in range, ${lines - events.length} duplicate(s) or outside it`);
  for (const skipped of unreadable) console.error(`unreadable, skipped: ${skipped}`);
  const { sendable, refused } = secrets.length === 0 ? { sendable: events, refused: [] } : verified(events, secrets, flags.stage);
  for (const why of refused) console.error(`refused: ${why}`);
  if (refused.length > 0) console.log(`${refused.length} event(s) refused: not tagged by the relay under the secrets given`);

  if (dryRun) {
    const counts = new Map<string, number>();
    for (const event of sendable) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
    for (const [type, count] of [...counts].sort()) console.log(`  ${type}: ${count}`);
    console.log(`dry run: nothing sent to ${destination}${secrets.length === 0 ? ' (integrity tags not checked: no secret given)' : ''}`);
    return unreadable.length + refused.length === 0 ? 0 : 1;
  }

  report.phase(`sending ${sendable.length} event(s) to ${destination}`);
  const { sent, failed } = queueUrl !== undefined ? await sendToQueue(queueUrl, sendable) : await publishToTopic(topicArn ?? '', sendable);
  console.log(`${sent} event(s) sent to ${destination}`);
  for (const failure of failed) console.error(`not sent: ${failure}`);
  return failed.length + unreadable.length + refused.length === 0 ? 0 : 1;
});
