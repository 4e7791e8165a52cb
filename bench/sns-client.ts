/**
 * `npm run bench:sns-client`: what one Publish costs the SNS client, as the functions configure it
 * (lib/lambda/call-signal.ts: the middleware stack resolved once, each call's deadline beside it) against
 * the SDK's default way of giving a call a deadline (the abort signal as the call's option, which makes the
 * SDK resolve the stack again) and against a bare baseline (no deadline). Built as serverless.yml builds,
 * run with the benchmark's AWS stub (bench/aws-stub.ts): serialisation, signing, the middleware and Node's
 * HTTP client run, AWS does not. Interleaved rounds, medians; not a test, it never fails on a number.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { buildHelper, serverlessEsbuildOptions } from './build';
import { lambdaEnvironment } from './environment';
import { command, parseCommandLine } from '../scripts/cli.mjs';

const root = path.resolve(__dirname, '..');
const spec = command({
  name: 'bench:sns-client',
  summary: "Times one SNS Publish through the functions' client against the SDK's default per-call deadline and a bare baseline, interleaved.",
  options: {
    rounds: { type: 'string', value: 'N', description: 'interleaved rounds, the first five not kept (default 30)' },
    n: { type: 'string', value: 'N', description: 'publishes per variant per round (default 1000)' },
  },
});
const { values } = parseCommandLine(spec);
const rounds = Math.max(6, Number(values.rounds ?? 30));
const n = Math.max(1, Number(values.n ?? 1_000));

async function main(): Promise<void> {
  mkdirSync(path.join(root, 'bench', '.build'), { recursive: true });
  const dir = mkdtempSync(path.join(root, 'bench', '.build', 'sns-client-'));
  try {
    const loop = path.join(dir, 'sns-client-loop.js');
    await esbuild.build({
      ...serverlessEsbuildOptions(root),
      absWorkingDir: root,
      entryPoints: ['bench/sns-client-loop.ts'],
      outfile: loop,
      logLevel: 'silent',
    });
    const stub = await buildHelper(root, 'bench/aws-stub.ts', path.join(dir, 'aws-stub.cjs'));
    const result = path.join(dir, 'result.json');
    execFileSync(process.execPath, ['--require', stub, loop, String(rounds), String(n), result], { env: lambdaEnvironment(dir), stdio: 'ignore' });
    const micros = JSON.parse(readFileSync(result, 'utf8')) as Record<string, number[]>;
    const median = (list: readonly number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
    // The loop lists the bare baseline last.
    const baseline = median(Object.values(micros).at(-1) ?? []);
    process.stdout.write(`# One SNS Publish, Node ${process.version}: ${String(rounds - 5)} rounds of ${String(n)} per variant, interleaved, medians\n\n`);
    process.stdout.write('| how the call gets its deadline | µs per publish | / bare baseline |\n|---|---:|---:|\n');
    for (const [name, list] of Object.entries(micros)) {
      process.stdout.write(`| ${name} | ${median(list).toFixed(0)} | ${(median(list) / baseline).toFixed(2)} |\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
