// @ts-check
/**
 * `npm run bench` (node bench/run.mjs [--quick] [--skip-e2e] [--skip-profile]): our relay against
 * what a user would pick instead, measured side by side in one run.
 *
 *   ours   functions/webhook.ts (valibot, Powertools Logger, the mandated SNS client)
 *   (a)    bench/peers/middy-powertools.ts — Middy + HTTP middlewares + Powertools parser + Logger
 *   (b)    bench/peers/zod-relay.ts — ours with zod 4 in place of valibot
 *   (f)    bench/peers/floor.ts — JSON.parse and publish with the same SNS client: the floor
 *
 * `--report <results.json>` prints the report of an earlier run without measuring anything.
 *
 * Phases: build (as serverless.yml builds) → sizes → conformance (same answers?) → cold start
 * (fresh process per sample, interleaved) → module-load probes → warm + memory (one long-lived
 * instance per contender, batches interleaved) → where the time goes (CPU profiles of ours) →
 * end to end over HTTP (serverless-offline + fauxqs + autocannon). Prints a markdown report and
 * writes bench/results.json. Never fails on a number; exits non-zero only if the harness breaks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildContender, buildHelper, serverlessEsbuildOptions, sizeBreakdown } from './lib/build.mjs';
import { endToEnd } from './lib/e2e.mjs';
import { functionEnvironment, lambdaEnvironment } from './lib/env.mjs';
import { coldStart, runSteps, startWorker } from './lib/processes.mjs';
import { attributor, merge, readProfiles } from './lib/profile.mjs';
import { report } from './lib/report.mjs';
import { describe, rotate, round, slope } from './lib/stats.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, 'bench', '.build');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    'skip-e2e': { type: 'boolean', default: false },
    'skip-profile': { type: 'boolean', default: false },
    'skip-experiments': { type: 'boolean', default: false },
    'memory-all': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(root, 'bench', 'results.json') },
    report: { type: 'string' },
  },
});
// `--report <results.json>`: print the markdown of an earlier run again, measuring nothing.
if (flags.report !== undefined) {
  process.stdout.write(report(JSON.parse(readFileSync(flags.report, 'utf8'))).text);
  process.exit(0);
}
const smoke = flags.smoke === true;
const quick = flags.quick === true || smoke;

/** How much of everything; `--quick` is a short run of the whole harness, `--smoke` only checks that every phase works (the test suite runs it). */
const PLAN = smoke
  ? {
      coldSamples: 1,
      probeSamples: 1,
      warmup: 100,
      batch: 100,
      statsBatches: 1,
      batches: 1,
      expColdSamples: 1,
      expWarmup: 50,
      expBatch: 50,
      expBatches: 1,
      stepRounds: 1,
      stepPerRound: 50,
      stepWarmup: 20,
      profileColdRuns: 1,
      profileInvocations: 100,
      e2eSeconds: 1,
      e2eWarmup: 1,
    }
  : quick
    ? {
        coldSamples: 5,
        probeSamples: 3,
        warmup: 1_000,
        batch: 1_000,
        statsBatches: 3,
        batches: 6,
        expColdSamples: 3,
        expWarmup: 500,
        expBatch: 1_000,
        expBatches: 2,
        stepRounds: 2,
        stepPerRound: 300,
        stepWarmup: 200,
        profileColdRuns: 2,
        profileInvocations: 2_000,
        e2eSeconds: 3,
        e2eWarmup: 1,
      }
    : {
        coldSamples: 20,
        probeSamples: 10,
        warmup: 5_000,
        batch: 5_000,
        statsBatches: 5,
        batches: 20,
        expColdSamples: 12,
        expWarmup: 2_000,
        expBatch: 1_000,
        expBatches: 6,
        stepRounds: 10,
        stepPerRound: 1_000,
        stepWarmup: 1_000,
        profileColdRuns: 6,
        profileInvocations: 15_000,
        e2eSeconds: 6,
        e2eWarmup: 1,
      };
const E2E_CONNECTIONS = 8;

const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
const startedAt = Date.now();

/**
 * Peer (b) is our code with each valibot module swapped for its zod port: every lib/schemas/*.ts
 * that ends up in our bundle must have one in bench/peers/zod/schemas/ (same exports), and
 * lib/payload-types.ts validates through a bridge. Filled in once ours is built.
 * @type {Record<string, string>}
 */
const ZOD_SUBSTITUTE = { 'valibot@lib/contract/declare.ts': 'bench/peers/zod/valibot-bridge.ts' };

/** @param {import('esbuild').Metafile} metafile of our bundle @returns {string[]} schema files without a zod port */
function prepareZodSubstitute(metafile) {
  const missing = [];
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^lib\/contract\/schemas\/([^/]+\.ts)$/.exec(input);
    if (!match?.[1]) continue;
    const port = `bench/peers/zod/schemas/${match[1]}`;
    if (existsSync(path.join(root, port))) ZOD_SUBSTITUTE[input] = port;
    else missing.push(input);
  }
  return missing;
}

