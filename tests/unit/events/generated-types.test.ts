/**
 * The events package's TypeScript types are generated (npm run schemas) from
 * the JSON Schemas, themselves generated from the valibot schemas the relay
 * validates with. Here the compiler holds the two ends equal: for every
 * declared type, the generated event's `data` and what valibot infers from
 * the declaration are assignable both ways, as are the envelopes. A
 * generator that drops a field, loosens a type or forgets a type fails
 * `npm run typecheck` (and these assertions name the type).
 */
import type * as v from 'valibot';
import type { DeclaredPayloadType } from '../../../lib/contract';
import type { AnyCloudEvent } from '../../../lib/contract/schemas/cloudevent';
import { DECLARED_EVENT_TYPES, type DroamEvents, type UndeclaredEvent } from '@droam-webhook-relay/events';
import { payloadTypes } from '../../../lib/contract';

/** `| undefined` taken out of optional fields, deeply: JSON has no undefined, and valibot's output type allows it. */
type Json<T> = T extends readonly (infer E)[] ? Json<E>[] : T extends object ? { [K in keyof T]: Json<Exclude<T[K], undefined>> } : T;

type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type Inferred = { [D in DeclaredPayloadType as D['type']]: Json<v.InferOutput<D['schema']>['data']> };

type DataMatches = { [T in keyof DroamEvents | keyof Inferred]: T extends keyof DroamEvents ? (T extends keyof Inferred ? Mutual<Json<DroamEvents[T]['data']>, Inferred[T]> : 'not declared') : 'not generated' };

type EnvelopeMatches = Mutual<Json<Omit<UndeclaredEvent, 'data'>>, Json<Omit<v.InferOutput<typeof AnyCloudEvent>, 'data'>>>;

/** Compiles only when every value is `true`. */
const allTrue = <T extends Record<string, true>>(value: T): T => value;

it('every declared type has a generated event type whose data is what valibot infers from the declaration', () => {
  const matches = allTrue<DataMatches>(Object.fromEntries(payloadTypes.types.map((type) => [type, true])) as DataMatches);
  expect(Object.keys(matches).sort()).toEqual([...DECLARED_EVENT_TYPES].sort());
  expect([...DECLARED_EVENT_TYPES]).toEqual(payloadTypes.types);
});

it('the generated envelope is what valibot infers from the envelope schema', () => {
  const envelope: EnvelopeMatches = true;
  expect(envelope).toBe(true);
});
