/**
 * The Serverless commands for one deployed stage, run with this repository's
 * `sls` (osls): `npm run package|deploy|remove|info|logs -- --stage NAME`.
 * Each needs a stage and refuses `local`, which runs only on this machine (it
 * carries dRoam's public example secret; serverless.yml's local-stage guard
 * refuses it too, for a bare `sls deploy`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { command, type OptionSpecs, repositoryRoot, runCommand, UsageError } from './cli.mjs';

const LOCAL_STAGE = 'local';
const STAGE_NAME = /^[A-Za-z0-9-]{1,16}$/;

const COMMON = {
  stage: { type: 'string', value: 'NAME', description: 'the stage (required); "local" is refused: it runs only on this machine' },
  region: { type: 'string', value: 'REGION', description: 'the AWS region (default: us-east-1)' },
  'dry-run': { type: 'boolean', description: 'print the sls command instead of running it' },
} as const satisfies OptionSpecs;

const SPECS = {
  package: command({
    name: 'package',
    synopsis: ['--stage NAME [--region REGION] [--package DIR]'],
    summary: "Builds a stage's stack offline, without AWS credentials, into .serverless/ (or DIR) to inspect it.",
    options: { ...COMMON, package: { type: 'string', value: 'DIR', description: 'where to write the package (default: .serverless/)' } },
  }),
  deploy: command({
    name: 'deploy',
    synopsis: ['--stage NAME [--region REGION] [--param KEY=VALUE]...'],
    summary: 'Packages and deploys the stack of a stage (sls deploy).',
    options: { ...COMMON, param: { type: 'string', value: 'KEY=VALUE', description: 'a stage parameter (serverless.yml params), repeatable' } },
    notes: ['The api secret is not a parameter: put it in SSM (docs/operating.md).'],
  }),
  remove: command({
    name: 'remove',
    synopsis: ['--stage NAME [--region REGION]'],
    summary: "Deletes the stack of a stage (sls remove); the stage's SSM parameter stays.",
    options: COMMON,
  }),
  info: command({
    name: 'info',
    synopsis: ['--stage NAME [--region REGION]'],
    summary: "Shows a stage's endpoint, functions and outputs: WebhookUrl, TopicArn, QuarantineQueueUrl (sls info).",
    options: COMMON,
  }),
  logs: command({
    name: 'logs',
    synopsis: ['--stage NAME [--function webhook|retryDrainer|archiver] [--tail] [--start-time 30m] [--filter TEXT]'],
    summary: "Prints a function's logs (sls logs).",
    options: {
      ...COMMON,
      function: { type: 'string', value: 'NAME', description: 'the function (default: webhook)' },
      tail: { type: 'boolean', description: 'keep printing new lines' },
      'start-time': { type: 'string', value: 'TIME', description: 'from when, e.g. 30m, 2h or an ISO date (default: 10m)' },
      filter: { type: 'string', value: 'TEXT', description: 'only lines that match this CloudWatch filter pattern' },
    },
  }),
};

export type StageCommand = keyof typeof SPECS;

/** The sls arguments for a command line, or a usage error. */
function slsArguments(name: StageCommand, values: Readonly<Record<string, string | boolean | undefined>>, params: readonly string[]): string[] {
  const stage = values.stage;
  if (typeof stage !== 'string' || stage === '') throw new UsageError('--stage NAME is required (e.g. --stage prod)');
  if (stage === LOCAL_STAGE)
    throw new UsageError(`the "${LOCAL_STAGE}" stage runs only on this machine (npm start, npm run invoke); name a deployed stage, e.g. --stage prod`);
  if (!STAGE_NAME.test(stage)) throw new UsageError(`--stage takes 1 to 16 letters, digits or dashes, not '${stage}'`);
  const args = [name, '--stage', stage];
  if (typeof values.region === 'string') args.push('--region', values.region);
  if (name === 'package' && typeof values.package === 'string') args.push('--package', values.package);
  for (const param of params) {
    if (!/^[A-Za-z]\w*=/.test(param)) throw new UsageError(`--param takes KEY=VALUE, not '${param}'`);
    args.push(`--param=${param}`);
  }
  // Without --verbose, sls info leaves out the stack's outputs.
  if (name === 'info') args.push('--verbose');
  if (name === 'logs') {
    args.push('--function', typeof values.function === 'string' ? values.function : 'webhook');
    if (values.tail === true) args.push('--tail');
    if (typeof values['start-time'] === 'string') args.push('--startTime', values['start-time']);
    if (typeof values.filter === 'string') args.push('--filter', values.filter);
  }
  return args;
}

/** `--param` may be given several times; the shared parser keeps the last, so they are taken from the command line first. */
function splitParams(argv: readonly string[]): { rest: string[]; params: string[] } {
  const rest: string[] = [];
  const params: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--param' && i + 1 < argv.length) params.push(argv[++i] ?? '');
    else if (arg.startsWith('--param=')) params.push(arg.slice('--param='.length));
    else rest.push(arg);
  }
  return { rest, params };
}

export async function runStageCommand(name: StageCommand, argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  const { rest, params } = name === 'deploy' ? splitParams(argv) : { rest: [...argv], params: [] };
  return runCommand(
    SPECS[name],
    async ({ values }) => {
      const args = slsArguments(name, values, params);
      if (values['dry-run'] === true) {
        console.log(['sls', ...args].map((arg) => (/^[\w./:=,-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' '));
        return 0;
      }
      const sls = path.join(repositoryRoot(import.meta.url), 'node_modules', '.bin', 'sls');
      return new Promise<number>((resolve, reject) => {
        const child = spawn(sls, args, { stdio: 'inherit' });
        child.on('exit', (code, signal) => {
          resolve(code ?? (signal === null ? 1 : 128));
        });
        child.on('error', reject);
      });
    },
    rest,
  );
}
