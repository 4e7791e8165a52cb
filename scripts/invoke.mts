/**
 * `npm run invoke -- events/<file>.json`: runs `sls invoke local` on one sample
 * event against an emulator started for the occasion, then prints what the
 * topic (and the quarantine queue) received and stops the emulator.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { command, progress, repositoryRoot, runCommand, UsageError } from './cli.mjs';

const root = repositoryRoot(import.meta.url);

const spec = command({
  name: 'invoke',
  synopsis: ['events/<file>.json'],
  summary:
    'Runs the webhook function once on a sample event with `sls invoke local` (the local stage), against an SNS/SQS emulator of its own, and prints its response and every message it published or quarantined.',
  positionals: { min: 1, max: 1 },
  options: {},
});

await runCommand(spec, async ({ positionals: [file = ''] }) => {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  // Loaded only now: `--help` and a usage error never load the emulator.
  const { createQuarantineQueue, createTopicWithTail, drainTail, LOCAL_TOPIC, localStageEnv, startEmulator } = await import('./emulator.mjs');
  const log = progress(spec.name);
  log.phase('starting the SNS/SQS emulator');
  const emulator = await startEmulator(0);
  try {
    const { topicArn, queueUrl } = createTopicWithTail(emulator, LOCAL_TOPIC);
    const quarantineQueueUrl = createQuarantineQueue(emulator);
    log.phase(`sls invoke local -f webhook -p ${file} (esbuild bundles the function first)`);
    const code = await run(
      path.join(root, 'node_modules', '.bin', 'sls'),
      ['invoke', 'local', '--function', 'webhook', '--path', file],
      localStageEnv(emulator, { topicArn, quarantineQueueUrl }),
    );
    const published = await drainTail(emulator.endpoint, queueUrl);
    console.log(`\nPublished on ${topicArn}: ${published.length} message(s)`);
    for (const record of published) console.log(JSON.stringify(record, null, 2));
    const quarantined = await drainTail(emulator.endpoint, quarantineQueueUrl);
    if (quarantined.length > 0) {
      console.log(`\nKept in the quarantine queue: ${quarantined.length} message(s)`);
      for (const record of quarantined) console.log(JSON.stringify(record, null, 2));
    }
    return code;
  } finally {
    await emulator.stop();
  }
});

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (status) => {
      resolve(status ?? 1);
    });
    child.on('error', () => {
      resolve(1);
    });
  });
}
