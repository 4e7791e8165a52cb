/**
 * Adversarial request bodies, each as large as the relay accepts (or as large
 * as a publishable event can be), and a measurement of one request's CPU time
 * and heap. tests/unit/bounded-cost.test.ts asserts the bounds;
 * bench/worst-case.ts prints the table.
 *
 * Two lists: shapes picked by hand (wide arrays, tens of thousands of keys,
 * long strings, echoes), and a search over the contract (`searchedShapes`):
 * every object the schemas declare, in a sample of each family of types,
 * grown to the size limit three ways: as many members as an object may have,
 * an array of inexact numbers, nesting to the depth limit.
 */
import type * as v from 'valibot';
import { payloadTypes } from '../../../lib/contract';
import { undeclaredPayloadType } from '../../../lib/contract/declare';
import { MAX_JSON_DEPTH, MAX_OBJECT_MEMBERS } from '../../../lib/relay/parse-json';
import { MAX_BODY_BYTES } from '../../../lib/relay/pipeline';
import { sqsRetryQueue } from '../../../lib/queues/retry';
import {
  DOCUMENTED_TIMESTAMP,
  EVENTS_DIR,
  authHeaders,
  deployedConfig,
  eventFiles,
  harness,
  type HarnessOptions,
  loadEvent,
  bodyBytes,
  TEST_SECRET,
  unknownTypePayload,
  v2Event,
} from '../unit/harness';
import path from 'node:path';

export interface Shape {
  readonly name: string;
  readonly body: string;
  readonly signed: boolean;
}

/** The largest body a publishable event can have: its CloudEvent (the body plus a few hundred bytes) must fit SNS's limit. */
const PUBLISHABLE_BYTES = MAX_BODY_BYTES - 4096;

/** A SIM card rule event from the samples (prepaid refills, company, end user), as JSON text. */
const simCardBody = (): string => bodyBytes(loadEvent(path.basename(path.join(EVENTS_DIR, 'rule-sim-card-current-usage-triggered.json')))).toString('utf8');

/** `prefix + item + (',' + item)* + suffix`, as many items as fit in `bytes`. */
function fill(prefix: string, item: (i: number) => string, suffix: string, bytes: number): string {
  const parts: string[] = [];
  let size = Buffer.byteLength(prefix) + Buffer.byteLength(suffix);
  for (let i = 0; ; i++) {
    const next = (i === 0 ? '' : ',') + item(i);
    const length = Buffer.byteLength(next);
    if (size + length > bytes) break;
    parts.push(next);
    size += length;
  }
  return prefix + parts.join('') + suffix;
}

const CREATED_AT = '"created_at":{"unix_timestamp":1704067200,"human_time":"00:00:00","human_date":"2024-01-01","timezone":"UTC"}';

/** Splits the sample SIM card event at its refills, to put other refills in their place. */
function refillsAround(): { before: string; after: string } {
  const text = simCardBody();
  const start = text.indexOf('"prepaid_refills":[') + '"prepaid_refills":['.length;
  const end = text.indexOf(']', start);
  return { before: text.slice(0, start), after: text.slice(end) };
}

