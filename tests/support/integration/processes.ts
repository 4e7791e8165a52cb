/**
 * Child processes for the end-to-end tests: the repository's own scripts and
 * the Serverless Framework, run as a user runs them. Every process started
 * here is stopped here, its whole process group included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './events';

/** The environment children get: this one, with the given variables added. */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command from the repository root, or `cwd`, to completion (killed, group and all, after `timeoutMs`). */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs one of scripts/ as `npm run` does, through tsx (`scripts/send.mts`, `scripts/replay.mts`…). */
export function runScript(script: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Finished> {
  return run(process.execPath, ['--import', 'tsx', script, ...args], options);
}

/** The top-level JSON documents of an output: each starts with a line "{" and ends with a line "}". */
export function jsonBlocks(output: string): unknown[] {
  const blocks: unknown[] = [];
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    if (current === undefined) {
      if (line === '{') current = [line];
    } else {
      current.push(line);
      if (line === '}') {
        blocks.push(JSON.parse(current.join('\n')));
        current = undefined;
      }
    }
  }
  return blocks;
}

/** A message as `npm start`, `npm run invoke` and `sls invoke local` print it: its attributes (`value (Type)`) and its text. */
export interface PrintedRecord {
  readonly attributes: Readonly<Record<string, string>>;
  readonly text: string;
}

/** The CloudEvents printed in an output: each text line `{"specversion"…`, with the attribute lines right above it. */
export function printedRecords(output: string): PrintedRecord[] {
  const records: PrintedRecord[] = [];
  let attributes: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const attribute = /^ {2}([\w.-]+): (.*)$/.exec(line);
    if (attribute !== null) {
      attributes[attribute[1] ?? ''] = attribute[2] ?? '';
      continue;
    }
    if (line.startsWith('{"specversion"')) records.push({ attributes, text: line });
    attributes = {};
  }
  return records;
}

export interface NpmStart {
  /** The relay's base URL, http://127.0.0.1:<http port>. */
  readonly url: string;
  /** Its SNS/SQS emulator. */
  readonly emulatorEndpoint: string;
  /** What it printed on stdout so far: the tail of the topic, among the rest. */
  stdout(): string;
  /** Everything it printed so far, for failure messages. */
  output(): string;
  /** SIGTERM to the npm process alone, as a service manager or `kill` sends it; resolves when npm has exited. */
  terminate(): Promise<void>;
  /** Whether any process of the group it leads is still running. */
  groupAlive(): boolean;
  /** Kills whatever is left of its process group. */
  kill(): void;
}

/**
 * `npm start` on the given ports, as a user runs it, resolved once serverless-offline prints
 * "Server ready". On failure to start, its whole process group is killed before rejecting.
 */
export async function startNpmStart(options: {
  emulatorPort: number;
  httpPort: number;
  lambdaPort: number;
  env: NodeJS.ProcessEnv;
  readyTimeoutMs: number;
}): Promise<NpmStart> {
  const args = [
    'start',
    '--',
    '--emulator-port',
    String(options.emulatorPort),
    '--http-port',
    String(options.httpPort),
    '--lambda-port',
    String(options.lambdaPort),
  ];
  const child = spawn('npm', args, { cwd: ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let output = '';
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      resolve();
    }),
  );
  const started: NpmStart = {
    url: `http://127.0.0.1:${options.httpPort}`,
    emulatorEndpoint: `http://127.0.0.1:${options.emulatorPort}`,
    stdout: () => stdout,
    output: () => output,
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await exited;
    },
    groupAlive: () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    kill: () => {
      killGroup(child, 'SIGKILL');
    },
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    output += chunk;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`npm start printed no "Server ready" within ${options.readyTimeoutMs} ms:\n${output}`));
      }, options.readyTimeoutMs);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Server ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`));
      });
    });
  } catch (error) {
    started.kill();
    throw error;
  }
  return started;
}

/** Signals the child's whole process group (it was spawned detached, so it leads one). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
