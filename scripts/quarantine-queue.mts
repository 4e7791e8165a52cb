/**
 * The quarantine queue as the operator's tools reach it (`npm run replay`, `npm run discard`): the local
 * stage's queue in `npm start`'s emulator, or a deployed stage's by its URL (stack output QuarantineQueueUrl).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from './cli.mjs';
import { localEmulatorPort } from './local-ports.mjs';

/** The local stage's quarantine queue, in `npm start`'s emulator. */
export const LOCAL_QUARANTINE_QUEUE_URL = 'http://sqs.us-east-1.localhost:4566/000000000000/droam-webhook-relay-local-quarantine';

/** Whether a queue URL names the emulator's queue on this machine (the emulator names its hosts sqs.<region>.localhost). */
export function isLocalQueueHost(host: string): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(host) || /^sqs\.[a-z0-9-]+\.localhost$/.test(host);
}

/** `npm start`'s emulator: LOCAL_EMULATOR_PORT, else 4566. */
function localEmulator(): number {
  const found = localEmulatorPort();
  if ('problem' in found) throw new UsageError(found.problem);
  return found.port;
}

/**
 * An SQS client for the queue: the endpoint comes from the region (or AWS_ENDPOINT_URL_SQS), never from the
 * queue URL's host, which the emulator makes up; a local queue is the emulator's, with its placeholder keys.
 */
export function quarantineSqsClient(queueUrl: string, local: boolean): SQSClient {
  const region = /^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(queueUrl)?.[1] ?? process.env.AWS_REGION ?? 'us-east-1';
  return new SQSClient(
    local
      ? {
          endpoint: process.env.AWS_ENDPOINT_URL_SQS ?? `http://127.0.0.1:${localEmulator()}`,
          region,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          useQueueUrlAsEndpoint: false,
        }
      : { region, useQueueUrlAsEndpoint: false },
  );
}
