/**
 * `npm run replay`: sends the payloads kept in the quarantine queue through the relay again, each with its
 * original bytes, freshly signed, and with its first delivery's metadata (tagged, so the relay trusts it).
 * A record is deleted only once the relay has it safe: published or queued for publishing (2xx with an id),
 * or kept again (a refusal that says `quarantined`, as a new record with one more attempt). Anything else
 * leaves it in the queue. Records without a valid integrity tag are never sent.
 */
import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DEFAULT_DROAM_SOURCE } from '../lib/contract/attributes';
import { type QuarantineRecord, readQuarantineMessage, REPLAY_ORIGIN_HEADER, replayOriginHeader } from '../lib/queues/quarantine';
import { signedHeaders } from '../lib/relay/signature';
import { INTEGRITY_TAG_ATTRIBUTE } from '../lib/queues/records';
import { LOCAL_STAGE } from '../tools/local-stage';
import { command, integerOption, runCommand, UsageError, type Values } from './cli.mjs';
import { LOCAL_URL } from './droam-client.mjs';
import { isLocalQueueHost, LOCAL_QUARANTINE_QUEUE_URL, quarantineSqsClient } from './quarantine-queue.mjs';

/** Long enough for a run to go through the queue without seeing a record twice; released at the end. */
const VISIBILITY_SECONDS = 300;

const spec = command({
  name: 'replay',
  summary:
    'Sends each record of the quarantine queue to the relay again: the original body, byte for byte, signed now, with the ' +
    "record's first delivery (received_at, request id, source, headers, attempt) for the relay to keep if it refuses the " +
    'payload again. A record is deleted only when the relay published it or queued it for publishing (2xx with an id), or ' +
    'kept it again (its refusal says "quarantined"); anything else leaves it. Records without a valid integrity tag are never sent.',
  options: {
    'queue-url': { type: 'string', value: 'URL', description: "the quarantine queue (stack output QuarantineQueueUrl; default: the local stack's)" },
    url: {
      type: 'string',
      value: 'URL',
      description: `the relay's webhook URL (stack output WebhookUrl); required with a deployed queue (default: ${LOCAL_URL})`,
    },
    secret: {
      type: 'string',
      value: 'S1[,S2]',
      description:
        "api secrets: the first signs, each is tried on the tags (default: DROAM_API_SECRETS, DROAM_API_SECRET, or the local stage's for a local relay)",
    },
    'timestamp-header': { type: 'string', value: 'NAME', description: 'the timestamp header name, when the stage pins one (DROAM_TIMESTAMP_HEADER)' },
    'hash-header': { type: 'string', value: 'NAME', description: 'the hash header name, when the stage pins one (DROAM_HASH_HEADER)' },
    max: { type: 'string', value: 'N', description: 'replay at most N records (default: all)' },
    source: {
      type: 'string',
      value: 'NAME',
      description:
        "replay the records of this named dRoam source, to <--url>/NAME, signed and checked with its secrets (default: the stage's default source, at --url)",
    },
    'dry-run': { type: 'boolean', description: 'list every record (and whether its tag verifies) and change nothing' },
  },
  notes: [
    'A deployed queue is never replayed to a relay on this machine, nor a local queue to a deployed relay.',
    'Exit status: 0 when every record was replayed (or listed), 1 when any was left in the queue, 2 on a usage error.',
  ],
});

interface Settings {
  readonly queueUrl: string;
  readonly localQueue: boolean;
  readonly url: string;
  readonly secrets: readonly string[];
  readonly timestampHeader: string | undefined;
  readonly hashHeader: string | undefined;
  readonly max: number;
  readonly dryRun: boolean;
  /** The dRoam source whose records this run replays; the others are left for a run of their own. */
  readonly source: string;
}

const isLocalHost = (host: string): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(host);

