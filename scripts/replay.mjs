// @ts-check
/**
 * `npm run replay`: re-submits payloads kept in the quarantine queue through the relay,
 * signed with the current time, and deletes each one the relay accepted (2xx).
 * A payload that is still invalid is answered 422 and quarantined again as a new
 * message, so the old one is deleted too (the run stops when such a copy comes
 * round); any other answer leaves it in the queue.
 *
 *   npm run replay                      # the local stack of `npm start`
 *   npm run replay -- --queue-url <QuarantineQueueUrl> --url <WebhookUrl> --secret <api secret> [--max 10] [--dry-run]
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { defaultSecret, LOCAL_URL, parseFlags, post, signedHeaders } from './droam-client.mjs';

const LOCAL_QUEUE_URL = 'http://sqs.us-east-1.localhost:4566/000000000000/droam-webhook-relay-local-quarantine';

const { flags } = parseFlags(process.argv.slice(2), {
  'queue-url': 'string',
  url: 'string',
  secret: 'string',
  'timestamp-header': 'string',
  'hash-header': 'string',
  max: 'string',
  'dry-run': 'boolean',
});
const queueUrl = String(flags['queue-url'] ?? LOCAL_QUEUE_URL);
const local = flags['queue-url'] === undefined || /^http:\/\/sqs\.[a-z0-9-]+\.localhost[:/]/.test(queueUrl);
const url = String(flags.url ?? LOCAL_URL);
const secret = String(flags.secret ?? defaultSecret(url));
const max = Number(flags.max ?? 10);
const dryRun = flags['dry-run'] === true;
if (!dryRun && secret === '') {
  console.error('replay: give the api secret with --secret or DROAM_API_SECRET');
  process.exit(2);
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The endpoint comes from the region (or AWS_ENDPOINT_URL_SQS), never from the queue URL's host,
// which the local emulator makes up.
const region = /^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(queueUrl)?.[1] ?? process.env.AWS_REGION ?? 'us-east-1';
const sqs = new SQSClient(
  local
    ? {
        endpoint: process.env.AWS_ENDPOINT_URL_SQS ?? 'http://127.0.0.1:4566',
        region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        useQueueUrlAsEndpoint: false,
      }
    : { region, useQueueUrlAsEndpoint: false },
);

let replayed = 0;
let kept = 0;
const seen = new Set();
const replayedBodies = new Set();
while (replayed + kept < max) {
  const { Messages = [] } = await sqs.send(
    // A dry run leaves every message visible, so it stops at the first one it sees twice.
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: dryRun ? 0 : 30, WaitTimeSeconds: 1 }),
  );
  const message = Messages[0];
  if (message === undefined || seen.has(message.MessageId)) break;
  seen.add(message.MessageId);
  /** @type {{ body: string, reason: string, received_at: string, issues: unknown[] }} */
  const record = JSON.parse(message.Body ?? '{}');
  if (replayedBodies.has(record.body)) {
    // The relay quarantined this one again during this run: leave it for the next.
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    break;
  }
  console.log(`\n${record.reason} received ${record.received_at}: ${JSON.stringify(record.issues)}`);
  if (dryRun) {
    console.log(record.body);
    kept++;
    continue;
  }
  const headers = signedHeaders(secret, {
    ...(typeof flags['timestamp-header'] === 'string' ? { timestampHeader: flags['timestamp-header'] } : {}),
    ...(typeof flags['hash-header'] === 'string' ? { hashHeader: flags['hash-header'] } : {}),
  });
  replayedBodies.add(record.body);
  const response = await post(url, record.body, headers);
  console.log(`→ ${response.status} ${response.text}`);
  if ((response.status >= 200 && response.status < 300) || response.status === 422) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    replayed++;
  } else {
    kept++;
  }
}
console.log(`\nreplay: ${replayed} re-submitted and removed, ${kept} left in the queue`);
sqs.destroy();
