/**
 * The worst request of each adversarial shape: CPU time and heap of one
 * request through the handler (SNS and the quarantine faked), bodies as large
 * as the relay accepts. Run: `npm run bench:worst-case`
 * (node --expose-gc --max-semi-space-size=1 --import tsx bench/worst-case.ts).
 */
import { measure, shapes } from '../tests/support/cost/shapes';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const costs = await measure(shapes(), runs);
  const rows = costs.map((cost) => [
    cost.name,
    String(cost.bytes),
    String(cost.status),
    cost.cpuMs.toFixed(1),
    cost.cpuMsMax.toFixed(1),
    cost.heapMb.toFixed(1),
    String(cost.responseBytes),
    String(cost.logLineBytes),
  ]);
  const header = ['shape', 'body bytes', 'status', 'CPU ms (least)', 'CPU ms (most)', 'heap MB (most)', 'response bytes', 'log line bytes'];
  console.log(
    `Worst case per shape, ${runs} runs each after a warm-up, Node ${process.version}${typeof (globalThis as { gc?: unknown }).gc === 'function' ? '' : ' (run with --expose-gc for heap figures)'}\n`,
  );
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

void main();
