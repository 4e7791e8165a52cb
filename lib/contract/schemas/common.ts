import * as v from 'valibot';
import { GUARDED_KEYS, JsonNumber } from '../json';

/**
 * Building blocks for dRoam's models. Strict on structure and required
 * fields, lenient exactly where the vendor's own examples contradict its
 * tables: integers arrive as numbers or digit strings, and
 * fields the docs call "uuid" are not always UUIDs. Unknown fields are kept.
 *
 * Numbers arrive as lib/contract/json.ts parses them: a JavaScript number when
 * a double prints back its text exactly, else a JsonNumber holding the text.
 * A declared normalisation (integers to numbers, money to decimal strings)
 * happens only when it is exact; otherwise the field is invalid.
 */

const isPlainObject = (input: unknown): boolean => typeof input === 'object' && input !== null && !Array.isArray(input) && !(input instanceof JsonNumber);

/** The longest decimal string a number in exponent form is written out to (money, integers). */
const MAX_PLAIN_DECIMAL_LENGTH = 64;

/**
 * A JSON number's text as a plain decimal of the same value, exactly (`3.50e1` → `35.0`,
 * `1E-2` → `0.01`): scale and sign kept, no rounding. Undefined when longer than
 * MAX_PLAIN_DECIMAL_LENGTH characters (`1e400`).
 */
export function plainDecimal(text: string): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText] = match;
  if (exponentText === undefined) return text.length <= MAX_PLAIN_DECIMAL_LENGTH ? text : undefined;
  const exponent = Number(exponentText);
  const digits = whole + fraction;
  const point = whole.length + exponent;
  if (Math.abs(exponent) > MAX_PLAIN_DECIMAL_LENGTH || point > MAX_PLAIN_DECIMAL_LENGTH || digits.length - point > MAX_PLAIN_DECIMAL_LENGTH) return undefined;
  let integer: string;
  let decimals: string;
  if (point <= 0) [integer, decimals] = ['0', '0'.repeat(-point) + digits];
  else if (point >= digits.length) [integer, decimals] = [digits + '0'.repeat(point - digits.length), ''];
  else [integer, decimals] = [digits.slice(0, point), digits.slice(point)];
  integer = integer.replace(/^0+(?=\d)/, '');
  const plain = `${sign}${integer}${decimals === '' ? '' : `.${decimals}`}`;
  return plain.length <= MAX_PLAIN_DECIMAL_LENGTH ? plain : undefined;
}

/** The exact integer a JSON number's text denotes (`1.0`, `5e2`, `-0` → 0), when it is one and a safe integer. */
function exactInteger(text: string): number | undefined {
  const plain = plainDecimal(text);
  const match = plain === undefined ? null : /^-?(\d+)(?:\.0*)?$/.exec(plain);
  if (match === null) return undefined;
  const value = Number(plain);
  return Number.isSafeInteger(value) && String(Math.abs(value)) === match[1]?.replace(/^0+(?=\d)/, '') ? value + 0 : undefined;
}

/** A number a double cannot print back exactly, as sent (see lib/contract/json.ts). */
const jsonNumber = v.instance(JsonNumber);

/**
 * A JSON object (not an array) that keeps fields it does not declare. Only its declared members go
 * through valibot's walk: the others are never copied or even listed, so an object of a thousand
 * members costs what one of a dozen does, wherever it is declared. The output is the object itself
 * when validation changed none of its declared members, and a copy with those members replaced
 * otherwise; either way every other member is kept as sent.
 */
export const model = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.pipe(v.custom<Record<string, unknown>>(isPlainObject, 'Expected an object'), declaredOnly(v.looseObject(entries)));

/**
 * A copy of `object` with `members` in place of its own of the same name, keys in the object's order. Copied key
 * by key into a fresh object: a spread of an object of a thousand members measured several times dearer here.
 */
function withMembers(object: Readonly<Record<string, unknown>>, members: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in object) {
    // As valibot copies a loose object's members: own ones, never one that could reach a prototype.
    if (Object.hasOwn(object, key) && !GUARDED_KEYS.has(key)) copy[key] = Object.hasOwn(members, key) ? members[key] : object[key];
  }
  for (const key in members) if (!Object.hasOwn(object, key)) copy[key] = members[key];
  return copy;
}

