import * as v from 'valibot';
import { DATASCHEMA_PREFIX as PREFIX, dataschemaFor, payloadTypes } from '../../../lib/contract';
import { AnyCloudEvent, cloudEventSchema } from '../../../lib/contract/schemas/cloudevent';
import { DECLARED_EVENT_TYPES, type DroamEvent, type DroamEventType, type UndeclaredEvent } from './events.generated';

/**
 * The valibot schemas the relay validates with, as CloudEvent schemas: each
 * declared type's, and the envelope every published event satisfies. They
 * are plain valibot schemas: `v.parse(eventSchemas['rule.pool.usage.triggered'], json)`.
 */

/** Every `dataschema` starts with this: `urn:droam-webhook-relay:schema:`. */
export const DATASCHEMA_PREFIX: string = PREFIX;

/** The schema of each declared type's CloudEvent, by `type`. */
export type EventSchemas = { readonly [TType in DroamEventType]: v.GenericSchema<unknown, DroamEvent<TType>> };

const declaredTypes: ReadonlySet<string> = new Set(DECLARED_EVENT_TYPES);

/** Whether a `type` is one this version of the contract declares. */
export function isDeclaredEventType(type: string): type is DroamEventType {
  return declaredTypes.has(type);
}

/** The `dataschema` URN of a declared type's events, which is also the `$id` of its JSON Schema. */
export function dataschemaOf(type: DroamEventType): string {
  return dataschemaFor(type, true);
}

function build<TType extends DroamEventType>(type: TType): v.GenericSchema<unknown, DroamEvent<TType>> {
  const declaration = payloadTypes.get(type);
  if (declaration === undefined) throw new Error(`${type} has no declaration`);
  const schema = cloudEventSchema({ type: v.literal(declaration.type), dataschema: v.literal(dataschemaFor(type, true)), data: declaration.dataSchema });
  // The generated type is written from this same schema (a type test holds them equal).
  return schema as unknown as v.GenericSchema<unknown, DroamEvent<TType>>;
}

export const eventSchemas: EventSchemas = Object.fromEntries(DECLARED_EVENT_TYPES.map((type) => [type, build(type)])) as unknown as EventSchemas;

/** The envelope every published event satisfies, whatever its type; `data` is any JSON object. */
export const envelopeSchema: v.GenericSchema<unknown, UndeclaredEvent> = AnyCloudEvent as unknown as v.GenericSchema<unknown, UndeclaredEvent>;
