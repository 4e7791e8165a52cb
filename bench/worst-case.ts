/**
 * The worst request of each adversarial shape (tests/support/cost/shapes.ts): CPU time and heap
 * of one request through the handler (SNS and the quarantine faked), bodies as large as the relay
 * accepts. Run: `npm run bench:worst-case [runs]`, optionally with `--node path/to/node`.
 *
 * CPU and heap come from two processes: heap needs a young generation too small to hide anything
 * (`--max-semi-space-size=1`), which makes the collector, and so the CPU time, dearer.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Cost } from '../tests/support/cost/shapes';

const ROOT = path.resolve(__dirname, '..');

function costs(node: string, flags: readonly string[], runs: number): Cost[] {
  const output = execFileSync(node, ['--expose-gc', ...flags, '--import', 'tsx', path.join('tests', 'support', 'cost', 'run.ts'), String(runs)], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as Cost[];
}

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--node');
  const node = at === -1 ? process.execPath : (args[at + 1] ?? process.execPath);
  const runs = Number(args.find((arg, i) => /^\d+$/.test(arg) && args[i - 1] !== '--node') ?? 5);
  const cpu = costs(node, [], runs);
  const heap = costs(node, ['--max-semi-space-size=1'], Math.min(runs, 3));
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`Worst case per shape, Node ${version}: ${runs} runs each after a warm-up (CPU: least and most; heap: most).\n`);
  const header = ['shape', 'body bytes', 'status', 'CPU ms (least)', 'CPU ms (most)', 'heap MB', 'answer bytes', 'log line bytes'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  cpu.forEach((cost, i) => {
    const row = [
      cost.name,
      cost.bytes,
      cost.status,
      cost.cpuMs.toFixed(1),
      cost.cpuMsMax.toFixed(1),
      heap[i]?.heapMb.toFixed(1) ?? '?',
      cost.responseBytes,
      cost.logLineBytes,
    ];
    console.log(`| ${row.join(' | ')} |`);
  });
}

main();
