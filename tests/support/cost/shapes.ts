/**
 * Adversarial request bodies, each as large as the relay accepts (or as large
 * as a publishable event can be), and a measurement of one request's CPU time
 * and heap. tests/unit/bounded-cost.test.ts asserts the bounds;
 * bench/worst-case.ts prints the table.
 */
import { MAX_JSON_DEPTH } from '../../../lib/relay/parse-json';
import { MAX_BODY_BYTES } from '../../../lib/relay/pipeline';
import { DOCUMENTED_TIMESTAMP, EVENTS_DIR, authHeaders, deployedConfig, harness, loadEvent, bodyBytes, TEST_SECRET, v2Event } from '../unit/harness';
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
      name: 'tens of thousands of keys in data (published)',
      body: fill('{"type":"payment.received","data":{', (i) => `"k${i}":${i}`, `},${CREATED_AT}}`, PUBLISHABLE_BYTES),
      signed: true,
    },
    {
      name: 'tens of thousands of keys at the top level (published)',
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
 * Runs each shape through the handler (deployed configuration, SNS and the
 * quarantine faked) `runs` times after one warm-up, in this process. Heap is
 * meaningful when the process runs with `--expose-gc --max-semi-space-size=1`:
 * a collection before each request, and a young generation so small that
 * whatever the request keeps alive is promoted to the old generation, where
 * no full collection frees it before it is read: heapUsed after minus before
 * is then at least the request's peak live heap.
 */
export async function measure(list: readonly Shape[], runs = 3): Promise<Cost[]> {
  const relay = harness({ config: deployedConfig(), now: DOCUMENTED_TIMESTAMP * 1000, quarantine: () => Promise.resolve({ ok: true }) });
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
