/**
 * `npm run replay` (scripts/replay.mts, run through tsx as npm runs it) against
 * the emulator's queues and a relay on 127.0.0.1: the real handler, with the
 * real SNS publisher and SQS quarantine, behind a plain HTTP server that
 * records every request it gets.
 *
 * A replay sends each record's exact bytes; deletes a record only when the
 * relay published it (2xx with an id) or kept it again; keeps the first
 * delivery's metadata; refuses records that are untagged, altered,
 * malformed or of another stage and goes on; lists every record on --dry-run
 * and changes nothing; refuses to mix a deployed queue with a relay on this
 * machine, however its address is spelled (tests/unit/this-machine.test.ts
 * has the spellings); stops at a relay of another stage.
 */
import http from 'node:http';
import type net from 'node:net';
import { SendMessageCommand, ReceiveMessageCommand, ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { payloadTypes } from '../../lib/contract';
import { asciiJson, integrityTag } from '../../lib/queues/integrity';
import { createWebhookHandler } from '../../lib/relay/webhook';
import { snsPublisher } from '../../lib/topic/publish';
import { type QuarantineRecord, readQuarantineMessage, sqsQuarantine } from '../../lib/queues/quarantine';
import { Emulator, type Queue } from '../support/integration/aws';
import { bodyOf, loadEvent } from '../support/integration/events';
import { childEnv, type Finished, runScript } from '../support/integration/processes';
import { deployedConfig, TEST_STAGE } from '../support/unit/harness';

const SECRET = 'replay-test-secret-0123456789abcdef';
const emulator = new Emulator();
const saved = { ...process.env };
const servers: (() => Promise<void>)[] = [];

beforeAll(() => {
  // The quarantine's SQS client is configured like the deployed one: region, credentials and endpoint from the environment.
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_SQS: emulator.endpoint });
});

afterAll(async () => {
  await Promise.all(servers.map((close) => close()));
  process.env = saved;
  emulator.destroy();
});

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

interface TestRelay {
  readonly url: string;
  readonly requests: Received[];
  readonly tail: Queue;
}

