/**
 * The local stage stays on this machine: it is the default stage and carries
 * dRoam's public example secret, so packaging, deploying or removing it is
 * refused before anything is built or sent to AWS (tools/serverless/local-stage-guard.cjs),
 * and the deploy scripts need a named stage. `npm run invoke` and
 * serverless-offline keep the local stage (tests/e2e/toolchain.test.ts).
 */
import { childEnv, run } from '../support/integration/processes';

const TSX = 'node_modules/.bin/tsx';
const SLS = 'node_modules/.bin/sls';

/** No credentials at all: a refusal must come before any call to AWS. */
function withoutCredentials(): NodeJS.ProcessEnv {
  const env = childEnv();
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) Reflect.deleteProperty(env, name);
  return env;
}

describe('a bare sls command cannot put the local stage on AWS', () => {
  test.each([
    ['deploy', ['deploy']],
    ['package', ['package']],
  ])(
    'sls %s (the default stage, local) is refused, naming the command to type instead',
    async (_, args) => {
      const result = await run(SLS, args, { env: withoutCredentials(), timeoutMs: 60_000 });
      expect(result.code).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toMatch(/The "local" stage runs only on this machine[\s\S]*npm run deploy -- --stage prod/);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/credentials/i);
    },
    70_000,
  );
});

describe.each(['package', 'deploy', 'remove', 'info', 'logs'])('npm run %s', (command) => {
  const script = (...args: string[]): ReturnType<typeof run> =>
    run(TSX, ['scripts/stage.ts', command, ...args], { env: withoutCredentials(), timeoutMs: 30_000 });

  test('--help prints the usage and exits 0', async () => {
    const result = await script('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^usage: npm run ${command} -- --stage NAME`));
  }, 40_000);

  test('an unknown flag is one line on stderr and exit code 2', async () => {
    const result = await script('--stage', 'prod', '--bogus');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining("Unknown option '--bogus'")]);
  }, 40_000);

  test('needs a stage, and refuses the local one (the same check in every command)', async () => {
    const missing = await script();
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('--stage NAME is required')]);
    const local = await script('--stage', 'local');
    expect([local.code, local.stderr]).toEqual([2, expect.stringContaining('the "local" stage runs only on this machine')]);
  }, 40_000);
});

describe('what the scripts run (--dry-run)', () => {
  test.each([
    [
      ['deploy', '--stage', 'prod', '--param', 'alarmTopicArn=arn:aws:sns:us-east-1:123456789012:ops'],
      'sls deploy --stage prod --param=alarmTopicArn=arn:aws:sns:us-east-1:123456789012:ops',
    ],
    [['remove', '--stage', 'staging', '--region', 'eu-west-1'], 'sls remove --stage staging --region eu-west-1'],
    [['info', '--stage', 'prod'], 'sls info --stage prod'],
    [['package', '--stage', 'prod', '--package', 'dist'], 'sls package --stage prod --package dist'],
    [['logs', '--stage', 'prod', '--tail', '--start-time', '30m'], 'sls logs --stage prod --function webhook --tail --startTime 30m'],
  ])(
    '%j → %s',
    async (args, expected) => {
      const result = await run(TSX, ['scripts/stage.ts', ...args, '--dry-run'], { env: withoutCredentials(), timeoutMs: 30_000 });
      expect([result.code, result.stdout.trim()]).toEqual([0, expected]);
    },
    40_000,
  );
});
