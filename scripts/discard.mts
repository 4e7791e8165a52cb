/**
 * `npm run discard`: removes one record from the quarantine queue on purpose (a payload that can never
 * pass, or personal data to erase), and prints one audit line saying which record, who removed it (the
 * AWS principal of the credentials, and the user of this machine) and why. The record's body is never
 * printed: the line keeps its digest, what it was refused for and when it was first received. Nothing
 * else in the queue is touched; a record that is not found is reported, and nothing is removed.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { readQuarantineMessage } from '../lib/queues/quarantine';
import { INTEGRITY_TAG } from '../lib/queues/records';
import { command, runCommand, UsageError } from './cli.mjs';
import { isLocalQueueHost, LOCAL_QUARANTINE_QUEUE_URL, quarantineSqsClient } from './quarantine-queue.mjs';

/** Long enough to look through the queue without seeing a record twice; every other record is released at the end. */
const VISIBILITY_SECONDS = 120;
/** The reason is kept in the audit line, not read as an essay. */
const MAX_REASON_LENGTH = 500;

const spec = command({
  name: 'discard',
  synopsis: ['--id MESSAGE_ID --reason TEXT [--queue-url URL]'],
  summary:
    'Removes one record from the quarantine queue on purpose and prints an audit line (JSON) naming the record, who removed it and why. ' +
    'The message id is the one `npm run replay -- --dry-run` lists. The body is never printed: the line keeps its SHA-256.',
  options: {
    id: { type: 'string', value: 'MESSAGE_ID', description: 'the SQS message id of the record to remove' },
    reason: {
      type: 'string',
      value: 'TEXT',
      description: 'why it is removed, for the audit line (e.g. "never valid: test payload", "erasure request 2026-118")',
    },
    'queue-url': { type: 'string', value: 'URL', description: "the quarantine queue (stack output QuarantineQueueUrl; default: the local stack's)" },
    secret: {
      type: 'string',
      value: 'S1[,S2]',
      description: "api secrets to check the record's integrity tag with, for the audit line (default: DROAM_API_SECRETS or DROAM_API_SECRET; optional)",
    },
  },
  notes: [
    "Who: the ARN of the credentials' principal (STS GetCallerIdentity) for a deployed queue, and this machine's user.",
    'Exit status: 0 when the record was removed, 1 when it was not found or could not be removed, 2 on a usage error.',
  ],
});

await runCommand(spec, async ({ values }) => {
  const id = values.id?.trim() ?? '';
  const reason = values.reason?.trim() ?? '';
  if (id === '') throw new UsageError('give the record with --id MESSAGE_ID (npm run replay -- --dry-run lists them)');
  if (reason === '') throw new UsageError('say why with --reason TEXT: it is kept in the audit line');
  if (reason.length > MAX_REASON_LENGTH) throw new UsageError(`--reason takes at most ${MAX_REASON_LENGTH} characters`);
  const queueUrl = values['queue-url'] ?? LOCAL_QUARANTINE_QUEUE_URL;
  let local: boolean;
  try {
    local = isLocalQueueHost(new URL(queueUrl).hostname);
  } catch {
    throw new UsageError(`--queue-url is not a URL: "${queueUrl}"`);
  }
  const secrets = (values.secret ?? process.env.DROAM_API_SECRETS ?? process.env.DROAM_API_SECRET ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');

  const by = { principal: local ? 'local emulator (no AWS principal)' : await callerArn(queueUrl), user: os.userInfo().username };
  const sqs = quarantineSqsClient(queueUrl, local);
  try {
    const found = await take(sqs, queueUrl, id);
    if (found === undefined) {
      process.stderr.write(
        `discard: no record ${id} in ${queueUrl} (removed already, or being replayed now: try again in ${VISIBILITY_SECONDS / 60} minutes)\n`,
      );
      return 1;
    }
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: found.ReceiptHandle }));
    const body = found.Body ?? '';
    const read = readQuarantineMessage(body, found.MessageAttributes?.[INTEGRITY_TAG]?.StringValue, secrets);
    const record = read.ok ? read.record : undefined;
    const payload = read.ok ? read.body : undefined;
    const tag = read.ok
      ? 'verified'
      : secrets.length === 0 && read.problem !== 'malformed'
        ? 'not checked (no secret given)'
        : `${read.problem}: ${read.detail}`;
    console.log(
      JSON.stringify({
        action: 'quarantine record discarded',
        at: new Date().toISOString(),
        queue_url: queueUrl,
        message_id: id,
        by,
        why: reason,
        record: {
          stage: record?.stage,
          droam_source: record?.droam_source,
          reason: record?.reason,
          received_at: record?.received_at,
          request_id: record?.request_id,
          attempt: record?.attempt,
          body_sha256: payload === undefined ? undefined : createHash('sha256').update(payload).digest('hex'),
          message_sha256: createHash('sha256').update(body).digest('hex'),
          integrity_tag: tag,
        },
      }),
    );
    return 0;
  } finally {
    sqs.destroy();
  }
});

/** The record with that message id, received (so hidden from others) and not yet deleted; every other record is made visible again. */
async function take(sqs: SQSClient, queueUrl: string, id: string): Promise<Message | undefined> {
  const held: string[] = [];
  const seen = new Set<string>();
  const receive = { QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], VisibilityTimeout: VISIBILITY_SECONDS, WaitTimeSeconds: 1 };
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand(receive));
      const fresh = Messages.filter((message) => !seen.has(message.MessageId ?? ''));
      let found: Message | undefined;
      for (const message of Messages) {
        seen.add(message.MessageId ?? '');
        if (message.MessageId === id && found === undefined) found = message;
        else if (message.ReceiptHandle !== undefined) held.push(message.ReceiptHandle);
      }
      if (found !== undefined) return found;
      if (fresh.length === 0) return undefined;
    }
  } finally {
    for (const receiptHandle of held) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 })).catch(() => undefined);
    }
  }
}

/** The ARN of the principal whose credentials remove the record, as AWS sees it (CloudTrail names the same). */
async function callerArn(queueUrl: string): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const region = /^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(queueUrl)?.[1] ?? process.env.AWS_REGION ?? 'us-east-1';
  const sts = new STSClient({ region });
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (Arn === undefined) throw new Error('STS named no principal');
    return Arn;
  } catch (error) {
    throw new Error(
      `who is removing the record could not be established (STS GetCallerIdentity: ${error instanceof Error ? error.message : String(error)}); nothing was removed`,
      {
        cause: error,
      },
    );
  } finally {
    sts.destroy();
  }
}
