/**
 * The local stage stays on this machine: it is the default stage and carries
 * dRoam's public example secret, so packaging, deploying, removing it, or
 * asking AWS about it (`info`, `logs`: AWS has no stack of it) is refused
 * before anything is built or sent to AWS (tools/serverless/local-stage-guard.cjs).
 * `npm run package|deploy|remove|info|logs` run plain sls commands, so a
 * forgotten `--stage` lands on that guard. `npm run invoke` and
 * serverless-offline keep the local stage (tests/e2e/toolchain.test.ts). Here the two that would
 * change AWS run as a user runs them; tests/unit/local-stage-guard.test.ts has every command the
 * guard refuses or lets through.
 */
import { childEnv, run, type Finished } from '../support/integration/processes';

/** No credentials at all: a refusal must come before any call to AWS. */
function withoutCredentials(): NodeJS.ProcessEnv {
  const env = childEnv();
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) Reflect.deleteProperty(env, name);
  return env;
}

/** Each npm script as a user forgets `--stage` on it, and the command line the refusal tells them to type. */
const COMMANDS: readonly { script: string; instead: string }[] = [
  { script: 'deploy', instead: 'npm run deploy -- --stage prod' },
  { script: 'remove', instead: 'npm run remove -- --stage prod' },
];

describe('npm run deploy|remove without --stage (the default stage, local)', () => {
  const results = new Map<string, Finished>();

  beforeAll(async () => {
    // Both at once: each is an npm and a Framework start of a few seconds.
    await Promise.all(
      COMMANDS.map(async ({ script }) => {
        results.set(script, await run('npm', ['run', script], { env: withoutCredentials(), timeoutMs: 60_000 }));
      }),
    );
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
