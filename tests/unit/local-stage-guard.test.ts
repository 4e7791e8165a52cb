/**
 * The local stage stays on this machine (tools/serverless/local-stage-guard.cjs): every Framework command
 * that would package it, deploy it, remove it or ask AWS about it is refused at `initialize`, naming the
 * command line to type instead; `invoke local` and `offline` of it, and every command of another stage,
 * go on. tests/e2e/stages.test.ts runs the guard inside the Framework, as `npm run` reaches it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import LocalStageGuard from '../../tools/serverless/local-stage-guard.cjs';

class FrameworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** What the guard's `initialize` hook does for `sls <command>` with these options, the service's stage being local. */
function initialize(commands: readonly string[], options: Record<string, unknown> = {}): void {
  const serverless = { processedInput: { commands }, service: { provider: { stage: 'local' } }, classes: { Error: FrameworkError } };
  const guard = new LocalStageGuard(serverless, options);
  guard.hooks.initialize();
}

describe('the local stage guard', () => {
  test.each([
    [['package'], 'npm run package -- --stage prod'],
    [['deploy'], 'npm run deploy -- --stage prod'],
    [['deploy', 'function'], 'npm run deploy -- --stage prod'],
    [['deploy', 'list'], 'npx sls deploy list --stage prod'],
    [['remove'], 'npm run remove -- --stage prod'],
    [['rollback'], 'npx sls rollback --stage prod'],
    [['info'], 'npm run info -- --stage prod'],
    [['logs'], 'npm run logs -- --stage prod --function webhook'],
  ])('refuses sls %j of the local stage, naming `%s`', (commands, instead) => {
    let thrown: unknown;
    try {
      initialize(commands);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FrameworkError);
    expect(thrown).toMatchObject({ code: 'LOCAL_STAGE_NOT_DEPLOYABLE', message: expect.stringContaining(`Name a deployed stage, e.g. ${instead}`) as unknown });
    expect((thrown as Error).message).toMatch(/^The "local" stage runs only on this machine/);
  });

  test.each([[['invoke', 'local']], [['offline']], [['offline', 'start']], [['print']]])('lets sls %j of the local stage go on', (commands) => {
    expect(() => {
      initialize(commands);
    }).not.toThrow();
  });

  test('lets every command of a stage given with --stage go on', () => {
    for (const commands of [['package'], ['deploy'], ['remove'], ['info'], ['logs']]) {
      expect(() => {
        initialize(commands, { stage: 'prod' });
      }).not.toThrow();
    }
  });
});

test('npm run package|deploy|remove|info|logs run the plain Framework command, so a forgotten --stage lands on the guard', () => {
  const { scripts } = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(['package', 'deploy', 'remove', 'info', 'logs'].map((name) => scripts[name])).toEqual([
    'sls package',
    'sls deploy',
    'sls remove',
    'sls info --verbose',
    'sls logs',
  ]);
});
