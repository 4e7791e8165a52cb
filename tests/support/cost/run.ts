/**
 * Child process of tests/unit/bounded-cost.test.ts and bench/worst-case.ts:
 * measures the adversarial shapes and prints the costs as one JSON line.
 * Arguments: runs per shape, then `bounded` (the shapes picked by hand and the
 * search a test run affords) or `all` (the whole search), then `retry` to
 * measure the retry path with the SDK's own work (see measure). Run with
 * `--expose-gc` (and `--max-semi-space-size=1` for the heap figures, see measure).
 */
import { measure, searchedShapes, type Shape, shapes } from './shapes';

async function main(): Promise<void> {
  const bounded = process.argv[3] !== 'all';
  function* all(): Generator<Shape> {
    yield* shapes();
    yield* searchedShapes({ bounded });
  }
  const costs = await measure(all(), Number(process.argv[2] ?? 3), { retryPath: process.argv[4] === 'retry' });
  process.stdout.write(`${JSON.stringify(costs)}\n`);
}

void main();
