/**
 * `npm start`: the relay on this machine, no AWS account needed.
 * - fauxqs, an SNS/SQS emulator, on 127.0.0.1:4566 (the address in .env.local),
 *   with the local topic and a tail queue subscribed to it;
 * - serverless-offline serving POST http://127.0.0.1:3000/webhooks/droam;
 * - every message published on the topic printed as it arrives.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { command, progress, repositoryRoot, runCommand } from './cli.mjs';
import { LOCAL_STAGE } from '../tools/local-stage';
import { LOCAL_URL, signedHeaders } from './droam-client.mjs';

const root = repositoryRoot(import.meta.url);
const EMULATOR_PORT = 4566;

const spec = command({
  name: 'start',
  summary: `Runs the relay on this machine: an SNS/SQS emulator on 127.0.0.1:${EMULATOR_PORT} with the local topic, serverless-offline serving POST ${LOCAL_URL}, and every message published on the topic printed as it arrives. Ctrl-C stops everything.`,
  options: {},
});

await runCommand(spec, async () => {
  // Loaded only now: `--help` and a usage error never load the emulator.
  const { createQuarantineQueue, createTopicWithTail, drainTail, LOCAL_TOPIC, localStageEnv, startEmulator } = await import('./emulator.mjs');
  const log = progress(spec.name);
  log.phase(`starting the SNS/SQS emulator on 127.0.0.1:${EMULATOR_PORT}`);
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(EMULATOR_PORT);
  } catch (error) {
    throw new Error(`could not start the SNS/SQS emulator on 127.0.0.1:${EMULATOR_PORT} (is another \`npm start\` running?): ${String(error)}`, {
      cause: error,
    });
  }
  const { topicArn, queueUrl } = createTopicWithTail(emulator, LOCAL_TOPIC);
  const quarantineQueueUrl = createQuarantineQueue(emulator);
  console.log(`SNS/SQS emulator on ${emulator.endpoint}, topic ${topicArn}`);

  log.phase('starting serverless-offline (esbuild bundles the function first)');
  const offline = spawn(path.join(root, 'node_modules', '.bin', 'sls'), ['offline', 'start', '--stage', 'local'], {
    cwd: root,
    env: localStageEnv(emulator, { topicArn, quarantineQueueUrl }),
    stdio: ['ignore', 'inherit', 'pipe'],
  });

  const state = { stopping: false };
  const stop = async (code: number): Promise<void> => {
    if (state.stopping) return;
    state.stopping = true;
    offline.kill('SIGINT');
    await emulator.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  offline.on('exit', (status) => {
    if (!state.stopping) {
      console.error(`serverless-offline exited (${String(status)}); stopping.`);
      void stop(status ?? 1);
    }
  });

  // serverless-offline announces itself on stderr.
  offline.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (chunk.toString().includes('Server ready')) printHowToSend();
  });

  // The tail: long-polls the queue subscribed to the topic and prints what arrives, until stopped.
  for (;;) {
    try {
      for (const record of await drainTail(emulator.endpoint, queueUrl, 5)) {
        console.log(`\n=== published on ${LOCAL_TOPIC} ===\n${JSON.stringify(record, null, 2)}`);
      }
    } catch (error) {
      if (!state.stopping) console.error(`tail: ${error instanceof Error ? error.message : String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
});

function printHowToSend(): void {
  // The timestamp of dRoam's documentation example: the local stage's maxSkewSeconds is wide enough to accept it.
  const headers = signedHeaders(LOCAL_STAGE.apiSecret, { timestampSeconds: 1704067200, timestampHeader: 'X-Api-Timestamp', hashHeader: 'X-Api-Hash' });
  console.log(`
The relay is listening on ${LOCAL_URL}. Send dRoam's own pool-usage example, signed with the
secret and timestamp of dRoam's documentation (accepted by the local stage only):

  curl -sS -X POST ${LOCAL_URL} \\
    -H 'Content-Type: application/json' \\
${Object.entries(headers)
  .map(([name, value]) => `    -H '${name}: ${value}' \\`)
  .join('\n')}
    --data '{"type":"rule.pool.usage.triggered","data":{"rule":{"uuid":"1711929600","name":"Rule for refills","description":"Send notification to email when usage reaches 100MB"},"pool":{"uuid":"34160e3a-3492-4f6f-bbf6-c9a9be15ea55","name":"Pool Name","current_usage_kb":"51200"}},"created_at":{"unix_timestamp":"1711929600","human_time":"17:25:11","human_date":"2024-06-12","timezone":"UTC"}}'

or send a sample with the current time, or invoke the function with one (in another terminal):

  npm run send -- events/pool-usage.json
  npx sls invoke local -f webhook -p events/pool-usage.json

Messages published on the topic appear below. Ctrl-C stops everything.
`);
}
