import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import * as v from 'valibot';
import type { TraceClient } from '../observability/sinks';
import type { SnsMessage } from '../topic/message';
import { type ReadRecord, readTaggedRecord, type RecordKind, type Signer, sqsRecordQueue } from './records';

/**
 * A valid, authenticated event SNS could not take for now (unreachable,
 * throttling, a KMS or IAM mistake, a deleted topic): it waits in the
 * publish-retry queue, exactly as it would have been published, until the
 * drainer (functions/retry-drainer.ts) publishes it.
 */
export interface RetryRecord {
  /** The stage whose relay queued it: only that stage's drainer publishes it. */
  readonly stage: string;
  /** The CloudEvent id, as the webhook answered it. */
  readonly id: string;
  readonly type: string;
  /** The dRoam source the event came in for, whose first secret tags the record (its message's `droam_source` too). */
  readonly droam_source?: string;
  readonly queued_at: string;
  readonly request_id: string | undefined;
  /** Why the webhook could not publish it. */
  readonly publish_error: string;
  /** The SNS message, FIFO group and de-duplication ids included, as the webhook would have published it. */
  readonly message: SnsMessage;
}

/** Queues a record, tagged by the signer given (the first accepted secret). */
export type EnqueueRetry = (record: RetryRecord, signer: Signer | undefined) => Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }>;

/**
 * The oldest a retry record may be when the drainer reads it: SQS's longest retention, that of the
 * publish-retry queue and its dead-letter queue. A record the relay wrote is gone from SQS by then; an
 * older one was sent again by someone, and is not published again.
 */
export const RETRY_RECORD_MAX_AGE_SECONDS = 1_209_600;

/** Sends retry records to an SQS queue, tagged (message attribute `integrity_tag`) so the drainer publishes only what the relay wrote. */
export function sqsRetryQueue(queueUrl: string, deadlineMs: number, traceClient?: Promise<TraceClient>): EnqueueRetry {
  const send = sqsRecordQueue(queueUrl, { deadlineMs, purpose: 'retry-record', traceClient });
  return (record, signer) => send(record, { event_id: record.id, event_type: record.type }, signer);
}

/** A retry record holds the SNS message to publish, and only the message's own fields are published. */
const RETRY_RECORD: RecordKind<RetryRecord> = {
  purpose: 'retry-record',
  description: 'a retry record (stage, id, type, message)',
  schema: v.looseObject({
    stage: v.string(),
    id: v.string(),
    type: v.string(),
    message: v.object({
      Message: v.string(),
      MessageAttributes: v.record(
        v.string(),
        v.custom<MessageAttributeValue>((value) => typeof value === 'object' && value !== null),
      ),
      MessageGroupId: v.optional(v.string()),
      MessageDeduplicationId: v.optional(v.string()),
    }),
    // The publish relies on `message` alone; the other fields are the relay's own metadata, under the same tag.
  }) as unknown as v.GenericSchema<unknown, RetryRecord>,
};

/**
 * A retry message read back by a stage's drainer at `now` (unix seconds): refused when another stage's relay
 * queued it or it is older than RETRY_RECORD_MAX_AGE_SECONDS (lib/queues/records.ts says what else is refused).
 */
export function readRetryMessage(
  messageBody: string,
  tag: string | undefined,
  secrets: readonly string[],
  reader: { readonly stage: string; readonly now: number },
): ReadRecord<RetryRecord> {
  return readTaggedRecord(messageBody, tag, secrets, RETRY_RECORD, { ...reader, maxAgeSeconds: RETRY_RECORD_MAX_AGE_SECONDS });
}