export function shapes(): Shape[] {
  const { before, after } = refillsAround();
  const validRefill = '{"uuid":"r","amount_mb":315,"price":"90.95","currency_code":"USD"}';
  const deep = (i: number) => `${'['.repeat(MAX_JSON_DEPTH - 4)}${i}${']'.repeat(MAX_JSON_DEPTH - 4)}`;
  return [
    { name: 'declared array of empty objects (prepaid_refills)', body: fill(before, () => '{}', after, MAX_BODY_BYTES), signed: true },
    {
      name: 'declared array of invalid refills, every field wrong',
      body: fill(before, () => '{"uuid":1,"amount_mb":"x","price":[],"currency_code":{}}', after, MAX_BODY_BYTES),
      signed: true,
    },
    { name: 'declared array of valid refills (published)', body: fill(before, () => validRefill, after, PUBLISHABLE_BYTES), signed: true },
    { name: 'same, unsigned (401)', body: fill(before, () => '{}', after, MAX_BODY_BYTES), signed: false },
    {
      name: 'tens of thousands of keys in data (refused: too many members)',
      body: fill('{"type":"payment.received","data":{', (i) => `"k${i}":${i}`, `},${CREATED_AT}}`, PUBLISHABLE_BYTES),
      signed: true,
    },
    {
      name: 'tens of thousands of keys in a declared object (end_user; refused: too many members)',
      body: fill('{"type":"end_user.added","data":{"end_user":{', (i) => `"${i.toString(36)}":0`, `}},${CREATED_AT}}`, PUBLISHABLE_BYTES),
      signed: true,
    },
    {
      name: 'tens of thousands of keys at the top level (refused: too many members)',
      body: fill(`{"type":"payment.received","data":{},${CREATED_AT},`, (i) => `"k${i}":0`, '}', PUBLISHABLE_BYTES),
      signed: true,
    },
    {
      name: 'tens of thousands of inexact numbers (published)',
      body: fill('{"type":"payment.received","data":{"amounts":[', (i) => `${i}.10`, `]},${CREATED_AT}}`, PUBLISHABLE_BYTES),
      signed: true,
    },
    {
      name: 'nesting at the depth limit, repeated (published)',
      body: fill('{"type":"payment.received","data":{"n":[', deep, `]},${CREATED_AT}}`, PUBLISHABLE_BYTES),
      signed: true,
    },
    {
      name: 'prototype-like keys everywhere (published)',
      body: fill('{"type":"payment.received","data":{"a":[', (i) => `{"__proto__":${i},"constructor":{"prototype":1}}`, `]},${CREATED_AT}}`, PUBLISHABLE_BYTES),
      signed: true,
    },
    {
      name: 'a long string where a boolean is declared',
      body: simCardBody().replace('"is_e_sim":false', `"is_e_sim":"${'x'.repeat(MAX_BODY_BYTES - simCardBody().length - 32)}"`),
      signed: true,
    },
    {
      name: 'a long string as the type',
      body: `{"type":"${'t'.repeat(MAX_BODY_BYTES - 200)}","data":{},${CREATED_AT}}`,
      signed: true,
    },
    { name: 'thousands of objects at the top level (an array)', body: fill('[', () => '{"type":1}', ']', MAX_BODY_BYTES), signed: true },
    { name: 'an echo with the largest echo_data', body: `{"type":"echo","echo_data":"${'e'.repeat(MAX_BODY_BYTES - 40)}"}`, signed: false },
    { name: 'an echo whose echo_data is an array', body: fill('{"type":"echo","echo_data":[', () => '{}', ']}', MAX_BODY_BYTES), signed: true },
  ];
}

// ---------------------------------------------------------------- the search over declared objects

type Json = Record<string, unknown>;
type AnySchema = v.GenericSchema & { readonly type: string; readonly pipe?: readonly unknown[]; readonly entries?: Record<string, AnySchema> };

/** The loose object a schema checks an object with (through pipes, nullish and union options), or undefined. */
function objectSchemaOf(schema: AnySchema | undefined, value: unknown): AnySchema | undefined {
  if (schema === undefined) return undefined;
  if (schema.type === 'loose_object') return schema;
  if (schema.pipe !== undefined) {
    const inner = schema.pipe.filter((item): item is AnySchema => (item as { kind?: string }).kind === 'schema' && item !== schema);
    return inner.map((item) => objectSchemaOf(item, value)).findLast((found) => found !== undefined);
  }
  const wrapped = (schema as { wrapped?: AnySchema }).wrapped;
  if (wrapped !== undefined) return objectSchemaOf(wrapped, value);
  const options = (schema as { options?: readonly AnySchema[] }).options;
  // A union checks the value with its first option that takes it: that option's object.
  if (options !== undefined) return objectSchemaOf(options.find((option) => option['~run']({ value }, {}).issues === undefined) ?? options[0], value);
  return undefined;
}

/** The schema of a member of an object or an item of an array, as declared. */
function memberSchema(schema: AnySchema | undefined, value: unknown, key: string | number): AnySchema | undefined {
  if (schema === undefined) return undefined;
  if (typeof key === 'number') {
    const array = [schema, (schema as { wrapped?: AnySchema }).wrapped].find((s) => s?.type === 'array') as { item?: AnySchema } | undefined;
    return array?.item;
  }
  return objectSchemaOf(schema, value)?.entries?.[key];
}

interface DeclaredObject {
  /** Keys from the payload to the object. */
  readonly path: readonly (string | number)[];
  /** Brackets around it: 1 for the payload itself. */
  readonly depth: number;
  /** The loose object of the schema that checks it (undefined: no schema declares it). */
  readonly schema: AnySchema | undefined;
}

/** Every object of a payload, with the schema that declares it. */
function objectsOf(value: unknown, schema: AnySchema | undefined, path: (string | number)[] = [], depth = 1): DeclaredObject[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => objectsOf(item, memberSchema(schema, value, i), [...path, i], depth + 1));
  if (typeof value !== 'object' || value === null) return [];
  const object = value as Json;
  return [
    { path, depth, schema: objectSchemaOf(schema, value) },
    ...Object.keys(object).flatMap((key) => objectsOf(object[key], memberSchema(schema, value, key), [...path, key], depth + 1)),
  ];
}

