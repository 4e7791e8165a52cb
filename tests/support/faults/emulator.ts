/**
 * A second fauxqs instance, in a child process a test starts and stops itself
 * (the global one jest's globalSetup started keeps running for every other
 * test file). It is started by scripts/emulator.mjs, so it listens on
 * 127.0.0.1 only, as every emulator of this repository does; fauxqs is an
 * ES module, which is why it runs in its own process rather than in jest's.
 *
 * The child stops its emulator and exits when told "stop" on stdin, or when
 * stdin closes (the test process went away).
 */
import { spawn } from 'node:child_process';
import { ROOT } from '../integration/events';
import { childEnv } from '../integration/processes';

export interface PrivateEmulator {
  readonly endpoint: string;
  /** A topic with a raw-delivery queue subscribed to it. */
  readonly topicArn: string;
  readonly queueUrl: string;
  /** Stops the emulator and waits for the process to exit (killed after 5 s). */
  stop(): Promise<void>;
}

const CHILD = `
import { createTopicWithTail, startEmulator } from './scripts/emulator.mjs';
const emulator = await startEmulator(0);
const { topicArn, queueUrl } = createTopicWithTail(emulator, 'faults-private');
process.stdout.write(JSON.stringify({ endpoint: emulator.endpoint, topicArn, queueUrl }) + '\\n');
let stopping;
const stop = () => (stopping ??= emulator.stop().then(() => process.exit(0), () => process.exit(1)));
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { if (chunk.includes('stop')) stop(); });
process.stdin.on('end', stop);
`;

export async function startPrivateEmulator(readyTimeoutMs = 10_000): Promise<PrivateEmulator> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      resolve();
    }),
  );
  let output = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end('stop\n');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the private emulator did not start within ${readyTimeoutMs} ms:\n${output}`));
      }, readyTimeoutMs);
      const onData = (chunk: string): void => {
        output += chunk;
        const line = output.split('\n').find((text) => text.startsWith('{'));
        if (line !== undefined && output.includes('}\n')) {
          clearTimeout(timer);
          resolve(line);
        }
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`the private emulator exited (${code}) before it was ready:\n${output}`));
      });
    });
    const started = JSON.parse(ready) as { endpoint: string; topicArn: string; queueUrl: string };
    if (!started.endpoint.startsWith('http://127.0.0.1:')) throw new Error(`the private emulator is not on the loopback: ${started.endpoint}`);
    return { ...started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
