/**
 * SNS faults injected by a proxy in front of the emulator, seen through the
 * real handler and an SNS client configured as functions/webhook.ts configures
 * its own. A fault a retry or an operator can mend is answered 503
 * publish_failed with Retry-After; a message SNS refuses for what it is, 422
 * publish_rejected; every failure writes one error-level line naming the SDK
 * error, and nothing a fault touched is published.
 */
import { Emulator, type Queue } from '../../support/integration/aws';
import { captureConsole } from '../../support/faults/console';
import { poolEvent } from '../../support/faults/events';
import { startFaultProxy, type Fault, type FaultProxy, type ProxyRecord } from '../../support/faults/proxy';
import { faultRelay, type FaultRelay, type FaultRelayResponse, type SinkLine } from '../../support/faults/relay';

const emulator = new Emulator();
let proxy: FaultProxy | undefined;
let relay: FaultRelay | undefined;
let queue: Queue;
let next = 0;

beforeAll(async () => {
  const created = await emulator.topicWithQueue('faults');
  queue = created.queue;
  proxy = await startFaultProxy(emulator.endpoint);
  relay = await faultRelay({ endpoint: proxy.endpoint, topicArn: created.topicArn });
});

afterAll(async () => {
  relay?.destroy();
  await proxy?.close();
  emulator.destroy();
});

function setUp(): { proxy: FaultProxy; relay: FaultRelay } {
  if (proxy === undefined || relay === undefined) throw new Error('beforeAll did not finish');
  return { proxy, relay };
}

interface Sent {
  readonly response: FaultRelayResponse;
  /** The handler's log lines for this request. */
  readonly lines: SinkLine[];
  /** Whatever else was written through console meanwhile (the SDK's own warnings). */
  readonly consoleLines: string[];
  /** What the proxy saw and did, one entry per HTTP request (per SDK attempt). */
  readonly records: ProxyRecord[];
}

/** Sends the next distinct event under `fault` (a fault for every attempt, or one per attempt number). */
async function send(fault: Fault | ((attempt: number) => Fault)): Promise<Sent> {
  const { proxy, relay } = setUp();
  proxy.reset();
  proxy.set(typeof fault === 'function' ? (request) => fault(request.attempt ?? 1) : fault);
  const event = poolEvent(next++, { run: 'sns-faults' });
  const captured = captureConsole();
  try {
    const response = await relay.invoke(event);
    return { response, lines: relay.sink.forRequest(event.requestId), consoleLines: captured.lines, records: [...proxy.records] };
  } finally {
    captured.restore();
  }
}

/** Faults a retry or an operator can mend, with the SDK error the error-level log line must name. */
const MENDABLE: ReadonlyArray<readonly [Fault, RegExp]> = [
  ['close-socket', /socket hang up|ECONNRESET/],
  ['internal-error', /^InternalError(Exception)?: /],
  ['throttling', /^Throttling(Exception)?: /],
  ['throttled', /^Throttled(Exception)?: /],
  ['kms-disabled', /^KMSDisabled(Exception)?: /],
  ['kms-throttling', /^KMSThrottling(Exception)?: /],
  ['kms-access-denied', /^KMSAccessDenied(Exception)?: /],
  ['authorization-error', /^AuthorizationError(Exception)?: /],
  ['not-found', /^NotFound(Exception)?: /],
];

it('passes a request through to the topic when no fault is set', async () => {
  const { response, lines, records } = await send('pass');
  expect(response.statusCode).toBe(200);
  const received = await emulator.receiveAll(queue, { expect: 1 });
  expect(received.map((m) => (JSON.parse(m.body) as { id: string }).id)).toEqual([response.json.id]);
  expect(lines).toEqual([expect.objectContaining({ level: 'info', message: 'event published' })]);
  expect(records).toEqual([expect.objectContaining({ action: 'Publish', fault: 'pass', forwarded: true, upstreamStatus: 200 })]);
});