const FILL_MEMBER = '"@fill@":0';
/** Where the bounded search grows an object every other way: the SIM card, whose models are the most nested. */
const BOUNDED_GROWTHS_IN = { type: 'rule.sim_card.current_usage.triggered', where: 'data.sim_card' };

/** The payload as JSON text with FILL_MEMBER added to the object at `path`. */
function withFillMember(payload: Json, path: readonly (string | number)[]): string {
  const copy = structuredClone(payload);
  let object: Record<string | number, unknown> = copy;
  for (const key of path) object = object[key] as Record<string | number, unknown>;
  object['@fill@'] = 0;
  return JSON.stringify(copy);
}

/** The ways an object grows to the size limit: the members text that replaces FILL_MEMBER, given the room left in bytes. */
const GROWTHS: readonly { readonly name: string; readonly members: (room: number, object: DeclaredObject, own: number) => string }[] = [
  {
    name: `${MAX_OBJECT_MEMBERS} members`,
    members: (room, _object, own) => {
      const count = MAX_OBJECT_MEMBERS - own;
      // Each member `"m<i>":"<text>",`: the text as long as the room allows.
      const text = 'x'.repeat(Math.max(0, Math.floor(room / count) - 12));
      return Array.from({ length: count }, (_, i) => `"m${i.toString(36)}":"${text}"`).join(',');
    },
  },
  { name: 'an array of inexact numbers', members: (room) => fill('"m":[', (i) => `${i}.10`, ']', room) },
  {
    name: 'arrays nested to the depth limit',
    members: (room, object) => {
      const depth = MAX_JSON_DEPTH - object.depth - 1;
      return fill('"m":[', (i) => `${'['.repeat(depth)}${i}${']'.repeat(depth)}`, ']', room);
    },
  },
  {
    name: 'objects nested to the depth limit',
    members: (room, object) => {
      const depth = MAX_JSON_DEPTH - object.depth - 1;
      return fill('"m":[', (i) => `${'{"m":'.repeat(depth)}${i}${'}'.repeat(depth)}`, ']', room);
    },
  },
];

/**
 * The search: one sample of each family of declared types (types sharing the schema of `data`), and one type
 * no declaration knows; every object in it that a schema declares, each once per schema (the created_at of
 * every type is one Date Time Model); each grown to the largest publishable body in each of the ways above.
 *
 * `bounded` keeps what a test run can afford: every model once with a thousand members (what a model's
 * validation costs on a wide object; the payload and its `data` are checked by the same `model` as any
 * other), and each other growth in one object (where the rest of the request decides the cost, wherever
 * the object is).
 */
export function* searchedShapes({ bounded = false }: { readonly bounded?: boolean } = {}): Generator<Shape> {
  const samples = new Map<unknown, Json>();
  // The samples of what dRoam sends (error-*.json show the relay's refusals).
  for (const file of eventFiles().filter((name) => !name.startsWith('error-'))) {
    const text = bodyBytes(loadEvent(file)).toString('utf8');
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      continue;
    }
    const declaration = payloadTypes.get(String((payload as Json | null)?.type));
    // A valid sample, so that every shape grown from it is published.
    if (declaration !== undefined && !samples.has(declaration.dataSchema) && declaration.validate(payload).ok)
      samples.set(declaration.dataSchema, payload as Json);
  }
  samples.set('undeclared', unknownTypePayload());
  // The samples' end users are shaped like an Account; the End User Model's other option, the open object, too.
  const endUser = [...samples.values()].find((payload) => payload.type === 'end_user.added');
  if (endUser !== undefined) samples.set('open end user', { ...endUser, data: { end_user: { uuid: 'end-user-1', nickname: 'Fleet 7' } } });
  const searched = new Set<unknown>();
  for (const payload of samples.values()) {
    const type = String(payload.type);
    const schema = (payloadTypes.get(type) ?? undeclaredPayloadType).schema as AnySchema;
    for (const object of objectsOf(payload, schema)) {
      // The payload and its data are declared per family; a model (Status, Account…) once wherever it appears.
      const perType = object.path.length === 0 || (object.path.length === 1 && object.path[0] === 'data') || object.schema === undefined;
      const identity = perType ? `${type} ${object.path.join('.')}` : object.schema;
      if (searched.has(identity)) continue;
      searched.add(identity);
      const at = object.path.reduce<unknown>((value, key) => (value as Record<string | number, unknown>)[key], payload) as Json;
      const base = withFillMember(payload, object.path);
      const room = PUBLISHABLE_BYTES - Buffer.byteLength(base) + FILL_MEMBER.length;
      for (const growth of GROWTHS) {
        const where = object.path.length === 0 ? 'the payload' : object.path.join('.');
        if (bounded && growth !== GROWTHS[0] && !(type === BOUNDED_GROWTHS_IN.type && where === BOUNDED_GROWTHS_IN.where)) continue;
        if (bounded && growth === GROWTHS[0] && (object.path.length === 0 || where === 'data')) continue;
        // One at a time: a hundred bodies of 256 KiB held at once would make every collection in a measured request dearer.
        yield {
          name: `${type}: ${where} with ${growth.name}`,
          body: base.replace(FILL_MEMBER, () => growth.members(room, object, Object.keys(at).length)),
          signed: true,
        };
      }
    }
  }
}

