// Starts one SNS/SQS emulator on 127.0.0.1 for the whole run; tests find it through FAUXQS_ENDPOINT.
import { startEmulator } from '../scripts/emulator.mjs';

export default async function setup() {
  const emulator = await startEmulator(0);
  globalThis.__EMULATOR__ = emulator;
  process.env.FAUXQS_ENDPOINT = emulator.endpoint;
}
