/**
 * `npm run load`: a bounded load run on this machine, loopback only.
 * Starts fauxqs and serverless-offline (local stage) on free ports, sends a mix of
 * signed pool events (each one distinct), invalid payloads and echoes at
 * concurrency 50: a count of requests (default 1000), stopped after 60 s in
 * any case. Then it checks that every 2xx event reached the topic exactly once.
 * (A count, not a duration: a run cut by time leaves answers in flight unseen.)
 * With --burst it runs a fleet-wide burst instead (scripts/load-burst.mts).
 */
import type autocannon from 'autocannon';
import net from 'node:net';
import { toCloudEvent } from '../lib/contract/cloudevent';
import { payloadTypes } from '../lib/contract/payload-types';
import { LOCAL_STAGE } from '../tools/local-stage';
import { command, integerOption, progress, repositoryRoot, runCommand, UsageError } from './cli.mjs';
import { signedHeaders } from './droam-client.mjs';
import { spawnOffline } from './offline.mjs';

const root = repositoryRoot(import.meta.url);
const LIMIT_MS = 60_000;
const CONNECTIONS = 50;

const spec = command({
  name: 'load',
  summary: `Starts an SNS/SQS emulator and serverless-offline on free loopback ports, sends signed pool events, invalid payloads and echoes at concurrency ${CONNECTIONS} (stopped after ${LIMIT_MS / 1000} s in any case), then checks that every accepted event reached the topic exactly once. Prints a JSON report; exits 1 on a loss, a duplicate or a transport error.`,
  options: {
    requests: { type: 'string', value: 'N', description: 'how many requests to send (default: LOAD_REQUESTS, else 1000)' },
    burst: { type: 'string', value: 'N', description: 'instead: a burst of N events through the webhook and the drainer in-process (notes below)' },
    'sns-rate': { type: 'string', value: 'K', description: 'with --burst: the messages a second SNS takes, its Publish quota (default 100)' },
    'send-rate': { type: 'string', value: 'R', description: 'with --burst: requests a second the burst is sent at (default 5 × K)' },
    concurrency: { type: 'string', value: 'C', description: 'with --burst: requests in flight at most (default 20)' },
    share: { type: 'string', value: 'P', description: "with --burst: the drainer's share of K in percent, retryPublishSharePercent (default 10)" },
    'drainer-instances': { type: 'string', value: 'M', description: "with --burst: the drainer's instances, retryDrainerMaximumConcurrency (default 2)" },
  },
  notes: [
    '--burst N sends N signed pool events to the webhook handler in-process, against an SNS that throttles above --sns-rate messages a second;',
    'the real publish-retry drainer then publishes what was queued. It prints accepted, queued, delivered, duplicated, lost and the drain time,',
    'and exits 1 when an accepted event is lost or duplicated.',
  ],
});

