/**
 * Peer (b): the same Middy + Powertools handler as (a) (see middy-powertools.ts) with zod 4, the
 * Powertools parser's own schema library: the pool payload ported from lib/contract/schemas, and
 * the envelope for every other type. Only the pool type is ported; a new or changed declaration
 * needs nothing here.
 */
import * as z from 'zod';
import { middyPowertoolsRelay, POOL_USAGE } from './middy-powertools';

const LAST_RFC3339_SECOND = 253_402_300_799;

/** A JSON object that keeps the fields it does not declare. */
const model = <const TShape extends z.ZodRawShape>(shape: TShape) => z.looseObject(shape, { error: 'Expected an object' });

/** A non-negative integer sent as a number or as a string of digits; output as a number. */
const integerLike = (max = Number.MAX_SAFE_INTEGER) =>
  z
    .union([z.number().int('Expected an integer'), z.string().regex(/^\d+$/, 'Expected a string of digits').transform(Number)], {
      error: 'Expected a non-negative integer or a string of digits',
    })
    .pipe(z.number().min(0, 'Expected a non-negative integer').max(max, `Expected at most ${max}`));

const envelope = <const TData extends z.ZodType>(type: z.ZodType<string>, data: TData) =>
  model({
    type,
    data,
    created_at: model({ unix_timestamp: integerLike(LAST_RFC3339_SECOND), human_time: z.string(), human_date: z.string(), timezone: z.string() }),
  });

const RulePoolUsageTriggered = envelope(
  z.literal(POOL_USAGE),
  model({
    rule: model({ uuid: z.string().min(1, 'Expected a non-empty string'), name: z.string(), description: z.string() }),
    pool: model({
      uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Expected a UUID (8-4-4-4-12 hex digits)'),
      name: z.string(),
      current_usage_kb: integerLike().nullish(),
    }),
  }),
);

/** Any other type: a printable name (it becomes the `event_type` attribute) on a valid envelope. */
const AnyEnvelope = envelope(z.string().regex(/^[\x21-\x7e]{1,256}$/, 'Expected an event type name (printable characters, no spaces)'), model({})).refine(
  (payload) => payload.type !== POOL_USAGE,
);

const EchoRequest = z.union([
  model({ type: z.literal('echo'), echo_data: z.string() }),
  model({ type: z.literal('echo'), data: model({ echo_data: z.string() }) }),
]);

export const handler = middyPowertoolsRelay({
  event: z.looseObject({ body: z.union([RulePoolUsageTriggered, AnyEnvelope]) }),
  isEcho: (payload) => EchoRequest.safeParse(payload).success,
});
