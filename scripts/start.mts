/**
 * `npm start`: the relay on this machine, no AWS account needed.
 * - fauxqs, an SNS/SQS emulator, on 127.0.0.1:4566 (or --emulator-port), with the local topic and a
 *   tail queue subscribed to it;
 * - serverless-offline serving POST http://127.0.0.1:3000/webhooks/droam (or --http-port);
 * - every message published on the topic printed as it arrives, its text exactly as published.
 * Ctrl-C, SIGTERM or SIGHUP stop serverless-offline's whole process group, then the emulator.
 */
import { command, progress, repositoryRoot, runCommand, UsageError } from './cli.mjs';
import { LOCAL_STAGE } from '../tools/local-stage';
import { LOCAL_URL, signedHeaders } from './droam-client.mjs';
import { listening, localEmulatorPort, parsePort } from './local-ports.mjs';
import { spawnOffline } from './offline.mjs';

const root = repositoryRoot(import.meta.url);
/** How long serverless-offline is given to stop before its process group is killed. */
const STOP_GRACE_MS = 5_000;

const spec = command({
  name: 'start',
  summary: `Runs the relay on this machine: an SNS/SQS emulator on 127.0.0.1:4566 with the local topic, serverless-offline serving POST ${LOCAL_URL}, and every message published on the topic printed as it arrives, its text as published. Ctrl-C (or SIGTERM) stops everything.`,
  options: {
    'emulator-port': {
      type: 'string',
      value: 'PORT',
      description: 'the SNS/SQS emulator on 127.0.0.1:PORT (default: LOCAL_EMULATOR_PORT, else 4566); run sls invoke local with LOCAL_EMULATOR_PORT=PORT',
    },
    'http-port': { type: 'string', value: 'PORT', description: 'the relay on http://127.0.0.1:PORT (default 3000)' },
    'lambda-port': { type: 'string', value: 'PORT', description: "serverless-offline's Lambda invoke endpoint (default 3002)" },
  },
  notes: ['A port something else listens on is refused before anything starts.'],
});

await runCommand(spec, async ({ values }) => {
  const emulatorPort = portOption(values['emulator-port'], '--emulator-port', localEmulatorPort());
  const httpPort = portOption(values['http-port'], '--http-port', { port: 3000 });
  const lambdaPort = portOption(values['lambda-port'], '--lambda-port', { port: 3002 });
  await refuseTaken([
    [emulatorPort, '--emulator-port', 'the SNS/SQS emulator (another npm start, or another emulator: LocalStack listens on 4566 too)'],
    [httpPort, '--http-port', 'the relay'],
    [lambdaPort, '--lambda-port', "serverless-offline's Lambda endpoint"],
  ]);
  // Loaded only now: `--help` and a usage error never load the emulator.
  const { createQuarantineQueue, createTopicWithTail, drainTail, LOCAL_TOPIC, localStageEnv, printable, startEmulator } = await import('./emulator.mjs');
  const log = progress(spec.name);
  log.phase(`starting the SNS/SQS emulator on 127.0.0.1:${emulatorPort}`);
  const emulator = await startEmulator(emulatorPort);
  const { topicArn, queueUrl } = createTopicWithTail(emulator, LOCAL_TOPIC);
  const quarantineQueueUrl = createQuarantineQueue(emulator);
  console.log(`SNS/SQS emulator on ${emulator.endpoint}, topic ${topicArn}`);

  log.phase('starting serverless-offline (esbuild bundles the function first)');
  const { child: offline, signal: signalOffline } = spawnOffline(
    root,
    { httpPort, lambdaPort },
    { ...localStageEnv(emulator, { topicArn, quarantineQueueUrl }), LOCAL_EMULATOR_PORT: String(emulatorPort) },
  );
  offline.stdout.pipe(process.stdout);
  const offlineExited = new Promise<void>((resolve) =>
    offline.once('exit', () => {
      resolve();
    }),
  );

  const state = { stopping: false };
  const stop = async (code: number): Promise<void> => {
    if (state.stopping) return;
    state.stopping = true;
    signalOffline('SIGINT');
    const killer = setTimeout(() => {
      signalOffline('SIGKILL');
    }, STOP_GRACE_MS);
    await offlineExited;
    clearTimeout(killer);
    // Whatever it started and left behind.
    signalOffline('SIGKILL');
    await emulator.stop();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(0));
  offline.on('exit', (status) => {
    if (!state.stopping) {
      console.error(`serverless-offline exited (${String(status)}); stopping.`);
      void stop(status ?? 1);
    }
  });

  // serverless-offline announces itself on stderr.
  offline.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (chunk.toString().includes('Server ready')) printHowToSend(httpPort, emulatorPort);
  });

  // The tail: long-polls the queue subscribed to the topic and prints what arrives, until stopped.
  for (;;) {
    try {
      for (const record of await drainTail(emulator.endpoint, queueUrl, 5)) {
        console.log(`\n=== published on ${LOCAL_TOPIC} ===\n${printable(record)}`);
      }
    } catch (error) {
      if (!state.stopping) console.error(`tail: ${error instanceof Error ? error.message : String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
});

function portOption(text: string | undefined, flag: string, fallback: { port: number } | { problem: string }): number {
  const parsed = text === undefined ? fallback : parsePort(text, flag);
  if ('problem' in parsed) throw new UsageError(parsed.problem);
  return parsed.port;
}

/** Refuses, in one line, a port that something already listens on, saying which option moves it. */
async function refuseTaken(ports: readonly (readonly [port: number, flag: string, what: string])[]): Promise<void> {
  for (const [port, flag, what] of ports) {
    if (await listening(port)) {
      throw new Error(`127.0.0.1:${port} is taken by another process; it is the port for ${what}. Stop that process, or choose a free port with ${flag} PORT`);
    }
  }
}

function printHowToSend(httpPort: number, emulatorPort: number): void {
  const url = LOCAL_URL.replace(':3000/', `:${httpPort}/`);
  // The timestamp of dRoam's documentation example: the local stage's maxSkewSeconds is wide enough to accept it.
  const headers = signedHeaders(LOCAL_STAGE.apiSecret, { timestampSeconds: 1704067200, timestampHeader: 'X-Api-Timestamp', hashHeader: 'X-Api-Hash' });
  const emulatorEnv = emulatorPort === 4566 ? '' : `LOCAL_EMULATOR_PORT=${emulatorPort} `;
  console.log(`
The relay is listening on ${url}. Send dRoam's own pool-usage example, signed with the
secret and timestamp of dRoam's documentation (accepted by the local stage only):

  curl -sS -X POST ${url} \\
    -H 'Content-Type: application/json' \\
${Object.entries(headers)
  .map(([name, value]) => `    -H '${name}: ${value}' \\`)
  .join('\n')}
    --data '{"type":"rule.pool.usage.triggered","data":{"rule":{"uuid":"1711929600","name":"Rule for refills","description":"Send notification to email when usage reaches 100MB"},"pool":{"uuid":"34160e3a-3492-4f6f-bbf6-c9a9be15ea55","name":"Pool Name","current_usage_kb":"51200"}},"created_at":{"unix_timestamp":"1711929600","human_time":"17:25:11","human_date":"2024-06-12","timezone":"UTC"}}'

or send a sample with the current time, or invoke the function with one (in another terminal):

  npm run send -- ${url === LOCAL_URL ? '' : `--url ${url} `}events/pool-usage.json
  ${emulatorEnv}npx sls invoke local -f webhook -p events/pool-usage.json

Messages published on the topic appear below, their text as published. Ctrl-C stops everything.
`);
}
