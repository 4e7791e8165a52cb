/**
 * `npm run bench` is not a test and never fails on a number, but its harness must keep working as
 * the code changes: `--smoke` runs every phase but the HTTP one with a sample or a handful of
 * invocations each, too few to judge anything but that it runs and sees the right answers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../support/integration/processes';

interface SmokeResults {
  sizes: Record<string, { bundleBytes: number; zipBytes: number }>;
  conformance: { summary: Record<string, { cases: number; same: number; outOfScope: number }> };
  cold: Record<string, { statuses: Record<string, number> }>;
  warm: Record<string, { statuses: Record<string, Record<string, number>> }>;
  steps: { key: string; p50: number }[];
  targets: { what: string; value: number | null; met: boolean }[];
}

describe('npm run bench -- --smoke', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'droam-bench-smoke-'));
  let results: SmokeResults;
  let report: string;

  beforeAll(async () => {
    const out = path.join(dir, 'results.json');
    const finished = await run(process.execPath, ['bench/run.mjs', '--smoke', '--skip-e2e', '--out', out], { timeoutMs: 120_000 });
    if (finished.code !== 0) throw new Error(`bench --smoke exited ${String(finished.code ?? finished.signal)}:\n${finished.stderr.slice(-3000)}`);
    results = JSON.parse(readFileSync(out, 'utf8')) as SmokeResults;
    report = finished.stdout;
  }, 150_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('builds all four contenders, each with a deploy zip', () => {
    expect(Object.keys(results.sizes).sort()).toEqual(['floor', 'middy', 'ours', 'zod']);
    for (const size of Object.values(results.sizes)) expect(size.zipBytes).toBeGreaterThan(1_000);
  });

  test('the zod port gives our answers in every conformance case, and (a) in every case it is briefed for', () => {
    const { zod, middy } = results.conformance.summary;
    expect(zod?.same).toBe(zod?.cases);
    expect((middy?.same ?? 0) + (middy?.outOfScope ?? 0)).toBe(middy?.cases);
  });

  test('every contender answers its cold-start pool event 200', () => {
    for (const key of ['ours', 'middy', 'zod', 'floor']) expect(results.cold[key]?.statuses).toEqual({ 200: 1 });
  });

  test('the warm mix gets the answer each kind of request should get from ours', () => {
    expect(results.warm.ours?.statuses).toEqual({
      pool: { 200: expect.any(Number) as unknown },
      echo: { 200: expect.any(Number) as unknown },
      unauthorized: { 401: expect.any(Number) as unknown },
      invalid: { 422: expect.any(Number) as unknown },
    });
  });

  test('the per-request steps run from ours as deployed down to the floor', () => {
    expect(results.steps.map((step) => step.key)).toEqual([
      'deployed',
      'json-logger',
      'no-metrics',
      'no-log',
      'no-deadline',
      'no-auth',
      'no-validation',
      'floor',
    ]);
    for (const step of results.steps) expect(step.p50).toBeGreaterThan(0);
  });

  test("prints the report, with every one of the issue's targets judged", () => {
    expect(report).toContain("### Ratios and the issue's targets");
    expect(results.targets).toHaveLength(7);
  });
});