/** The relay of a deployed stage on 127.0.0.1, keeping what it refuses in `quarantine` (unless told not to). */
async function startRelay(quarantine: Queue, options: { env?: Record<string, string>; keep?: boolean } = {}): Promise<TestRelay> {
  const { topicArn, queue: tail } = await emulator.topicWithQueue('replay');
  const handler = createWebhookHandler({
    config: deployedConfig({ TOPIC_ARN: topicArn, DROAM_API_SECRETS: SECRET, ...options.env }),
    registry: payloadTypes,
    now: Date.now,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    publish: snsPublisher(emulator.sns, topicArn, 5_000),
    ...(options.keep === false ? {} : { quarantine: sqsQuarantine(quarantine.url, 5_000) }),
  });
  const requests: Received[] = [];
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ headers: req.headers, body });
      const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]));
      const event = {
        version: '2.0',
        headers,
        body: body.toString('base64'),
        isBase64Encoded: true,
        rawPath: req.url,
        requestContext: { requestId: `replay-request-${String(++count)}`, http: { method: req.method, path: req.url, sourceIp: '127.0.0.1' } },
      };
      void handler(event).then((response) => {
        res.writeHead(response.statusCode, response.headers);
        res.end(response.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${String((server.address() as net.AddressInfo).port)}/webhooks/droam`, requests, tail };
}

/** The queues here are named by the test: the stage is given (a stack's quarantine names its own). */
function replay(args: readonly string[], env: Record<string, string> = {}): Promise<Finished> {
  const stage = args.includes('--stage') || args.includes('--help') ? [] : ['--stage', TEST_STAGE];
  return runScript('scripts/replay.mts', [...args, ...stage], {
    env: childEnv({ AWS_ENDPOINT_URL_SQS: emulator.endpoint, DROAM_API_SECRET: SECRET, DROAM_API_SECRETS: '', ...env }),
    timeoutMs: 60_000,
  });
}

const POOL_BODY = bodyOf(loadEvent('pool-usage.json'));
const INVALID_BODY = bodyOf(loadEvent('error-invalid-payload.json'));

function record(body: Buffer, fields: Partial<QuarantineRecord> = {}): QuarantineRecord {
  return {
    stage: TEST_STAGE,
    received_at: '2026-11-01T08:00:00.000Z',
    reason: 'invalid_payload',
    request_id: 'first-delivery',
    source_ip: '198.51.100.7',
    headers: { 'content-type': 'application/json', 'user-agent': 'GuzzleHttp/7' },
    issues: [{ path: 'data.pool.uuid', message: 'Required field is missing' }],
    attempt: 1,
    body_base64: body.toString('base64'),
    ...fields,
  };
}

/** Writes a record the way the relay does: ASCII JSON, tagged. */
async function keep(queue: Queue, kept: QuarantineRecord): Promise<void> {
  const result = await sqsQuarantine(queue.url, 5_000)(kept, { secret: SECRET, issue: { stage: kept.stage, issuedAt: Math.floor(Date.now() / 1000) } });
  if (!result.ok) throw new Error(result.error);
}

/** Every record in the queue, left as it was (each is made visible again). */
async function peek(queue: Queue): Promise<{ body: string; record: QuarantineRecord | undefined }[]> {
  const seen = new Map<string, { body: string; handle: string }>();
  for (;;) {
    const { Messages = [] } = await emulator.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 30, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) seen.set(message.MessageId ?? '', { body: message.Body ?? '', handle: message.ReceiptHandle ?? '' });
  }
  for (const { handle } of seen.values()) {
    await emulator.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: handle, VisibilityTimeout: 0 }));
  }
  return [...seen.values()].map(({ body }) => {
    // Read whatever its tag: a record of any stage the test wrote.
    const stage = /"stage":"([^"]*)"/.exec(body)?.[1] ?? TEST_STAGE;
    const read = readQuarantineMessage(body, integrityTag(SECRET, 'quarantine-record', body, { stage, issuedAt: 0 }), [SECRET]);
    return { body, record: read.ok ? read.record : undefined };
  });
}

describe('the command line', () => {
  test('--help prints the usage and exits 0, touching nothing', async () => {
    const help = await replay(['--help'], { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9' });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run replay/);
    expect(help.stdout).toContain('--dry-run');
    expect(help.stderr).toBe('');
  });

  test('an unknown flag prints one line and exits 2', async () => {
    const unknown = await replay(['--queue', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringContaining("'--queue'") as unknown]);
    expect(unknown.stdout).toBe('');
  });

  describe('a deployed queue is never replayed to a relay on this machine', () => {
    let sqsRequests = 0;
    let endpoint = '';
    beforeAll(async () => {
      const server = http.createServer((_req, res) => {
        sqsRequests++;
        res.writeHead(500).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${String((server.address() as net.AddressInfo).port)}`;
      servers.push(
        () =>
          new Promise<void>((resolve) =>
            server.close(() => {
              resolve();
            }),
          ),
      );
    });

    test.each<[string, readonly string[], RegExp]>([
      ['without --url', [], /--url is required with a deployed queue/],
      ['with a local --url', ['--url', 'http://127.0.0.1:3000/webhooks/droam'], /never replayed to a relay on this machine/],
      // Every other spelling of this machine is refused alike: tests/unit/this-machine.test.ts lists them.
      [
        'with --url http://[::ffff:127.0.0.1]:3000/webhooks/droam',
        ['--url', 'http://[::ffff:127.0.0.1]:3000/webhooks/droam'],
        /never replayed to a relay on this machine/,
      ],
      [
        'with a --url whose host does not resolve (it cannot be told apart from this machine)',
        ['--url', 'https://relay.invalid/webhooks/droam'],
        /does not resolve/,
      ],
      [
        'nor a local queue to a deployed relay',
        ['--queue-url', 'http://sqs.us-east-1.localhost:4566/000000000000/q', '--url', 'https://example.com/webhooks/droam'],
        /never replayed to a deployed relay/,
      ],
    ])('%s: exit 2 before anything is read or deleted', async (_label, extra, message) => {
      const args = extra.includes('--queue-url')
        ? extra
        : ['--queue-url', 'https://sqs.eu-west-1.amazonaws.com/123456789012/droam-webhook-relay-prod-quarantine', ...extra];
      const refused = await replay(args, { AWS_ENDPOINT_URL_SQS: endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(message);
      expect(sqsRequests).toBe(0);
    });
  });
});

