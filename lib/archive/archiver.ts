import type { LogSink } from '../observability/sinks';
import { type ArchivedMessage, encodeObject, objectKey, partition, type ReceivedMessage, toArchivedMessage } from './archive';

/**
 * The archiver: a batch of SQS records from the archive queue (subscribed to
 * the topic with raw delivery) becomes one S3 object per type and date. A
 * record is reported failed, so SQS redelivers it (and after 5 receives moves
 * it to the archive's dead-letter queue), when its object could not be
 * written or when it is not a CloudEvent of the relay; the others are done.
 * A redelivered record is archived again: the archive is at-least-once, and
 * readers deduplicate on the event id (`npm run history` does).
 */

export interface ArchiverDeps {
  /** Writes one object; a throw fails every record in it. */
  readonly put: (key: string, body: Buffer) => Promise<void>;
  readonly now: () => Date;
  readonly logger: LogSink;
}

export interface ArchiveRecord extends ReceivedMessage {
  readonly messageId: string;
}

export interface ArchiverResult {
  readonly batchItemFailures: { itemIdentifier: string }[];
}

export function createArchiver(deps: ArchiverDeps): (event: { readonly Records: readonly ArchiveRecord[] }) => Promise<ArchiverResult> {
  return async ({ Records }) => {
    const failed: string[] = [];
    const readable: (ArchivedMessage & { readonly messageId: string })[] = [];
    for (const record of Records) {
      const archived = toArchivedMessage(record);
      if (archived === undefined) {
        deps.logger.error('record is not a CloudEvent of the relay: not archived', {
          message_id: record.messageId,
          body_bytes: Buffer.byteLength(record.body),
        });
        failed.push(record.messageId);
      } else {
        readable.push({ ...archived, messageId: record.messageId });
      }
    }
    const archivedAt = deps.now();
    const groups = [...partition(readable).values()];
    const results = await Promise.allSettled(
      groups.map(({ type, date, messages }) =>
        deps.put(
          objectKey(type, date, archivedAt),
          encodeObject(messages.map(({ id, type, time, message, attributes }) => ({ id, type, time, message, attributes }))),
        ),
      ),
    );
    results.forEach((result, index) => {
      const group = groups[index];
      if (group === undefined) return;
      if (result.status === 'rejected') {
        deps.logger.error('archive object not written: its records will be redelivered', {
          type: group.type,
          date: group.date,
          records: group.messages.length,
          error: result.reason instanceof Error ? result.reason.message : String(result.reason),
        });
        failed.push(...group.messages.map((message) => message.messageId));
      } else {
        deps.logger.info('archived', { type: group.type, date: group.date, records: group.messages.length });
      }
    });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
