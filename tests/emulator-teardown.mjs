// Stops the emulator, then fails the run if any captured log line holds a secret or a hash.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import checks from './support/secrets-in-logs.cjs';

const { findSecretsInLogs } = checks;

export default async function teardown() {
  await /** @type {{ __EMULATOR__?: { stop(): Promise<void> } }} */ (globalThis).__EMULATOR__?.stop();
  const dir = process.env.LOG_CAPTURE_DIR;
  if (dir === undefined) return;
  const text = readdirSync(dir)
    .map((name) => readFileSync(path.join(dir, name), 'utf8'))
    .join('\n');
  rmSync(dir, { recursive: true, force: true });
  const findings = findSecretsInLogs(text);
  const lines = text.split('\n').filter((line) => line.trim() !== '').length;
  if (findings.length > 0) {
    throw new Error(`Secrets or hashes in ${findings.length} of ${lines} captured log lines:\n${findings.slice(0, 5).join('\n')}`);
  }
  if (process.env.CI !== undefined || process.env.VERBOSE_LOG_CHECK !== undefined) console.log(`log check: ${lines} captured log lines, no secret or hash`);
}