await runCommand(spec, async ({ values }) => {
  if (values.burst !== undefined) {
    const snsPerSecond = integerOption(values['sns-rate'], 'sns-rate', 100, { min: 1, max: 100_000 });
    const options = {
      events: integerOption(values.burst, 'burst', 0, { min: 1, max: 1_000_000 }),
      snsPerSecond,
      sendPerSecond: integerOption(values['send-rate'], 'send-rate', 5 * snsPerSecond, { min: 1, max: 1_000_000 }),
      concurrency: integerOption(values.concurrency, 'concurrency', 20, { min: 1, max: 1_000 }),
      sharePercent: integerOption(values.share, 'share', 10, { min: 1, max: 100 }),
      drainerInstances: integerOption(values['drainer-instances'], 'drainer-instances', 2, { min: 2, max: 1_000 }),
    };
    if ((options.snsPerSecond * options.sharePercent) / 100 / options.drainerInstances < 1) {
      throw new UsageError('--share of --sns-rate gives each drainer instance less than a message a second, which the drainer refuses');
    }
    const { loadBurst } = await import('./load-burst.mjs');
    return loadBurst(options);
  }
  const burstOnly = (['sns-rate', 'send-rate', 'concurrency', 'share', 'drainer-instances'] as const).filter((name) => values[name] !== undefined);
  if (burstOnly.length > 0) throw new UsageError(`--${burstOnly.join(', --')} ${burstOnly.length === 1 ? 'goes' : 'go'} with --burst`);
  const amount = integerOption(values.requests ?? process.env.LOAD_REQUESTS, 'requests', 1000, { min: 1, max: 1_000_000 });
  // Loaded only now: `--help` and a usage error never load the emulator or the load generator.
  const { createQuarantineQueue, createTopicWithTail, drainTail, LOCAL_TOPIC, localStageEnv, startEmulator } = await import('./emulator.mjs');
  const { default: autocannon } = await import('autocannon');
  const log = progress(spec.name);

  log.phase('starting the SNS/SQS emulator');
  const emulator = await startEmulator(0);
  const { topicArn, queueUrl } = createTopicWithTail(emulator, LOCAL_TOPIC);
  const quarantineQueueUrl = createQuarantineQueue(emulator);
  const httpPort = await freePort();
  const lambdaPort = await freePort();

  log.phase('starting serverless-offline (esbuild bundles the function first)');
  const { child: offline, signal } = spawnOffline(
    root,
    { httpPort, lambdaPort },
    { ...localStageEnv(emulator, { topicArn, quarantineQueueUrl }), POWERTOOLS_LOG_LEVEL: 'ERROR' },
  );
  const stopOffline = (): void => {
    signal('SIGKILL');
  };
  process.on('exit', stopOffline);

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('serverless-offline did not start within 60 s'));
    }, 60_000);
    // serverless-offline announces itself on stderr.
    offline.stderr.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Server ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    offline.on('exit', (code) => {
      reject(new Error(`serverless-offline exited (${String(code)})`));
    });
  });

  let counter = 0;
  // The relay derives an event's id from the event it publishes, so the id of every pool event sent is known here.
  const sentIds = new Set<string>();
  const pool = (): string => {
    const payload = {
      type: 'rule.pool.usage.triggered',
      data: {
        rule: { uuid: 'load-rule', name: 'Load', description: 'load test' },
        pool: { uuid: '7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14', name: 'Load pool', current_usage_kb: ++counter },
      },
      created_at: { unix_timestamp: Math.floor(Date.now() / 1000), human_time: '00:00:00', human_date: '2026-01-01', timezone: 'UTC' },
    };
    const valid = payloadTypes.validate(payload);
    if (!valid.ok) throw new Error(`the load test's pool event is invalid: ${JSON.stringify(valid.issues)}`);
    sentIds.add(toCloudEvent(valid.value, LOCAL_STAGE.eventSource).id);
    return JSON.stringify(payload);
  };
  const invalid = (): string => JSON.stringify({ type: 'rule.pool.usage.triggered', data: { rule: {}, pool: {} }, created_at: {} });
  const echo = (): string => JSON.stringify({ type: 'echo', echo_data: `load:${++counter}` });

  const statuses: Record<string, number> = {};
  const acceptedIds: string[] = [];
  let answered = 0;
  let transportErrors = 0;
  const limit = { reached: false };

  log.phase(`sending ${amount} requests over ${CONNECTIONS} connections`);
  const ticker = setInterval(() => {
    log.status(`${answered}/${amount} answered`);
  }, 500);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${httpPort}/webhooks/droam`,
        connections: CONNECTIONS,
        amount,
        timeout: 15,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const roll = Math.random();
              const body = roll < 0.7 ? pool() : roll < 0.85 ? invalid() : echo();
              return { ...request, method: 'POST', body, headers: { 'content-type': 'application/json', ...signedHeaders(LOCAL_STAGE.apiSecret) } };
            },
            onResponse: (status, body) => {
              answered++;
              statuses[status] = (statuses[status] ?? 0) + 1;
              if (status === 200) {
                const parsed = JSON.parse(body) as { id?: unknown; message_id?: unknown };
                if (typeof parsed.message_id === 'string' && typeof parsed.id === 'string') acceptedIds.push(parsed.id);
              }
            },
          },
        ],
      },
      (error: Error | null, res) => {
        if (error === null) resolve(res);
        else reject(error);
      },
    );
    instance.on('reqError', () => transportErrors++);
    setTimeout(() => {
      limit.reached = true;
      instance.stop();
    }, LIMIT_MS).unref();
  }).finally(() => {
    clearInterval(ticker);
  });
  log.phase(`${answered} answered${limit.reached ? ' (stopped by the time limit)' : ''}; draining the topic's tail queue`);

  // Give the emulator a moment to fan out, then drain the tail queue.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const delivered = new Map<string, number>();
  for (;;) {
    const batch = await drainTail(emulator.endpoint, queueUrl, 1);
    if (batch.length === 0) break;
    for (const { text } of batch) {
      const id = (JSON.parse(text) as { id?: unknown }).id;
      if (typeof id === 'string') delivered.set(id, (delivered.get(id) ?? 0) + 1);
    }
    log.status(`${delivered.size} delivered`);
  }
  log.done();
  stopOffline();
  await emulator.stop();

  const accepted = new Set(acceptedIds);
  const missing = acceptedIds.filter((id) => !delivered.has(id)).length;
  const duplicated = [...delivered.values()].filter((n) => n > 1).length;
  // Sent and published, but the answer never reached the client (its connection closed first): not a loss.
  const unanswered = [...delivered.keys()].filter((id) => !accepted.has(id) && sentIds.has(id)).length;
  const extra = [...delivered.keys()].filter((id) => !sentIds.has(id)).length;
  const report = {
    duration_s: result.duration,
    stopped_by_time_limit: limit.reached,
    connections: CONNECTIONS,
    requests: result.requests.total,
    requests_per_second: result.requests.average,
    latency_ms: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    statuses,
    transport_errors: transportErrors + result.errors + result.timeouts,
    accepted_events: acceptedIds.length,
    delivered_messages: [...delivered.values()].reduce((a, b) => a + b, 0),
    delivered_without_answer_seen: unanswered,
    missing,
    duplicated,
    unexpected: extra,
  };
  console.log(JSON.stringify(report, null, 2));
  const ok = report.transport_errors === 0 && missing === 0 && duplicated === 0 && extra === 0;
  console.log(ok ? 'load: every 2xx delivered exactly once, no transport errors' : 'load: FAILED');
  return ok ? 0 : 1;
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}
