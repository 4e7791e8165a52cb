import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { MAX_BODY_BYTES } from '../../lib/relay/pipeline';
import type { Cost } from '../support/cost/shapes';

/**
 * One request costs at most 25 ms of CPU (50 here, see MAX_CPU_MS) and 32 MB of heap whatever its body,
 * signed or not: each adversarial shape, as large as the relay accepts, runs
 * through the handler in a process of its own: the shapes picked by hand and
 * the bounded search over every model the contract declares
 * (tests/support/cost/shapes.ts; `npm run bench:worst-case` runs the whole
 * search). CPU time (not wall time) is the least of several runs, so that a
 * loaded machine does not fail the test; the heap is what the request left
 * allocated with a young generation too small to hide anything (an upper bound
 * of its peak, see tests/support/cost/shapes.ts).
 */

// 25 ms on a quiet machine (`npm run bench:worst-case`, docs/performance.md). A test run shares its machine, where
// CPU time grows with the load (the dearest shapes measured up to 40 ms at a load average of 5 on 2 cores): twice the
// bound still fails a request that walks tens of thousands of keys again (64 ms before models read declared members only).
const MAX_CPU_MS = 50;
const MAX_HEAP_MB = 32;

const ROOT = path.resolve(__dirname, '..', '..');

function costs(flags: readonly string[], runs: number): Cost[] {
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', ...flags, '--import', 'tsx', path.join('tests', 'support', 'cost', 'run.ts'), String(runs), 'bounded'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 16 * 2 ** 20,
    },
  );
  return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as Cost[];
}

describe('the cost of one request is bounded, whatever the body', () => {
  const cpu = costs([], 5);
  const heap = costs(['--max-semi-space-size=1'], 1);

  test('every shape is measured, each at or near the size limit', () => {
    expect(cpu.length).toBeGreaterThanOrEqual(30);
    for (const cost of cpu) expect(cost.bytes).toBeGreaterThan(MAX_BODY_BYTES - 8192);
    expect(heap.map((cost) => cost.name)).toEqual(cpu.map((cost) => cost.name));
  });

  test.each(cpu.map((cost) => [cost.name, cost] as const))(`%s: completes within ${MAX_CPU_MS} ms of CPU`, (_name, cost) => {
    expect(cost.status).toBeGreaterThanOrEqual(200);
    expect(cost.cpuMs).toBeLessThanOrEqual(MAX_CPU_MS);
  });

  test.each(heap.map((cost) => [cost.name, cost] as const))(`%s: within ${MAX_HEAP_MB} MB of heap`, (_name, cost) => {
    expect(cost.heapMb).toBeLessThanOrEqual(MAX_HEAP_MB);
  });

  test.each(cpu.map((cost) => [cost.name, cost] as const))('%s: an error answer of at most 4 KB, a log line of at most 8 KB', (_name, cost) => {
    if (cost.status >= 400) expect(cost.responseBytes).toBeLessThanOrEqual(4096);
    expect(cost.logLineBytes).toBeLessThanOrEqual(8192);
  });
});