test('sends each record’s exact bytes, deletes what the relay published, and ends with a summary', async () => {
  const quarantine = await emulator.createQueue('replay-q');
  const relay = await startRelay(quarantine);
  await keep(quarantine, record(POOL_BODY, { reason: 'publish_rejected' }));

  const result = await replay(['--queue-url', quarantine.url, '--url', relay.url]);
  expect(result.stdout).toMatch(/→ published: published as \S+/);
  expect(result.stdout).toMatch(/replay: 1 record\(s\): 1 published\n/);
  expect(result.code).toBe(0);
  expect(relay.requests.map((request) => request.body.equals(POOL_BODY))).toEqual([true]);
  expect(await emulator.receiveAll(relay.tail, { expect: 1 })).toHaveLength(1);
  expect(await peek(quarantine)).toEqual([]);
}, 60_000);

test('a payload refused again is kept as a new record with its first delivery’s metadata and one more attempt, byte for byte', async () => {
  const quarantine = await emulator.createQueue('replay-q');
  const relay = await startRelay(quarantine);
  // Characters SQS refuses as text, in a payload that is still invalid.
  const body = Buffer.from(`{"type":"rule.pool.usage.triggered","data":{"pool":{"name":"\ufffe\uffff \u{1f4e1} \\ud800"}}}`, 'utf8');
  const first = record(body, { headers: { 'content-type': 'application/json', 'user-agent': 'GuzzleHttp/7', 'x-first': 'yes' } });
  await keep(quarantine, first);

  const result = await replay(['--queue-url', quarantine.url, '--url', relay.url]);
  expect(result.stdout).toMatch(/→ kept again/);
  expect(result.code).toBe(0);
  expect(relay.requests).toHaveLength(1);
  expect(relay.requests[0]?.body.equals(body)).toBe(true);

  const left = await peek(quarantine);
  expect(left).toHaveLength(1);
  expect(left[0]?.record).toEqual({
    ...first,
    droam_source: 'default',
    issues: expect.any(Array) as unknown,
    attempt: 2,
    replayed_at: expect.any(String) as unknown,
    replay_request_id: 'replay-request-1',
  });
}, 60_000);

test("--source replays a named dRoam source's records to its path with its secret, and leaves the other sources' records for their own run", async () => {
  const emeaSecret = 'replay-test-emea-secret-0123456789ab';
  const quarantine = await emulator.createQueue('replay-q');
  const relay = await startRelay(quarantine, { env: { DROAM_SOURCES: 'emea', DROAM_SOURCE_API_SECRETS: `emea=${emeaSecret}` } });
  const signer = { secret: emeaSecret, issue: { stage: TEST_STAGE, issuedAt: Math.floor(Date.now() / 1000) } };
  const kept = await sqsQuarantine(quarantine.url, 5_000)({ ...record(POOL_BODY, { reason: 'publish_rejected' }), droam_source: 'emea' }, signer);
  if (!kept.ok) throw new Error(kept.error);
  await keep(quarantine, record(POOL_BODY, { reason: 'publish_rejected', request_id: 'default-source' }));

  const emea = await replay(['--queue-url', quarantine.url, '--url', relay.url, '--source', 'emea', '--secret', emeaSecret]);
  expect(emea.stdout).toMatch(/→ published: published as \S+/);
  expect(emea.stdout).toContain('replay: 1 record(s): 1 published; 1 record(s) of other dRoam sources left for their own run (--source NAME)');
  expect(emea.code).toBe(0);
  expect(relay.requests).toHaveLength(1);
  const [published] = await emulator.receiveAll(relay.tail, { expect: 1 });
  expect(published?.attributes.droam_source?.StringValue).toBe('emea');
  expect((await peek(quarantine)).map((left) => left.record?.request_id)).toEqual(['default-source']);

  const rest = await replay(['--queue-url', quarantine.url, '--url', relay.url]);
  expect(rest.stdout).toContain('replay: 1 record(s): 1 published\n');
  expect(await peek(quarantine)).toEqual([]);
}, 60_000);

