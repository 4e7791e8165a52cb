import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { JsonSchema } from '@valibot/to-json-schema';
import { compile, type JSONSchema, type Options } from 'json-schema-to-typescript';
import type { Options as PrettierOptions } from 'prettier';
import { format } from 'prettier/standalone';
import * as estree from 'prettier/plugins/estree';
import * as typescript from 'prettier/plugins/typescript';
import ts from 'typescript';
import type { DescribedPayloadType } from '../../lib/contract';
import { envelopeJsonSchema, eventJsonSchema } from './json-schemas';

/**
 * TypeScript types of the published CloudEvents for the events package
 * (packages/events), compiled by json-schema-to-typescript from the same JSON
 * Schemas as schemas/, so the types, the schemas and the relay's validation
 * cannot disagree. All events go into one schema whose `$defs` hold dRoam's
 * models once and whose properties are the `DroamEvents` map; objects keep an
 * index signature because the relay keeps fields it does not know.
 */

/** The file, relative to the repository root. */
export const EVENT_TYPES_FILE = 'packages/events/src/events.generated.ts';

const OPTIONS: Partial<Options> = {
  bannerComment: '',
  // Prettier runs once on the whole file, below, with the repository's settings.
  format: false,
  // A field the relay does not know may hold a JsonNumber (see json-number.ts): `unknown`, not `any`.
  unknownAny: true,
};

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

export async function eventTypesSource(root: string, declarations: readonly DescribedPayloadType[], version: string, header: string): Promise<string> {
  const names = eventTypeNames(declarations.map((d) => d.type));
  const name = (type: string): string => names.get(type) ?? '';
  const models: Record<string, unknown> = {};
  const events = declarations.map(
    (d) => [name(d.type), { ...definition(eventJsonSchema(d), models), description: `\`${d.type}\`: ${d.description}` }] as const,
  );
  const envelope = { ...definition(envelopeJsonSchema(), models), title: 'UndeclaredEvent' };
  const droamEvents = {
    title: 'DroamEvents',
    description: 'The CloudEvent of each declared dRoam type, by its `type`.',
    type: 'object',
    required: declarations.map((d) => d.type),
    properties: Object.fromEntries(declarations.map((d) => [d.type, { $ref: `#/$defs/${name(d.type)}` }])),
    additionalProperties: false,
    $defs: { ...Object.fromEntries(events), ...models },
  };

  const glue = [
    "/** The version of the published contract: this package's version. A breaking change to a type gives it a new `dataschema` URN and a new major version. */",
    `export const CONTRACT_VERSION = ${JSON.stringify(version)};`,
    '',
    '/** Every declared dRoam type, in declaration order. */',
    `export const DECLARED_EVENT_TYPES = ${JSON.stringify(declarations.map((d) => d.type))} as const;`,
    '',
    '/** A declared dRoam type. */',
    'export type DroamEventType = keyof DroamEvents;',
    '',
    "/** The CloudEvent of one declared type (`DroamEvent<'rule.pool.usage.triggered'>`), or of any declared type: a union discriminated by `type`. */",
    'export type DroamEvent<TType extends DroamEventType = DroamEventType> = DroamEvents[TType];',
  ];
  // The envelope refers to no model, so it compiles on its own (a `$ref` it gained would fail here, unresolved).
  const compiled = (await compile(envelope as JSONSchema, 'UndeclaredEvent', OPTIONS)) + (await compile(droamEvents as JSONSchema, 'DroamEvents', OPTIONS));
  const source = [`// ${header}\n// Checked by tests/unit/contract/generated-files.test.ts.`, glue.join('\n'), readonlyMembers(compiled)].join('\n\n');
  const prettier = JSON.parse(readFileSync(path.join(root, '.prettierrc.json'), 'utf8')) as PrettierOptions;
  return format(source, { ...prettier, parser: 'typescript', plugins: [estree, typescript] });
}

/** A schema as a `$defs` entry: without its root identification, its own `$defs` moved into `models` (which must agree). */
function definition(schema: JsonSchema, models: Record<string, unknown>): JsonSchema {
  for (const [model, def] of Object.entries(schema.$defs ?? {})) {
    const known = models[model];
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(def)) throw new Error(`$defs/${model} differs between schemas`);
    models[model] = def;
  }
  return Object.fromEntries(Object.entries(schema).filter(([keyword]) => !ROOT_KEYWORDS.has(keyword)));
}

const ROOT_KEYWORDS = new Set(['$schema', '$id', 'title', '$defs']);

/**
 * Every member `readonly`, arrays `readonly T[]`, and index signatures named
 * and documented: subscribers read events, they do not build them, and
 * json-schema-to-typescript has no option for either.
 */
function readonlyMembers(source: string): string {
  const file = ts.createSourceFile('events.generated.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const { factory } = ts;
  const readonly = (): ts.Modifier[] => [factory.createModifier(ts.SyntaxKind.ReadonlyKeyword)];
  const unknownFields = '* Fields the relay does not know, kept as sent; a number there that a double cannot hold exactly is read as a `JsonNumber`. ';
  const transformer: ts.TransformerFactory<ts.SourceFile> = (context) => {
    const visit = (node: ts.Node): ts.Node => {
      const visited = ts.visitEachChild(node, visit, context);
      if (ts.isPropertySignature(visited)) {
        return factory.updatePropertySignature(visited, readonly(), visited.name, visited.questionToken, visited.type);
      }
      if (ts.isIndexSignatureDeclaration(visited)) {
        const field = factory.createParameterDeclaration(undefined, undefined, 'field', undefined, factory.createKeywordTypeNode(ts.SyntaxKind.StringKeyword));
        const signature = factory.createIndexSignature(readonly(), [field], visited.type);
        return ts.addSyntheticLeadingComment(signature, ts.SyntaxKind.MultiLineCommentTrivia, unknownFields, true);
      }
      if (ts.isArrayTypeNode(visited)) {
        return factory.createTypeOperatorNode(ts.SyntaxKind.ReadonlyKeyword, visited);
      }
      return visited;
    };
    return (root) => ts.visitEachChild(root, visit, context);
  };
  const [transformed = file] = ts.transform(file, [transformer]).transformed;
  const printer = ts.createPrinter();
  // One statement at a time, so declarations stay apart by a blank line (the printer drops blank lines).
  return transformed.statements.map((statement) => printer.printNode(ts.EmitHint.Unspecified, statement, transformed)).join('\n\n');
}
