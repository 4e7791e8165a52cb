// @ts-check
/**
 * Child processes of the harness. Every contender process gets the AWS stub preloaded and writes
 * its log lines to /dev/null (stdout and stderr 'ignore': Powertools writes info to stdout and
 * warn/error to stderr; the formatting and the write call are counted, no pipe back-pressure is);
 * results come back over IPC. Every child is killed by its pid if it outlives its time limit.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const STUB = path.join(here, 'aws-stub.mjs');

/**
 * Runs a one-shot harness script (next to this file) with the AWS stub preloaded and its logs to
 * /dev/null; resolves with the last message it sent over IPC once it exits, or rejects with the
 * tail of its stderr if it sent none (a crash, or killed by its pid past `timeoutMs`).
 * @param {string} script @param {string[]} args @param {Record<string, string>} env
 * @param {{ execArgv?: string[], timeoutMs: number, what: string }} options
 * @returns {Promise<any>}
 */
function runOnce(script, args, env, options) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(here, script), args, {
      env,
      execArgv: ['--import', STUB, ...(options.execArgv ?? [])],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    /** @type {any} */
    let result;
    child.on('message', (message) => {
      result = message;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`${options.what} failed (${signal ?? code}): ${stderr.trim().slice(0, 2000)}`));
    });
  });
}

/**
 * One cold start in a fresh process.
 * @param {string} bundle @param {unknown} event @param {Record<string, string>} env
 * @param {{ execArgv?: string[], timeoutMs?: number }} [options]
 * @returns {Promise<{ loadMs: number, firstMs: number, cpuLoadMs: number, cpuFirstMs: number, status: number | undefined, rss: number }>}
 */
export function coldStart(bundle, event, env, options = {}) {
  return runOnce('cold-child.mjs', [bundle, JSON.stringify(event)], env, {
    execArgv: options.execArgv,
    timeoutMs: options.timeoutMs ?? 30_000,
    what: `cold start of ${bundle}`,
  });
}

/**
 * A long-lived warm instance (bench/lib/worker.mjs) driven over IPC.
 * @param {string} bundle @param {string} fixtures @param {string} root @param {number} capacity
 * @param {Record<string, string>} env
 * @param {{ execArgv?: string[], stderrToParent?: boolean }} [options]
 */
export async function startWorker(bundle, fixtures, root, capacity, env, options = {}) {
  const child = fork(path.join(here, 'worker.mjs'), [bundle, fixtures, root, String(capacity)], {
    env,
    execArgv: ['--import', STUB, '--expose-gc', ...(options.execArgv ?? [])],
    stdio: ['ignore', 'ignore', options.stderrToParent ? 'inherit' : 'ignore', 'ipc'],
  });
  let nextId = 0;
  /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void }>} */
  const pending = new Map();
  let exited = false;
  const ready = new Promise((resolve, reject) => {
    child.on('message', (/** @type {any} */ message) => {
      if (message.ready) resolve(undefined);
      else if (message.fatal) reject(new Error(`worker for ${bundle} could not load: ${message.fatal}`));
      else if (message.id !== undefined) {
        pending.get(message.id)?.resolve(message.reply);
        pending.delete(message.id);
      }
    });
    child.on('exit', (code, signal) => {
      exited = true;
      const error = new Error(`worker for ${bundle} exited (${signal ?? code})`);
      reject(error);
      for (const { reject: fail } of pending.values()) fail(error);
      pending.clear();
    });
  });
  await ready;
  return {
    pid: child.pid,
    /** @param {Record<string, unknown>} message @param {number} [timeoutMs] @returns {Promise<any>} */
    call(message, timeoutMs = 300_000) {
      if (exited) return Promise.reject(new Error(`worker for ${bundle} is gone`));
      return new Promise((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => {
          pending.delete(id);
          child.kill('SIGKILL');
          reject(new Error(`worker for ${bundle}: ${String(message.cmd)} timed out`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ ...message, id });
      });
    },
    /** Asks the worker to exit and waits for it (killing it by pid after a grace period). */
    stop() {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
        child.send({ cmd: 'exit' });
      });
    },
  };
}

/**
 * The per-request steps (bench/steps.ts) in their own process.
 * @param {string} bundle @param {string} fixtures @param {string} root @param {Record<string, string>} env
 * @param {{ rounds: number, perRound: number, warmup: number, timeoutMs?: number }} plan
 * @returns {Promise<import('../steps').Step[]>}
 */
export async function runSteps(bundle, fixtures, root, env, plan) {
  const args = [bundle, fixtures, root, String(plan.rounds), String(plan.perRound), String(plan.warmup)];
  const { steps } = await runOnce('steps-child.mjs', args, env, { timeoutMs: plan.timeoutMs ?? 300_000, what: 'per-request steps' });
  return steps;
}
