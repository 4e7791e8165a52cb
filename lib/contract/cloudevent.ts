import { createHash } from 'node:crypto';
import { canonicalJson, canonicalJsonWithout } from './json';
import type { ValidPayload } from './declare';

/** CloudEvents 1.0, structured JSON mode: what lands on the topic. */
export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject?: string;
  readonly datacontenttype: 'application/json';
  /** The `$id` of the JSON Schema in schemas/ that this event validates against (see `dataschemaFor`). */
  readonly dataschema: string;
  /** Extension attribute: the API Gateway request id that carried the event, to trace a message back to its request log line. */
  readonly correlationid?: string;
  /**
   * Extension attribute: the JSON text of every top-level member of dRoam's payload other than `type`
   * and `data`, as validated: `created_at` in full (its human date and time fields as sent) and any
   * field dRoam adds at the top level. A string, because CloudEvents extension attributes are scalars.
   */
  readonly droamenvelope: string;
  readonly data: Record<string, unknown>;
}

/** dRoam's members that the CloudEvent carries elsewhere (`type`, `data`); the rest is `droamenvelope`. */
const ENVELOPE_OMITS: ReadonlySet<string> = new Set(['type', 'data']);

/** The members of a CloudEvent that the relay sets per request rather than per event: left out of the id. */
type PerRequest = 'id' | 'correlationid';
const PER_REQUEST: ReadonlySet<string> = new Set<PerRequest>(['id', 'correlationid']);

export function toCloudEvent(valid: ValidPayload, source: string, correlationId?: string): CloudEvent {
  return toPublishedCloudEvent(valid, source, correlationId).event;
}

/** A CloudEvent and its JSON text, as published. */
export interface PublishedCloudEvent {
  readonly event: CloudEvent;
  /** {@link cloudEventJson} of the event. */
  readonly json: string;
}

/** The CloudEvent and its text, with `data` written once for both the id and the text. */
export function toPublishedCloudEvent(valid: ValidPayload, source: string, correlationId?: string): PublishedCloudEvent {
  const { type, data } = valid.payload;
  const perEvent: Omit<CloudEvent, PerRequest> = {
    specversion: '1.0',
    source,
    type,
    time: rfc3339(valid.payload.created_at.unix_timestamp),
    ...(valid.subject === undefined ? {} : { subject: valid.subject }),
    datacontenttype: 'application/json',
    dataschema: dataschemaFor(valid.type, valid.declared),
    // Written straight from the payload as sent, its declared members as validated: copying tens of thousands of
    // top-level members would cost more than writing them.
    droamenvelope: canonicalJsonWithout(valid.sent ?? valid.payload, ENVELOPE_OMITS, valid.payload),
    data,
  };
  const dataJson = canonicalJson(perEvent.data);
  const { specversion, ...rest } = perEvent;
  const event: CloudEvent = {
    specversion,
    id: eventId(perEvent, dataJson),
    ...rest,
    ...(correlationId === undefined || correlationId === '' ? {} : { correlationid: correlationId.slice(0, 128) }),
  };
  return { event, json: cloudEventJson(event, dataJson) };
}

/**
 * The JSON text of a CloudEvent as published: members in the order of the CloudEvents spec
 * (`data` last), each value as {@link canonicalJson} writes it (keys sorted, numbers as dRoam
 * sent them), so one event always has one text.
 */
export function cloudEventJson(event: CloudEvent, dataJson = canonicalJson(event.data)): string {
  let json = '{';
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || value === undefined) continue;
    json += `${json.length === 1 ? '' : ','}${JSON.stringify(name)}:${canonicalJson(value)}`;
  }
  return `${json},"data":${dataJson}}`;
}

/**
 * Schema identifiers are URNs, not URLs: they are absolute URIs (as CloudEvents
 * and JSON Schema `$id` require) that stay the same for every stage, account and
 * deployment, and they do not pretend to be fetchable, since nothing hosts the
 * schemas. Subscribers resolve them locally: every file in schemas/ carries its
 * URN as `$id`, so a validator loaded with those files looks the schema up by
 * the event's `dataschema`. A breaking change to a type's schema gets a new URN.
 */
export const DATASCHEMA_PREFIX = 'urn:droam-webhook-relay:schema:';

/** `urn:droam-webhook-relay:schema:event:<type>` for a declared type; the envelope schema (every event satisfies it) for any other. */
export function dataschemaFor(type: string, declared: boolean): string {
  return declared ? `${DATASCHEMA_PREFIX}event:${type}` : `${DATASCHEMA_PREFIX}envelope`;
}

/**
 * dRoam sends no event id, so the id is derived from the event as published,
 * every member but the per-request `id` and `correlationid`: a redelivery of
 * the same event gets the same id (and is de-duplicated on FIFO topics), and
 * events that differ in any published value (a digit beyond 2^53, the scale of
 * `35.20`, the sign of `-0`, a field in `droamenvelope`) get different ids.
 * Formatted as an RFC 9562 UUIDv8 built from SHA-256 of the canonical JSON
 * (lib/contract/json.ts: keys sorted, numbers as sent).
 */
export function eventId(event: Omit<CloudEvent, PerRequest>, dataJson = canonicalJson(event.data)): string {
  // canonicalJson(event), with `data` written once by the caller.
  let canonical = '{';
  for (const name of Object.keys(event).sort()) {
    const value = event[name as keyof typeof event];
    if (value === undefined || PER_REQUEST.has(name)) continue;
    canonical += `${canonical.length === 1 ? '' : ','}${JSON.stringify(name)}:${name === 'data' ? dataJson : canonicalJson(value)}`;
  }
  const bytes = createHash('sha256').update(`${canonical}}`).digest().subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x80, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Seconds since the epoch as RFC 3339 UTC without fractional seconds. */
export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
