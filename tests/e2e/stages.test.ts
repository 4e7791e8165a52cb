/**
 * The local stage stays on this machine: it is the default stage and carries
 * dRoam's public example secret, so packaging, deploying or removing it is
 * refused before anything is built or sent to AWS (tools/serverless/local-stage-guard.cjs).
 * The deploy scripts need a named stage (their usage errors: tests/e2e/cli.test.ts);
 * here, what they run. `npm run invoke` and serverless-offline keep the local
 * stage (tests/e2e/toolchain.test.ts).
 */
import { childEnv, run, runScript } from '../support/integration/processes';

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

describe('what the scripts run (--dry-run)', () => {
  test.each([
    [
      ['deploy', '--stage', 'prod', '--param', 'alarmTopicArn=arn:aws:sns:us-east-1:123456789012:ops'],
      'sls deploy --stage prod --param=alarmTopicArn=arn:aws:sns:us-east-1:123456789012:ops',
    ],
    [['remove', '--stage', 'staging', '--region', 'eu-west-1'], 'sls remove --stage staging --region eu-west-1'],
    // Without --verbose, sls info leaves out the stack's outputs (WebhookUrl, TopicArn, QuarantineQueueUrl).
    [['info', '--stage', 'prod'], 'sls info --stage prod --verbose'],
    [['package', '--stage', 'prod', '--package', 'dist'], 'sls package --stage prod --package dist'],
    [['logs', '--stage', 'prod', '--tail', '--start-time', '30m'], 'sls logs --stage prod --function webhook --tail --startTime 30m'],
  ])(
    '%j → %s',
    async (args, expected) => {
      const [name = '', ...rest] = args;
      const result = await runScript(`scripts/${name}.mts`, [...rest, '--dry-run'], { env: withoutCredentials(), timeoutMs: 30_000 });
      expect([result.code, result.stdout.trim()]).toEqual([0, expected]);
    },
    40_000,
  );
});
