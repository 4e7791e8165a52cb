/**
 * Every script in scripts/ behaves as a command-line tool: `--help` prints its
 * usage and exits 0 having done nothing else, and a mistake on the command line
 * is one line on stderr and exit code 2, before any work starts. Each case runs
 * the script as `npm run` does (through tsx), several at a time. Every script
 * reads its command line with scripts/cli.mts, whose usage line `--help` shows:
 * an unknown flag is refused there alike for all, so it is run on a few.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { codeBlocks, isShell, type ShellCommand, shellCommands } from '../support/docs-code';
import { ROOT } from '../support/integration/events';
import { runScript, type Finished } from '../support/integration/processes';

/** npm script name → the file it runs. */
const SCRIPTS: Readonly<Record<string, string>> = {
  start: 'scripts/start.mts',
  invoke: 'scripts/invoke.mts',
  send: 'scripts/send.mts',
  replay: 'scripts/replay.mts',
  discard: 'scripts/discard.mts',
  load: 'scripts/load.mts',
  events: 'scripts/make-events.mts',
  schemas: 'scripts/generate-schemas.mts',
  audit: 'scripts/audit.mts',
  cost: 'scripts/cost.mts',
  capacity: 'scripts/capacity.mts',
  history: 'scripts/history.mts',
  find: 'scripts/find.mts',
  bench: 'bench/run.ts',
  'bench:worst-case': 'bench/worst-case.ts',
  'bench:lossless': 'bench/lossless.ts',
  'bench:profile': 'bench/profile.ts',
  'bench:sns-client': 'bench/sns-client.ts',
};

/** Other mistakes, each caught before any work starts. */
const MISTAKES: readonly { name: string; args: readonly string[]; error: RegExp }[] = [
  { name: 'invoke', args: [], error: /^invoke: missing argument/ },
  { name: 'invoke', args: ['events/no-such-sample.json'], error: /^invoke: no such file: events\/no-such-sample\.json/ },
  { name: 'send', args: ['events/pool-usage.json', 'events/echo-flat.json'], error: /^send: unexpected argument 'events\/echo-flat\.json'/ },
  { name: 'send', args: ['--url'], error: /^send: option '--url <value>' argument missing/ },
  { name: 'load', args: ['--requests', 'many'], error: /^load: --requests takes a whole number from 1 to \d+, not 'many'/ },
  { name: 'events', args: ['events/pool-usage.json'], error: /^events: unexpected argument/ },
  { name: 'history', args: ['--bucket', 'b', '--from', '2024-01-01', '--to', '2024-01-02'], error: /^history: give exactly one of --to-queue and --to-topic/ },
  { name: 'find', args: ['--iccid', '8944', '--pool', 'p'], error: /^find: give exactly one of --id, --iccid, --pool, --rule and --type/ },
  { name: 'find', args: ['--type', 'company.updated', '--since', 'last week'], error: /^find: --since 'last week' is not a date or an RFC 3339 time/ },
  { name: 'cost', args: ['--log-level', 'DEBUG'], error: /^cost: --log-level takes INFO or WARN, not 'DEBUG'/ },
  { name: 'capacity', args: ['--region', 'eu-central-1', '--ingress', 'restApi'], error: /^capacity: --ingress takes httpApi or functionUrl, not 'restApi'/ },
  { name: 'capacity', args: ['--region', 'eu-central-1', '--burst', 'many'], error: /^capacity: --burst takes a whole number from 1 to \d+, not 'many'/ },
  { name: 'discard', args: ['--id', 'abc'], error: /^discard: say why with --reason TEXT/ },
  { name: 'bench:lossless', args: [], error: /^bench:lossless: missing argument \(takes 1\)/ },
  { name: 'bench:lossless', args: ['events'], error: /^bench:lossless: not a checkout of the relay: events/ },
];

/** Scripts an unknown flag is tried on: one that starts a stack, one that sends, one benchmark. */
const UNKNOWN_FLAG = ['start', 'replay', 'bench:worst-case'] as const;

