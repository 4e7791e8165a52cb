import { type ConversionConfig, type JsonSchema, toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { dataschemaFor, type DescribedPayloadType } from '../../lib/contract';
import { AnyCloudEvent, cloudEventSchema } from '../../lib/contract/schemas/cloudevent';
import { DateTimeModel, PoolModel, RuleModel } from '../../lib/contract/schemas/common';
import {
  AccountAddressModel,
  AccountModel,
  EndUserModel,
  OpenEndUserModel,
  PlanModel,
  PrepaidRefillModel,
  SimCardDetails,
  SimCardModel,
  StatusModel,
  UserModel,
} from '../../lib/contract/schemas/models';

/**
 * JSON Schemas (draft 2020-12) of the published CloudEvents, generated from
 * the same valibot schemas the relay validates with. They describe the
 * OUTPUT: what lands on the topic after normalisation (integers as integers,
 * money as decimal strings, `details` as an object), so the conversion runs
 * in valibot's "output" mode, which starts each pipe at its last schema (the
 * schemas in lib/schemas/ name the output type after every transform). dRoam's
 * models become named `$defs`, which code generators turn into named types.
 */

/** dRoam's models by the name their `$defs` entry gets. */
const MODELS: Readonly<Record<string, v.GenericSchema>> = {
  Account: AccountModel,
  AccountAddress: AccountAddressModel,
  DateTime: DateTimeModel,
  EndUser: EndUserModel,
  OpenEndUser: OpenEndUserModel,
  Plan: PlanModel,
  Pool: PoolModel,
  PrepaidRefill: PrepaidRefillModel,
  Rule: RuleModel,
  SimCard: SimCardModel,
  SimCardDetails: SimCardDetails,
  Status: StatusModel,
  User: UserModel,
};

/** The file in schemas/ that holds a declared type's schema. */
export const schemaFileFor = (type: string): string => `${type}.json`;
export const ENVELOPE_SCHEMA_FILE = 'envelope.json';

const CONVERSION: ConversionConfig = {
  target: 'draft-2020-12',
  typeMode: 'output',
  definitions: MODELS,
  overrideAction: ({ valibotAction, jsonSchema }) => {
    // JSON Schema patterns have no flags: a case-insensitive regex is spelled out instead.
    if (valibotAction.type === 'regex') {
      const { requirement } = valibotAction as unknown as { requirement: RegExp };
      if (requirement.flags === 'i') return { ...jsonSchema, pattern: caseInsensitive(requirement.source) };
    }
    return undefined;
  },
};

/** The schema of a declared type's CloudEvent: `type` and `dataschema` fixed, `data` the type's own. */
export function eventJsonSchema(declaration: DescribedPayloadType): JsonSchema {
  const dataschema = dataschemaFor(declaration.type, true);
  const schema = cloudEventSchema({
    type: v.pipe(v.literal(declaration.type), v.description(declaration.description)),
    dataschema: v.pipe(v.literal(dataschema), v.description('This schema.')),
    subject: declaration.subject?.description ?? 'Not set for this type.',
    data: v.pipe(declaration.dataSchema, v.description("dRoam's data after validation: numbers normalised, unknown fields kept.")),
  });
  return finish(toJsonSchema(schema, CONVERSION), {
    $id: dataschema,
    title: declaration.type,
    description: `${declaration.description} A CloudEvent as the dRoam webhook relay publishes it on its SNS topic.`,
  });
}

/** The schema every published event satisfies, and the `dataschema` of types no declaration knows. */
export function envelopeJsonSchema(): JsonSchema {
  return finish(toJsonSchema(AnyCloudEvent, CONVERSION), {
    $id: dataschemaFor('', false),
    title: 'Any dRoam event',
    description:
      'The envelope every CloudEvent the dRoam webhook relay publishes satisfies; the whole schema of a type no declaration knows (dRoam says new types may appear), whose data is checked to be an object only.',
  });
}

/** Root identification first, unused `$defs` dropped, keywords in a stable order. */
function finish(schema: JsonSchema, root: { $id: string; title: string; description: string }): JsonSchema {
  const { $schema, $defs, ...rest } = schema;
  const used = usedDefinitions(rest, $defs ?? {});
  const defs = Object.fromEntries([...used].sort().map((name) => [name, $defs?.[name] ?? {}]));
  return ordered({ $schema, ...root, ...rest, ...(used.size > 0 ? { $defs: defs } : {}) }) as JsonSchema;
}

/** The `$defs` entries reachable from the schema through `$ref`s. */
function usedDefinitions(schema: unknown, defs: Readonly<Record<string, unknown>>): Set<string> {
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) {
          const name = value.slice('#/$defs/'.length);
          if (!used.has(name)) {
            used.add(name);
            visit(defs[name]);
          }
        } else {
          visit(value);
        }
      }
    }
  };
  visit(schema);
  return used;
}

/** Keywords in this order, then any other keyword alphabetically; maps of names (properties, $defs) keep theirs. */
const KEYWORD_ORDER = [
  '$schema',
  '$id',
  '$ref',
  'title',
  'description',
  'type',
  'const',
  'enum',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'items',
  'required',
  'properties',
  'additionalProperties',
  'anyOf',
  'oneOf',
  'allOf',
  '$defs',
];
const NAME_MAPS = new Set(['properties', '$defs', 'patternProperties']);

function ordered(node: unknown, isNameMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => ordered(item));
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>).filter(([key, value]) => !(key === 'required' && Array.isArray(value) && value.length === 0));
  if (!isNameMap) entries.sort(([a], [b]) => rank(a) - rank(b) || (rank(a) === KEYWORD_ORDER.length ? a.localeCompare(b) : 0));
  return Object.fromEntries(entries.map(([key, value]) => [key, isNameMap ? ordered(value) : ordered(value, NAME_MAPS.has(key))]));
}

function rank(keyword: string): number {
  const index = KEYWORD_ORDER.indexOf(keyword);
  return index === -1 ? KEYWORD_ORDER.length : index;
}

/** A regex source made case-insensitive without flags: letters get their other case, in and out of character classes. */
export function caseInsensitive(source: string): string {
  let result = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source.charAt(i);
    if (char === '\\') {
      result += source.slice(i, i + 2);
      i++;
    } else if (inClass) {
      if (char === ']') {
        inClass = false;
        result += char;
      } else if (/[a-z]/i.test(char) && source.charAt(i + 1) === '-' && /[a-z]/i.test(source.charAt(i + 2))) {
        const range = source.slice(i, i + 3);
        result += range.toLowerCase() + range.toUpperCase();
        i += 2;
      } else {
        result += /[a-z]/i.test(char) ? char.toLowerCase() + char.toUpperCase() : char;
      }
    } else if (char === '[') {
      inClass = true;
      result += char;
    } else {
      result += /[a-z]/i.test(char) ? `[${char.toLowerCase()}${char.toUpperCase()}]` : char;
    }
  }
  return result;
}
