/**
 * serverless-offline on the local stage, as `npm start` and `npm run load` run it: `sls offline start`
 * in a process group of its own, so that stopping it stops everything it started (its Lambda
 * workers, esbuild), whether or not its leader is still there.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import path from 'node:path';

export interface Offline {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Signals every process of its group; nothing happens when none is left. */
  readonly signal: (signal: NodeJS.Signals) => void;
}

export function spawnOffline(root: string, ports: { readonly httpPort: number; readonly lambdaPort: number }, env: NodeJS.ProcessEnv): Offline {
  const child = spawn(
    path.join(root, 'node_modules', '.bin', 'sls'),
    ['offline', 'start', '--stage', 'local', '--httpPort', String(ports.httpPort), '--lambdaPort', String(ports.lambdaPort)],
    { cwd: root, detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return {
    child,
    signal: (signal) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Nothing left in the group.
      }
    },
  };
}
