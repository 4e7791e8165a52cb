import * as v from 'valibot';
import { toPayloadIssues } from '../../../lib/contract';
import { AnyCloudEvent } from '../../../lib/contract/schemas/cloudevent';
import type { DroamEvent, UndeclaredEvent } from './events.generated';
import { parseJson } from './json-number';
import { eventSchemas, isDeclaredEventType } from './schemas';

/**
 * Turns an SQS record or an SNS record that carries one of the relay's
 * messages back into a typed CloudEvent, validated with the same schemas the
 * relay validated the webhook with. For SQS, raw delivery (the body is the
 * CloudEvent, the attributes are SQS message attributes) and enveloped
 * delivery (the body is SNS's notification JSON, with `Message` and
 * `MessageAttributes`) are both read. Nothing here throws: the result says
 * what was wrong.
 *
 * The record types are structural (the fields read, as AWS Lambda passes
 * them), so neither `@types/aws-lambda` nor an AWS SDK is needed.
 */

/** The fields of a Lambda SQS record that are read: `body` and `messageAttributes`. */
export interface SqsRecordLike {
  readonly body: string;
  readonly messageAttributes?: Readonly<Record<string, { readonly dataType: string; readonly stringValue?: string | undefined }>>;
}

/** The fields of a Lambda SNS record (a function subscribed to the topic) that are read. */
export interface SnsRecordLike {
  readonly Sns: {
    readonly Message: string;
    readonly MessageAttributes?: Readonly<Record<string, { readonly Type: string; readonly Value: string }>>;
  };
}

/** The SNS message attributes: String ones as strings, Number ones as numbers. */
export type ReceivedAttributes = Readonly<Record<string, string | number>>;

/** How the record carried the event: as the body itself, or inside SNS's notification JSON. */
export type Delivery = 'raw' | 'enveloped';

export type ReadFailureReason =
  /** The body (or the notification's Message) is not JSON. */
  | 'not_json'
  /** The JSON is not a CloudEvent as the relay publishes it. */
  | 'not_a_cloudevent'
  /** A declared type whose `data` does not match the type's schema. */
  | 'invalid_data';

/** Where a value failed validation (`data.pool.uuid`), and why. */
export interface ReadIssue {
  readonly path: string;
  readonly message: string;
}

export type ReadResult =
  /** A declared type, validated against its schema: narrow on `event.type`. */
  | { readonly ok: true; readonly declared: true; readonly event: DroamEvent; readonly attributes: ReceivedAttributes; readonly delivery: Delivery }
  /** A type no declaration of this contract version knows (dRoam adds types): the envelope was validated, `data` is any object. */
  | { readonly ok: true; readonly declared: false; readonly event: UndeclaredEvent; readonly attributes: ReceivedAttributes; readonly delivery: Delivery }
  | {
      readonly ok: false;
      readonly reason: ReadFailureReason;
      readonly message: string;
      readonly issues: readonly ReadIssue[];
      readonly delivery: Delivery | undefined;
    };

/**
 * Reads one SQS record (only `body` and `messageAttributes` are looked at). A record that is not one (no
 * string body, `null`) is reported as `not_json`, like any body that is not JSON.
 */
export function readSqsRecord(record: SqsRecordLike): ReadResult {
  const { body: text, messageAttributes } = (isObject(record) ? record : {}) as Partial<SqsRecordLike>;
  const body = typeof text === 'string' ? parseJson(text) : ({ ok: false } as const);
  if (!body.ok) return failure('not_json', 'The SQS body is not JSON', undefined);
  if (isNotification(body.value)) {
    const inner = parseJson(body.value.Message);
    if (!inner.ok) return failure('not_json', "The SNS notification's Message is not JSON", 'enveloped');
    return readCloudEvent(inner.value, envelopedAttributes(body.value.MessageAttributes), 'enveloped');
  }
  return readCloudEvent(body.value, rawAttributes(messageAttributes), 'raw');
}