/** valibot's loose object, run on the declared members of its input alone (see `model`). */
function declaredOnly<const TSchema extends v.LooseObjectSchema<v.ObjectEntries, undefined>>(schema: TSchema): TSchema {
  return {
    ...schema,
    '~run'(dataset, config) {
      const input: unknown = dataset.value;
      if (typeof input !== 'object' || input === null) return schema['~run'](dataset, config);
      const object = input as Record<string, unknown>;
      const declared: Record<string, unknown> = {};
      for (const key in schema.entries) if (key in object) declared[key] = object[key];
      const result = schema['~run']({ value: declared }, config);
      if (result.issues !== undefined) return result;
      const output = result.value as Record<string, unknown>;
      for (const key in output) {
        if (output[key] !== object[key] || !(key in object)) return { ...result, value: withMembers(object, output) };
      }
      return { ...result, value: object };
    },
  };
}

/** A non-negative integer sent as a number or as a string of digits; always output as a number. */
export const integerLike = (max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.union(
      [
        v.pipe(v.number(), v.integer('Expected an integer')),
        v.pipe(v.string(), v.regex(/^\d+$/, 'Expected a string of digits'), v.transform(Number)),
        v.pipe(
          jsonNumber,
          v.transform(({ source }) => exactInteger(source)),
          v.number('Expected an integer that a number holds exactly (at most 2^53 - 1)'),
        ),
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
 * would drop the scale of "90.10": a number is written as the digits of its source text (`35.20` →
 * "35.20", `1.5e2` → "150"), one too long to write out (`1e400`) is invalid.
 */
export const decimalLike = () =>
  v.pipe(
    v.union(
      [
        v.pipe(
          v.number(),
          v.transform((n) => plainDecimal(String(n))),
          v.string('Expected a decimal number of at most 64 digits'),
        ),
        v.pipe(
          jsonNumber,
          v.transform(({ source }) => plainDecimal(source)),
          v.string('Expected a decimal number of at most 64 digits'),
        ),
        v.string(),
      ],
      'Expected a decimal number or a string of one, e.g. "52.99"',
    ),
    // The output type, for the JSON Schema of what is published: after the union it always is a string.
    v.string(),
    v.regex(/^-?\d+(\.\d+)?$/, 'Expected a decimal number, e.g. "52.99"'),
  );

/** After this many invalid items the rest of an array is not checked: the issues already say what is wrong. */
export const MAX_INVALID_ITEMS = 4;

/**
 * `v.array(item)` that stops at the MAX_INVALID_ITEMS-th invalid item. A body
 * under the size limit holds about 87,000 `{}`; checking each against a model
 * would build several issues apiece (hundreds of megabytes) of which a handful
 * are reported. A valid array is checked item by item to its end. Everything
 * but the walk (the schema's type, its item, its JSON Schema) is valibot's own.
 */
export const checkedArray = <const TItem extends v.GenericSchema>(item: TItem): v.ArraySchema<TItem, undefined> => {
  const schema = v.array(item);
  return {
    ...schema,
    // valibot's own walk (schema['~run']), but ending at the MAX_INVALID_ITEMS-th invalid item.
    '~run'(dataset, config) {
      const input: unknown = dataset.value;
      if (!Array.isArray(input)) return schema['~run'](dataset, config);
      const value: unknown[] = [];
      const issues: v.BaseIssue<unknown>[] = [];
      let typed = true;
      let invalid = 0;
      for (let key = 0; key < input.length; key++) {
        const itemDataset = item['~run']({ value: input[key] as unknown }, config);
        if (itemDataset.issues !== undefined) {
          const pathItem: v.ArrayPathItem = { type: 'array', origin: 'value', input, key, value: input[key] as unknown };
          for (const issue of itemDataset.issues) issues.push({ ...issue, path: issue.path === undefined ? [pathItem] : [pathItem, ...issue.path] });
          if (config.abortEarly === true || ++invalid === MAX_INVALID_ITEMS) return { typed: false, value, issues } as ReturnType<typeof schema['~run']>;
        }
        if (!itemDataset.typed) typed = false;
        value.push(itemDataset.value);
      }
      return (issues.length > 0 ? { typed: false, value, issues } : { typed, value }) as ReturnType<typeof schema['~run']>;
    },
  };
};

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
