// Once per test run: one SNS/SQS emulator on 127.0.0.1 (tests find it through FAUXQS_ENDPOINT),
// and a folder where every worker's stdout/stderr is captured for the secrets check in teardown.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../scripts/emulator.mjs';

export default async function setup() {
  const emulator = await startEmulator(0);
  /** @type {{ __EMULATOR__?: typeof emulator }} */ (globalThis).__EMULATOR__ = emulator;
  process.env.FAUXQS_ENDPOINT = emulator.endpoint;
  process.env.LOG_CAPTURE_DIR = mkdtempSync(path.join(os.tmpdir(), 'relay-logs-'));
}
