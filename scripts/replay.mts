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
import { INTEGRITY_TAG } from '../lib/queues/records';
import { LOCAL_STAGE } from '../tools/local-stage';
import { command, integerOption, runCommand, UsageError, type Values } from './cli.mjs';
import { LOCAL_URL } from './droam-client.mjs';
import { LOCAL_QUARANTINE_QUEUE_URL, quarantineSqsClient } from './quarantine-queue.mjs';
import { type Reach, reachOf } from '../tools/this-machine';

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
    stage: {
      type: 'string',
      value: 'NAME',
      description:
        "the stage whose quarantine this is; records of another stage are refused (default: the stage in the queue's name, droam-webhook-relay-<stage>-quarantine, or local for a queue on this machine)",
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
    "A deployed queue is never replayed to a relay on this machine (whatever the URL's host resolves to: a loopback, unspecified or mapped address, or one of this machine's), nor a local queue to a deployed relay. Only the records of the queue's stage are sent; a relay refuses (409) a record of another stage, which stays in the queue.",
    'Exit status: 0 when every record was replayed (or listed), 1 when any was left in the queue, 2 on a usage error.',
  ],
});

interface Settings {
  readonly stage: string;
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

/** The emulator names its queues sqs.<region>.localhost; the stack names the quarantine droam-webhook-relay-<stage>-quarantine. */
const STACK_QUARANTINE = /\/droam-webhook-relay-([A-Za-z0-9_-]+)-quarantine$/;

async function settingsFrom(values: Values<typeof spec.options>): Promise<Settings> {
  const queueUrl = values['queue-url'] ?? LOCAL_QUARANTINE_QUEUE_URL;
  // A queue is local when its host is this machine (the emulator's sqs.<region>.localhost); the SQS client never connects to it.
  const queueReach = await reach(queueUrl, '--queue-url');
  const localQueue = !('unresolved' in queueReach) && queueReach.thisMachine;
  if (!localQueue && values.url === undefined) {
    throw new UsageError(`--url is required with a deployed queue (${queueUrl}): give the WebhookUrl of that queue's stack`);
  }
  const url = values.url ?? LOCAL_URL;
  const relayReach = await reach(url, '--url');
  const localUrl = !('unresolved' in relayReach) && relayReach.thisMachine;
  if (localQueue && !localUrl) throw new UsageError(`a local queue is never replayed to a deployed relay (${url})`);
  if (!localQueue && 'unresolved' in relayReach) {
    throw new UsageError(`--url ${url}: its host does not resolve (${relayReach.unresolved}), so it cannot be told apart from this machine`);
  }
  if (!localQueue && localUrl) {
    throw new UsageError(`a deployed queue is never replayed to a relay on this machine (${url} is ${relayReach.addresses.join(', ')})`);
  }
  // A queue on this machine is the local stage's (npm start): the only one that runs here.
  const stage = values.stage ?? STACK_QUARANTINE.exec(new URL(queueUrl).pathname)?.[1] ?? (localQueue ? 'local' : undefined);
  if (stage === undefined) throw new UsageError(`give --stage: the queue's name (${queueUrl}) does not say whose quarantine it is`);

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
  const headerNames = { timestampHeader: values['timestamp-header'], hashHeader: values['hash-header'] };
  return { stage, queueUrl, localQueue, url: sourceUrl, secrets, ...headerNames, max, dryRun, source };
}

/** Where a URL leads. */
async function reach(url: string, flag: string): Promise<Reach> {
  try {
    new URL(url);
  } catch {
    throw new UsageError(`${flag} is not a URL: "${url}"`);
  }
  return reachOf(url);
}

type Result = 'published' | 'queued' | 'kept again' | 'listed' | 'skipped' | 'refused' | 'malformed' | 'failed' | 'unauthorized' | 'other stage';

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
  if (status === 409 && answer.error === 'replay_other_stage') {
    return { result: 'other stage', deletes: false, note: "409: --url is another stage's relay; left in the queue" };
  }
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
        // Every record would meet the same answer.
        if (outcome.result === 'unauthorized' || outcome.result === 'other stage') stop = true;
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
    const read = readQuarantineMessage(message.Body ?? '', message.MessageAttributes?.[INTEGRITY_TAG]?.StringValue, settings.secrets, settings.stage);
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
      [REPLAY_ORIGIN_HEADER]: replayOriginHeader(record, body, secret, Math.floor(Date.now() / 1000)),
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

  const order: Result[] = ['listed', 'published', 'queued', 'kept again', 'skipped', 'failed', 'unauthorized', 'other stage', 'refused', 'malformed'];
  const parts = order.filter((result) => (counts.get(result) ?? 0) > 0).map((result) => `${counts.get(result) ?? 0} ${result}`);
  const leftResults: Result[] = ['skipped', 'failed', 'unauthorized', 'other stage', 'refused', 'malformed'];
  const left = leftResults.reduce((sum, result) => sum + (counts.get(result) ?? 0), 0);
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

await runCommand(spec, async ({ values }) => replay(await settingsFrom(values)));
