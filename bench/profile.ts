/**
 * `npm run bench:profile`: where a warm request of each kind spends its time, in ours or a peer.
 * Builds the contender as the benchmark does but unminified (so functions keep their names), runs
 * one kind of request of the warm mix in a loop under `node --cpu-prof` with the benchmark's AWS
 * stub and environment, and prints, per kind, the functions with the most time of their own and
 * the steps of the request path with their time including what they call. Synchronous time only:
 * a step's inclusive share stops at its first `await`. Not a test; it never fails on a number.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { buildHelper, serverlessEsbuildOptions } from './build';
import { functionEnvironment, lambdaEnvironment } from './environment';
import { KINDS, type Kind } from './requests';
import { CONTENDERS, type Key } from './results';
import { command, parseCommandLine } from '../scripts/cli.mjs';

const root = path.resolve(__dirname, '..');
const spec = command({
  name: 'bench:profile',
  summary: 'Profiles warm requests of each kind (pool, echo, unauthorized, invalid) from the unminified bundle and prints the top costs.',
  options: {
    contender: { type: 'string', value: 'KEY', description: `which contender (${Object.keys(CONTENDERS).join(', ')}; default ours)` },
    kinds: { type: 'string', value: 'LIST', description: 'comma-separated kinds of request (default pool,unauthorized,invalid)' },
    n: { type: 'string', value: 'N', description: 'invocations profiled per kind, after as many to warm up (default 20000)' },
    top: { type: 'string', value: 'N', description: 'functions listed per kind (default 15)' },
  },
});
const { values } = parseCommandLine(spec);
const key = (values.contender ?? 'ours') as Key;
if (!(key in CONTENDERS)) throw new Error(`no contender ${key}`);
const kinds = (values.kinds ?? 'pool,unauthorized,invalid').split(',') as Kind[];
for (const kind of kinds) if (!(kind in KINDS)) throw new Error(`no kind of request ${kind}`);
const n = Number(values.n ?? 20_000);
const top = Number(values.top ?? 15);

/** The steps of ours' request path whose inclusive time is reported, by function name in the bundle. */
const STEPS = [
  'createWebhookHandler',
  'decodeRequest',
  'processWebhook',
  'parseJsonBody',
  'isEcho',
  'authenticateRequest',
  'authenticate',
  'keeper',
  'validate',
  'toPublishedCloudEvent',
  'toSnsMessage',
  'tagMessage',
  'snsMessageBytes',
  'send',
  'report',
  'write',
  'takeEmf',
  'toHttpResponse',
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

async function main(): Promise<void> {
  mkdirSync(path.join(root, 'bench', '.build'), { recursive: true });
  const dir = mkdtempSync(path.join(root, 'bench', '.build', 'profile-'));
  try {
    const secret = randomBytes(16).toString('hex');
    const entry = CONTENDERS[key].entry;
    const bundle = path.join(dir, entry.replace(/\.ts$/, '.js'));
    await esbuild.build({ ...serverlessEsbuildOptions(root), minify: false, absWorkingDir: root, entryPoints: [entry], outfile: bundle, logLevel: 'silent' });
    const stub = await buildHelper(root, 'bench/aws-stub.ts', path.join(dir, 'aws-stub.cjs'));
    const loop = await buildHelper(root, 'bench/profile-loop.ts', path.join(dir, 'profile-loop.cjs'));
    const env = { ...functionEnvironment(root, secret), ...lambdaEnvironment(dir) };
    process.stdout.write(`# ${CONTENDERS[key].label}: ${n} warm invocations per kind, unminified bundle, Node ${process.version}\n`);
    for (const kind of kinds) {
      const profiles = path.join(dir, `cpu-${kind}`);
      const result = path.join(dir, `result-${kind}.json`);
      execFileSync(process.execPath, ['--require', stub, '--cpu-prof', '--cpu-prof-dir', profiles, loop, bundle, root, secret, kind, String(n), result], {
        env,
        // The function's log lines (stdout and stderr) are written and dropped, as the benchmark's are.
        stdio: 'ignore',
      });
      const { microsPerInvocation, statuses } = JSON.parse(readFileSync(result, 'utf8')) as { microsPerInvocation: number; statuses: Record<string, number> };
      const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error('node wrote no profile');
      const profile = JSON.parse(readFileSync(path.join(profiles, file), 'utf8')) as CpuProfile;
      process.stdout.write(`\n## ${kind}: ${microsPerInvocation.toFixed(0)} µs per invocation (under the profiler), answered ${JSON.stringify(statuses)}\n\n`);
      process.stdout.write(summarise(profile, bundle));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Self time per function, and inclusive time per step, as shares of the time spent in the loop. */
function summarise(profile: CpuProfile, bundle: string): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const modules = bundleModules(bundle);
  const label = (node: ProfileNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : url.endsWith(path.basename(bundle)) ? `bundle:${lineNumber + 1}` : `${path.basename(url)}:${lineNumber + 1}`;
    return `${functionName || '(anonymous)'}${where === '' ? '' : ` ${where}`}`;
  };
  const self = new Map<string, number>();
  const byModule = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (node === undefined || node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') return;
    busy += delta;
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + delta);
    const where = moduleOf(node, bundle, modules);
    byModule.set(where, (byModule.get(where) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const fn = byId.get(at)?.callFrame.functionName ?? '';
      if (STEPS.includes(fn) && !seen.has(fn)) {
        seen.add(fn);
        inclusive.set(fn, (inclusive.get(fn) ?? 0) + delta);
      }
    }
  });
  const share = (micros: number): string => `${((100 * micros) / busy).toFixed(1)} %`;
  const lines = ['| function (self time) | share |', '|---|---:|'];
  for (const [name, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`| ${name.replaceAll('|', '\\|')} | ${share(micros)} |`);
  lines.push('', '| package or file (self time) | share |', '|---|---:|');
  for (const [name, micros] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`| ${name} | ${share(micros)} |`);
  lines.push('', '| step (inclusive, synchronous) | share |', '|---|---:|');
  for (const step of STEPS) {
    const micros = inclusive.get(step);
    if (micros !== undefined) lines.push(`| ${step} | ${share(micros)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The first line of each module in the unminified bundle (esbuild heads each with a comment naming its file), in order. */
function bundleModules(bundle: string): { line: number; name: string }[] {
  const starts: { line: number; name: string }[] = [];
  readFileSync(bundle, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const file = /^\/\/ (\S+\.(?:[cm]?[jt]s|json))$/.exec(text)?.[1];
      if (file === undefined) return;
      // A package's files together: `@scope/name` or `name`; the project's own files by path.
      const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
      starts.push({ line: index + 1, name: inPackage ?? file });
    });
  return starts;
}

/** Where a function's code is: a package or file of the bundle, a Node built-in, or the engine. */
function moduleOf(node: ProfileNode, bundle: string, modules: readonly { line: number; name: string }[]): string {
  const { url, lineNumber, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'Node built-ins';
  if (!url.endsWith(path.basename(bundle))) return path.basename(url);
  let found = '(bundle)';
  for (const start of modules) {
    if (start.line > lineNumber + 1) break;
    found = start.name;
  }
  return found;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