/** @type {import('./lib/build.mjs').Contender[]} */
const CONTENDERS = [
  { key: 'ours', label: 'ours (valibot)', short: 'ours', entry: 'functions/webhook.ts' },
  { key: 'middy', label: '(a) Middy + Powertools', short: '(a)', entry: 'bench/peers/middy-powertools.ts' },
  {
    key: 'zod',
    label: '(b) ours with zod 4',
    short: '(b)',
    entry: 'bench/peers/zod-relay.ts',
    substitute: ZOD_SUBSTITUTE,
    mustNotContain: ['node_modules/valibot/'],
  },
  { key: 'floor', label: '(f) floor', short: '(f)', entry: 'bench/peers/floor.ts' },
];
const PROBES = [
  { key: 'probe-empty', label: 'an empty bundle (require itself)', entry: 'bench/probes/empty.ts' },
  { key: 'probe-sns', label: 'SNS client + PublishCommand', entry: 'bench/probes/sns-client.ts' },
  { key: 'probe-logger', label: 'Powertools Logger', entry: 'bench/probes/powertools-logger.ts' },
  { key: 'probe-metrics', label: 'Powertools Metrics', entry: 'bench/probes/powertools-metrics.ts' },
  { key: 'probe-core', label: 'our code without SDK and Logger', entry: 'bench/probes/relay-core.ts' },
  { key: 'probe-valibot', label: 'our payload registry and schemas (valibot)', entry: 'bench/probes/schemas.ts' },
  {
    key: 'probe-zod',
    label: 'the same with the zod 4 ports',
    entry: 'bench/probes/schemas.ts',
    substitute: ZOD_SUBSTITUTE,
    mustNotContain: ['node_modules/valibot/'],
  },
  { key: 'probe-middy', label: 'Middy + 3 middlewares + Powertools parser', entry: 'bench/probes/middy-stack.ts' },
];

/** Credential providers Lambda never uses (it sets AWS_ACCESS_KEY_ID & co.); the runtime has them if ever needed. */
const UNUSED_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];
/**
 * Variants of our function, each changing one thing, to put a measured number on a recommendation.
 * Built from functions/webhook.ts with a substitution or an extra `external`, so they follow our code.
 * @type {import('./lib/build.mjs').Contender[]}
 */
const NO_METRICS = { '@aws-lambda-powertools/metrics': 'bench/experiments/no-metrics.ts' };
const JSON_LOGGER = { '@aws-lambda-powertools/logger': 'bench/experiments/json-logger.ts' };
const POWERTOOLS_REPLACED = { ...NO_METRICS, ...JSON_LOGGER };
const EXPERIMENTS = [
  {
    key: 'exp-no-metrics',
    short: 'no Metrics',
    label: 'Powertools Metrics replaced by a no-op (what Metrics costs)',
    entry: 'functions/webhook.ts',
    substitute: NO_METRICS,
  },
  {
    key: 'exp-json-logger',
    short: 'JSON logger',
    label: 'Powertools Logger replaced by a 20-line JSON logger',
    entry: 'functions/webhook.ts',
    substitute: JSON_LOGGER,
  },
  {
    key: 'exp-no-powertools',
    short: 'no Powertools',
    label: 'both replaced (what Powertools Logger and Metrics cost together)',
    entry: 'functions/webhook.ts',
    substitute: POWERTOOLS_REPLACED,
  },
  {
    key: 'exp-no-powertools-no-validation',
    short: 'no Powertools, no validation',
    label: 'both replaced and no validation (valibot and the 18 declarations gone): what remains over the floor is our own code',
    entry: 'functions/webhook.ts',
    substitute: { ...POWERTOOLS_REPLACED, 'lib/payload-types.ts': 'bench/experiments/no-validation.ts' },
  },
  {
    key: 'exp-sqs-bundled',
    short: 'SQS bundled',
    label: '@aws-sdk/client-sqs bundled instead of taken from the Lambda runtime (what that exclusion saves)',
    entry: 'functions/webhook.ts',
    overrides: { external: UNUSED_CREDENTIAL_PROVIDERS },
  },
  {
    key: 'exp-creds-bundled',
    short: 'creds bundled',
    label: `the ${UNUSED_CREDENTIAL_PROVIDERS.length} credential providers Lambda never uses bundled (what that exclusion saves)`,
    entry: 'functions/webhook.ts',
    overrides: { external: ['@aws-sdk/client-sqs'] },
  },
  {
    key: 'exp-nothing-excluded',
    short: 'nothing excluded',
    label: "both bundled: serverless-esbuild's defaults",
    entry: 'functions/webhook.ts',
    overrides: { external: [] },
  },
  { key: 'exp-floor', short: 'floor', label: '(f) the floor, for reference', entry: 'bench/peers/floor.ts' },
  {
    key: 'exp-floor-attributes',
    short: 'floor + attributes',
    label: '(f) the floor publishing our message attributes too',
    entry: 'bench/experiments/floor-with-attributes.ts',
  },
];

