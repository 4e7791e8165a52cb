/**
 * `npm run bench` is not a test and never fails on a number, but its harness must keep working as
 * the code changes: `--smoke` runs every phase with one cold start and a hundred warm invocations
 * per contender, too few to judge anything but that it builds, loads, answers right and draws.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Results } from '../../bench/results';
import { run } from '../support/integration/processes';

describe('npm run bench -- --smoke', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'droam-bench-smoke-'));
  let results: Results;
  let report: string;

  beforeAll(async () => {
    const out = path.join(dir, 'results.json');
    const finished = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out, '--plots', dir], { timeoutMs: 60_000 });
    if (finished.code !== 0) throw new Error(`bench --smoke exited ${String(finished.code ?? finished.signal)}:\n${finished.stderr.slice(-3000)}`);
    results = JSON.parse(readFileSync(out, 'utf8')) as Results;
    report = finished.stdout;
  }, 90_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('builds ours and the four peers, each with a deploy zip', () => {
    expect(Object.keys(results.contenders)).toEqual(['ours', 'middy', 'middySsm', 'zod', 'floor']);
    for (const contender of Object.values(results.contenders)) expect(contender.zipBytes).toBeGreaterThan(1_000);
  });

  test('the floor leaves to the Lambda runtime what ours leaves, but the SQS client it has no use for', () => {
    expect(results.contenders.floor.external).toEqual(results.contenders.ours.external.filter((name) => name !== '@aws-sdk/client-sqs'));
  });

  test('every contender answers each kind of request as ours does (the floor publishes everything)', () => {
    for (const key of ['ours', 'middy', 'middySsm', 'zod'] as const) {
      expect(results.cold[key].statuses).toEqual({ 200: 1 });
      expect(Object.fromEntries(Object.entries(results.warm[key].statuses).map(([kind, statuses]) => [kind, Object.keys(statuses)]))).toEqual({
        pool: ['200'],
        echo: ['200'],
        unauthorized: ['401'],
        invalid: ['422'],
      });
    }
  });

  test('measures memory after warm-up and after every batch', () => {
    for (const warm of Object.values(results.warm)) expect(warm.memory.heapMiB).toHaveLength(results.plan.batches + 1);
  });

  test('prints the report with its targets judged, and draws the charts', () => {
    expect(report).toContain('### Targets');
    expect(report.match(/\| (met|\*\*not met\*\*) \|/g)).toHaveLength(7);
    for (const chart of ['bench-cold.svg', 'bench-warm.svg', 'bench-memory.svg']) {
      const svg = readFileSync(path.join(dir, chart), 'utf8');
      expect(svg).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
      expect(svg).toContain('(a) Middy + Powertools');
    }
  });
});
