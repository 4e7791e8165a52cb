/**
 * Child process of tests/unit/bounded-cost.test.ts: measures every adversarial
 * shape and prints the costs as one JSON line. Run with `--expose-gc` (and
 * `--max-semi-space-size=1` for the heap figures, see measure).
 */
import { measure, shapes } from './shapes';

async function main(): Promise<void> {
  const costs = await measure(shapes(), Number(process.argv[2] ?? 3));
  process.stdout.write(`${JSON.stringify(costs)}\n`);
}

void main();