// ---------------------------------------------------------------------------------------------
log(`droam-webhook-relay bench${quick ? ' (--quick)' : ''}: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: round(os.totalmem() / 2 ** 30, 1),
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  loadAverageAtStart: os.loadavg().map((value) => round(value, 2)),
  uptimeAtStart: uptime(),
};
log(`load average at start: ${machine.loadAverageAtStart.join(' ')}`);

// 1. Build -------------------------------------------------------------------------------------
log('\n[1/9] building (serverless.yml custom.esbuild, as serverless-esbuild applies it)');
mkdirSync(buildDir, { recursive: true });
const esbuildOptions = serverlessEsbuildOptions(root);
await buildHelper(root, 'bench/fixtures.ts', path.join(buildDir, 'fixtures.cjs'));
const fixturesFile = path.join(buildDir, 'fixtures.cjs');
/** @type {typeof import('./fixtures')} */
const fixtures = createRequire(import.meta.url)(fixturesFile);
/** @type {Record<string, import('./lib/build.mjs').Built>} */
const built = {};
/** Contenders that could not be built (a peer lagging behind our code): reported, left out of the phases. */
/** @type {Record<string, string>} */
const unavailable = {};
for (const contender of CONTENDERS) {
  try {
    if (contender.key === 'zod') {
      const missing = prepareZodSubstitute(/** @type {import('./lib/build.mjs').Built} */ (built.ours).metafile);
      if (missing.length > 0) throw new Error(`no zod port of ${missing.join(', ')} in bench/peers/zod/schemas/ (same exports)`);
    }
    built[contender.key] = await buildContender(root, buildDir, contender);
    log(`  ${contender.key.padEnd(6)} ${built[contender.key]?.bundleBytes} B bundle, ${built[contender.key]?.zipBytes} B zip`);
  } catch (error) {
    if (contender.key === 'ours') throw error;
    unavailable[contender.key] = error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
    log(`  ${contender.key.padEnd(6)} NOT AVAILABLE: ${unavailable[contender.key]}`);
  }
}
/** @type {Record<string, import('./lib/build.mjs').Built>} */
const probes = {};
for (const probe of PROBES) {
  try {
    probes[probe.key] = await buildContender(root, buildDir, { ...probe, short: probe.key });
  } catch (error) {
    log(`  probe ${probe.key} not built: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}
const probeList = PROBES.filter((probe) => probes[probe.key] !== undefined);

const { env: functionEnv, unresolved } = functionEnvironment(root, fixtures.TEST_SECRET);
if (unresolved.length > 0) log(`  note: left out of the function environment (unresolvable here): ${unresolved.join(', ')}`);
const childEnv = { ...lambdaEnvironment(), ...functionEnv };
const fileOf = (/** @type {string} */ key) => /** @type {import('./lib/build.mjs').Built} */ (built[key] ?? probes[key]).file;
const keys = CONTENDERS.map((contender) => contender.key).filter((key) => built[key] !== undefined);

// 2. Sizes -------------------------------------------------------------------------------------
const sizes = Object.fromEntries(
  keys.map((key) => {
    const b = /** @type {import('./lib/build.mjs').Built} */ (built[key]);
    const breakdown = sizeBreakdown(b.metafile);
    return [key, { bundleBytes: b.bundleBytes, zipBytes: b.zipBytes, topPackages: breakdown.packages.slice(0, 15), topFiles: breakdown.files.slice(0, 10) }];
  }),
);

// 3. Conformance -------------------------------------------------------------------------------
log('\n[2/9] conformance: every events/*.json (re-signed) and a few more, through each contender');
const conformance = await checkConformance();
for (const [key, result] of Object.entries(conformance.summary))
  log(`  ${key}: ${result.same}/${result.cases} answers identical to ours${result.differences.length ? ` (${result.differences.length} differ)` : ''}`);

// 4. Cold start --------------------------------------------------------------------------------
log(`\n[3/9] cold start: ${PLAN.coldSamples} fresh processes per contender, interleaved`);
/** @type {Record<string, { loadMs: number[], firstMs: number[], totalMs: number[], cpuTotalMs: number[], statuses: Record<string, number>, rss: number[] }>} */
const cold = Object.fromEntries(keys.map((key) => [key, { loadMs: [], firstMs: [], totalMs: [], cpuTotalMs: [], statuses: {}, rss: [] }]));
const poolTemplate = JSON.parse(readFileSync(path.join(root, 'events', 'pool-usage.json'), 'utf8'));
for (let round_ = 0; round_ < PLAN.coldSamples; round_++) {
  for (const key of rotate(keys, round_)) {
    const event = fixtures.resign(poolTemplate, Math.floor(Date.now() / 1000));
    const sample = await coldStart(fileOf(key), event, childEnv);
    const target = /** @type {(typeof cold)[string]} */ (cold[key]);
    target.loadMs.push(sample.loadMs);
    target.firstMs.push(sample.firstMs);
    target.totalMs.push(sample.loadMs + sample.firstMs);
    target.cpuTotalMs.push(sample.cpuLoadMs + sample.cpuFirstMs);
    target.rss.push(sample.rss);
    target.statuses[String(sample.status)] = (target.statuses[String(sample.status)] ?? 0) + 1;
  }
  if ((round_ + 1) % 5 === 0 || round_ + 1 === PLAN.coldSamples) log(`  ${round_ + 1}/${PLAN.coldSamples} rounds`);
}
const coldSummary = Object.fromEntries(
  keys.map((key) => {
    const c = /** @type {(typeof cold)[string]} */ (cold[key]);
    return [
      key,
      {
        load: describe(c.loadMs),
        first: describe(c.firstMs),
        total: describe(c.totalMs),
        cpuTotal: describe(c.cpuTotalMs),
        rssMiB: describe(c.rss.map((v) => v / 2 ** 20)),
        statuses: c.statuses,
      },
    ];
  }),
);

