/**
 * Child processes for the end-to-end tests: the repository's own scripts and
 * the Serverless Framework, run as a user runs them. Every process started
 * here is stopped here, its whole process group included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
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

export interface Offline {
  readonly url: string;
  /** Everything it printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `sls offline start --stage local` on the given ports, resolved once it
 * prints "Server ready". On failure to start it is stopped before rejecting.
 */
export async function startOffline(options: { httpPort: number; lambdaPort: number; env: NodeJS.ProcessEnv; readyTimeoutMs: number }): Promise<Offline> {
  const sls = path.join(ROOT, 'node_modules', '.bin', 'sls');
  const args = ['offline', 'start', '--stage', 'local', '--httpPort', String(options.httpPort), '--lambdaPort', String(options.lambdaPort)];
  const child = spawn(sls, args, { cwd: ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      resolve();
    }),
  );
  const offline: Offline = {
    url: `http://127.0.0.1:${options.httpPort}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const killer = setTimeout(() => {
        killGroup(child, 'SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`serverless-offline printed no "Server ready" within ${options.readyTimeoutMs} ms:\n${output}`));
      }, options.readyTimeoutMs);
      const onData = (chunk: string): void => {
        output += chunk;
        if (output.includes('Server ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', onData);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`serverless-offline exited (${code}) before it was ready:\n${output}`));
      });
    });
  } catch (error) {
    await offline.stop();
    throw error;
  }
  return offline;
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
