// @ts-check
/**
 * `npm start`: the relay on this machine, no AWS account needed.
 * - fauxqs, an SNS/SQS emulator, on 127.0.0.1:4566 (the address in .env.local),
 *   with the local topic and a tail queue subscribed to it;
 * - serverless-offline serving POST http://127.0.0.1:3000/webhooks/droam;
 * - every message published on the topic printed as it arrives.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createQuarantineQueue, createTopicWithTail, drainTail, LOCAL_TOPIC, localStageEnv, startEmulator } from './emulator.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EMULATOR_PORT = 4566;
const HTTP_PORT = 3000;

let emulator;
try {
  emulator = await startEmulator(EMULATOR_PORT);
} catch (error) {
  console.error(`Could not start the SNS/SQS emulator on 127.0.0.1:${EMULATOR_PORT}: ${error instanceof Error ? error.message : error}`);
  console.error('Is another `npm start` running?');
  process.exit(1);
}
const { topicArn, queueUrl } = createTopicWithTail(emulator, LOCAL_TOPIC);
const quarantineQueueUrl = createQuarantineQueue(emulator);
console.log(`SNS/SQS emulator on ${emulator.endpoint}, topic ${topicArn}`);

const offline = spawn(path.join(root, 'node_modules', '.bin', 'sls'), ['offline', 'start', '--stage', 'local'], {
  cwd: root,
  env: localStageEnv(emulator, { topicArn, quarantineQueueUrl }),
  stdio: ['ignore', 'inherit', 'pipe'],
});

let stopping = false;
const stop = async (/** @type {number} */ code) => {
  if (stopping) return;
  stopping = true;
  offline.kill('SIGINT');
  await emulator.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
offline.on('exit', (status) => {
  if (!stopping) {
    console.error(`serverless-offline exited (${status}); stopping.`);
    void stop(status ?? 1);
  }
});

// serverless-offline announces itself on stderr.
offline.stderr?.on('data', (/** @type {Buffer} */ chunk) => {
  process.stderr.write(chunk);
  if (chunk.toString().includes('Server ready')) printHowToSend();
});

function printHowToSend() {
  const url = `http://127.0.0.1:${HTTP_PORT}/webhooks/droam`;
  console.log(`
The relay is listening on ${url}. Send dRoam's own pool-usage example, signed with the
secret and timestamp of dRoam's documentation (accepted by the local stage only):

  curl -sS -X POST ${url} \\
    -H 'Content-Type: application/json' \\
    -H 'X-Api-Timestamp: 1704067200' \\
    -H 'X-Api-Hash: 68361c09cc50993ca6e0486e1f530c1d4e36a8aca9c8d20eb0d3aafbe47d2d5d' \\
    --data '{"type":"rule.pool.usage.triggered","data":{"rule":{"uuid":"1711929600","name":"Rule for refills","description":"Send notification to email when usage reaches 100MB"},"pool":{"uuid":"34160e3a-3492-4f6f-bbf6-c9a9be15ea55","name":"Pool Name","current_usage_kb":"51200"}},"created_at":{"unix_timestamp":"1711929600","human_time":"17:25:11","human_date":"2024-06-12","timezone":"UTC"}}'

or invoke the function with a sample event (in another terminal):

  npx sls invoke local -f webhook -p events/pool-usage.json

Messages published on the topic appear below. Ctrl-C stops everything.
`);
}

// The tail: long-polls the queue subscribed to the topic and prints what arrives.
for (;;) {
  if (stopping) break;
  try {
    for (const record of await drainTail(emulator.endpoint, queueUrl, 5)) {
      console.log(`\n=== published on ${LOCAL_TOPIC} ===\n${JSON.stringify(record, null, 2)}`);
    }
  } catch (error) {
    if (!stopping) console.error(`tail: ${error instanceof Error ? error.message : error}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