// 5. Module-load probes ------------------------------------------------------------------------
log(`\n[4/9] module-load probes: ${PLAN.probeSamples} fresh processes each, interleaved`);
/** @type {Record<string, number[]>} */
const probeLoads = Object.fromEntries(probeList.map((probe) => [probe.key, []]));
for (let round_ = 0; round_ < PLAN.probeSamples; round_++) {
  for (const probe of rotate(probeList, round_)) {
    const sample = await coldStart(fileOf(probe.key), {}, childEnv);
    probeLoads[probe.key]?.push(sample.loadMs);
  }
}
const probeSummary = probeList.map((probe) => {
  const b = /** @type {import('./lib/build.mjs').Built} */ (probes[probe.key]);
  return { key: probe.key, label: probe.label, bundleBytes: b.bundleBytes, load: describe(probeLoads[probe.key] ?? []) };
});
for (const probe of probeSummary) log(`  ${probe.label}: ${probe.load.median.toFixed(1)} ms (${probe.bundleBytes} B)`);

// 6. Warm + memory -----------------------------------------------------------------------------
// Latency, throughput and CPU come from the first PLAN.statsBatches batches, interleaved across all
// contenders; the memory run then goes on to PLAN.batches for ours (all of them with --memory-all).
const statsInvocations = PLAN.batch * PLAN.statsBatches;
const memoryInvocations = PLAN.batch * PLAN.batches;
const memoryKeys = flags['memory-all'] ? keys : keys.filter((key) => key === 'ours');
log(
  `\n[5/9] warm: ${PLAN.warmup} warm-up + ${statsInvocations} measured invocations per contender (mix ${JSON.stringify(fixtures.MIX)}), batches of ${PLAN.batch} interleaved; ` +
    `memory of ${memoryKeys.join(', ')} over ${memoryInvocations}`,
);
/** @type {Record<string, Awaited<ReturnType<typeof startWorker>>>} */
const workers = {};
/** @type {Record<string, { baseline: any, samples: { invocations: number, heapUsed: number, rss: number }[], wallMs: number, cpuMs: number, final?: any }>} */
const memory = {};
try {
  for (const key of keys) {
    workers[key] = await startWorker(fileOf(key), fixturesFile, root, statsInvocations, childEnv);
    await workers[key].call({ cmd: 'run', n: PLAN.warmup, record: false });
    memory[key] = { baseline: await workers[key].call({ cmd: 'memory' }), samples: [], wallMs: 0, cpuMs: 0 };
  }
  for (let batch = 0; batch < PLAN.batches; batch++) {
    const stats = batch < PLAN.statsBatches;
    for (const key of rotate(stats ? keys : memoryKeys, batch)) {
      const worker = /** @type {(typeof workers)[string]} */ (workers[key]);
      const m = /** @type {(typeof memory)[string]} */ (memory[key]);
      const { wallMs, cpuMs } = await worker.call({ cmd: 'run', n: PLAN.batch, record: stats });
      if (stats) {
        m.wallMs += wallMs;
        m.cpuMs += cpuMs;
      }
      const usage = await worker.call({ cmd: 'memory' });
      m.samples.push({ invocations: (batch + 1) * PLAN.batch, heapUsed: usage.heapUsed, rss: usage.rss });
    }
    if (batch + 1 === PLAN.statsBatches) {
      for (const key of keys) /** @type {(typeof memory)[string]} */ (memory[key]).final = await workers[key]?.call({ cmd: 'stats' });
      for (const key of keys.filter((k) => !memoryKeys.includes(k))) await workers[key]?.stop();
    }
    if ((batch + 1) % 5 === 0 || batch + 1 === PLAN.batches) log(`  ${(batch + 1) * PLAN.batch}/${memoryInvocations}`);
  }
} finally {
  for (const worker of Object.values(workers)) await worker.stop();
}
/**
 * Low- and high-water marks of the second half of a series minus those of the first half.
 * @param {number[]} values @param {string} prefix
 */
