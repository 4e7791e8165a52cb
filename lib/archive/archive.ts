import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The event archive: every message published on the topic, kept in S3 as
 * gzip-compressed JSON Lines, one object per archiver batch and partition,
 * partitioned Hive-style by type and by the date of the event's `time`:
 *
 *   events/type=<type>/date=<YYYY-MM-DD>/<archived at>-<batch>.jsonl.gz
 *
 * so a reader lists one type's range of days with one listing, and Athena or
 * Glue read the partitions as columns. Each line keeps the message exactly as
 * published (`message`, the CloudEvent's JSON text) and its SNS message
 * attributes, which subscribers' filter policies match on; `id`, `type` and
 * `time` are copied out of it to select lines without parsing the message.
 */

export const ARCHIVE_PREFIX = 'events/';

/** One line of an archive object. */
export interface ArchivedMessage {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  /** The SNS message body as published: the CloudEvent's JSON text. */
  readonly message: string;
  /** The SNS message attributes as published (`event_type`, `event_id`, the type's own). */
  readonly attributes: Readonly<Record<string, { readonly DataType: string; readonly StringValue: string }>>;
}

/** A received message: its body and its message attributes (an SQS record of a raw-delivery subscription). */
export interface ReceivedMessage {
  readonly body: string;
  readonly messageAttributes?: Readonly<Record<string, { readonly dataType: string; readonly stringValue?: string | undefined }>>;
}

/** What an archived line needs from a message; undefined when the body is not a CloudEvent with an id, a type and a time. */
export function toArchivedMessage(received: ReceivedMessage): ArchivedMessage | undefined {
  let event: unknown;
  try {
    event = JSON.parse(received.body);
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null) return undefined;
  const { id, type, time } = event as Record<string, unknown>;
  if (typeof id !== 'string' || typeof type !== 'string' || typeof time !== 'string' || !TYPE.test(type) || dateOf(time) === undefined) return undefined;
  const attributes: Record<string, { DataType: string; StringValue: string }> = {};
  for (const [name, attribute] of Object.entries(received.messageAttributes ?? {})) {
    if (attribute.stringValue !== undefined) attributes[name] = { DataType: attribute.dataType, StringValue: attribute.stringValue };
  }
  return { id, type, time, message: received.body, attributes };
}

/** dRoam types are dotted words; anything else would make an ambiguous key. */
const TYPE = /^[A-Za-z0-9_.-]{1,128}$/;

/** The UTC date (YYYY-MM-DD) of an RFC 3339 time, or undefined. */
export function dateOf(time: string): string | undefined {
  const millis = Date.parse(time);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString().slice(0, 10);
}

export function partitionPrefix(type: string, date: string): string {
  return `${ARCHIVE_PREFIX}type=${type}/date=${date}/`;
}

/** The key of a new archive object: its partition, when it was written (so keys sort by it) and a batch id. */
export function objectKey(type: string, date: string, archivedAt: Date, batchId: string = randomUUID()): string {
  return `${partitionPrefix(type, date)}${archivedAt.toISOString().replace(/[:.]/g, '-')}-${batchId}.jsonl.gz`;
}

/** The type and date of an object's key, or undefined for a key outside the layout. */
export function partitionOfKey(key: string): { type: string; date: string } | undefined {
  const match = /^events\/type=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/[^/]+\.jsonl\.gz$/.exec(key);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { type: match[1], date: match[2] };
}

/** Messages grouped by the object they go to: one group per type and date. */
export function partition<T extends ArchivedMessage>(messages: readonly T[]): Map<string, { type: string; date: string; messages: T[] }> {
  const groups = new Map<string, { type: string; date: string; messages: T[] }>();
  for (const message of messages) {
    const date = dateOf(message.time) ?? '';
    const key = partitionPrefix(message.type, date);
    const group = groups.get(key) ?? { type: message.type, date, messages: [] };
    group.messages.push(message);
    groups.set(key, group);
  }
  return groups;
}

export function encodeObject(messages: readonly ArchivedMessage[]): Buffer {
  return gzipSync(messages.map((message) => `${JSON.stringify(message)}\n`).join(''));
}

export function decodeObject(bytes: Uint8Array): ArchivedMessage[] {
  return gunzipSync(bytes)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ArchivedMessage);
}
