/**
 * What lossless JSON costs: cold start and warm p50 of a pool event through the webhook function
 * as deployed (bundled like serverless.yml bundles it, SNS answered in-process by
 * bench/aws-stub.ts), this tree against a baseline checkout, in alternating processes.
 *
 *   git worktree add --detach /tmp/relay-baseline <commit>
 *   npm run bench:lossless -- /tmp/relay-baseline [--node path/to/node] [--cold 20] [--warm 3]
 *
 * Cold start: from before the bundle is required to the first answer, in a fresh process (the
 * process's own start is the same for both and left out), wall and CPU time. Warm: the p50 of 3,000
 * invocations after 500 to warm up, and their mean CPU time, per process; the table gives the
 * median over processes. On a shared machine the CPU figures are the steadier ones.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { command, integerOption, runCommand, UsageError } from '../scripts/cli.mjs';

const ROOT = path.resolve(__dirname, '..');
const SECRET = 'bench-secret-7c1e9a3f5d2b4068';

/** serverless.yml's esbuild options for the webhook function. */
function bundle(tree: string, outfile: string): void {
  buildSync({
    entryPoints: [path.join(tree, 'functions', 'webhook.ts')],
    bundle: true,
    minify: true,
    target: 'node22',
    platform: 'node',
    format: 'cjs',
    mainFields: ['module', 'main'],
    nodePaths: [path.join(ROOT, 'node_modules')],
    external: [
      '@aws-sdk/client-sqs',
      '@aws-sdk/credential-provider-ini',
      '@aws-sdk/credential-provider-process',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/credential-provider-web-identity',
      '@aws-sdk/credential-provider-http',
      '@smithy/credential-provider-imds',
    ],
    outfile,
    logLevel: 'error',
  });
}

/** Runs in the child: `node child.cjs <bundle> <mode> <count>`; prints one JSON line. */
const CHILD = `
const { createHash } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const [bundlePath, mode, count] = process.argv.slice(2);
const body = ${JSON.stringify(poolBody())};
function event() {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const hash = createHash('sha256').update(${JSON.stringify(SECRET)} + ':' + timestamp).digest('hex');
  return {
    version: '2.0', routeKey: 'POST /webhooks/droam', rawPath: '/webhooks/droam', rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-api-timestamp': timestamp, 'x-api-hash': hash },
    requestContext: { http: { method: 'POST', path: '/webhooks/droam', sourceIp: '203.0.113.10' }, requestId: 'bench' },
    body, isBase64Encoded: false,
  };
}
(async () => {
  const first = event();
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const { handler } = require(bundlePath);
  const answer = await handler(first);
  const cold = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const coldCpu = (cpu.user + cpu.system) / 1000;
  if (answer.statusCode !== 200) throw new Error('status ' + answer.statusCode + ' ' + answer.body);
  if (mode === 'cold') { process.stderr.write(JSON.stringify({ cold, coldCpu }) + '\\n'); return; }
  const request = event();
  for (let i = 0; i < 500; i++) await handler(request);
  const times = [];
  const cpuLoop = process.cpuUsage();
  for (let i = 0; i < Number(count); i++) {
    const t = performance.now();
    await handler(request);
    times.push(performance.now() - t);
  }
  const loop = process.cpuUsage(cpuLoop);
  times.sort((a, b) => a - b);
  const cpuMean = (loop.user + loop.system) / 1000 / Number(count);
  process.stderr.write(JSON.stringify({ p50: times[Math.floor(times.length / 2)], cpuMean }) + '\\n');
})().catch((error) => { process.stderr.write(String(error) + '\\n'); process.exit(1); });
`;

function poolBody(): string {
  const event = JSON.parse(readFileSync(path.join(ROOT, 'events', 'pool-usage.json'), 'utf8')) as { body: string };
  return event.body;
}

