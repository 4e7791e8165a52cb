import { appendFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Loaded before every test file: copies everything the code under test writes
 * to stdout and stderr (Powertools Logger writes there) into the run's capture
 * folder, where the global teardown looks for secrets and hashes.
 */
const dir = process.env.LOG_CAPTURE_DIR;
if (dir !== undefined) {
  const file = path.join(dir, `${process.pid}.log`);
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = (chunk: unknown, ...rest: unknown[]): boolean => {
      try {
        appendFileSync(file, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array));
      } catch {
        // The capture must never change what the code under test sees.
      }
      return write(chunk, ...rest);
    };
  }
}
