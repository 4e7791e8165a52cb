import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
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
  readonly data: Record<string, unknown>;
}

export function toCloudEvent(valid: ValidPayload, source: string, correlationId?: string): CloudEvent {
  return {
    specversion: '1.0',
    id: eventId(valid.payload),
    source,
    type: valid.type,
    time: rfc3339(valid.payload.created_at.unix_timestamp),
    ...(valid.subject === undefined ? {} : { subject: valid.subject }),
    datacontenttype: 'application/json',
    dataschema: dataschemaFor(valid.type, valid.declared),
    ...(correlationId === undefined || correlationId === '' ? {} : { correlationid: correlationId.slice(0, 128) }),
    data: valid.payload.data,
  };
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
 * dRoam sends no event id, so the id is derived from the validated payload:
 * a redelivery of the same event gets the same id (and is de-duplicated on
 * FIFO topics), different events get different ids. Formatted as an RFC 9562
 * UUIDv8 built from SHA-256 of the canonical JSON.
 */
export function eventId(payload: unknown): string {
  const bytes = createHash('sha256').update(canonicalJson(payload)).digest().subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x80, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Seconds since the epoch as RFC 3339 UTC without fractional seconds. */
export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
