/**
 * The worst request of each adversarial shape (tests/support/cost/shapes.ts: the shapes picked by
 * hand and the whole search over the contract's declared objects): CPU time and heap of one request
 * through the handler (SNS and the quarantine faked), bodies as large as the relay accepts, sorted
 * dearest first. `npm run bench` prints this table after its own; `npm run bench:worst-case -- --help` runs it alone.
 *
 * CPU and heap come from two processes: heap needs a young generation too small to hide anything
 * (`--max-semi-space-size=1`), which makes the collector, and so the CPU time, dearer.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { command, integerOption, runCommand } from '../scripts/cli.mjs';
import type { Cost } from '../tests/support/cost/shapes';

const ROOT = path.resolve(__dirname, '..');

function costs(node: string, flags: readonly string[], runs: number, list: readonly string[] = ['all']): Cost[] {
  const output = execFileSync(node, ['--expose-gc', ...flags, '--import', 'tsx', path.join('tests', 'support', 'cost', 'run.ts'), String(runs), ...list], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as Cost[];
}

const spec = command({
  name: 'bench:worst-case',
  summary:
    "The worst request of each adversarial shape, at the relay's size limit: CPU time (least and most of the runs) and heap (most), the answer's and the log line's size.",
  options: {
    runs: { type: 'string', value: 'N', description: 'runs per shape after a warm-up (default 5)' },
    node: { type: 'string', value: 'PATH', description: 'the Node binary to measure with (default: this one)' },
  },
});

void runCommand(spec, ({ values }) => {
  const node = values.node ?? process.execPath;
  const runs = integerOption(values.runs, 'runs', 5, { min: 1, max: 100 });
  const cpu = costs(node, [], runs);
  const heap = costs(node, ['--max-semi-space-size=1'], Math.min(runs, 3));
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`Worst case per shape, Node ${version}: ${runs} runs each after a warm-up (CPU: least and most; heap: most).\n`);
  const header = ['shape', 'body bytes', 'status', 'CPU ms (least)', 'CPU ms (most)', 'heap MB', 'answer bytes', 'log line bytes'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  const heapOf = new Map(heap.map((cost) => [cost.name, cost.heapMb]));
  for (const cost of [...cpu].sort((a, b) => b.cpuMs - a.cpuMs)) {
    const row = [
      cost.name,
      cost.bytes,
      cost.status,
      cost.cpuMs.toFixed(1),
      cost.cpuMsMax.toFixed(1),
      heapOf.get(cost.name)?.toFixed(1) ?? '?',
      cost.responseBytes,
      cost.logLineBytes,
    ];
    console.log(`| ${row.join(' | ')} |`);
  }
  const worst = cpu.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
  console.log(
    `\nWorst: ${worst.cpuMs.toFixed(1)} ms of CPU (${worst.name}), over ${cpu.length} shapes; the most heap: ${Math.max(...heap.map((c) => c.heapMb)).toFixed(1)} MB.`,
  );

  // SNS not taking the event: the record goes to the publish-retry queue through a real SQS client, answered in-process.
  const retry = costs(node, [], runs, ['bounded', 'retry']);
  console.log("\nOn the retry path, with the SDK's own work (SQS SendMessage serialised, signed and answered by bench/aws-stub.ts): the five dearest.\n");
  console.log('| shape | status | CPU ms (least) | CPU ms (most) |');
  console.log('|---|---|---|---|');
  for (const cost of [...retry].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 5)) {
    console.log(`| ${cost.name} | ${cost.status} | ${cost.cpuMs.toFixed(1)} | ${cost.cpuMsMax.toFixed(1)} |`);
  }
  return 0;
});
