import * as v from 'valibot';
import { eventTypeName, model, nonEmptyString } from './common';

/**
 * The published CloudEvent (CloudEvents 1.0, structured JSON, as
 * lib/contract/cloudevent.ts builds it) as a valibot schema: the contract's JSON
 * Schemas are generated from it, and subscribers validate with it
 * (the events package, packages/events). Extension attributes are allowed, as CloudEvents allows them.
 */
export interface CloudEventParts<TType extends v.GenericSchema<string>, TDataschema extends v.GenericSchema<string>, TData extends v.GenericSchema> {
  readonly type: TType;
  /** What `dataschema` may be: the type's own URN, or any string for the envelope. */
  readonly dataschema: TDataschema;
  /** What the `subject` names, for this type (documentation only). */
  readonly subject?: string;
  readonly data: TData;
}

export const cloudEventSchema = <
  const TType extends v.GenericSchema<string>,
  const TDataschema extends v.GenericSchema<string>,
  const TData extends v.GenericSchema,
>(
  parts: CloudEventParts<TType, TDataschema, TData>,
) =>
  v.looseObject({
    specversion: v.pipe(v.literal('1.0'), v.description('CloudEvents specification version.')),
    id: v.pipe(
      nonEmptyString,
      v.description("Derived from the payload's content (a UUIDv8 from its SHA-256): a redelivery has the same id. Deduplicate on it."),
    ),
    source: v.pipe(v.string(), v.regex(/^\S+$/, 'Expected a URI reference'), v.description('The relay stage\'s EVENT_SOURCE, "droam" by default; "<EVENT_SOURCE>/<name>" for a named dRoam source of the stage.')),
    type: parts.type,
    time: v.pipe(v.string(), v.isoTimestamp('Expected an RFC 3339 timestamp'), v.description("dRoam's created_at.unix_timestamp, in RFC 3339 UTC.")),
    subject: v.optional(parts.subject === undefined ? v.string() : v.pipe(v.string(), v.description(parts.subject))),
    datacontenttype: v.pipe(v.literal('application/json'), v.description('data is JSON.')),
    dataschema: v.optional(parts.dataschema),
    correlationid: v.optional(
      v.pipe(v.string(), v.maxLength(128), v.description('Extension attribute: the id of the HTTP request that carried the event, as in the relay\'s log line.')),
    ),
    droamenvelope: v.optional(
      v.pipe(
        v.string(),
        v.description(
          "Extension attribute: the JSON text of dRoam's payload without `type` and `data`: `created_at` in full (its human date and time fields as sent) and every other top-level field dRoam sends, kept as sent. A string because CloudEvents extension attributes are scalars; part of what the id is derived from.",
        ),
        v.metadata({ contentMediaType: 'application/json', contentSchema: DROAM_ENVELOPE_JSON_SCHEMA }),
      ),
    ),
    data: parts.data,
  });

/** What `droamenvelope` holds, as JSON Schema: `created_at` (dRoam's Date Time Model) and any other member. */
const DROAM_ENVELOPE_JSON_SCHEMA = {
  type: 'object',
  properties: {
    created_at: {
      type: 'object',
      properties: {
        unix_timestamp: { type: 'integer', minimum: 0 },
        human_time: { type: 'string' },
        human_date: { type: 'string' },
        timezone: { type: 'string' },
      },
      required: ['unix_timestamp', 'human_time', 'human_date', 'timezone'],
    },
  },
  required: ['created_at'],
} as const;

/** Every event the relay publishes, of any type: the envelope alone, `data` any JSON object. */
export const AnyCloudEvent = cloudEventSchema({
  type: v.pipe(eventTypeName, v.description("dRoam's type, verbatim.")),
  dataschema: v.pipe(v.string(), v.minLength(1), v.description('Names the JSON Schema of this type in schemas/ (a URN).')),
  subject: 'What the event is about, for declared types (see their schemas).',
  data: v.pipe(model({}), v.description("dRoam's data: a JSON object, unknown fields kept.")),
});
