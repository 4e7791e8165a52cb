import type { SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { type DeclaredPayloadType, type PayloadIssue, type PayloadType, payloadTypes, toPayloadIssues } from '../contract';
import { AnyCloudEvent, cloudEventSchema } from '../contract/schemas/cloudevent';
import { parseJsonText } from '../contract/json';

/**
 * For subscribers: turns an SQS record that carries one of the relay's SNS
 * messages back into a typed CloudEvent, validated with the same schemas the
 * relay validated the webhook with. Raw delivery (the body is the CloudEvent,
 * the attributes are SQS message attributes) and enveloped delivery (the body
 * is SNS's notification JSON, with `Message` and `MessageAttributes`) are both
 * read. Nothing here throws: the result says what was wrong.
 */

/** A CloudEvent as received. `dataschema` is optional: events published before it existed have none. */
export interface ReceivedCloudEvent<TType extends string = string, TData = Record<string, unknown>> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: TType;
  readonly time: string;
  readonly subject?: string;
  readonly datacontenttype: 'application/json';
  readonly dataschema?: string;
  readonly correlationid?: string;
  /** The JSON text of dRoam's payload without `type` and `data` (`created_at` in full, any other top-level field); see the contract. */
  readonly droamenvelope?: string;
  readonly data: TData;
}

/** One CloudEvent per declared type, discriminated by `type`, `data` typed by its schema's output. */
export type DeclaredCloudEvent = DeclaredPayloadType extends infer TDeclared
  ? TDeclared extends PayloadType<infer TType, infer TSchema>
    ? ReceivedCloudEvent<TType, v.InferOutput<TSchema>['data']>
    : never
  : never;

export type DeclaredEventType = DeclaredCloudEvent['type'];

/** The SNS message attributes: String ones as strings, Number ones as numbers. */
export type ReceivedAttributes = Readonly<Record<string, string | number>>;

export type Delivery = 'raw' | 'enveloped';

export type ReadFailureReason =
  /** The body (or the notification's Message) is not JSON. */
  | 'not_json'
  /** The JSON is not a CloudEvent as the relay publishes it. */
  | 'not_a_cloudevent'
  /** A declared type whose `data` does not match the type's schema. */
  | 'invalid_data';

export type ReadResult =
  | { readonly ok: true; readonly declared: true; readonly event: DeclaredCloudEvent; readonly attributes: ReceivedAttributes; readonly delivery: Delivery }
  | { readonly ok: true; readonly declared: false; readonly event: ReceivedCloudEvent; readonly attributes: ReceivedAttributes; readonly delivery: Delivery }
  | {
      readonly ok: false;
      readonly reason: ReadFailureReason;
      readonly message: string;
      readonly issues: readonly PayloadIssue[];
      readonly delivery: Delivery | undefined;
    };

/** Per declared type, the CloudEvent schema with its `data` schema; built on first use. */
const schemas = new Map<string, v.GenericSchema>();

function schemaFor(declaration: PayloadType): v.GenericSchema {
  let schema = schemas.get(declaration.type);
  if (schema === undefined) {
    schema = cloudEventSchema({ type: v.literal(declaration.type), dataschema: v.string(), data: declaration.dataSchema });
    schemas.set(declaration.type, schema);
  }
  return schema;
}

/** Reads one SQS record (only `body` and `messageAttributes` are looked at). */
export function readSqsRecord(record: Pick<SQSRecord, 'body'> & Partial<Pick<SQSRecord, 'messageAttributes'>>): ReadResult {
  const body = parseJson(record.body);
  if (!body.ok) return failure('not_json', 'The SQS body is not JSON', undefined);

  let delivery: Delivery = 'raw';
  let message: unknown = body.value;
  let attributes: ReceivedAttributes = rawAttributes(record.messageAttributes);
  if (isNotification(body.value)) {
    delivery = 'enveloped';
    const inner = parseJson(body.value.Message);
    if (!inner.ok) return failure('not_json', "The SNS notification's Message is not JSON", delivery);
    message = inner.value;
    attributes = envelopedAttributes(body.value.MessageAttributes);
  }

  const envelope = v.safeParse(AnyCloudEvent, message);
  if (!envelope.success) return failure('not_a_cloudevent', 'The message is not a CloudEvent of the relay', delivery, envelope.issues);

  const declaration = payloadTypes.get(envelope.output.type);
  if (declaration === undefined) {
    return { ok: true, declared: false, event: envelope.output as ReceivedCloudEvent, attributes, delivery };
  }
  const typed = v.safeParse(schemaFor(declaration), message);
  if (!typed.success) return failure('invalid_data', `The event does not match the schema of ${declaration.type}`, delivery, typed.issues);
  // The schema is the declaration's own, so the output is that type's event.
  return { ok: true, declared: true, event: typed.output as DeclaredCloudEvent, attributes, delivery };
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

/** SQS message attributes (raw delivery): `{dataType, stringValue}`. */
function rawAttributes(attributes: SQSRecord['messageAttributes'] | undefined): ReceivedAttributes {
  const result: Record<string, string | number> = {};
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    const value = attributeValue(attribute.dataType, attribute.stringValue);
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

function attributeValue(type: unknown, value: unknown): string | number | undefined {
  if (typeof type !== 'string' || typeof value !== 'string') return undefined;
  if (type === 'Number' || type.startsWith('Number.')) {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return type === 'String' || type.startsWith('String.') ? value : undefined;
}

/** Losslessly, as the relay parsed dRoam's body: a number a double cannot hold exactly arrives as a JsonNumber with its text. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const parsed = parseJsonText(text, MAX_DEPTH);
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false };
}

/** dRoam's nesting limit at the relay, plus the CloudEvent's own level and some room. */
const MAX_DEPTH = 128;

function failure(reason: ReadFailureReason, message: string, delivery: Delivery | undefined, issues: readonly v.BaseIssue<unknown>[] = []): ReadResult {
  return {
    ok: false,
    reason,
    message,
    issues: toPayloadIssues(issues),
    delivery,
  };
}