test('a skipped answer is not success: the record stays and the run says so', async () => {
  const quarantine = await emulator.createQueue('replay-q');
  const relay = await startRelay(quarantine, { env: { EVENT_TYPES: 'company.updated' } });
  await keep(quarantine, record(POOL_BODY));

  const result = await replay(['--queue-url', quarantine.url, '--url', relay.url]);
  expect(result.stdout).toMatch(/→ skipped: this stage does not publish rule\.pool\.usage\.triggered/);
  expect(result.stdout).toMatch(/1 skipped; 1 left in the queue/);
  expect(result.code).toBe(1);
  expect(await peek(quarantine)).toHaveLength(1);
}, 60_000);

test('a refusal the relay did not keep leaves the record in the queue', async () => {
  const quarantine = await emulator.createQueue('replay-q');
  const relay = await startRelay(quarantine, { keep: false });
  await keep(quarantine, record(INVALID_BODY));

  const result = await replay(['--queue-url', quarantine.url, '--url', relay.url]);
  expect(result.stdout).toMatch(/→ failed: 422 /);
  expect(result.code).toBe(1);
  expect((await peek(quarantine)).map((left) => left.record?.request_id)).toEqual(['first-delivery']);
}, 60_000);

test('with pinned header names, the header-name flags sign as the relay expects', async () => {
  const quarantine = await emulator.createQueue('replay-q');
  const pinned = { DROAM_TIMESTAMP_HEADER: 'x-droam-timestamp', DROAM_HASH_HEADER: 'x-droam-signature' };
  const relay = await startRelay(quarantine, { env: pinned });
  await keep(quarantine, record(POOL_BODY));
  await keep(quarantine, record(POOL_BODY, { request_id: 'second' }));

  const unpinned = await replay(['--queue-url', quarantine.url, '--url', relay.url]);
  expect(unpinned.stdout).toMatch(/→ unauthorized/);
  // The first 401 ends the run: every other record would be refused the same way.
  expect(relay.requests).toHaveLength(1);
  expect(unpinned.code).toBe(1);
  expect(await peek(quarantine)).toHaveLength(2);

  const flagged = await replay([
    '--queue-url',
    quarantine.url,
    '--url',
    relay.url,
    '--timestamp-header',
    'X-Droam-Timestamp',
    '--hash-header',
    'x-droam-signature',
  ]);
  expect(flagged.stdout).toMatch(/2 record\(s\): 2 published\n/);
  expect(flagged.code).toBe(0);
  expect(await peek(quarantine)).toEqual([]);
}, 60_000);