function halves(values, prefix) {
  const middle = Math.floor(values.length / 2);
  const first = values.slice(0, Math.max(1, middle));
  const second = values.slice(middle);
  return {
    [`${prefix}LowGrowthMiB`]: Math.min(...second) - Math.min(...first),
    [`${prefix}HighGrowthMiB`]: Math.max(...second) - Math.max(...first),
  };
}
const warm = Object.fromEntries(
  keys.map((key) => {
    const m = /** @type {(typeof memory)[string]} */ (memory[key]);
    const heapSlope = slope(
      m.samples.map((s) => s.invocations),
      m.samples.map((s) => s.heapUsed),
    );
    const rssSlope = slope(
      m.samples.map((s) => s.invocations),
      m.samples.map((s) => s.rss),
    );
    const invocations = m.samples.at(-1)?.invocations ?? 0;
    return [
      key,
      {
        invocations: statsInvocations,
        mix: m.final.all,
        byKind: m.final.byKind,
        statuses: m.final.statuses,
        throughputPerSecond: statsInvocations / (m.wallMs / 1000),
        cpuMicrosPerInvocation: (m.cpuMs * 1000) / statsInvocations,
        memory: {
          invocations,
          rssAfterWarmupMiB: m.baseline.rss / 2 ** 20,
          heapAfterWarmupMiB: m.baseline.heapUsed / 2 ** 20,
          // RSS jumps by tens of MiB and back as the allocator keeps and returns pages (heapTotal and
          // external stay flat meanwhile), so single readings mean little: compare the low-water and the
          // high-water marks of the first and second halves of the samples, and fit a trend to the heap.
          ...halves(
            m.samples.map((s) => s.rss / 2 ** 20),
            'rss',
          ),
          ...halves(
            m.samples.map((s) => s.heapUsed / 2 ** 20),
            'heap',
          ),
          rssTrendMiB: (rssSlope * invocations) / 2 ** 20,
          rssRangeMiB: [Math.min(...m.samples.map((s) => s.rss)) / 2 ** 20, Math.max(...m.samples.map((s) => s.rss)) / 2 ** 20],
          heapTrendMiB: (heapSlope * invocations) / 2 ** 20,
          heapSlopeBytesPerInvocation: heapSlope,
          samples: m.samples,
        },
      },
    ];
  }),
);

// 7. Experiments -------------------------------------------------------------------------------
/** @type {any} */
let experiments = null;
/** @type {import('./steps').Step[] | null} */
let steps = null;
if (!flags['skip-experiments']) {
  log(
    `\n[6/9] experiments: one change each to our function; ${PLAN.expColdSamples} cold starts and ${PLAN.expWarmup} + ${PLAN.expBatch * PLAN.expBatches} warm invocations each, interleaved with ours`,
  );
  experiments = await runExperiments();
  log(`  per request, step by step: ${PLAN.stepRounds} rounds of ${PLAN.stepPerRound} pool events per step, in one process`);
  const stepsBuild = await buildContender(root, buildDir, { key: 'steps', label: 'per-request steps', short: 'steps', entry: 'bench/steps.ts' });
  steps = await runSteps(stepsBuild.file, fixturesFile, root, childEnv, { rounds: PLAN.stepRounds, perRound: PLAN.stepPerRound, warmup: PLAN.stepWarmup });
  for (const step of steps) log(`  ${step.label}: p50 ${step.p50.toFixed(0)} µs`);
} else log('\n[6/9] experiments skipped (--skip-experiments)');

// 8. Where the time goes -----------------------------------------------------------------------
/** @type {any} */
let profile = null;
if (!flags['skip-profile']) {
  log(`\n[7/9] where the time goes: CPU profiles of ours (${PLAN.profileColdRuns} cold starts, ${PLAN.profileInvocations} warm invocations)`);
  profile = await whereTheTimeGoes();
} else log('\n[7/9] profiles skipped (--skip-profile)');

// 8. End to end --------------------------------------------------------------------------------
/** @type {any} */
let e2e = null;
if (!flags['skip-e2e']) {
  log(
    `\n[8/9] end to end: serverless-offline + fauxqs + autocannon, ${E2E_CONNECTIONS} connections, ${PLAN.e2eWarmup} s warm-up + ${PLAN.e2eSeconds} s per contender`,
  );
  try {
    e2e = await endToEnd({
      root,
      contenders: keys.map((key) => {
        const b = /** @type {import('./lib/build.mjs').Built} */ (built[key]);
        return { key, file: b.file, zipEntry: b.zipEntry };
      }),
      request: (now) => {
        // The local stage (as `npm start` runs it) accepts dRoam's documented example secret.
        const event = fixtures.resign(poolTemplate, now, fixtures.documentedSecret);
        // What dRoam sends; host, content-length and the API Gateway headers are the client's and the gateway's business.
        const headers = Object.fromEntries(
          Object.entries(event.headers ?? {}).filter(([name]) => name === 'content-type' || name === 'user-agent' || name.startsWith('x-api-')),
        );
        return { headers, body: /** @type {string} */ (event.body) };
      },
      seconds: PLAN.e2eSeconds,
      warmupSeconds: PLAN.e2eWarmup,
      connections: E2E_CONNECTIONS,
      log,
    });
  } catch (error) {
    e2e = { error: error instanceof Error ? error.message : String(error) };
    log(`  end to end failed: ${e2e.error}`);
  }
} else log('\n[8/9] end to end skipped (--skip-e2e)');

