/**
 * The local stage stays on this machine: it is the default stage and carries
 * dRoam's public example secret, so packaging, deploying, removing it, or
 * asking AWS about it (`info`, `logs`: AWS has no stack of it) is refused
 * before anything is built or sent to AWS (tools/serverless/local-stage-guard.cjs).
 * `npm run package|deploy|remove|info|logs` run plain sls commands, so a
 * forgotten `--stage` lands on that guard. `npm run invoke` and
 * serverless-offline keep the local stage (tests/e2e/toolchain.test.ts).
 */
import { childEnv, run, type Finished } from '../support/integration/processes';

/** No credentials at all: a refusal must come before any call to AWS. */
function withoutCredentials(): NodeJS.ProcessEnv {
  const env = childEnv();
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) Reflect.deleteProperty(env, name);
  return env;
}

/** Each npm script as a user forgets `--stage` on it, and the command line the refusal tells them to type. */
const COMMANDS: readonly { script: string; args: readonly string[]; instead: string }[] = [
  { script: 'package', args: [], instead: 'npm run package -- --stage prod' },
  { script: 'deploy', args: [], instead: 'npm run deploy -- --stage prod' },
  { script: 'remove', args: [], instead: 'npm run remove -- --stage prod' },
  { script: 'info', args: [], instead: 'npm run info -- --stage prod' },
  // sls logs needs a function before anything else runs.
  { script: 'logs', args: ['--function', 'webhook'], instead: 'npm run logs -- --stage prod --function webhook' },
];

describe('npm run package|deploy|remove|info|logs without --stage (the default stage, local)', () => {
  const results = new Map<string, Finished>();

  beforeAll(async () => {
    // Two at a time: each is an npm and a Framework start of a few seconds.
    const queue = [...COMMANDS];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const args = next.args.length === 0 ? [] : ['--', ...next.args];
        results.set(next.script, await run('npm', ['run', next.script, ...args], { env: withoutCredentials(), timeoutMs: 60_000 }));
      }
    };
    await Promise.all([worker(), worker()]);
  }, 120_000);

  it.each(COMMANDS)('npm run $script is refused by the local stage guard, naming `$instead`, before any call to AWS', ({ script, instead }) => {
    const result = results.get(script);
    const output = `${result?.stdout ?? ''}${result?.stderr ?? ''}`;
    expect(result?.code).not.toBe(0);
    expect(output).toMatch(/The "local" stage runs only on this machine/);
    expect(output).toContain(`Name a deployed stage, e.g. ${instead}`);
    expect(output).not.toMatch(/credentials/i);
  });
});
