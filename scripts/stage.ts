/**
 * `npm run package|deploy|remove|info|logs -- --stage NAME`: the Serverless commands
 * for one deployed stage, run with this repository's `sls` (osls). Each
 * needs a stage and refuses `local`, which runs only on this machine.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

const COMMANDS = {
  package: {
    summary: 'build the stack of a stage offline, without AWS credentials, into .serverless/ (or --package DIR) to inspect it',
    usage: '--stage NAME [--region REGION] [--package DIR] [--dry-run]',
    options: { package: { type: 'string' } },
  },
  deploy: {
    summary: 'package and deploy the stack of a stage',
    usage: '--stage NAME [--region REGION] [--param KEY=VALUE]... [--dry-run]',
    options: { param: { type: 'string', multiple: true } },
  },
  remove: { summary: 'delete the stack of a stage (the SSM parameter stays)', usage: '--stage NAME [--region REGION] [--dry-run]', options: {} },
  info: {
    summary: "show a stage's endpoint, functions and outputs (WebhookUrl, TopicArn, QuarantineQueueUrl)",
    usage: '--stage NAME [--region REGION]',
    options: {},
  },
  logs: {
    summary: "print a function's logs",
    usage: '--stage NAME [--region REGION] [--function webhook|poolUsageSubscriber] [--tail] [--start-time 30m] [--filter TEXT]',
    options: {
      function: { type: 'string', default: 'webhook' },
      tail: { type: 'boolean' },
      'start-time': { type: 'string' },
      filter: { type: 'string' },
    },
  },
} as const satisfies Record<string, { summary: string; usage: string; options: ParseArgsConfig['options'] }>;

type Command = keyof typeof COMMANDS;

const COMMON = {
  stage: { type: 'string' },
  region: { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const LOCAL_STAGE = 'local';
const STAGE_NAME = /^[A-Za-z0-9-]{1,16}$/;

function usage(command: Command): string {
  const { summary, usage: line } = COMMANDS[command];
  return [
    `usage: npm run ${command} -- ${line}`,
    '',
    `  ${summary}.`,
    '  --stage NAME      the stage (required); "local" is refused: it runs only on this machine',
    '  --region REGION   AWS region (default us-east-1)',
    '  --dry-run         print the sls command instead of running it',
    '  -h, --help        this help',
  ].join('\n');
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !(name in COMMANDS)) fail(`usage: tsx scripts/stage.ts ${Object.keys(COMMANDS).join('|')} --stage NAME …`);
const command = name as Command;

let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
try {
  const options: ParseArgsConfig['options'] = { ...COMMON, ...COMMANDS[command].options };
  values = parseArgs({ args: rest, options, allowPositionals: false, strict: true }).values;
} catch (error) {
  fail(`npm run ${command}: ${error instanceof Error ? error.message : String(error)} (see --help)`);
}

if (values.help === true) {
  process.stdout.write(`${usage(command)}\n`);
  process.exit(0);
}

const stage = values.stage;
if (typeof stage !== 'string' || stage === '') fail(`npm run ${command}: --stage NAME is required (e.g. --stage prod)`);
if (stage === LOCAL_STAGE) {
  fail(`npm run ${command}: the "${LOCAL_STAGE}" stage runs only on this machine (npm start, npm run invoke); name a deployed stage, e.g. --stage prod`);
}
if (!STAGE_NAME.test(stage)) fail(`npm run ${command}: --stage must be 1 to 16 letters, digits or dashes, not "${stage}"`);

const args: string[] = [command, '--stage', stage];
if (typeof values.region === 'string') args.push('--region', values.region);
if (command === 'package' && typeof values.package === 'string') args.push('--package', values.package);
if (command === 'deploy') {
  for (const param of (values.param as string[] | undefined) ?? []) {
    if (!/^[A-Za-z]\w*=/.test(param)) fail(`npm run deploy: --param takes KEY=VALUE, not "${param}"`);
    args.push(`--param=${param}`);
  }
}
if (command === 'logs') {
  args.push('--function', String(values.function));
  if (values.tail === true) args.push('--tail');
  if (typeof values['start-time'] === 'string') args.push('--startTime', values['start-time']);
  if (typeof values.filter === 'string') args.push('--filter', values.filter);
}

const sls = path.resolve(__dirname, '..', 'node_modules', '.bin', 'sls');
if (values['dry-run'] === true) {
  process.stdout.write(`${['sls', ...args].map((arg) => (/^[\w./:=,-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ')}\n`);
  process.exit(0);
}

const child = spawn(sls, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
child.on('error', (error) => {
  process.stderr.write(`npm run ${command}: could not run ${sls}: ${error.message}\n`);
  process.exit(1);
});