// Report ---------------------------------------------------------------------------------------
log('\n[9/9] report');
machine.loadAverageAtEnd = os.loadavg().map((value) => round(value, 2));
machine.uptimeAtEnd = uptime();
const results = {
  generatedAt: new Date().toISOString(),
  quick,
  durationSeconds: round((Date.now() - startedAt) / 1000, 0),
  machine,
  plan: { ...PLAN, statsInvocations, memoryInvocations, memoryOf: memoryKeys, e2eConnections: E2E_CONNECTIONS, mix: fixtures.MIX },
  method: {
    build: {
      esbuildOptions,
      note: 'options from serverless.yml custom.esbuild as serverless-esbuild applies them; zip as serverless-esbuild makes it (deflate level 1)',
    },
    snsStub:
      'bench/lib/aws-stub.mjs, preloaded: replaces only the socket (https.Agent#createConnection for sns.* / sqs.*) with an in-memory duplex answering the Publish XML (and SQS SendMessage JSON); SDK serialisation, SigV4 signing, middleware, NodeHttpHandler, Node HTTP client and response parsing run for real; no DNS, TCP or TLS.',
    snsClientOptions: 'lib/clients.ts AWS_CLIENT_OPTIONS, imported by functions/webhook.ts and every peer',
    environment: { function: functionEnv, lambda: 'AWS_REGION, dummy credentials, AWS_LAMBDA_* names, empty HOME' },
    logs: 'stdout and stderr of every contender process go to /dev/null (formatting and write calls counted)',
    warm: 'one long-lived process per contender, one invocation at a time (as Lambda), batches interleaved across contenders; handler time = from the call to the settled promise',
    memory: 'process.memoryUsage() after two forced GCs (--expose-gc), after warm-up and after every batch',
    coldStart: 'fresh `node` per sample: require(bundle) timed (module load), then one pool-usage event (first invocation)',
  },
  contenders: Object.fromEntries(
    CONTENDERS.map((c) => [c.key, { label: c.label, entry: c.entry, zipEntry: built[c.key]?.zipEntry, unavailable: unavailable[c.key] }]),
  ),
  sizes,
  conformance,
  cold: coldSummary,
  coldRaw: cold,
  probes: probeSummary,
  warm,
  experiments,
  steps,
  profile,
  e2e,
};
const markdown = report(results);
results.ratios = markdown.ratios;
results.targets = markdown.targets;
writeFileSync(/** @type {string} */ (flags.out), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(markdown.text);
log(`\nwrote ${path.relative(process.cwd(), /** @type {string} */ (flags.out))} in ${results.durationSeconds} s`);

// =============================================================================================

function uptime() {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${os.loadavg().join(' ')}`;
  }
}

/** Runs every conformance case through every contender but the floor and compares with ours. */
async function checkConformance() {
  const now = Math.floor(Date.now() / 1000);
  const cases = fixtures.conformanceCases(root, now);
  const compared = keys.filter((key) => key !== 'floor');
  /** @type {Record<string, any[]>} */
  const answers = {};
  for (const key of compared) {
    const worker = await startWorker(fileOf(key), fixturesFile, root, 0, { ...childEnv, AWS_STUB_CAPTURE: '1' });
    try {
      answers[key] = [];
      for (const testCase of cases) answers[key].push(await worker.call({ cmd: 'invoke', event: testCase.event }));
    } finally {
      await worker.stop();
    }
    // SNS failing: a 503 with Retry-After is expected.
    const failing = await startWorker(fileOf(key), fixturesFile, root, 0, { ...childEnv, AWS_STUB_CAPTURE: '1', AWS_STUB_FAIL: 'sns' });
    try {
      const event = fixtures.resign(JSON.parse(readFileSync(path.join(root, 'events', 'pool-usage.json'), 'utf8')), now);
      answers[key].push(await failing.call({ cmd: 'invoke', event }));
    } finally {
      await failing.stop();
    }
  }
  const names = [...cases.map((c) => c.name), '(SNS failing)'];
  const view = (/** @type {any} */ answer) => {
    const response = answer.response ?? {};
    /** @type {Record<string, string>} */
    const headers = {};
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      const lower = name.toLowerCase();
      if (lower === 'content-type' || lower === 'retry-after') headers[lower] = String(value);
    }
    let body = response.body;
    try {
      body = JSON.parse(response.body);
      if (body && typeof body === 'object') {
        delete body.message_id;
        // Whether a refused payload was kept is compared by the quarantine counts, not by the answer's flag.
        delete body.quarantined;
      }
    } catch {
      // not JSON: compared as text
    }
    const published = (answer.published ?? []).map((/** @type {Record<string, string>} */ form) => {
      const { Message, ...rest } = form;
      return { ...rest, Message: Message ? JSON.parse(Message) : undefined };
    });
    return { status: response.statusCode ?? response.threw, headers, body, published };
  };
  /** @type {Record<string, { cases: number, same: number, differences: any[] }>} */
  const summary = {};
  /** @type {any[]} */
  const table = names.map((name, index) => ({ case: name, ours: view(answers.ours?.[index]).status }));
  for (const key of compared.filter((k) => k !== 'ours')) {
    const differences = [];
    names.forEach((name, index) => {
      const ours = view(answers.ours?.[index]);
      const theirs = view(answers[key]?.[index]);
      /** @type {string[]} */
      const fields = [];
      if (ours.status !== theirs.status) fields.push(`status ${ours.status} vs ${theirs.status}`);
      if (JSON.stringify(ours.headers) !== JSON.stringify(theirs.headers))
        fields.push(`headers ${JSON.stringify(ours.headers)} vs ${JSON.stringify(theirs.headers)}`);
      if (JSON.stringify(ours.body) !== JSON.stringify(theirs.body))
        fields.push(`body ${JSON.stringify(ours.body).slice(0, 300)} vs ${JSON.stringify(theirs.body).slice(0, 300)}`);
      if (JSON.stringify(ours.published) !== JSON.stringify(theirs.published)) {
        fields.push(
          `published ${ours.published.length} vs ${theirs.published.length} message(s)${ours.published.length === theirs.published.length ? `, differing in ${publishedDifference(ours.published, theirs.published)}` : ''}`,
        );
      }
      const row = table[index];
      row[key] = theirs.status;
      // Peer (a) declares only the pool type (as briefed): other types are checked against the envelope alone.
      // Nor is it briefed on the publish-retry queue: while SNS fails it answers 503 where ours queues the event.
      const oursType = ours.published[0]?.Message?.type;
      const outOfScope =
        key === 'middy' &&
        ((ours.status === theirs.status && typeof oursType === 'string' && oursType !== 'rule.pool.usage.triggered') ||
          (ours.body?.queued === true && theirs.status === 503));
      if (fields.length > 0) differences.push({ case: name, differences: fields, ...(outOfScope ? { outOfScope: true } : {}) });
    });
    summary[key] = { cases: names.length, same: names.length - differences.length, outOfScope: differences.filter((d) => d.outOfScope).length, differences };
  }
  const quarantined = Object.fromEntries(compared.map((key) => [key, (answers[key] ?? []).reduce((n, a) => n + (a.quarantined?.length ?? 0), 0)]));
  return { summary, table, quarantinedRecords: quarantined };
}

/** Each experiment against ours, measured in its own interleaved rounds. */
async function runExperiments() {
  /** @type {Record<string, import('./lib/build.mjs').Built>} */
  const variants = {};
  for (const experiment of EXPERIMENTS) {
    try {
      variants[experiment.key] = await buildContender(root, buildDir, experiment);
    } catch (error) {
      log(`  ${experiment.key} not built: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  const file = (/** @type {string} */ key) => (key === 'ours' ? fileOf('ours') : /** @type {import('./lib/build.mjs').Built} */ (variants[key]).file);
  const all = ['ours', ...EXPERIMENTS.map((e) => e.key).filter((key) => variants[key] !== undefined)];
  /** @type {Record<string, { load: number[], first: number[], total: number[], cpu: number[] }>} */
  const coldRuns = Object.fromEntries(all.map((key) => [key, { load: [], first: [], total: [], cpu: [] }]));
  for (let round_ = 0; round_ < PLAN.expColdSamples; round_++) {
    for (const key of rotate(all, round_)) {
      const sample = await coldStart(file(key), fixtures.resign(poolTemplate, Math.floor(Date.now() / 1000)), childEnv);
      const c = /** @type {(typeof coldRuns)[string]} */ (coldRuns[key]);
      c.load.push(sample.loadMs);
      c.first.push(sample.firstMs);
      c.total.push(sample.loadMs + sample.firstMs);
      c.cpu.push(sample.cpuLoadMs + sample.cpuFirstMs);
    }
  }
  /** @type {Record<string, Awaited<ReturnType<typeof startWorker>>>} */
  const running = {};
  /** @type {Record<string, any>} */
  const stats = {};
  /** @type {Record<string, number>} */
  const cpuMs = Object.fromEntries(all.map((key) => [key, 0]));
  try {
    for (const key of all) {
      running[key] = await startWorker(file(key), fixturesFile, root, PLAN.expBatch * PLAN.expBatches, childEnv);
      await running[key].call({ cmd: 'run', n: PLAN.expWarmup, record: false });
    }
    for (let batch = 0; batch < PLAN.expBatches; batch++) {
      for (const key of rotate(all, batch)) {
        const result = await running[key]?.call({ cmd: 'run', n: PLAN.expBatch, record: true });
        cpuMs[key] = (cpuMs[key] ?? 0) + (result?.cpuMs ?? NaN);
      }
    }
    for (const key of all) stats[key] = await running[key]?.call({ cmd: 'stats' });
  } finally {
    for (const worker of Object.values(running)) await worker.stop();
  }
  const row = (/** @type {string} */ key) => {
    const c = /** @type {(typeof coldRuns)[string]} */ (coldRuns[key]);
    const b = key === 'ours' ? built.ours : variants[key];
    return {
      key,
      label: key === 'ours' ? 'ours as it is' : EXPERIMENTS.find((e) => e.key === key)?.label,
      bundleBytes: b?.bundleBytes,
      zipBytes: b?.zipBytes,
      load: describe(c.load),
      first: describe(c.first),
      total: describe(c.total),
      cpu: describe(c.cpu),
      warmP50: stats[key]?.all.p50,
      warmPoolP50: stats[key]?.byKind.pool?.p50,
      warmCpuMicros: ((cpuMs[key] ?? NaN) * 1000) / (PLAN.expBatch * PLAN.expBatches),
      statuses: stats[key]?.statuses,
    };
  };
  const base = row('ours');
  return all.map((key) => {
    const r = row(key);
    return {
      ...r,
      delta: {
        zipBytes: (r.zipBytes ?? NaN) - (base.zipBytes ?? NaN),
        loadMs: r.load.median - base.load.median,
        coldMs: r.total.median - base.total.median,
        coldCpuMs: r.cpu.median - base.cpu.median,
        warmP50Us: r.warmP50 - base.warmP50,
        warmPoolP50Us: r.warmPoolP50 - base.warmPoolP50,
        warmCpuUs: r.warmCpuMicros - base.warmCpuMicros,
      },
    };
  });
}

/** Which parts of two lists of published messages differ (form fields, CloudEvent members). @param {any[]} a @param {any[]} b */
function publishedDifference(a, b) {
  /** @type {Set<string>} */
  const differing = new Set();
  a.forEach((message, i) => {
    const other = b[i] ?? {};
    for (const key of new Set([...Object.keys(message), ...Object.keys(other)])) {
      if (key === 'Message') {
        const x = message.Message ?? {};
        const y = other.Message ?? {};
        for (const member of new Set([...Object.keys(x), ...Object.keys(y)])) {
          if (JSON.stringify(x[member]) !== JSON.stringify(y[member])) differing.add(`CloudEvent.${member}`);
        }
      } else if (JSON.stringify(message[key]) !== JSON.stringify(other[key])) differing.add(key.replace(/\.entry\.\d+\./, '.*.'));
    }
  });
  return [...differing].slice(0, 8).join(', ');
}

/** CPU profiles of ours: module load and first invocation (cold), and per-request cost (warm). */
async function whereTheTimeGoes() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'droam-bench-profile-'));
  try {
    const contender = /** @type {import('./lib/build.mjs').Contender} */ (CONTENDERS[0]);
    const original = /** @type {import('./lib/build.mjs').Built} */ (built.ours);
    // The same build with an external source map: the code is byte-identical, the map sits next to it.
    const mapped = await buildContender(root, path.join(buildDir, 'profile'), { ...contender }, { sourcemap: 'external' });
    const identical = readFileSync(mapped.file).equals(readFileSync(original.file));
    const attribute = attributor(mapped.file);

    const coldDir = path.join(dir, 'cold');
    mkdirSync(coldDir);
    for (let i = 0; i < PLAN.profileColdRuns; i++) {
      const event = fixtures.resign(poolTemplate, Math.floor(Date.now() / 1000));
      await coldStart(mapped.file, event, childEnv, { execArgv: ['--cpu-prof', `--cpu-prof-dir=${coldDir}`, '--cpu-prof-interval', '50'] });
    }
    const coldProfiles = readProfiles(coldDir, readdirSync(coldDir)).map((p) => attribute(p, { split: true }));
    const runs = coldProfiles.length;

    /** A warm profile of one bundle, attributed. @param {string} file @param {(p: any) => any} attributeFn @param {string} name */
    const warmProfileOf = async (file, attributeFn, name) => {
      const worker = await startWorker(file, fixturesFile, root, 0, childEnv);
      const profileFile = path.join(dir, `${name}.cpuprofile`);
      try {
        await worker.call({ cmd: 'run', n: PLAN.warmup, record: false });
        await worker.call({ cmd: 'profile', n: PLAN.profileInvocations, intervalUs: 100, file: profileFile });
      } finally {
        await worker.stop();
      }
      return attributeFn(JSON.parse(readFileSync(profileFile, 'utf8')));
    };
    const warmProfile = await warmProfileOf(mapped.file, attribute, 'ours');
    // The floor, for what the SDK alone costs per invocation in the same mix.
    const floorContender = /** @type {import('./lib/build.mjs').Contender} */ (CONTENDERS.find((c) => c.key === 'floor'));
    const floorMapped = await buildContender(root, path.join(buildDir, 'profile'), floorContender, { sourcemap: 'external' });
    const floorProfile = await warmProfileOf(floorMapped.file, attributor(floorMapped.file), 'floor');
    const isSdk = (/** @type {string} */ bucket) => /^@(smithy|aws-sdk)\//.test(bucket) || bucket.startsWith('(Node HTTP');
    const split = (/** @type {{ bucket: string, ms: number }[]} */ rows) => ({
      sdkAndHttp: rows.filter((r) => isSdk(r.bucket)).reduce((sum, r) => sum + r.ms, 0),
      rest: rows.filter((r) => !isSdk(r.bucket)).reduce((sum, r) => sum + r.ms, 0),
    });
    const oursRows = merge([/** @type {Map<string, number>} */ (warmProfile.invoke)], PLAN.profileInvocations / 1000);
    const floorRows = merge([/** @type {Map<string, number>} */ (floorProfile.invoke)], PLAN.profileInvocations / 1000);
    return {
      bundleIdenticalToMeasured: identical,
      note: 'CPU time (µs sampling) charged to the deepest bundle frame, mapped to its source package; profiling slows code down, read the shares more than the absolute values',
      moduleLoad: merge(
        coldProfiles.map((p) => /** @type {Map<string, number>} */ (p.load)),
        runs,
      ).slice(0, 20),
      firstInvocation: merge(
        coldProfiles.map((p) => /** @type {Map<string, number>} */ (p.invoke)),
        runs,
      ).slice(0, 20),
      perRequestMicros: oursRows.slice(0, 24),
      perRequestSplit: { ours: split(oursRows), floor: split(floorRows) },
      floorPerRequestMicros: floorRows.slice(0, 10),
      perRequestOutside: merge([/** @type {Map<string, number>} */ (warmProfile.other)], PLAN.profileInvocations / 1000).slice(0, 8),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