function run(node: string, dir: string, bundlePath: string, mode: 'cold' | 'warm', count: number): Record<string, number> {
  const env = {
    PATH: process.env.PATH ?? '',
    STAGE: 'bench',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:droam-webhook-relay-bench',
    DROAM_API_SECRETS: SECRET,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key-not-real',
    AWS_LAMBDA_FUNCTION_NAME: 'droam-webhook-relay-bench-webhook',
    HOME: dir,
  };
  // The relay's log lines go to stdout (ignored); the measurement to stderr.
  const child = spawnSync(node, ['--require', path.join(dir, 'aws-stub.cjs'), path.join(dir, 'child.cjs'), bundlePath, mode, String(count)], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`the ${mode} run failed: ${child.stderr}`);
  return JSON.parse(child.stderr.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const spec = command({
  name: 'bench:lossless',
  synopsis: ['<baseline checkout> [options]'],
  summary:
    'Cold start and warm p50 of a pool event through the bundled webhook function, this tree against a baseline checkout (git worktree add --detach DIR COMMIT), in alternating processes.',
  positionals: { min: 1, max: 1 },
  options: {
    node: { type: 'string', value: 'PATH', description: 'the Node binary to measure with (default: this one)' },
    cold: { type: 'string', value: 'N', description: 'cold starts per tree (default 20)' },
    warm: { type: 'string', value: 'N', description: 'warm processes per tree, 3,000 events each (default 3)' },
  },
});

void runCommand(spec, ({ values, positionals: [baseline = ''] }) => {
  if (!existsSync(path.join(baseline, 'functions', 'webhook.ts'))) throw new UsageError(`not a checkout of the relay: ${baseline}`);
  const node = values.node ?? process.execPath;
  const coldRuns = integerOption(values.cold, 'cold', 20, { min: 1, max: 1000 });
  const warmRuns = integerOption(values.warm, 'warm', 3, { min: 1, max: 100 });
  measure(baseline, node, coldRuns, warmRuns);
  return 0;
});

function measure(baseline: string, node: string, coldRuns: number, warmRuns: number): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'relay-lossless-'));
  try {
    writeFileSync(path.join(dir, 'child.cjs'), CHILD);
    buildSync({
      entryPoints: [path.join(ROOT, 'bench', 'aws-stub.ts')],
      outfile: path.join(dir, 'aws-stub.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'error',
    });
    const trees = { baseline: path.resolve(baseline), lossless: ROOT } as const;
    const bundles = Object.fromEntries(
      Object.entries(trees).map(([name, tree]) => {
        const outfile = path.join(dir, `${name}.cjs`);
        bundle(tree, outfile);
        return [name, outfile];
      }),
    ) as Record<keyof typeof trees, string>;
    const names = Object.keys(trees) as (keyof typeof trees)[];
    const cold: Record<string, number[]> = { baseline: [], lossless: [] };
    const coldCpu: Record<string, number[]> = { baseline: [], lossless: [] };
    const warm: Record<string, number[]> = { baseline: [], lossless: [] };
    const warmCpu: Record<string, number[]> = { baseline: [], lossless: [] };
    // Alternating, and reversing the order each round, so that neither tree always runs first.
    for (let i = 0; i < coldRuns; i++) {
      for (const name of i % 2 === 0 ? names : [...names].reverse()) {
        const measured = run(node, dir, bundles[name], 'cold', 0);
        cold[name]?.push(measured.cold ?? Number.NaN);
        coldCpu[name]?.push(measured.coldCpu ?? Number.NaN);
      }
    }
    for (let i = 0; i < warmRuns; i++) {
      for (const name of i % 2 === 0 ? names : [...names].reverse()) {
        const measured = run(node, dir, bundles[name], 'warm', 3000);
        warm[name]?.push(measured.p50 ?? Number.NaN);
        warmCpu[name]?.push(measured.cpuMean ?? Number.NaN);
      }
    }
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 8);
    console.log(
      `Pool event through the bundled webhook function, Node ${version}: ${coldRuns} cold starts and ${warmRuns} warm processes per tree, alternating.\n`,
    );
    console.log(
      '| tree | bundle | cold start ms (median wall) | cold start ms (median CPU) | warm p50 ms (median of processes) | warm CPU ms per event (median of processes) |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const name of names) {
      const row = [
        name,
        digest(bundles[name]),
        median(cold[name] ?? []).toFixed(2),
        median(coldCpu[name] ?? []).toFixed(2),
        median(warm[name] ?? []).toFixed(4),
        median(warmCpu[name] ?? []).toFixed(4),
      ];
      console.log(`| ${row.join(' | ')} |`);
    }
    const signed = (value: number, digits: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
    const delta = (values: Record<string, number[]>): number => median(values.lossless ?? []) - median(values.baseline ?? []);
    const ratio = (values: Record<string, number[]>): number => median(values.lossless ?? []) / median(values.baseline ?? []) - 1;
    console.log(
      `\nCold start ${signed(delta(cold), 2)} ms wall, ${signed(delta(coldCpu), 2)} ms CPU; warm p50 ${signed(ratio(warm) * 100, 1)} %, warm CPU per event ${signed(ratio(warmCpu) * 100, 1)} %.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
