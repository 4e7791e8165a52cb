/**
 * `npm run bench`: our relay beside what a user would pick instead, measured in one run, each
 * phase interleaving the contenders to cancel drift. Prints a markdown report, writes every figure
 * to bench/results.json and the charts to docs/. It never fails on a number, only when the harness
 * breaks (a contender that does not build, load, or give the expected answers).
 *
 * `npm run bench -- --help` lists the options. A quick or smoke run has too few samples to judge,
 * so it writes its results and charts to a temporary folder unless --out and --plots say where.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Built, buildContender, buildHelper } from './build';
import { functionEnvironment, lambdaEnvironment } from './environment';
import { writePlots } from './plots';
import { report } from './report';
import { CONTENDERS, type ColdResult, type Distribution, type Key, KEYS, type Plan, type Results, type WarmResult } from './results';
import { benchRequests, KINDS, type Kind } from './requests';
import type { Command, Stats } from './worker';
import { command, parseCommandLine } from '../scripts/cli.mjs';

const PLANS: Record<'full' | 'quick' | 'smoke', Plan> = {
  full: { coldSamples: 20, warmup: 5_000, batch: 4_000, batches: 20 },
  quick: { coldSamples: 5, warmup: 1_000, batch: 1_000, batches: 6 },
  smoke: { coldSamples: 1, warmup: 20, batch: 50, batches: 2 },
};

const root = path.resolve(__dirname, '..');
const spec = command({
  name: 'bench',
  summary:
    'Measures the relay beside what a user would pick instead (Middy + Powertools with valibot or zod, and the floor), each phase interleaved; prints a markdown report, writes the figures and draws the charts. Never fails on a number, only when the harness breaks.',
  options: {
    quick: { type: 'boolean', description: 'a short run of every phase (too few samples to judge)' },
    smoke: { type: 'boolean', description: 'one sample or a handful of invocations per phase: only checks that it works' },
    out: { type: 'string', value: 'FILE', description: 'where the results go (default: bench/results.json; a temporary folder for --quick and --smoke)' },
    plots: { type: 'string', value: 'DIR', description: 'where the charts go (default: docs/; a temporary folder for --quick and --smoke)' },
    report: { type: 'string', value: 'FILE', description: 'print the report of an earlier run and draw its charts, measuring nothing' },
  },
});
const { values } = parseCommandLine(spec);
const trial = values.smoke === true || values.quick === true;
const scratch = trial && (values.out === undefined || values.plots === undefined) ? mkdtempSync(path.join(os.tmpdir(), 'droam-bench-')) : undefined;
const flags = {
  smoke: values.smoke === true,
  quick: values.quick === true,
  report: values.report,
  out: values.out ?? (scratch === undefined ? path.join(root, 'bench', 'results.json') : path.join(scratch, 'results.json')),
  plots: values.plots ?? scratch ?? path.join(root, 'docs'),
};
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  if (flags.report !== undefined) {
    const earlier = JSON.parse(readFileSync(flags.report, 'utf8')) as Results;
    process.stdout.write(report(earlier).text);
    writePlots(earlier, flags.plots);
    return;
  }
  const plan = PLANS[flags.smoke ? 'smoke' : flags.quick ? 'quick' : 'full'];
  const startedAt = Date.now();
  const loadStart = os.loadavg();
  // Inside the repository, so that what a bundle leaves to the runtime resolves from node_modules.
  mkdirSync(path.join(root, 'bench', '.build'), { recursive: true });
  const buildDir = mkdtempSync(path.join(root, 'bench', '.build', 'run-'));
  try {
    // A fresh secret per run: the contenders are configured with it and the requests signed with it.
    const secret = randomBytes(16).toString('hex');
    // BENCH_API_SECRET is for the stub's SSM answer to peer (s).
    const env = { ...functionEnvironment(root, secret), ...lambdaEnvironment(buildDir), BENCH_API_SECRET: secret };
    log('build (as serverless.yml builds)');
    const [stub, coldStart, workerScript, ...bundles] = await Promise.all([
      buildHelper(root, 'bench/aws-stub.ts', path.join(buildDir, 'aws-stub.cjs')),
      buildHelper(root, 'bench/cold-start.ts', path.join(buildDir, 'cold-start.cjs')),
      buildHelper(root, 'bench/worker.ts', path.join(buildDir, 'worker.cjs')),
      ...KEYS.map((key) => buildContender(root, buildDir, key, CONTENDERS[key].entry)),
    ]);
    const built = Object.fromEntries(KEYS.map((key, i) => [key, bundles[i] as Built])) as Record<Key, Built>;
    const contenders = {} as Results['contenders'];
    for (const key of KEYS) {
      const { bundleBytes, zipBytes, zipEntry, external } = built[key];
      contenders[key] = { ...CONTENDERS[key], bundleBytes, zipBytes, zipEntry, external };
    }
    const spawn = (script: string, args: string[], execArgv: string[] = []): ChildProcess =>
      fork(script, args, { env, execArgv: ['--require', stub, ...execArgv], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });

    log(`cold start (${plan.coldSamples} fresh processes each)`);
    const cold = await coldStarts(built, plan.coldSamples, secret, (args) => spawn(coldStart, args));

    log(`warm and memory (${plan.warmup} to warm up, then ${plan.batches} × ${plan.batch}, interleaved)`);
    const warm = await warmRuns(built, plan, (bundle, capacity) => spawn(workerScript, [bundle, root, secret, String(capacity)], ['--expose-gc']));

    const results: Results = {
      date: new Date().toISOString(),
      machine: {
        cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
        node: process.version,
        loadAverage: { start: loadStart, end: os.loadavg() },
      },
      plan,
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      contenders,
      cold,
      warm,
    };
    const { text, targets } = report(results);
    results.targets = targets;
    const wrong = wrongAnswers(results);
    writeFileSync(flags.out, `${JSON.stringify(results, null, 2)}\n`);
    writePlots(results, flags.plots);
    log(`results in ${flags.out}, charts in ${flags.plots}`);
    process.stdout.write(text);
    if (wrong.length > 0) throw new Error(`wrong answers, the harness or a contender is broken:\n  ${wrong.join('\n  ')}`);
    // The worst request per adversarial shape: its own script, so it can also run alone.
    if (!flags.smoke) {
      log('worst case per adversarial shape');
      process.stdout.write('\n');
      execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'worst-case.ts'), '--runs', flags.quick ? '2' : '5'], { stdio: 'inherit' });
    }
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Phases. Each takes the built contenders and returns what it measured, by contender; a new phase
// (a worst-case request, say) is one more function here, a field of Results and a section of report.ts.

interface ColdSamples {
  load: number[];
  first: number[];
  cpu: number[];
  statuses: Record<string, number>;
}

async function coldStarts(built: Record<Key, Built>, samples: number, secret: string, start: (args: string[]) => ChildProcess) {
  const raw = Object.fromEntries(KEYS.map((key): [Key, ColdSamples] => [key, { load: [], first: [], cpu: [], statuses: {} }]));
  for (let round = 0; round < samples; round++) {
    for (const key of rotate(KEYS, round)) {
      const pool = benchRequests(root, secret, Date.now()).find((request) => request.kind === 'pool');
      const child = start([built[key].file, JSON.stringify(pool?.event)]);
      const sample = await lastMessage<{ loadMs: number; firstMs: number; cpuMs: number; status: number }>(child, 30_000);
      const r = raw[key];
      if (r === undefined) continue;
      r.load.push(sample.loadMs);
      r.first.push(sample.firstMs);
      r.cpu.push(sample.cpuMs);
      r.statuses[sample.status] = (r.statuses[sample.status] ?? 0) + 1;
    }
  }
  const result = {} as Record<Key, ColdResult>;
  for (const key of KEYS) {
    const r = raw[key] ?? { load: [], first: [], cpu: [], statuses: {} };
    const total = r.load.map((load, i) => load + (r.first[i] ?? NaN));
    result[key] = {
      loadMs: distribution(r.load),
      firstMs: distribution(r.first),
      totalMs: distribution(total),
      cpuMs: distribution(r.cpu),
      statuses: r.statuses,
    };
  }
  return result;
}

async function warmRuns(built: Record<Key, Built>, plan: Plan, start: (bundle: string, capacity: number) => ChildProcess) {
  const workers = {} as Record<Key, Worker>;
  try {
    await Promise.all(
      KEYS.map(async (key) => {
        workers[key] = await worker(start(built[key].file, plan.batch * plan.batches));
      }),
    );
    const memory = Object.fromEntries(KEYS.map((key) => [key, { invocations: [] as number[], heapMiB: [] as number[], rssMiB: [] as number[] }]));
    const cpuMs = Object.fromEntries(KEYS.map((key) => [key, 0]));
    const sampleMemory = async (key: Key, invocations: number) => {
      const { heapUsed, rss } = await workers[key].call<{ heapUsed: number; rss: number }>({ cmd: 'memory' });
      memory[key]?.invocations.push(invocations);
      memory[key]?.heapMiB.push(heapUsed / MiB);
      memory[key]?.rssMiB.push(rss / MiB);
    };
    for (const key of KEYS) {
      await workers[key].call({ cmd: 'run', n: plan.warmup, record: false });
      await sampleMemory(key, plan.warmup);
    }
    for (let batch = 1; batch <= plan.batches; batch++) {
      for (const key of rotate(KEYS, batch)) {
        const { cpuMs: used } = await workers[key].call<{ cpuMs: number }>({ cmd: 'run', n: plan.batch, record: true });
        cpuMs[key] = (cpuMs[key] ?? 0) + used;
        await sampleMemory(key, plan.warmup + batch * plan.batch);
      }
    }
    const result = {} as Record<Key, WarmResult>;
    for (const key of KEYS) {
      const m = memory[key] ?? { invocations: [], heapMiB: [], rssMiB: [] };
      const quarter = Math.max(1, Math.floor(m.heapMiB.length / 4));
      const growth = (values: number[]) => mean(values.slice(-quarter)) - mean(values.slice(0, quarter));
      result[key] = {
        ...(await workers[key].call<Stats>({ cmd: 'stats' })),
        cpuMicrosPerInvocation: ((cpuMs[key] ?? NaN) * 1000) / (plan.batch * plan.batches),
        memory: m,
        heapGrowthMiB: growth(m.heapMiB),
        rssGrowthMiB: growth(m.rssMiB),
      };
    }
    return result;
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.stop()));
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes: contenders log to /dev/null (formatting and the write call are counted), answer
// over IPC, and are killed by their pid when they outlive their time limit.

interface Worker {
  call<T = unknown>(command: Command, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

function nextMessage<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process ${child.pid ?? '?'} gave no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`process ${child.pid ?? '?'} exited (${code ?? 'killed'}) without an answer`));
    };
    child.once('exit', onExit);
    child.once('message', (message: T & { fatal?: string }) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (message.fatal !== undefined) reject(new Error(`the bundle did not load: ${message.fatal}`));
      else resolve(message);
    });
  });
}

/** The last message a one-shot child sent, once it has exited. */
function lastMessage<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let last: T | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', (message: T) => (last = message));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (last === undefined) reject(new Error(`process ${child.pid ?? '?'} exited (${code ?? 'killed'}) without an answer`));
      else resolve(last);
    });
  });
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null
    ? Promise.resolve()
    : new Promise((resolve) =>
        child.once('exit', () => {
          resolve();
        }),
      );

