// @ts-check
/**
 * The local stage's ports on 127.0.0.1: the SNS/SQS emulator's (4566 unless LOCAL_EMULATOR_PORT says
 * otherwise; .env.local builds the local stage's SDK endpoints from the same variable) and whether
 * something already listens on a port. Plain JavaScript with no dependency, so the Serverless plugin
 * of `sls invoke local` loads it on every command without loading the emulator.
 */
import net from 'node:net';

/** The emulator's port when nothing says otherwise: what `npm start` and `sls invoke local` use (LocalStack's default too). */
export const DEFAULT_EMULATOR_PORT = 4566;

/**
 * A TCP port from its text, or an error saying what is wrong with it, naming where it came from.
 * @param {string} text @param {string} origin e.g. `--emulator-port` or `LOCAL_EMULATOR_PORT`
 * @returns {{ port: number } | { problem: string }}
 */
export function parsePort(text, origin) {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text.trim()) || port < 1 || port > 65535) return { problem: `${origin} takes a TCP port from 1 to 65535, not '${text}'` };
  return { port };
}

/**
 * LOCAL_EMULATOR_PORT, else 4566.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {{ port: number } | { problem: string }}
 */
export function localEmulatorPort(env = process.env) {
  const text = env.LOCAL_EMULATOR_PORT?.trim() ?? '';
  return text === '' ? { port: DEFAULT_EMULATOR_PORT } : parsePort(text, 'LOCAL_EMULATOR_PORT');
}

/**
 * Whether something accepts connections on 127.0.0.1:port (within a second).
 * @param {number} port @returns {Promise<boolean>}
 */
export function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
