/**
 * A warm Lambda instance: one long-lived process per contender (forked with the AWS stub preloaded
 * and --expose-gc) that loads the bundle once, then runs batches of the warm mix when the harness
 * asks, one invocation at a time as Lambda does, so that the contenders' batches can be interleaved.
 * argv: <bundle> <repository root> <api secret> <capacity>. Commands over IPC: run · memory · stats · exit.
 */
import { createRequire } from 'node:module';
import { benchRequests, type BenchRequest, KINDS, type Kind, lambdaContext, mixSequence } from './requests';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number } | undefined>;
export type Command = { cmd: 'run'; n: number; record: boolean } | { cmd: 'memory' } | { cmd: 'stats' } | { cmd: 'exit' };
export interface Summary {
  n: number;
  p50: number;
  p99: number;
}
export interface Stats {
  all: Summary;
  byKind: Partial<Record<Kind, Summary>>;
  /** Answers by kind of request, then by status code. */
  statuses: Partial<Record<Kind, Record<string, number>>>;
}

const [bundle = '', root = '', secret = '', capacityText = '0'] = process.argv.slice(2);
const kinds = Object.keys(KINDS) as Kind[];
const capacity = Number(capacityText);
const durations = new Float64Array(capacity);
const kindOf = new Uint8Array(capacity);
const statuses: Stats['statuses'] = {};
let recorded = 0;
let position = 0;
let signedAt = 0;
let requests: BenchRequest[] = [];
let sequence: Uint16Array = new Uint16Array(0);

let handler: Handler;
try {
  ({ handler } = createRequire(__filename)(bundle) as { handler: Handler });
} catch (error) {
  process.send?.({ fatal: String(error) }, () => process.exit(1));
}

async function run(n: number, record: boolean): Promise<{ wallMs: number; cpuMs: number }> {
  // Signatures expire: sign again every minute.
  if (Date.now() - signedAt > 60_000) {
    signedAt = Date.now();
    requests = benchRequests(root, secret, signedAt);
    if (sequence.length === 0) sequence = mixSequence(requests, 10_000);
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++, position++) {
    const request = requests[sequence[position % sequence.length] ?? 0] as BenchRequest;
    // Handlers may rewrite the event (Middy replaces headers and body): each call gets its own copy.
    const event = { ...request.event, headers: { ...request.event.headers } };
    const context = lambdaContext(`bench-${position}`);
    const t0 = performance.now();
    const response = await handler(event, context);
    const t1 = performance.now();
    if (record && recorded < capacity) {
      durations[recorded] = (t1 - t0) * 1000;
      kindOf[recorded++] = kinds.indexOf(request.kind);
    }
    const byStatus = (statuses[request.kind] ??= {});
    const status = String(response?.statusCode ?? 'none');
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

function summary(values: Float64Array): Summary {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99) };
}

function stats(): Stats {
  const all = durations.subarray(0, recorded);
  const byKind: Stats['byKind'] = {};
  kinds.forEach((kind, index) => {
    const values = all.filter((_, i) => kindOf[i] === index);
    if (values.length > 0) byKind[kind] = summary(values);
  });
  return { all: summary(all), byKind, statuses };
}

function memory(): { rss: number; heapUsed: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

process.on('message', (message: Command & { id: number }) => {
  const reply = async (): Promise<unknown> => {
    switch (message.cmd) {
      case 'run':
        return run(message.n, message.record);
      case 'memory':
        return memory();
      case 'stats':
        return stats();
      case 'exit':
        return process.exit(0);
    }
  };
  void reply().then((value) => process.send?.({ id: message.id, reply: value }));
});
process.send?.({ ready: true });