function settingsFrom(values: Values<typeof spec.options>): Settings {
  const queueUrl = values['queue-url'] ?? LOCAL_QUARANTINE_QUEUE_URL;
  const queueHost = hostOf(queueUrl, '--queue-url');
  const localQueue = isLocalQueueHost(queueHost);
  if (!localQueue && values.url === undefined) {
    throw new UsageError(`--url is required with a deployed queue (${queueUrl}): give the WebhookUrl of that queue's stack`);
  }
  const url = values.url ?? LOCAL_URL;
  const localUrl = isLocalHost(hostOf(url, '--url'));
  if (!localQueue && localUrl) throw new UsageError(`a deployed queue is never replayed to a relay on this machine (${url})`);
  if (localQueue && !localUrl) throw new UsageError(`a local queue is never replayed to a deployed relay (${url})`);

  const fromEnv = [process.env.DROAM_API_SECRETS, process.env.DROAM_API_SECRET].find((value) => value !== undefined && value.trim() !== '');
  const secretList = values.secret ?? fromEnv ?? (localUrl ? LOCAL_STAGE.apiSecret : '');
  const secrets = secretList
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  const dryRun = values['dry-run'] === true;
  if (secrets.length === 0 && !dryRun) throw new UsageError('give the api secret with --secret or DROAM_API_SECRET');

  const max = integerOption(values.max, 'max', Number.MAX_SAFE_INTEGER, { min: 1, max: Number.MAX_SAFE_INTEGER });
  const source = values.source?.trim() || DEFAULT_DROAM_SOURCE;
  // A named source's webhooks arrive at the stage's webhook URL followed by its name.
  const sourceUrl = source === DEFAULT_DROAM_SOURCE ? url : `${url.replace(/\/+$/, '')}/${encodeURIComponent(source)}`;
  return { queueUrl, localQueue, url: sourceUrl, secrets, timestampHeader: values['timestamp-header'], hashHeader: values['hash-header'], max, dryRun, source };
}

function hostOf(url: string, flag: string): string {
  try {
    return new URL(url).host.replace(/:\d+$/, '');
  } catch {
    throw new UsageError(`${flag} is not a URL: "${url}"`);
  }
}

type Result = 'published' | 'queued' | 'kept again' | 'listed' | 'skipped' | 'refused' | 'malformed' | 'failed' | 'unauthorized';

/** What the relay's answer means for the record: only a safe answer lets it be deleted. */
function judge(status: number, text: string): { result: Result; deletes: boolean; note: string } {
  let answer: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) answer = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: judged by the status alone.
  }
  if (status >= 200 && status < 300 && typeof answer.id === 'string') {
    return answer.queued === true
      ? { result: 'queued', deletes: true, note: `queued for publishing as ${answer.id}` }
      : { result: 'published', deletes: true, note: `published as ${answer.id}` };
  }
  if (status >= 200 && status < 300 && answer.skipped === true) {
    return { result: 'skipped', deletes: false, note: `this stage does not publish ${String(answer.type)}: left in the queue` };
  }
  if (status >= 400 && status < 500 && answer.quarantined === true) {
    return { result: 'kept again', deletes: true, note: `refused again (${status} ${String(answer.error)}) and kept as a new record` };
  }
  if (status === 401) return { result: 'unauthorized', deletes: false, note: '401: check --secret and the header names; left in the queue' };
  return { result: 'failed', deletes: false, note: `${status} ${text.slice(0, 300)}: left in the queue` };
}

/** Identifies a delivery across its records: the relay's copy of a refused replay keeps received_at, the request id and the body. */
const identity = (record: QuarantineRecord): string =>
  `${record.received_at} ${record.request_id ?? ''} ${createHash('sha256').update(record.body_base64).digest('hex')}`;

