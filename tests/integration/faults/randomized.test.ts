/**
 * At least 1,000 distinct pool events through the real handler while a proxy
 * switches fast faults on and off at random for each HTTP request the SDK
 * makes. Faults are injected before forwarding, so: every 2xx is on the
 * subscribed queue exactly once, nothing else is, and each answer is what the
 * SDK's attempts were given (the last one passed → 200; InvalidParameter → 422;
 * anything else → 503 with Retry-After).
 *
 * The faults are a function of the seed, the event id and the attempt number
 * only, so a run is the same whatever order concurrent requests arrive in.
 * Replay a failing run with FAULT_SEED=<seed printed in the failure>.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Emulator, type Queue } from '../../support/integration/aws';
import { poolEvent } from '../../support/faults/events';
import { FAST_FAULTS, startFaultProxy, type Fault, type FaultProxy } from '../../support/faults/proxy';
import { keyedRandom, seedFromEnv } from '../../support/faults/prng';
import { faultRelay, type FaultRelay, type FaultRelayResponse, type SinkLine } from '../../support/faults/relay';

const REQUESTS = 1_200;
const CONCURRENCY = 24;
/** The share of HTTP requests that get a fault. */
const FAULT_RATE = 0.4;
const SEED = seedFromEnv();

const emulator = new Emulator();
let proxy: FaultProxy | undefined;
let relay: FaultRelay | undefined;
let queue: Queue;

afterAll(async () => {
  relay?.destroy();
  await proxy?.close();
  emulator.destroy();
});

