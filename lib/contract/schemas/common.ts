import * as v from 'valibot';

/**
 * Building blocks for dRoam's models. Strict on structure and required
 * fields, lenient exactly where the vendor's own examples contradict its
 * tables: integers arrive as numbers or digit strings, and
 * fields the docs call "uuid" are not always UUIDs. Unknown fields are kept.
 */

const isPlainObject = (input: unknown): boolean => typeof input === 'object' && input !== null && !Array.isArray(input);

/** A JSON object (not an array) that keeps fields it does not declare. */
export const model = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.pipe(v.custom<Record<string, unknown>>(isPlainObject, 'Expected an object'), v.looseObject(entries));

/** A non-negative integer sent as a number or as a string of digits; always output as a number. */
export const integerLike = (max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.union(
      [
        v.pipe(v.number(), v.integer('Expected an integer')),
        v.pipe(v.string(), v.regex(/^\d+$/, 'Expected a string of digits'), v.transform(Number)),
      ],
      'Expected a non-negative integer or a string of digits',
    ),
    // The output type, for the JSON Schema of what is published: after the union it always is a number,
    // an integer (Number of a digit string) unless too large for maxValue, which reports that.
    v.number(),
    v.metadata({ type: 'integer' }),
    v.minValue(0, 'Expected a non-negative integer'),
    v.maxValue(max, `Expected at most ${max}`),
  );

/**
 * A decimal amount (the docs' "float": money such as `remaining_balance` and `price`) sent as a
 * number or as a decimal string, e.g. "52.99"; always output as a decimal string. Money is kept as
 * the digits dRoam sent rather than converted to a binary float, which cannot hold 52.99 exactly and
 * would drop the scale of "90.10"; a number is written as its shortest decimal string.
 */
export const decimalLike = () =>
  v.pipe(
    v.union(
      [
        v.pipe(
          v.number(),
          v.finite('Expected a finite number'),
          v.transform((n) => String(n)),
        ),
        v.string(),
      ],
      'Expected a decimal number or a string of one, e.g. "52.99"',
    ),
    // The output type, for the JSON Schema of what is published: after the union it always is a string.
    v.string(),
    v.regex(/^-?\d+(\.\d+)?$/, 'Expected a decimal number, e.g. "52.99"'),
  );

export const nonEmptyString = v.pipe(v.string(), v.minLength(1, 'Expected a non-empty string'));

/** 8-4-4-4-12 hex digits in either case; no version check (the vendor's examples are v4, its docs promise nothing). */
export const uuidShaped = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Expected a UUID (8-4-4-4-12 hex digits)'),
);

/** Year 9999, the last second an RFC 3339 timestamp can name. */
const LAST_RFC3339_SECOND = 253_402_300_799;

/** Date Time Model. `unix_timestamp` (seconds) is authoritative; the human fields are not cross-checked. */
export const DateTimeModel = model({
  unix_timestamp: integerLike(LAST_RFC3339_SECOND),
  human_time: v.string(),
  human_date: v.string(),
  timezone: v.string(),
});

/** Rule Model: `uuid` is a plain id, e.g. "1711929600" in the vendor's example. */
export const RuleModel = model({
  uuid: nonEmptyString,
  name: v.string(),
  description: v.string(),
});

/** Pool Model: `current_usage_kb` is optional and documented as integer but shown as "51200". */
export const PoolModel = model({
  uuid: uuidShaped,
  name: v.string(),
  current_usage_kb: v.nullish(integerLike()),
});

/** What every event and rule payload shares; `data` is checked per type. */
export const envelope = <const TData extends v.GenericSchema>(type: v.GenericSchema<string>, data: TData) =>
  model({ type, data, created_at: DateTimeModel });

/** A type no declaration knows: any dotted name of printable characters, since it becomes the `event_type` attribute. */
export const eventTypeName = v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,256}$/, 'Expected an event type name (printable characters, no spaces)'));

export const AnyEnvelope = envelope(eventTypeName, model({}));
