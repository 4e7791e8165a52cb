import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import {
  type AttributeValue,
  type CloudEvent,
  cloudEventJson,
  DEFAULT_DROAM_SOURCE,
  MAX_MESSAGE_ATTRIBUTES,
  RELAY_ATTRIBUTES,
  RESERVED_ATTRIBUTE_NAMES,
} from '../contract';

/** SNS's limit for one message, body and attributes together. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

export interface SnsMessage {
  readonly Message: string;
  readonly MessageAttributes: Record<string, MessageAttributeValue>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

// SNS accepts attribute values made of XML characters only.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHARACTER = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const MAX_ATTRIBUTE_VALUE_LENGTH = 1024;
// Room is left for the reserved attributes set after this one (the integrity tag, lib/queues/published.ts).
const MAX_ATTRIBUTES_HERE = MAX_MESSAGE_ATTRIBUTES - (RESERVED_ATTRIBUTE_NAMES.length - RELAY_ATTRIBUTES.length);

/**
 * `json` is the event's text (lib/contract/cloudevent.ts `cloudEventJson`), when the caller has it already;
 * `droamSource` the name of the dRoam source the webhook came in for.
 */
export function toSnsMessage(
  event: CloudEvent,
  attributes: Readonly<Record<string, AttributeValue>>,
  fifo: boolean,
  json = cloudEventJson(event),
  droamSource = DEFAULT_DROAM_SOURCE,
): SnsMessage {
  const messageAttributes: Record<string, MessageAttributeValue> = {};
  const message = { type: event.type, id: event.id, droamSource };
  for (const attribute of RELAY_ATTRIBUTES) messageAttributes[attribute.name] = { DataType: attribute.type, StringValue: attribute.value(message) };
  for (const [name, value] of Object.entries(attributes)) {
    if (Object.keys(messageAttributes).length === MAX_ATTRIBUTES_HERE) break;
    const attribute = toAttribute(value);
    if (attribute !== undefined) messageAttributes[name] = attribute;
  }
  return {
    // Numbers as dRoam wrote them (lib/contract/json.ts): JSON.stringify would round or null some.
    Message: json,
    MessageAttributes: messageAttributes,
    ...(fifo ? { MessageGroupId: messageGroupId(event.subject ?? event.type), MessageDeduplicationId: event.id } : {}),
  };
}

// FIFO group ids are 1-128 printable ASCII characters; anything else is grouped by its digest.
const GROUP_ID = /^[\x21-\x7e]{1,128}$/;

function messageGroupId(key: string): string {
  return GROUP_ID.test(key) ? key : createHash('sha256').update(key).digest('hex');
}

function toAttribute(value: AttributeValue): MessageAttributeValue | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? { DataType: 'Number', StringValue: String(value) } : undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_ATTRIBUTE_VALUE_LENGTH || NOT_XML_CHARACTER.test(value)) return undefined;
  return { DataType: 'String', StringValue: value };
}

/** Bytes SNS counts against its limit: the body plus each attribute's name, type and value. */
export function snsMessageBytes(message: SnsMessage): number {
  let bytes = Buffer.byteLength(message.Message, 'utf8');
  for (const [name, attribute] of Object.entries(message.MessageAttributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType ?? '') + Buffer.byteLength(attribute.StringValue ?? '');
  }
  return bytes;
}