/** A digest of every file the scripts could write: the samples, the generated contract and its document, the bench's results and charts. */
function generatedFiles(): string {
  const hash = createHash('sha256');
  for (const dir of ['events', 'schemas']) {
    for (const name of readdirSync(path.join(ROOT, dir)).sort()) hash.update(name).update(readFileSync(path.join(ROOT, dir, name)));
  }
  hash.update(readFileSync(path.join(ROOT, 'docs', 'contract.md'))).update(readFileSync(path.join(ROOT, 'bench', 'results.json')));
  for (const name of readdirSync(path.join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.svg'))
    .sort())
    hash.update(readFileSync(path.join(ROOT, 'docs', name)));
  return hash.digest('hex');
}

/** Runs the cases a few at a time: each is a Node process with tsx, and the machine may be busy. */
async function runAll(cases: readonly { key: string; script: string; args: readonly string[] }[]): Promise<Map<string, Finished>> {
  const results = new Map<string, Finished>();
  const queue = [...cases];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      results.set(next.key, await runScript(next.script, next.args, { timeoutMs: 30_000 }));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results;
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

describe('the scripts in scripts/ as command-line tools', () => {
  let before: string;
  let results: Map<string, Finished>;
  const result = (key: string): Finished => {
    const found = results.get(key);
    if (found === undefined) throw new Error(`no run for ${key}`);
    return found;
  };

  beforeAll(async () => {
    before = generatedFiles();
    results = await runAll([
      ...Object.entries(SCRIPTS).map(([name, script]) => ({ key: `${name} --help`, script, args: ['--help'] })),
      ...UNKNOWN_FLAG.map((name) => ({ key: `${name} --no-such-flag`, script: SCRIPTS[name] ?? '', args: ['--no-such-flag'] })),
      ...MISTAKES.map(({ name, args }) => ({ key: `${name} ${args.join(' ')}`, script: SCRIPTS[name] ?? '', args })),
      { key: 'send -h', script: 'scripts/send.mts', args: ['-h'] },
      { key: 'invoke --no-such-flag --help', script: 'scripts/invoke.mts', args: ['--no-such-flag', '--help'] },
    ]);
  }, 120_000);

  describe.each(Object.keys(SCRIPTS))('npm run %s', (name) => {
    it('--help prints the usage, its options, and exits 0', () => {
      const { code, stdout, stderr } = result(`${name} --help`);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toMatch(new RegExp(`^usage: npm run ${name}\\b`));
      expect(stdout).toMatch(/^ {2}-h, --help +print this help and exit$/m);
    });
  });

  it.each(UNKNOWN_FLAG)('npm run %s refuses an unknown flag with one line on stderr and exit code 2', (name) => {
    const { code, stdout, stderr } = result(`${name} --no-such-flag`);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(stderr)).toEqual([`${name}: unknown option '--no-such-flag' (npm run ${name} -- --help for usage)`]);
  });

  it.each(MISTAKES)('npm run $name -- $args is a usage error (exit 2, one line)', ({ name, args, error }) => {
    const { code, stdout, stderr } = result(`${name} ${args.join(' ')}`);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(error);
  });

  it('covers every npm script that runs a file of the repository with tsx', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const tsxScripts = Object.entries(scripts).flatMap(([name, line]) => {
      const file = /\btsx (\S+\.m?ts)\b/.exec(line)?.[1];
      return file === undefined ? [] : [[name, file]];
    });
    expect(Object.fromEntries(tsxScripts)).toEqual(SCRIPTS);
  });

  it('takes -h for --help', () => {
    expect(result('send -h')).toMatchObject({ code: 0, stdout: result('send --help').stdout, stderr: '' });
  });

  it('prints the help when it is asked for, whatever else is wrong on the line', () => {
    expect(result('invoke --no-such-flag --help')).toMatchObject({ code: 0, stdout: result('invoke --help').stdout, stderr: '' });
  });

  it('wrote nothing: the samples in events/, schemas/ and docs/contract.md are as they were', () => {
    expect(generatedFiles()).toBe(before);
  });

  describe('the shell blocks of README.md, docs/ and the events package README', () => {
    const blocks = codeBlocks().filter(isShell);
    const commands = blocks.flatMap(shellCommands);
    const where = (command: ShellCommand): string => `${command.block.file}:${command.block.line}: ${command.words.join(' ')}`;
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const serverless = YAML.parse(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
      params: Record<string, Record<string, unknown>>;
      functions: Record<string, unknown>;
    };
    /** `npm run [--silent] NAME -- ARGS` → NAME and ARGS. */
    const npmRuns = commands.flatMap((command) => {
      const [npm, run, ...rest] = command.words;
      if (npm !== 'npm' || run !== 'run') return [];
      const [name = '', separator, ...args] = rest.filter((word) => word !== '--silent');
      return [{ command, name, args: separator === '--' ? args : [] }];
    });
    /** The Framework's commands: `npx sls …` and the npm scripts that are plain `sls` commands. */
    const slsArgs = [
      ...commands.filter((command) => command.words[0] === 'npx' && command.words[1] === 'sls').map((command) => ({ command, args: command.words.slice(2) })),
      ...npmRuns.filter(({ name }) => scripts[name]?.startsWith('sls ') === true),
    ];
    const valuesOf = (args: readonly string[], option: string): string[] =>
      args.flatMap((word, index) => (word === option ? [args[index + 1] ?? ''] : word.startsWith(`${option}=`) ? [word.slice(option.length + 1)] : []));

    it('are found, and each is valid shell (bash -n)', () => {
      expect(blocks.length).toBeGreaterThanOrEqual(20);
      const invalid = blocks.flatMap((block) => {
        const checked = spawnSync('bash', ['-n'], { input: block.code, encoding: 'utf8' });
        return checked.status === 0 ? [] : [`${block.file}:${block.line}: ${checked.stderr.trim()}`];
      });
      expect(invalid).toEqual([]);
    });

    it('run only npm scripts that exist, and give each of the scripts in scripts/ only options its --help lists', () => {
      expect(npmRuns.filter(({ name }) => scripts[name] === undefined).map(({ command }) => where(command))).toEqual([]);
      const unknown = npmRuns.flatMap(({ command, name, args }) => {
        if (SCRIPTS[name] === undefined) return [];
        const help = result(`${name} --help`).stdout;
        return args
          .filter((word) => word.startsWith('--'))
          .map((word) => word.split('=')[0] ?? word)
          .filter((option) => !new RegExp(`(^|\\s)${option}\\b`, 'm').test(help))
          .map((option) => `${where(command)}: ${option}`);
      });
      expect(unknown).toEqual([]);
    });

    it('give the Framework only stage parameters serverless.yml declares and functions it has', () => {
      const params = new Set(Object.values(serverless.params).flatMap((stage) => Object.keys(stage)));
      const problems = slsArgs.flatMap(({ command, args }) => [
        ...valuesOf(args, '--param')
          .map((pair) => pair.split('=')[0] ?? '')
          .filter((name) => !params.has(name))
          .map((name) => `${where(command)}: no param ${name}`),
        ...valuesOf(args, '--function')
          .filter((name) => !Object.hasOwn(serverless.functions, name))
          .map((name) => `${where(command)}: no function ${name}`),
      ]);
      expect(problems).toEqual([]);
    });

    it('name sample files that exist, stack outputs the stack declares, and the events package tarball of this version', () => {
      const { version } = JSON.parse(readFileSync(path.join(ROOT, 'packages/events/package.json'), 'utf8')) as { version: string };
      const infra = readdirSync(path.join(ROOT, 'infra'))
        .map((file) => readFileSync(path.join(ROOT, 'infra', file), 'utf8'))
        .join('\n');
      const problems = commands.flatMap((command) =>
        command.words.flatMap((word) => {
          if (/^events\/[\w.-]+\.json$/.test(word) && !existsSync(path.join(ROOT, word))) return [`${where(command)}: no file ${word}`];
          const output = /^s\/\^ \*(\w+): \/\/p$/.exec(word)?.[1];
          if (output !== undefined && !new RegExp(`\\b${output}: \\{`).test(infra)) return [`${where(command)}: no stack output ${output}`];
          const tarball = /droam-webhook-relay-events-(\d+\.\d+\.\d+)\.tgz/.exec(word)?.[1];
          if (tarball !== undefined && tarball !== version) return [`${where(command)}: the package is ${version}`];
          return [];
        }),
      );
      expect(problems).toEqual([]);
    });
  });
});
