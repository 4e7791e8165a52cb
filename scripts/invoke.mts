/**
 * `npm run invoke -- events/<file>.json`: runs `sls invoke local` on one sample
 * event against an emulator started for the occasion, then prints what the
 * topic (and the quarantine queue) received and stops the emulator. It exits
 * with the function's answer: 0 for a 2xx, 1 for a refusal or a failure.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { command, progress, repositoryRoot, runCommand, UsageError } from './cli.mjs';
import { listening, parsePort } from './local-ports.mjs';

const root = repositoryRoot(import.meta.url);

const spec = command({
  name: 'invoke',
  synopsis: ['[--emulator-port PORT] events/<file>.json'],
  summary:
    'Runs the webhook function once on a sample event with `sls invoke local` (the local stage), against an SNS/SQS emulator of its own, and prints its response and every message it published or quarantined, each as it was sent.',
  positionals: { min: 1, max: 1 },
  options: {
    'emulator-port': { type: 'string', value: 'PORT', description: 'its emulator on 127.0.0.1:PORT (default: any free port, so it runs beside npm start)' },
  },
  notes: ['Exit status: 0 when the function answered 2xx, 1 when it refused the event or failed, 2 on a usage error.'],
});

await runCommand(spec, async ({ values, positionals: [file = ''] }) => {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const requested = values['emulator-port'] === undefined ? { port: 0 } : parsePort(values['emulator-port'], '--emulator-port');
  if ('problem' in requested) throw new UsageError(requested.problem);
  if (requested.port !== 0 && (await listening(requested.port))) {
    throw new Error(`127.0.0.1:${requested.port} is taken by another process; choose a free port with --emulator-port PORT, or leave it out`);
  }
  // Loaded only now: `--help` and a usage error never load the emulator.
  const { createQuarantineQueue, createTopicWithTail, drainTail, LOCAL_TOPIC, localStageEnv, printable, startEmulator } = await import('./emulator.mjs');
  const log = progress(spec.name);
  const emulator = await startEmulator(requested.port);
  log.phase(`started its own SNS/SQS emulator on ${emulator.endpoint}`);
  try {
    const { topicArn, queueUrl } = createTopicWithTail(emulator, LOCAL_TOPIC);
    const quarantineQueueUrl = createQuarantineQueue(emulator);
    log.phase(`sls invoke local -f webhook -p ${file} (esbuild bundles the function first)`);
    const { code, stdout } = await run(
      path.join(root, 'node_modules', '.bin', 'sls'),
      ['invoke', 'local', '--function', 'webhook', '--path', file],
      // The invoke finds this emulator listening at its address: it is named, so its notice says who prints what was published.
      { ...localStageEnv(emulator, { topicArn, quarantineQueueUrl }), LOCAL_EMULATOR_OWNER: 'npm run invoke' },
    );
    const published = await drainTail(emulator.endpoint, queueUrl);
    console.log(`\nPublished on ${topicArn}: ${published.length} message(s)`);
    for (const record of published) console.log(printable(record));
    const quarantined = await drainTail(emulator.endpoint, quarantineQueueUrl);
    if (quarantined.length > 0) {
      console.log(`\nKept in the quarantine queue: ${quarantined.length} message(s)`);
      for (const record of quarantined) console.log(printable(record));
    }
    if (code !== 0) return 1;
    const status = answeredStatus(stdout);
    if (status === undefined) {
      log.phase('the function gave no HTTP answer');
      return 1;
    }
    if (status < 200 || status > 299) {
      log.phase(`the function answered ${status}: refused`);
      return 1;
    }
    return 0;
  } finally {
    await emulator.stop();
  }
});

/** The status of the HTTP answer `sls invoke local` printed (the handler's result, as JSON). */
function answeredStatus(stdout: string): number | undefined {
  const match = /^\s*"statusCode":\s*(\d{3}),?$/m.exec(stdout);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Runs the command with its output shown as it comes, and kept for reading its answer. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (status) => {
      resolve({ code: status ?? 1, stdout });
    });
    child.on('error', () => {
      resolve({ code: 1, stdout });
    });
  });
}
