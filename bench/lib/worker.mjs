// @ts-check
/**
 * A warm Lambda instance: one long-lived process per contender (forked with the AWS stub preloaded
 * and --expose-gc) that loads the bundle once and then runs batches of invocations when the harness
 * asks, one at a time like Lambda, so that batches of all contenders can be interleaved.
 *
 * Commands (IPC): run {n, record} · memory · stats · invoke {event} (conformance) · exit
 */
import { createRequire } from 'node:module';

const [bundle = '', fixturesPath = '', root = '', capacityText = '0'] = process.argv.slice(2);
const requireCjs = createRequire(import.meta.url);
/** @type {(event: unknown, context: unknown) => Promise<any>} */
let handler;
/** @type {typeof import('../fixtures')} */
let fixtures;
try {
  ({ handler } = requireCjs(bundle));
  fixtures = requireCjs(fixturesPath);
} catch (error) {
  process.send?.({ fatal: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, () => process.exit(1));
  await new Promise(() => {});
}

const KINDS = /** @type {const} */ (['pool', 'echo', 'unauthorized', 'invalid']);
const capacity = Number(capacityText);
const durations = new Float64Array(capacity);
const kinds = new Uint8Array(capacity);
let recorded = 0;
let position = 0;
let signedAt = 0;
/** @type {import('../fixtures').BenchRequest[]} */
let requests = [];
/** @type {Uint16Array} */
let sequence = new Uint16Array(0);
/** @type {Record<string, Record<string, number>>} statuses by kind */
const statuses = {};

function sign() {
  const now = Math.floor(Date.now() / 1000);
  requests = fixtures.benchRequests(root, now);
  if (sequence.length === 0) sequence = fixtures.mixSequence(requests, 10_000);
  signedAt = now;
}

/** @param {import('../fixtures').LambdaEvent} event */
const fresh = (event) => ({
  ...event,
  headers: { ...event.headers },
  ...(event.multiValueHeaders ? { multiValueHeaders: { ...event.multiValueHeaders } } : {}),
});

/** @param {number} n @param {boolean} record */
async function run(n, record) {
  if (Date.now() / 1000 - signedAt > 60) sign();
  const cpuStarted = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const request = /** @type {import('../fixtures').BenchRequest} */ (requests[/** @type {number} */ (sequence[position % sequence.length])]);
    position++;
    // Handlers may rewrite the event (Middy replaces headers and body), so each call gets its own copy.
    const event = fresh(request.event);
    const context = fixtures.lambdaContext(`bench-${position}`);
    const t0 = process.hrtime.bigint();
    const response = await handler(event, context);
    const t1 = process.hrtime.bigint();
    if (record && recorded < capacity) {
      durations[recorded] = Number(t1 - t0) / 1e3; // µs
      kinds[recorded] = KINDS.indexOf(request.kind);
      recorded++;
    }
    const byKind = (statuses[request.kind] ??= {});
    const status = String(response?.statusCode ?? 'none');
    byKind[status] = (byKind[status] ?? 0) + 1;
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuStarted);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, n };
}

function memory() {
  const gc = /** @type {(() => void) | undefined} */ (globalThis.gc);
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external };
}

/** @param {Float64Array} sorted @param {number} q */
const quantile = (sorted, q) => (sorted.length === 0 ? NaN : /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]));

/** @param {Float64Array} values */
function summary(values) {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    n: sorted.length,
    mean: sum / sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: quantile(sorted, 1),
  };
}

function stats() {
  const all = durations.subarray(0, recorded);
  /** @type {Record<string, ReturnType<typeof summary>>} */
  const byKind = {};
  KINDS.forEach((kind, index) => {
    const values = all.filter((_, i) => kinds[i] === index);
    if (values.length > 0) byKind[kind] = summary(values);
  });
  return { all: summary(all), byKind, statuses };
}

/** @param {import('../fixtures').LambdaEvent} event */
async function invokeOnce(event) {
  const stub = /** @type {{ published: unknown[], quarantined: unknown[] }} */ (/** @type {any} */ (globalThis).__awsStub);
  stub.published.length = 0;
  stub.quarantined.length = 0;
  let response;
  try {
    response = await handler(event, fixtures.lambdaContext('conformance'));
  } catch (error) {
    response = { threw: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  return { response, published: [...stub.published], quarantined: [...stub.quarantined] };
}

sign();
process.on('message', async (/** @type {any} */ message) => {
  /** @type {unknown} */
  let reply;
  switch (message.cmd) {
    case 'run':
      reply = await run(message.n, message.record);
      break;
    case 'memory':
      reply = memory();
      break;
    case 'stats':
      reply = stats();
      break;
    case 'profile': {
      // A V8 CPU profile of n invocations only (not of loading or warming up), written to a file.
      const inspector = await import('node:inspector');
      const { writeFileSync } = await import('node:fs');
      const session = new inspector.Session();
      session.connect();
      const post = (/** @type {string} */ method, /** @type {object} */ params = {}) =>
        new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: message.intervalUs });
      await post('Profiler.start');
      await run(message.n, false);
      const { profile } = /** @type {any} */ (await post('Profiler.stop'));
      session.disconnect();
      writeFileSync(message.file, JSON.stringify(profile));
      reply = { file: message.file };
      break;
    }
    case 'invoke':
      reply = await invokeOnce(message.event);
      break;
    case 'exit':
      process.exit(0);
  }
  process.send?.({ id: message.id, reply });
});
process.send?.({ ready: true });