describe.each(MENDABLE)('%s on every attempt', (fault, sdkError) => {
  let sent: Sent;

  beforeAll(async () => {
    sent = await send(fault);
  });

  it('is answered 503 publish_failed with Retry-After, within the deadline', () => {
    const { response } = sent;
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(response.json).toEqual({ error: 'publish_failed', message: expect.any(String) as unknown });
    // What went wrong is for the log; nothing of it reaches the sender.
    expect(response.body).not.toMatch(/Error|Exception|127\.0\.0\.1|arn:aws/);
    expect(response.elapsedMs).toBeLessThan(setUp().relay.settings.deadlineMs);
  });

  it('writes exactly one line, at error level, naming the SDK error, and nothing else', () => {
    const { lines, consoleLines } = sent;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', attributes: { status: 503, error: 'publish_failed' } });
    expect(String(lines[0]?.attributes.detail)).toMatch(sdkError);
    expect(consoleLines).toEqual([]);
  });

  it('publishes nothing: the fault was injected before SNS saw the request', async () => {
    const { records } = sent;
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records.length).toBeLessThanOrEqual(Number(setUp().relay.settings.clientConfig.maxAttempts));
    expect(records.every((r) => r.fault === fault && !r.forwarded)).toBe(true);
    expect(await emulator.receiveAll(queue)).toEqual([]);
  });
});

describe('InvalidParameter (SNS refuses the message itself)', () => {
  let sent: Sent;

  beforeAll(async () => {
    sent = await send('invalid-parameter');
  });

  it('is answered 422 publish_rejected without Retry-After, never 503, so dRoam does not retry in a loop', () => {
    const { response } = sent;
    expect(response.statusCode).toBe(422);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.json).toEqual({ error: 'publish_rejected', message: expect.any(String) as unknown });
    expect(response.body).not.toMatch(/InvalidParameter|Exception|arn:aws/);
  });

  it('is not retried by the SDK and publishes nothing', async () => {
    expect(sent.records).toEqual([expect.objectContaining({ fault: 'invalid-parameter', forwarded: false })]);
    expect(await emulator.receiveAll(queue)).toEqual([]);
  });

  // Every failure writes one error log line.
  it('writes exactly one line, at error level, naming the SDK error', () => {
    const { lines, consoleLines } = sent;
    expect(consoleLines).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ attributes: { status: 422, error: 'publish_rejected' } });
    expect(String(lines[0]?.attributes.detail)).toMatch(/^InvalidParameter(Exception)?: /);
    expect(lines[0]?.level).toBe('error');
  });
});

describe('a fault on the first attempt only', () => {
  // The SDK retries these (network errors, 5xx); the second attempt gets through.
  it.each<Fault>(['close-socket', 'internal-error'])('%s: the retry publishes the event exactly once and the answer is 200', async (fault) => {
    const { response, lines, records } = await send((attempt) => (attempt === 1 ? fault : 'pass'));
    expect(response.statusCode).toBe(200);
    expect(records.map((r) => [r.attempt, r.fault, r.forwarded])).toEqual([
      [1, fault, false],
      [2, 'pass', true],
    ]);
    const received = await emulator.receiveAll(queue, { expect: 1 });
    expect(received.map((m) => (JSON.parse(m.body) as { id: string }).id)).toEqual([response.json.id]);
    expect(lines).toEqual([expect.objectContaining({ level: 'info', message: 'event published' })]);
  });
});

describe('SNS throttling', () => {
  // A throttled publish is not retried within the request: a retry meets the same account quota and holds the request.
  it.each<Fault>(['throttling', 'throttled'])('%s on the first attempt: one call to SNS, no retry, and nothing published', async (fault) => {
    const { response, records } = await send((attempt) => (attempt === 1 ? fault : 'pass'));
    expect(records.map((r) => [r.action, r.attempt, r.fault, r.forwarded])).toEqual([['Publish', 1, fault, false]]);
    // Without a publish-retry queue (this relay has none) the answer is 503, for dRoam to retry.
    expect(response.statusCode).toBe(503);
    expect(await emulator.receiveAll(queue)).toEqual([]);
  });
});
