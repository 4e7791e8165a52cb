/**
 * schemas/asyncapi.yaml: parses, is AsyncAPI 3.0, and describes every declared
 * type with its SNS message attributes, its payload schema and examples that
 * are valid against that schema.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Ajv2020 from 'ajv/dist/2020';
import YAML from 'yaml';
import { INTEGRITY_TAG_ATTRIBUTE, payloadTypes, RELAY_ATTRIBUTES } from '../../../lib/contract';
import { SCHEMAS_DIR, schemaErrors, schemaValidator } from '../../support/contract';

interface HeaderSchema {
  type: string;
  required: string[];
  properties: Record<string, { type: string; description: string; const?: string; 'x-sns-data-type': string }>;
}
interface Message {
  name: string;
  summary: string;
  headers: HeaderSchema;
  payload: { schemaFormat: string; schema: { $ref: string } };
  examples?: { name: string; headers: Record<string, unknown>; payload: Record<string, unknown> }[];
}
interface Document {
  asyncapi: string;
  info: { title: string; version: string };
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
  components: { messages: Record<string, Message> };
}

const text = readFileSync(path.join(SCHEMAS_DIR, 'asyncapi.yaml'), 'utf8');
let doc: Document;
let ajv: Ajv2020;
beforeAll(() => {
  doc = YAML.parse(text) as Document;
  ajv = schemaValidator();
});

/** Resolves a local `#/...` reference in the document, and the reference it leads to, if any. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`not a local reference: ${ref}`);
  const target = ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  const next = (target as { $ref?: unknown } | undefined)?.$ref;
  return typeof next === 'string' && next.startsWith('#/') ? resolve(next) : target;
}

it('parses as YAML without warnings and is AsyncAPI 3.0', () => {
  const parsed = YAML.parseDocument(text);
  expect(parsed.errors).toEqual([]);
  expect(parsed.warnings).toEqual([]);
  expect(doc.asyncapi).toBe('3.0.0');
  expect(doc.info.version).toBe((JSON.parse(readFileSync(path.join(SCHEMAS_DIR, '..', 'package.json'), 'utf8')) as { version: string }).version);
});

it('has one channel, the topic, whose messages are every declared type and the undeclared one', () => {
  const channels = Object.values(doc.channels);
  expect(channels).toHaveLength(1);
  expect(channels[0]?.address).toBe('droam-webhook-relay-{stage}');
  expect(Object.keys(channels[0]?.messages ?? {})).toEqual([...payloadTypes.types, 'undeclared']);
  for (const ref of Object.values(channels[0]?.messages ?? {}))
    expect(resolve(ref.$ref)).toEqual(expect.objectContaining({ name: expect.any(String) as unknown }));
});

it('has a send operation on that channel with every message', () => {
  const operations = Object.values(doc.operations);
  expect(operations).toHaveLength(1);
  expect(operations[0]?.action).toBe('send');
  expect(resolve(operations[0]?.channel.$ref ?? '')).toBe(Object.values(doc.channels)[0]);
  expect(operations[0]?.messages.map((m) => (resolve(m.$ref) as Message).name)).toEqual([...payloadTypes.types, 'undeclared']);
});

describe.each(payloadTypes.declarations.map((declaration) => [declaration.type, declaration] as const))('%s', (type, declaration) => {
  const message = (): Message => {
    const found = doc.components.messages[type];
    if (found === undefined) throw new Error(`no message ${type}`);
    return found;
  };

  it('lists its SNS message attributes, with their SNS types and descriptions, after event_type, event_id and droam_source, and the integrity tag last', () => {
    const { headers } = message();
    const expected = [...RELAY_ATTRIBUTES, ...declaration.attributes, INTEGRITY_TAG_ATTRIBUTE];
    expect(Object.keys(headers.properties)).toEqual(expected.map((a) => a.name));
    for (const attribute of expected) {
      expect(headers.properties[attribute.name]).toMatchObject({
        type: attribute.type === 'Number' ? 'number' : 'string',
        description: attribute.description,
        'x-sns-data-type': attribute.type,
      });
    }
    expect(headers.properties.event_type?.const).toBe(type);
    expect(headers.required).toEqual(['event_type', 'event_id', 'droam_source']);
  });

  it('refers to its JSON Schema file for the payload', () => {
    const { payload } = message();
    expect(payload.schemaFormat).toBe('application/schema+json;version=draft-2020-12');
    expect(payload.schema.$ref).toBe(`./${type}.json`);
    expect(existsSync(path.join(SCHEMAS_DIR, payload.schema.$ref))).toBe(true);
  });

  it('has examples valid against its schema, with headers of the declared attributes', () => {
    const { examples = [] } = message();
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      expect(example.payload.type).toBe(type);
      expect(schemaErrors(ajv, example.payload, `urn:droam-webhook-relay:schema:event:${type}`)).toEqual([]);
      expect(example.headers).toMatchObject({ event_type: type, event_id: example.payload.id, droam_source: 'default' });
      for (const [name, value] of Object.entries(example.headers)) {
        const header = message().headers.properties[name];
        expect(header).toBeDefined();
        expect(typeof value).toBe(header?.type);
      }
    }
  });
});

it('describes undeclared types by the envelope schema', () => {
  expect(doc.components.messages.undeclared?.payload.schema.$ref).toBe('./envelope.json');
  expect(Object.keys(doc.components.messages.undeclared?.headers.properties ?? {})).toEqual(['event_type', 'event_id', 'droam_source', 'integrity_tag']);
});
