/**
 * Every script in scripts/ behaves as a command-line tool: `--help` prints its
 * usage and exits 0 having done nothing else, and a mistake on the command line
 * is one line on stderr and exit code 2, before any work starts. Each case runs
 * the script as `npm run` does (through tsx), several at a time.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/integration/events';
import { runScript, type Finished } from '../support/integration/processes';

/** npm script name → the file it runs. */
const SCRIPTS: Readonly<Record<string, string>> = {
  start: 'scripts/start.mts',
  invoke: 'scripts/invoke.mts',
  send: 'scripts/send.mts',
  replay: 'scripts/replay.mts',
  load: 'scripts/load.mts',
  events: 'scripts/make-events.mts',
  schemas: 'scripts/generate-schemas.mts',
  audit: 'scripts/audit.mts',
  history: 'scripts/history.mts',
  bench: 'bench/run.ts',
  'bench:worst-case': 'bench/worst-case.ts',
  'bench:lossless': 'bench/lossless.ts',
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
  { name: 'bench:lossless', args: [], error: /^bench:lossless: missing argument \(takes 1\)/ },
  { name: 'bench:lossless', args: ['events'], error: /^bench:lossless: not a checkout of the relay: events/ },
];

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
      ...Object.entries(SCRIPTS).flatMap(([name, script]) => [
        { key: `${name} --help`, script, args: ['--help'] },
        { key: `${name} --no-such-flag`, script, args: ['--no-such-flag'] },
      ]),
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

    it('refuses an unknown flag with one line on stderr and exit code 2', () => {
      const { code, stdout, stderr } = result(`${name} --no-such-flag`);
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(lines(stderr)).toEqual([`${name}: unknown option '--no-such-flag' (npm run ${name} -- --help for usage)`]);
    });
  });

  it.each(MISTAKES)('npm run $name -- $args is a usage error (exit 2, one line)', ({ name, args, error }) => {
    const { code, stdout, stderr } = result(`${name} ${args.join(' ')}`);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(error);
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
});