test('--dry-run lists every record and changes nothing', async () => {
  const quarantine = await emulator.createQueue('replay-q');
  const relay = await startRelay(quarantine);
  const ids = Array.from({ length: 12 }, (_unused, n) => `delivery-${String(n)}`);
  for (const id of ids) await keep(quarantine, record(INVALID_BODY, { request_id: id }));

  const result = await replay(['--queue-url', quarantine.url, '--url', relay.url, '--dry-run']);
  expect(result.code).toBe(0);
  for (const id of ids) expect(result.stdout).toContain(`(request ${id})`);
  expect(result.stdout).toContain('replay (dry run, nothing changed): 12 record(s): 12 listed');
  expect(relay.requests).toEqual([]);
  expect((await peek(quarantine)).map((left) => left.record?.request_id).sort()).toEqual([...ids].sort());
}, 60_000);

test('malformed, untagged and altered records are reported and skipped; the rest is replayed', async () => {
  const quarantine = await emulator.createQueue('replay-q');
  const relay = await startRelay(quarantine);
  const forged = asciiJson(record(Buffer.from('{"type":"payment.created","data":{"amount":"1000000"}}')));
  const send = (body: string, tag?: string) =>
    emulator.sqs.send(
      new SendMessageCommand({
        QueueUrl: quarantine.url,
        MessageBody: body,
        ...(tag === undefined ? {} : { MessageAttributes: { integrity_tag: { DataType: 'String', StringValue: tag } } }),
      }),
    );
  await send('not a record at all');
  await send(forged);
  await send(forged.replace('first-delivery', 'other-delivery'), integrityTag(SECRET, 'quarantine-record', forged, { stage: TEST_STAGE, issuedAt: 1 }));
  await keep(quarantine, record(POOL_BODY));

  const result = await replay(['--queue-url', quarantine.url, '--url', relay.url]);
  expect(result.stdout).toMatch(/malformed: the message is not JSON/);
  expect(result.stdout).toMatch(/refused: the message carries no integrity tag/);
  expect(result.stdout).toMatch(/refused: the message carries an integrity tag that matches it under no accepted secret/);
  expect(result.stdout).toMatch(/4 record\(s\): 1 published, 2 refused, 1 malformed; 3 left in the queue/);
  expect(result.code).toBe(1);
  expect(relay.requests.map((request) => request.body.equals(POOL_BODY))).toEqual([true]);
  expect(await peek(quarantine)).toHaveLength(3);
}, 60_000);

describe('a replay stays in its stage', () => {
  test("a record of another stage in the queue is refused and left; the stage's own are replayed", async () => {
    const quarantine = await emulator.createQueue('replay-q');
    const relay = await startRelay(quarantine);
    // One secret for two stages: the prod record's tag verifies, and names prod.
    await keep(quarantine, record(POOL_BODY, { stage: 'prod', request_id: 'prod-delivery' }));
    await keep(quarantine, record(POOL_BODY));

    const result = await replay(['--queue-url', quarantine.url, '--url', relay.url]);
    expect(result.stdout).toMatch(/refused: the message was tagged by the relay of stage prod, not of test/);
    expect(result.stdout).toMatch(/2 record\(s\): 1 published, 1 refused; 1 left in the queue/);
    expect(result.code).toBe(1);
    expect(relay.requests).toHaveLength(1);
    expect((await peek(quarantine)).map((left) => left.record?.request_id)).toEqual(['prod-delivery']);
  }, 60_000);

  test('a relay of another stage refuses the replay (409): nothing is published there or deleted here, and the run stops', async () => {
    const quarantine = await emulator.createQueue('replay-q');
    const staging = await startRelay(quarantine, { env: { STAGE: 'staging' } });
    await keep(quarantine, record(POOL_BODY));
    await keep(quarantine, record(POOL_BODY, { request_id: 'second' }));

    const result = await replay(['--queue-url', quarantine.url, '--url', staging.url]);
    expect(result.stdout).toMatch(/→ other stage: 409: --url is another stage's relay; left in the queue/);
    expect(result.code).toBe(1);
    expect(staging.requests).toHaveLength(1);
    expect(await emulator.receiveAll(staging.tail)).toEqual([]);
    expect(await peek(quarantine)).toHaveLength(2);
  }, 60_000);
});