async function replay(settings: Settings): Promise<number> {
  const sqs = quarantineSqsClient(settings.queueUrl, settings.localQueue);
  const counts = new Map<Result, number>();
  const count = (result: Result): void => {
    counts.set(result, (counts.get(result) ?? 0) + 1);
  };
  const seenMessages = new Set<string>();
  let otherSources = 0;
  const replayedThisRun = new Set<string>();
  // Every record received and not deleted is made visible again at the end: a run leaves the queue as it found it, minus what it replayed.
  const held: string[] = [];
  let handled = 0;
  let stop = false;
  try {
    while (!stop && handled < settings.max) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: settings.queueUrl,
          MaxNumberOfMessages: Math.min(10, settings.max - handled),
          MessageAttributeNames: ['All'],
          VisibilityTimeout: VISIBILITY_SECONDS,
          WaitTimeSeconds: 1,
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        const messageId = message.MessageId ?? '';
        if (stop || handled >= settings.max || seenMessages.has(messageId)) {
          if (message.ReceiptHandle !== undefined) held.push(message.ReceiptHandle);
          continue;
        }
        seenMessages.add(messageId);
        const outcome = await handle(message);
        if (outcome === undefined) continue;
        handled++;
        count(outcome.result);
        if (outcome.result === 'unauthorized') stop = true;
        if (outcome.deletes) await sqs.send(new DeleteMessageCommand({ QueueUrl: settings.queueUrl, ReceiptHandle: message.ReceiptHandle }));
        else if (message.ReceiptHandle !== undefined) held.push(message.ReceiptHandle);
      }
    }
  } finally {
    for (const receiptHandle of held) {
      await sqs
        .send(new ChangeMessageVisibilityCommand({ QueueUrl: settings.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }))
        .catch(() => undefined);
    }
    sqs.destroy();
  }

  async function handle(message: Message): Promise<{ result: Result; deletes: boolean } | undefined> {
    const label = message.MessageId ?? '?';
    // Tagged with its own source's secret: a record of another source waits for a run with that source's --source and secret.
    if (droamSourceOf(message.Body ?? '') !== settings.source) {
      otherSources++;
      if (message.ReceiptHandle !== undefined) held.push(message.ReceiptHandle);
      return undefined;
    }
    const read = readQuarantineMessage(message.Body ?? '', message.MessageAttributes?.[INTEGRITY_TAG_ATTRIBUTE]?.StringValue, settings.secrets);
    if (!read.ok) {
      const unchecked = settings.secrets.length === 0 && read.problem !== 'malformed';
      console.log(`${label}: ${read.problem === 'malformed' ? 'malformed' : unchecked ? 'tag not checked (no secret)' : 'refused'}: ${read.detail}`);
      if (unchecked && settings.dryRun) return { result: 'listed', deletes: false };
      return { result: read.problem === 'malformed' ? 'malformed' : 'refused', deletes: false };
    }
    const { record, body } = read;
    if (replayedThisRun.has(identity(record))) {
      // The relay's new copy of a payload this run already replayed: it waits for the next run.
      if (message.ReceiptHandle !== undefined) held.push(message.ReceiptHandle);
      return undefined;
    }
    const issues = record.issues.map((issue) => `${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`).join('; ');
    console.log(
      `${label}: ${record.reason}, received ${record.received_at} from ${record.source_ip ?? 'unknown'} (request ${record.request_id ?? 'unknown'}), attempt ${record.attempt}, ${body.length} bytes${issues === '' ? '' : `: ${issues}`}`,
    );
    if (settings.dryRun) return { result: 'listed', deletes: false };
    replayedThisRun.add(identity(record));
    const [secret = ''] = settings.secrets;
    const headers = {
      'content-type': record.headers['content-type'] ?? 'application/json',
      'user-agent': 'droam-webhook-relay-replay',
      ...signedHeaders(secret, { timestampHeader: settings.timestampHeader, hashHeader: settings.hashHeader }),
      [REPLAY_ORIGIN_HEADER]: replayOriginHeader(record, body, secret),
    };
    let verdict: ReturnType<typeof judge>;
    try {
      const response = await fetch(settings.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
      verdict = judge(response.status, await response.text());
    } catch (error) {
      verdict = {
        result: 'failed',
        deletes: false,
        note: `the relay did not answer (${error instanceof Error ? error.message : String(error)}): left in the queue`,
      };
    }
    console.log(`  → ${verdict.result}: ${verdict.note}`);
    return verdict;
  }

  const order: Result[] = ['listed', 'published', 'queued', 'kept again', 'skipped', 'failed', 'unauthorized', 'refused', 'malformed'];
  const parts = order.filter((result) => (counts.get(result) ?? 0) > 0).map((result) => `${counts.get(result) ?? 0} ${result}`);
  const left = ['skipped', 'failed', 'unauthorized', 'refused', 'malformed'].reduce((sum, result) => sum + (counts.get(result as Result) ?? 0), 0);
  console.log(
    `\nreplay${settings.dryRun ? ' (dry run, nothing changed)' : ''}: ${handled} record(s)${parts.length > 0 ? `: ${parts.join(', ')}` : ''}${left > 0 ? `; ${left} left in the queue` : ''}` +
      (otherSources > 0 ? `; ${otherSources} record(s) of other dRoam sources left for their own run (--source NAME)` : ''),
  );
  return left > 0 ? 1 : 0;
}

/** The dRoam source a record names (records from before sources were named are the default one's); read only to choose the run that replays it. */
function droamSourceOf(body: string): string {
  try {
    const source = (JSON.parse(body) as { droam_source?: unknown }).droam_source;
    return typeof source === 'string' ? source : DEFAULT_DROAM_SOURCE;
  } catch {
    return DEFAULT_DROAM_SOURCE;
  }
}

await runCommand(spec, ({ values }) => {
  const settings = settingsFrom(values);
  return replay(settings);
});