function chooseFault(eventId: string | undefined, attempt: number | undefined): Fault {
  if (eventId === undefined) return 'pass';
  const key = `${eventId}#${attempt ?? 1}`;
  if (keyedRandom(SEED, key) >= FAULT_RATE) return 'pass';
  return FAST_FAULTS[Math.floor(keyedRandom(SEED, `${key}#fault`) * FAST_FAULTS.length)] ?? 'pass';
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;

interface Sent {
  readonly n: number;
  readonly requestId: string;
  readonly response: FaultRelayResponse;
}

it(`keeps every 2xx on the queue exactly once and nothing else, over ${REQUESTS} requests with random faults`, async () => {
  const started = performance.now();
  const created = await emulator.topicWithQueue('randomized');
  queue = created.queue;
  const faulty = (proxy = await startFaultProxy(emulator.endpoint));
  faulty.set((request) => chooseFault(request.eventId, request.attempt));
  const handler = (relay = await faultRelay({ endpoint: faulty.endpoint, topicArn: created.topicArn }));
  const { deadlineMs, clientConfig } = handler.settings;
  const maxAttempts = Number(clientConfig.maxAttempts);

  const sent: Sent[] = [];
  let cursor = 0;
  const worker = async (): Promise<void> => {
    for (let n = cursor++; n < REQUESTS; n = cursor++) {
      const event = poolEvent(n, { run: `randomized-${SEED}`, usageKb: 5_000 + n * 7 });
      const response = await handler.invoke(event);
      sent.push({ n, requestId: event.requestId, response });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const sentMs = performance.now() - started;

  const ok = sent.filter((s) => is2xx(s.response.statusCode));
  const received = await emulator.receiveAll(queue, { expect: ok.length, waitSeconds: 10 });
  const { Attributes = {} } = await emulator.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );

  // Every violation is collected, so one failure shows them all, with the seed to replay the run.
  const violations: string[] = [];
  const onQueue = new Map<string, number>();
  for (const message of received) {
    const id = (JSON.parse(message.body) as { id: string }).id;
    onQueue.set(id, (onQueue.get(id) ?? 0) + 1);
  }
  const attemptsById = new Map<string, { attempt: number; fault: Fault; forwarded: boolean }[]>();
  for (const record of faulty.records) {
    if (record.eventId === undefined) {
      violations.push(`a proxied request without an event id (${record.action ?? 'no action'})`);
      continue;
    }
    const list = attemptsById.get(record.eventId) ?? [];
    list.push({ attempt: record.attempt ?? 0, fault: record.fault, forwarded: record.forwarded });
    attemptsById.set(record.eventId, list);
  }
  const linesByRequest = new Map<string, SinkLine[]>();
  for (const line of handler.sink.lines) {
    const id = String(line.attributes.request_id);
    const list = linesByRequest.get(id) ?? [];
    list.push(line);
    linesByRequest.set(id, list);
  }

  const answeredIds = new Set<string>();
  const statuses: Record<string, number> = {};
  for (const { n, requestId, response } of sent) {
    const { statusCode } = response;
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    const where = `request ${n} (${statusCode})`;
    if (response.elapsedMs >= deadlineMs) violations.push(`${where}: answered after ${Math.round(response.elapsedMs)} ms`);
    const lines = linesByRequest.get(requestId) ?? [];
    if (lines.length !== 1) violations.push(`${where}: ${lines.length} log lines, not 1`);
    // The event id: in the answer of a 2xx, in the log line of a failure.
    const id = is2xx(statusCode) ? String(response.json.id) : String(lines[0]?.attributes.id);
    if (answeredIds.has(id)) violations.push(`${where}: event id ${id} seen twice`);
    answeredIds.add(id);

    // What the SDK's attempts were given decides the answer.
    const attempts = attemptsById.get(id) ?? [];
    const last = attempts.at(-1);
    if (attempts.length < 1 || attempts.length > maxAttempts) violations.push(`${where}: ${attempts.length} attempts reached the proxy`);
    if (attempts.some((a, i) => a.attempt !== i + 1)) violations.push(`${where}: attempts numbered ${attempts.map((a) => a.attempt).join(',')}`);
    if (attempts.slice(0, -1).some((a) => a.fault === 'pass')) violations.push(`${where}: attempted again after SNS accepted it`);
    if (attempts.some((a) => a.forwarded !== (a.fault === 'pass'))) violations.push(`${where}: forwarded despite a fault`);
    const expected = last?.fault === 'pass' ? 200 : last?.fault === 'invalid-parameter' ? 422 : 503;
    if (statusCode !== expected) violations.push(`${where}: expected ${expected} after ${attempts.map((a) => a.fault).join(' → ')}`);

    const copies = onQueue.get(id) ?? 0;
    if (is2xx(statusCode)) {
      if (copies !== 1) violations.push(`${where}: its event is on the queue ${copies} times, not once`);
      if (lines[0]?.level !== 'info') violations.push(`${where}: logged at ${lines[0]?.level ?? 'no'} level`);
      continue;
    }
    if (copies !== 0) violations.push(`${where}: its event is on the queue ${copies} times, not 0`);
    // Every failure, whether a retry can mend it or not, is one error-level line naming the SDK error.
    if (lines[0]?.level !== 'error') violations.push(`${where}: logged at ${lines[0]?.level ?? 'no'} level`);
    if (statusCode === 503) {
      if (response.json.error !== 'publish_failed') violations.push(`${where}: error ${String(response.json.error)}`);
      if (!/^[1-9]\d*$/.test(response.headers['retry-after'] ?? '')) violations.push(`${where}: no Retry-After`);
    } else if (statusCode === 422) {
      if (response.json.error !== 'publish_rejected') violations.push(`${where}: error ${String(response.json.error)}`);
      if (response.headers['retry-after'] !== undefined) violations.push(`${where}: Retry-After on a 422`);
    }
    if (!/\w+: /.test(String(lines[0]?.attributes.detail))) violations.push(`${where}: the log line names no SDK error`);
  }
  const okIds = new Set(ok.map((s) => String(s.response.json.id)));
  for (const id of onQueue.keys()) if (!okIds.has(id)) violations.push(`event ${id} is on the queue but was not answered 2xx`);
  if (received.length !== ok.length) violations.push(`${ok.length} 2xx answers but ${received.length} messages on the queue`);
  const forwarded = faulty.records.filter((r) => r.forwarded).length;
  if (forwarded !== ok.length) violations.push(`${forwarded} requests forwarded to SNS but ${ok.length} 2xx answers`);
  const left = Number(Attributes.ApproximateNumberOfMessages ?? NaN) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? NaN);
  if (left !== 0) violations.push(`the queue still holds ${left} messages after draining`);

  const faults = faulty.records.filter((r) => r.fault !== 'pass').length;
  const summary = {
    seed: SEED,
    requests: sent.length,
    httpRequests: faulty.records.length,
    faults,
    statuses,
    messages: received.length,
    sentMs: Math.round(sentMs),
  };
  process.stdout.write(`faults: randomized run ${JSON.stringify(summary)}\n`);
  expect({ seed: SEED, violations: violations.slice(0, 25), total: violations.length }).toEqual({ seed: SEED, violations: [], total: 0 });
  expect(sent).toHaveLength(REQUESTS);
  expect(faults).toBeGreaterThan(REQUESTS * FAULT_RATE * 0.5);
  expect(ok.length).toBeGreaterThan(0);
}, 40_000);
