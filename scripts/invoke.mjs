// @ts-check
/**
 * `npm run invoke -- events/<file>.json`: runs `sls invoke local` on one sample
 * event against an emulator started for the occasion, then prints what the
 * topic received and stops the emulator.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createQuarantineQueue, createTopicWithTail, drainTail, LOCAL_TOPIC, localStageEnv, startEmulator } from './emulator.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = process.argv[2];
if (file === undefined || !existsSync(file)) {
  console.error('usage: npm run invoke -- events/<file>.json');
  process.exit(2);
}

const emulator = await startEmulator(0);
let code = 1;
try {
  const { topicArn, queueUrl } = createTopicWithTail(emulator, LOCAL_TOPIC);
  const quarantineQueueUrl = createQuarantineQueue(emulator);
  code = await run(
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
} finally {
  await emulator.stop();
}
process.exit(code);

/** @param {string} command @param {string[]} args @param {NodeJS.ProcessEnv} env @returns {Promise<number>} */
function run(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (status) => resolve(status ?? 1));
    child.on('error', () => resolve(1));
  });
}
