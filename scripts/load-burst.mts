/**
 * `npm run load -- --burst N --sns-rate K`: a fleet-wide burst through the real webhook handler and the real
 * publish-retry drainer (bench/burst.ts), on an emulator of its own behind an SNS that throttles above K
 * messages a second. Prints what was accepted, published at once, queued, delivered, duplicated and lost,
 * and the drain time; exits 1 when an accepted event is lost or duplicated.
 */
import { createRequire } from 'node:module';
import { runBurst, type BurstFunctions, type Env } from '../bench/burst';
import { progress } from './cli.mjs';

export interface BurstOptions {
  readonly events: number;
  readonly snsPerSecond: number;
  readonly sendPerSecond: number;
  readonly concurrency: number;
  readonly sharePercent: number;
  readonly drainerInstances: number;
}

const QUIETED = ['debug', 'info', 'warn', 'error', 'log'] as const;

type WebhookModule = typeof import('../functions/webhook');
type DrainerModule = typeof import('../functions/retry-drainer');

export async function loadBurst(options: BurstOptions): Promise<number> {
  const log = progress('load');
  // Loaded only now: `--help` and a usage error start nothing.
  const { startEmulator } = await import('./emulator.mjs');
  log.phase('starting the SNS/SQS emulator');
  const emulator = await startEmulator(0);
  const require = createRequire(import.meta.url);
  // Each function reads its environment once, as at a cold start: a drainer instance is its module loaded afresh.
  const coldStart = (file: string): unknown => {
    const resolved = require.resolve(file);
    Reflect.deleteProperty(require.cache, resolved);
    return require(resolved);
  };
  const load = (env: Env): Promise<BurstFunctions> => {
    Object.assign(process.env, env);
    const webhook = (coldStart('../functions/webhook.ts') as WebhookModule).handler as BurstFunctions['webhook'];
    const drainers = Array.from({ length: options.drainerInstances }, () => (coldStart('../functions/retry-drainer.ts') as DrainerModule).handler);
    return Promise.resolve({ webhook, drainers });
  };
  const drainPerSecond = (options.snsPerSecond * options.sharePercent) / 100;
  // The functions log and write their metrics through the console: quiet while the burst runs.
  const saved = QUIETED.map((method) => [method, console[method].bind(console)] as const);
  const restore = (): void => {
    for (const [method, write] of saved) console[method] = write;
  };
  for (const method of QUIETED) console[method] = () => undefined;
  try {
    const report = await runBurst({
      emulator: emulator.endpoint,
      events: options.events,
      snsPerSecond: options.snsPerSecond,
      sendPerSecond: options.sendPerSecond,
      concurrency: options.concurrency,
      drainPerSecond,
      drainerInstances: options.drainerInstances,
      // Twice the time the whole burst would take at the drainer's pace, and a minute more.
      drainLimitMs: ((2 * options.events) / drainPerSecond + 60) * 1000,
      load,
      progress: log,
    });
    restore();
    log.done();
    process.stdout.write(`${JSON.stringify({ ...report, achieved_send_per_second: Math.round(report.events / (report.burst_ms / 1000)) }, null, 2)}\n`);
    const ok = report.lost === 0 && report.duplicated === 0 && report.unexpected === 0 && report.dead_lettered === 0 && report.accepted === report.events;
    process.stdout.write(
      `load: ${String(report.accepted)} accepted (${String(report.published_at_once)} published at once, ${String(report.queued)} queued), ` +
        `${String(report.delivered)} delivered, ${String(report.duplicated)} duplicated, ${String(report.lost)} lost; ` +
        `the backlog drained in ${(report.drain_ms / 1000).toFixed(1)} s at ${String(drainPerSecond)}/s${ok ? '' : ' — FAILED'}\n`,
    );
    return ok ? 0 : 1;
  } finally {
    restore();
    await emulator.stop();
  }
}
