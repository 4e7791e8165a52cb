import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The event archive: every message published on the topic, kept in S3 as
 * gzip-compressed JSON Lines, one object per archiver batch and partition,
 * partitioned Hive-style by type and by the date of the event's `time`:
 *
 *   events/type=<type>/date=<YYYY-MM-DD>/<archived at>-<batch>.jsonl.gz
 *
 * The type in a key is escaped as Hive escapes partition values, `%` and two
 * hex digits, for every character but letters, digits, `.`, `_` and `-`: any
 * type the relay publishes (printable ASCII, up to 256 characters, `:` and
 * `/` included) makes one unambiguous key that Athena reads back, and
 * dRoam's dotted types are written as they are.
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
  if (typeof id !== 'string' || typeof type !== 'string' || typeof time !== 'string' || !EVENT_TYPE.test(type) || dateOf(time) === undefined) return undefined;
  const attributes: Record<string, { DataType: string; StringValue: string }> = {};
  for (const [name, attribute] of Object.entries(received.messageAttributes ?? {})) {
    if (attribute.stringValue !== undefined) attributes[name] = { DataType: attribute.dataType, StringValue: attribute.stringValue };
  }
  return { id, type, time, message: received.body, attributes };
}

/** Every type the relay publishes: printable ASCII without spaces, 1 to 256 characters (lib/contract `eventTypeName`). */
const EVENT_TYPE = /^[\x21-\x7e]{1,256}$/;

/** A type as a key writes it: every character but letters, digits, `.`, `_` and `-` as `%` and its two hex digits. */
export function typeInKey(type: string): string {
  return type.replace(/[^A-Za-z0-9._-]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The type a key's `type=` part names. */
export function typeFromKey(escaped: string): string {
  return escaped.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The UTC date (YYYY-MM-DD) of an RFC 3339 time, or undefined. */
export function dateOf(time: string): string | undefined {
  const millis = Date.parse(time);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString().slice(0, 10);
}

/** The prefix of a type's objects, with `date`, of that date's. */
export function partitionPrefix(type: string, date = ''): string {
  return `${ARCHIVE_PREFIX}type=${typeInKey(type)}/${date === '' ? '' : `date=${date}/`}`;
}

/** The key of a new archive object: its partition, when it was written (so keys sort by it) and a batch id. */
export function objectKey(type: string, date: string, archivedAt: Date, batchId: string = randomUUID()): string {
  return `${partitionPrefix(type, date)}${archivedAt.toISOString().replace(/[:.]/g, '-')}-${batchId}.jsonl.gz`;
}

/** The type and date of an object's key, or undefined for a key outside the layout. */
export function partitionOfKey(key: string): { type: string; date: string } | undefined {
  const match = /^events\/type=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/[^/]+\.jsonl\.gz$/.exec(key);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { type: typeFromKey(match[1]), date: match[2] };
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
  const { messages, unreadable } = readObject(bytes);
  if (unreadable > 0) throw new Error(`${String(unreadable)} line(s) of the object are not archived messages`);
  return messages;
}

/**
 * An object's lines that are archived messages, and how many are not (not JSON, or without the fields a
 * line has); throws only when the object is not gzip at all.
 */
export function readObject(bytes: Uint8Array): { readonly messages: ArchivedMessage[]; readonly unreadable: number } {
  const messages: ArchivedMessage[] = [];
  let unreadable = 0;
  for (const line of gunzipSync(bytes).toString('utf8').split('\n')) {
    if (line === '') continue;
    const message = archivedMessage(line);
    if (message === undefined) unreadable++;
    else messages.push(message);
  }
  return { messages, unreadable };
}

function archivedMessage(line: string): ArchivedMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, type, time, message, attributes } = value as Record<string, unknown>;
  const strings = [id, type, time, message].every((field) => typeof field === 'string');
  const attributesValid =
    typeof attributes === 'object' &&
    attributes !== null &&
    Object.values(attributes).every(
      (attribute) =>
        typeof attribute === 'object' &&
        attribute !== null &&
        typeof (attribute as { DataType?: unknown }).DataType === 'string' &&
        typeof (attribute as { StringValue?: unknown }).StringValue === 'string',
    );
  return strings && attributesValid ? (value as ArchivedMessage) : undefined;
}
