import * as z from 'zod';

/**
 * Zod 4 port of lib/schemas/common.ts (peer (b)): the same building blocks, the same leniency
 * (integers as numbers or digit strings, "uuid" fields that are not UUIDs), unknown fields kept,
 * the same messages where ours sets one.
 */

/** A JSON object (not an array) that keeps fields it does not declare. */
export const model = <const TShape extends z.ZodRawShape>(shape: TShape) => z.looseObject(shape, { error: 'Expected an object' });

/** A non-negative integer sent as a number or as a string of digits; always output as a number. */
export const integerLike = (max = Number.MAX_SAFE_INTEGER) =>
  z
    .union([z.number().int('Expected an integer'), z.string().regex(/^\d+$/, 'Expected a string of digits').transform(Number)], {
      error: 'Expected a non-negative integer or a string of digits',
    })
    .pipe(z.number().min(0, 'Expected a non-negative integer').max(max, `Expected at most ${max}`));

/** A decimal amount sent as a number or a decimal string; always output as a decimal string. */
export const decimalLike = () =>
  z
    .union([z.number('Expected a finite number').transform((n) => String(n)), z.string()], {
      error: 'Expected a decimal number or a string of one, e.g. "52.99"',
    })
    .pipe(z.string().regex(/^-?\d+(\.\d+)?$/, 'Expected a decimal number, e.g. "52.99"'));

export const nonEmptyString = z.string().min(1, 'Expected a non-empty string');

/** 8-4-4-4-12 hex digits in either case. */
export const uuidShaped = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Expected a UUID (8-4-4-4-12 hex digits)');

const LAST_RFC3339_SECOND = 253_402_300_799;

export const DateTimeModel = model({
  unix_timestamp: integerLike(LAST_RFC3339_SECOND),
  human_time: z.string(),
  human_date: z.string(),
  timezone: z.string(),
});

export const RuleModel = model({
  uuid: nonEmptyString,
  name: z.string(),
  description: z.string(),
});

export const PoolModel = model({
  uuid: uuidShaped,
  name: z.string(),
  current_usage_kb: integerLike().nullish(),
});

/**
 * What every payload shares. lib/payload-types.ts finds a declaration's `data` schema through the
 * envelope's `entries` (valibot's name for an object's shape), so the zod envelope carries them too.
 */
export const envelope = <const TData extends z.ZodType>(type: z.ZodType<string>, data: TData) => {
  const entries = { type, data, created_at: DateTimeModel };
  return Object.assign(model(entries), { entries });
};

/** A type no declaration knows: a printable name, since it becomes the `event_type` attribute. */
export const eventTypeName = z.string().regex(/^[\x21-\x7e]{1,256}$/, 'Expected an event type name (printable characters, no spaces)');

export const AnyEnvelope = envelope(eventTypeName, model({}));