async function worker(child: ChildProcess): Promise<Worker> {
  await nextMessage(child, 30_000);
  let id = 0;
  return {
    async call<T>(command: Command, timeoutMs = 300_000) {
      const answer = nextMessage<{ reply: T }>(child, timeoutMs);
      child.send({ ...command, id: ++id });
      return (await answer).reply;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.send({ cmd: 'exit' });
      await exited(child);
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = sorted[Math.floor(position)] ?? NaN;
  const high = sorted[Math.ceil(position)] ?? NaN;
  return low + (high - low) * (position - Math.floor(position));
}

function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75) };
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length] as T);

/** The answers each kind of request must get (the floor publishes everything); anything else means something is broken. */
function wrongAnswers(results: Pick<Results, 'cold' | 'warm'>): string[] {
  const wrong: string[] = [];
  for (const key of KEYS) {
    const cold = Object.keys(results.cold[key].statuses);
    if (cold.join() !== '200') wrong.push(`${key}: cold-start pool event answered ${cold.join(', ')}`);
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const expected = key === 'floor' ? '200' : String(KINDS[kind]);
      const statuses = Object.keys(results.warm[key].statuses[kind] ?? {});
      if (statuses.join() !== expected) wrong.push(`${key}: ${kind} requests answered ${statuses.join(', ') || 'never sent'}, not ${expected}`);
    }
  }
  return wrong;
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
