/**
 * A fleet-wide burst, small (bench/burst.ts; `npm run load -- --burst` runs it large): 150 signed events sent
 * at up to 300 a second to the real webhook handler, in front of an SNS that takes 30 messages a second and
 * answers the rest with its throttling error. The webhook makes one call for each and queues what SNS
 * throttles; the real drainer, two instances pacing themselves to 27 a second together, then publishes the
 * backlog in batches of ten without being throttled. Every event reaches the topic exactly once, with the id
 * answered. The rates leave room for a busy machine: however slowly the burst goes out, SNS throttles some.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runBurst, type BurstFunctions, type BurstReport, type Env } from '../../bench/burst';
import { emulatorEndpoint } from '../support/integration/aws';

const DRAINER_INSTANCES = 2;

/** The functions loaded as Lambda runs them: the environment set for the whole run, each drainer instance a module of its own. */
async function load(env: Env): Promise<BurstFunctions> {
  Object.assign(process.env, env);
  let webhook: BurstFunctions['webhook'] | undefined;
  await jest.isolateModulesAsync(async () => {
    webhook = (await import('../../functions/webhook')).handler;
  });
  const drainers: ((event: SQSEvent) => Promise<SQSBatchResponse>)[] = [];
  for (let instance = 0; instance < DRAINER_INSTANCES; instance++) {
    await jest.isolateModulesAsync(async () => {
      drainers.push((await import('../../functions/retry-drainer')).handler);
    });
  }
  if (webhook === undefined) throw new Error('functions/webhook did not load');
  return { webhook, drainers };
}

let report: BurstReport;
const saved = { ...process.env };

beforeAll(async () => {
  const quiet = (['debug', 'info', 'warn', 'error', 'log'] as const).map((method) => jest.spyOn(console, method).mockImplementation(() => undefined));
  try {
    report = await runBurst({
      emulator: emulatorEndpoint(),
      events: 150,
      snsPerSecond: 30,
      sendPerSecond: 300,
      concurrency: 20,
      drainPerSecond: 27,
      drainerInstances: DRAINER_INSTANCES,
      drainLimitMs: 15_000,
      load,
    });
  } finally {
    for (const spy of quiet) spy.mockRestore();
    process.env = saved;
  }
  console.log(
    `burst: ${String(report.events)} events at ${String(report.send_per_second)}/s (sent in ${String(report.burst_ms)} ms) against SNS at ${String(report.sns_per_second)}/s: ` +
      `${String(report.published_at_once)} published at once, ${String(report.queued)} queued, drained in ${String(report.drain_ms)} ms ` +
      `at ${String(report.drainer.per_second)}/s; ${String(report.delivered)} delivered, ${String(report.duplicated)} duplicated, ${String(report.lost)} lost; ` +
      `SNS throttled ${String(report.throttled.webhook_publishes)} publishes of the webhook, ${String(report.throttled.drainer_batches)} batches of the drainer`,
  );
}, 40_000);

it('answers every event 200 with its id: published at once while SNS takes it, queued when SNS throttles', () => {
  expect(report.statuses).toEqual({ 200: 150 });
  expect(report.accepted).toBe(150);
  expect(report.throttled.webhook_publishes).toBe(report.queued);
  expect(report.queued).toBeGreaterThanOrEqual(20);
  expect(report.published_at_once).toBeGreaterThanOrEqual(30);
});

it('delivers every event to the topic exactly once, with the id the relay answered', () => {
  expect({ delivered: report.delivered, duplicated: report.duplicated, lost: report.lost, unexpected: report.unexpected }).toEqual({
    delivered: 150,
    duplicated: 0,
    lost: 0,
    unexpected: 0,
  });
  expect(report.dead_lettered).toBe(0);
});

it('drains the backlog within its pace, never throttled', () => {
  expect(report.drain_stopped_by_limit).toBe(false);
  expect(report.throttled.drainer_batches).toBe(0);
  // Paced: the backlog takes at least what its rate allows (less the first batch of each instance, sent at once).
  expect(report.drain_ms).toBeGreaterThanOrEqual(((report.queued - 10 * DRAINER_INSTANCES) / report.drainer.per_second) * 1000 - 200);
});