export interface Cost {
  readonly name: string;
  readonly bytes: number;
  readonly status: number;
  /** User and system CPU time of the request, in milliseconds: the least over the runs (the machine is shared). */
  readonly cpuMs: number;
  /** The most over the runs. */
  readonly cpuMsMax: number;
  /** Heap the request left allocated before any full collection, in MB: an upper bound of its peak live heap (see measure). */
  readonly heapMb: number;
  readonly responseBytes: number;
  readonly logLineBytes: number;
}

declare const gc: (() => void) | undefined;

/**
 * The retry path with the SDK's own work: SNS does not take the event (as in an outage), and the
 * publish-retry queue is the relay's own (lib/queues/retry.ts) with a real SQS client, its request
 * serialised, signed and sent, and answered in-process by the benchmark's stub (bench/aws-stub.ts).
 */
async function retryPathDeps(): Promise<Pick<HarnessOptions, 'publishResult' | 'retry'>> {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCHMARK0000000',
    AWS_SECRET_ACCESS_KEY: 'benchmark/secret/access/key/000000000000',
  });
  const { patch } = await import('../../../bench/aws-stub');
  patch(await import('node:https'));
  return {
    publishResult: { ok: false, error: { name: 'Timeout', message: 'SNS did not answer within 7000 ms', retryable: true } },
    retry: sqsRetryQueue('https://sqs.us-east-1.amazonaws.com/123456789012/droam-webhook-relay-bench-publish-retry', 5_000),
  };
}

/**
 * Runs each shape through the handler (deployed configuration, SNS and the
 * quarantine faked) `runs` times after one warm-up, in this process. Heap is
 * meaningful when the process runs with `--expose-gc --max-semi-space-size=1`:
 * a collection before each request, and a young generation so small that
 * whatever the request keeps alive is promoted to the old generation, where
 * no full collection frees it before it is read: heapUsed after minus before
 * is then at least the request's peak live heap.
 */
export async function measure(list: Iterable<Shape>, runs = 3, { retryPath = false }: { readonly retryPath?: boolean } = {}): Promise<Cost[]> {
  const relay = harness({
    config: deployedConfig(),
    now: DOCUMENTED_TIMESTAMP * 1000,
    quarantine: () => Promise.resolve({ ok: true }),
    ...(retryPath ? await retryPathDeps() : {}),
  });
  const costs: Cost[] = [];
  for (const shape of list) {
    const event = v2Event(shape.body, shape.signed ? authHeaders(TEST_SECRET, DOCUMENTED_TIMESTAMP) : {});
    await relay.handle(event);
    let cpuMs = Number.POSITIVE_INFINITY;
    let cpuMsMax = 0;
    let heapMb = 0;
    let status = 0;
    let responseBytes = 0;
    let logLineBytes = 0;
    for (let run = 0; run < runs; run++) {
      relay.reset();
      if (typeof gc === 'function') gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const cpuBefore = process.cpuUsage();
      const response = await relay.handle(event);
      const cpu = process.cpuUsage(cpuBefore);
      const heapAfter = process.memoryUsage().heapUsed;
      const ms = (cpu.user + cpu.system) / 1000;
      cpuMs = Math.min(cpuMs, ms);
      cpuMsMax = Math.max(cpuMsMax, ms);
      heapMb = Math.max(heapMb, (heapAfter - heapBefore) / 2 ** 20);
      status = response.statusCode;
      responseBytes = Buffer.byteLength(response.body);
      logLineBytes = Math.max(
        0,
        ...relay.logs.map((line) => Buffer.byteLength(JSON.stringify({ level: line.level, message: line.message, ...line.attributes }))),
      );
    }
    costs.push({ name: shape.name, bytes: Buffer.byteLength(shape.body), status, cpuMs, cpuMsMax, heapMb, responseBytes, logLineBytes });
  }
  return costs;
}
