import type { JsonSchema } from '@valibot/to-json-schema';
import type { DescribedPayloadType } from '../../lib/contract';
import { envelopeJsonSchema, eventJsonSchema } from './json-schemas';

/**
 * TypeScript types of the published CloudEvents for the events package
 * (packages/events), written from the same JSON Schemas as schemas/, so the
 * types, the schemas and the relay's validation cannot disagree. dRoam's
 * models become named interfaces; objects keep an index signature because
 * the relay keeps fields it does not know.
 */

/** The file, relative to the repository root. */
export const EVENT_TYPES_FILE = 'packages/events/src/events.generated.ts';

interface Node {
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly $ref?: string;
  readonly description?: string;
  readonly anyOf?: readonly Node[];
  readonly oneOf?: readonly Node[];
  readonly items?: Node;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Node>>;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `rule.pool.usage.triggered` → `RulePoolUsageTriggeredEvent`; a name two types would share gets a number. */
export function eventTypeNames(types: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const type of types) {
    const base = type
      .split(/[._]/)
      .filter((part) => part !== '')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('');
    let name = `${base}Event`;
    for (let n = 2; taken.has(name); n++) name = `${base}${n}Event`;
    taken.add(name);
    names.set(type, name);
  }
  return names;
}

export function eventTypesSource(declarations: readonly DescribedPayloadType[], version: string, header: string): string {
  const names = eventTypeNames(declarations.map((d) => d.type));
  const defs = new Map<string, Node>();
  const events: string[] = [];

  for (const declaration of declarations) {
    const schema = eventJsonSchema(declaration) as JsonSchema & { $defs?: Record<string, Node> };
    collectDefs(defs, schema.$defs ?? {});
    const name = names.get(declaration.type) ?? '';
    events.push(`${doc(`\`${declaration.type}\`: ${declaration.description}`, '')}export interface ${name} ${objectType(schema as Node, '')}\n`);
  }
  const envelope = envelopeJsonSchema() as JsonSchema & { $defs?: Record<string, Node> };
  collectDefs(defs, envelope.$defs ?? {});

  const typeMap = declarations.map((d) => `  readonly ${quote(d.type)}: ${names.get(d.type) ?? ''};`).join('\n');
  const models = [...defs.keys()]
    .sort()
    .map((name) => `${doc(defs.get(name)?.description, '')}export interface ${name} ${objectType(defs.get(name) ?? {}, '')}\n`);

  return [
    `// ${header}`,
    '// Checked by tests/unit/contract/generated-files.test.ts; Prettier leaves it as written (.prettierignore).',
    '',
    "/** The version of the published contract: this package's version. A breaking change to a type gives it a new `dataschema` URN and a new major version. */",
    `export const CONTRACT_VERSION = ${quote(version)};`,
    '',
    '/** Every declared dRoam type, in declaration order. */',
    `export const DECLARED_EVENT_TYPES = [\n${declarations.map((d) => `  ${quote(d.type)},\n`).join('')}] as const;`,
    '',
    '/** The CloudEvent of each declared dRoam type, by its `type`. */',
    `export interface DroamEvents {\n${typeMap}\n}`,
    '',
    '/** A declared dRoam type. */',
    'export type DroamEventType = keyof DroamEvents;',
    '',
    "/** The CloudEvent of one declared type (`DroamEvent<'rule.pool.usage.triggered'>`), or of any declared type: a union discriminated by `type`. */",
    'export type DroamEvent<TType extends DroamEventType = DroamEventType> = DroamEvents[TType];',
    '',
    `${doc(envelope.description, '')}export interface UndeclaredEvent ${objectType(envelope as Node, '')}`,
    '',
    ...events,
    ...models,
  ].join('\n');
}

function collectDefs(into: Map<string, Node>, defs: Readonly<Record<string, Node>>): void {
  for (const [name, def] of Object.entries(defs)) {
    const known = into.get(name);
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(def)) throw new Error(`$defs/${name} differs between schemas`);
    into.set(name, def);
  }
}

function typeOf(node: Node, indent: string): string {
  if (node.$ref !== undefined) return node.$ref.replace('#/$defs/', '');
  if (node.const !== undefined) return typeof node.const === 'string' ? quote(node.const) : JSON.stringify(node.const);
  if (node.enum !== undefined) return node.enum.map((value) => (typeof value === 'string' ? quote(value) : JSON.stringify(value))).join(' | ');
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives !== undefined) return alternatives.map((alternative) => typeOf(alternative, indent)).join(' | ');
  const types = node.type === undefined ? [] : typeof node.type === 'string' ? [node.type] : node.type;
  if (types.length === 0) return 'unknown';
  return types
    .map((type) => {
      switch (type) {
        case 'string':
          return 'string';
        case 'number':
        case 'integer':
          return 'number';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'array':
          return `readonly ${wrap(node.items === undefined ? 'unknown' : typeOf(node.items, indent))}[]`;
        case 'object':
          return objectType(node, indent);
        default:
          throw new Error(`JSON Schema type ${type} has no TypeScript type here`);
      }
    })
    .join(' | ');
}

function wrap(type: string): string {
  return /[|&]/.test(type) && !type.startsWith('{') ? `(${type})` : type;
}

function objectType(node: Node, indent: string): string {
  const inner = `${indent}  `;
  const required = new Set(node.required ?? []);
  const members = Object.entries(node.properties ?? {}).map(([key, property]) => {
    const name = IDENTIFIER.test(key) ? key : quote(key);
    return `${doc(property.description, inner)}${inner}readonly ${name}${required.has(key) ? '' : '?'}: ${typeOf(property, inner)};`;
  });
  members.push(`${inner}/** Fields the relay does not know are kept as sent. */\n${inner}readonly [field: string]: unknown;`);
  return `{\n${members.join('\n')}\n${indent}}`;
}

/** A string literal as Prettier writes it here (single quotes). */
function quote(value: unknown): string {
  return `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

function doc(text: string | undefined, indent: string): string {
  return text === undefined ? '' : `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n`;
}