/** Reads one SNS record of a Lambda function subscribed to the topic (SNS always envelopes); a record without `Sns` is `not_json`. */
export function readSnsRecord(record: SnsRecordLike): ReadResult {
  const sns: unknown = isObject(record) ? (record as Partial<SnsRecordLike>).Sns : undefined;
  const text = isObject(sns) ? (sns as Partial<SnsRecordLike['Sns']>).Message : undefined;
  const message = typeof text === 'string' ? parseJson(text) : ({ ok: false } as const);
  if (!message.ok) return failure('not_json', "The SNS record's Message is not JSON", 'enveloped');
  return readCloudEvent(message.value, envelopedAttributes((sns as SnsRecordLike['Sns']).MessageAttributes), 'enveloped');
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

function readCloudEvent(message: unknown, attributes: ReceivedAttributes, delivery: Delivery): ReadResult {
  const envelope = v.safeParse(AnyCloudEvent, message);
  if (!envelope.success) return failure('not_a_cloudevent', 'The message is not a CloudEvent of the relay', delivery, envelope.issues);

  const { type } = envelope.output;
  if (!isDeclaredEventType(type)) {
    return { ok: true, declared: false, event: envelope.output as UndeclaredEvent, attributes, delivery };
  }
  const typed = v.safeParse<v.GenericSchema<unknown, DroamEvent>>(eventSchemas[type], message);
  if (!typed.success) return failure('invalid_data', `The event does not match the schema of ${type}`, delivery, typed.issues);
  return { ok: true, declared: true, event: typed.output, attributes, delivery };
}

interface Notification {
  readonly Type: 'Notification';
  readonly Message: string;
  readonly MessageAttributes?: unknown;
}

function isNotification(value: unknown): value is Notification {
  if (typeof value !== 'object' || value === null) return false;
  const { Type, Message, specversion } = value as Record<string, unknown>;
  return Type === 'Notification' && typeof Message === 'string' && specversion === undefined;
}

/** SQS message attributes (raw delivery): `{dataType, stringValue}`; anything else is left out. */
function rawAttributes(attributes: unknown): ReceivedAttributes {
  const result: Record<string, string | number> = {};
  if (!isObject(attributes)) return result;
  for (const [name, attribute] of Object.entries(attributes as Record<string, unknown>)) {
    if (!isObject(attribute)) continue;
    const { dataType, stringValue } = attribute as Record<string, unknown>;
    const value = attributeValue(dataType, stringValue);
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/** SNS notification attributes (enveloped delivery): `{Type, Value}`. */
function envelopedAttributes(attributes: unknown): ReceivedAttributes {
  const result: Record<string, string | number> = {};
  if (typeof attributes !== 'object' || attributes === null) return result;
  for (const [name, attribute] of Object.entries(attributes as Record<string, unknown>)) {
    if (typeof attribute !== 'object' || attribute === null) continue;
    const { Type, Value } = attribute as Record<string, unknown>;
    const value = attributeValue(Type, Value);
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/**
 * A decimal number as SNS takes one in a Number attribute (an optional sign, digits, a fraction, an
 * exponent): `Number()` alone would read `""` and `" "` as 0 and `"0x10"` as 16.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function attributeValue(type: unknown, value: unknown): string | number | undefined {
  if (typeof type !== 'string' || typeof value !== 'string') return undefined;
  if (type === 'Number' || type.startsWith('Number.')) {
    const number = DECIMAL.test(value) ? Number(value) : Number.NaN;
    return Number.isFinite(number) ? number : undefined;
  }
  return type === 'String' || type.startsWith('String.') ? value : undefined;
}

function failure(reason: ReadFailureReason, message: string, delivery: Delivery | undefined, issues: readonly v.BaseIssue<unknown>[] = []): ReadResult {
  return { ok: false, reason, message, issues: toPayloadIssues(issues), delivery };
}
