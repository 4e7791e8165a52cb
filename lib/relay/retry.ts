import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { verifyIntegrityTag } from './integrity';
import type { SnsMessage } from './message';
import { sqsRecordQueue } from './sqs-records';
import type { TraceClient } from '../observability/sinks';

/**
 * A valid, authenticated event SNS could not take for now (unreachable,
 * throttling, a KMS or IAM mistake, a deleted topic): it waits in the
 * publish-retry queue, exactly as it would have been published, until the
 * drainer (functions/retry-drainer.ts) publishes it.
 */
export interface RetryRecord {
  /** The CloudEvent id, as the webhook answered it. */
  readonly id: string;
  readonly type: string;
  readonly queued_at: string;
  readonly request_id: string | undefined;
  /** Why the webhook could not publish it. */
  readonly publish_error: string;
  /** The SNS message, FIFO group and de-duplication ids included, as the webhook would have published it. */
  readonly message: SnsMessage;
}

/** Queues a record, tagged under the api secret given (the first accepted one). */
export type EnqueueRetry = (
  record: RetryRecord,
  signingSecret: string | undefined,
) => Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }>;

/** Sends retry records to an SQS queue, tagged (message attribute `integrity_tag`) so the drainer publishes only what the relay wrote. */
export function sqsRetryQueue(queueUrl: string, deadlineMs: number, traceClient?: Promise<TraceClient>): EnqueueRetry {
  const send = sqsRecordQueue(queueUrl, { deadlineMs, purpose: 'retry-record', traceClient });
  return (record, signingSecret) => send(record, { event_id: record.id, event_type: record.type }, signingSecret);
}

export type ReadRetry =
  { readonly ok: true; readonly record: RetryRecord } | { readonly ok: false; readonly problem: 'untagged' | 'altered' | 'malformed'; readonly detail: string };

/** A retry message read back: refused unless its tag verifies under one of the secrets and it holds an SNS message. */
export function readRetryMessage(messageBody: string, tag: string | undefined, secrets: readonly string[]): ReadRetry {
  if (tag === undefined) return { ok: false, problem: 'untagged', detail: 'the message carries no integrity tag' };
  if (!verifyIntegrityTag(secrets, 'retry-record', messageBody, tag)) {
    return { ok: false, problem: 'altered', detail: 'the integrity tag does not match the message under any accepted secret' };
  }
  let value: unknown;
  try {
    value = JSON.parse(messageBody);
  } catch {
    return { ok: false, problem: 'malformed', detail: 'the message is not JSON' };
  }
  const record = value as Partial<Record<keyof RetryRecord, unknown>> | null;
  const message = (typeof record === 'object' && record !== null ? record.message : undefined) as Partial<Record<keyof SnsMessage, unknown>> | undefined;
  if (
    record === null ||
    typeof record.id !== 'string' ||
    typeof record.type !== 'string' ||
    typeof message !== 'object' ||
    typeof message.Message !== 'string' ||
    typeof message.MessageAttributes !== 'object' ||
    message.MessageAttributes === null
  ) {
    return { ok: false, problem: 'malformed', detail: 'the message is not a retry record (id, type, message)' };
  }
  return {
    ok: true,
    record: {
      ...(record as RetryRecord),
      message: {
        Message: message.Message,
        MessageAttributes: message.MessageAttributes as Record<string, MessageAttributeValue>,
        ...(typeof message.MessageGroupId === 'string' ? { MessageGroupId: message.MessageGroupId } : {}),
        ...(typeof message.MessageDeduplicationId === 'string' ? { MessageDeduplicationId: message.MessageDeduplicationId } : {}),
      },
    },
  };
}
