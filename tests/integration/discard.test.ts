/**
 * `npm run discard` (scripts/discard.mts, run through tsx as npm runs it) against the emulator's queue:
 * it removes the one record named, leaves every other as it was, and prints one audit line saying which
 * record, who removed it and why, without its body.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type QuarantineRecord, sqsQuarantine } from '../../lib/queues/quarantine';
import { Emulator, type Queue } from '../support/integration/aws';
import { bodyOf, loadEvent } from '../support/integration/events';
import { childEnv, type Finished, runScript } from '../support/integration/processes';

const SECRET = 'discard-test-secret-0123456789abcdef';
const STAGE = 'prod';
const emulator = new Emulator();
const saved = { ...process.env };

beforeAll(() => {
  // The quarantine writer's SQS client is configured like the deployed one: region, credentials and endpoint from the environment.
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_SQS: emulator.endpoint });
});

afterAll(() => {
  process.env = saved;
  emulator.destroy();
});

function discard(args: readonly string[]): Promise<Finished> {
  return runScript('scripts/discard.mts', args, { env: childEnv({ AWS_ENDPOINT_URL_SQS: emulator.endpoint, DROAM_API_SECRETS: SECRET }), timeoutMs: 30_000 });
}

function record(file: string, requestId: string): QuarantineRecord {
  return {
    stage: STAGE,
    received_at: '2026-11-01T08:00:00.000Z',
    reason: 'invalid_payload',
    request_id: requestId,
    source_ip: '198.51.100.7',
    headers: { 'content-type': 'application/json' },
    issues: [{ path: 'data.pool.uuid', message: 'Required field is missing' }],
    attempt: 1,
    body_base64: bodyOf(loadEvent(file)).toString('base64'),
  };
}

/** Every record's message id and request id, left in the queue as it was. */
async function peek(queue: Queue): Promise<{ id: string; requestId: string }[]> {
  const seen = new Map<string, { requestId: string; handle: string }>();
  for (;;) {
    const { Messages = [] } = await emulator.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    if (Messages.length === 0) break;
    for (const message of Messages) {
      seen.set(message.MessageId ?? '', {
        requestId: (JSON.parse(message.Body ?? '{}') as { request_id: string }).request_id,
        handle: message.ReceiptHandle ?? '',
      });
    }
  }
  for (const { handle } of seen.values())
    await emulator.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: handle, VisibilityTimeout: 0 }));
  return [...seen.entries()].map(([id, { requestId }]) => ({ id, requestId })).sort((a, b) => a.requestId.localeCompare(b.requestId));
}

describe('npm run discard', () => {
  let queue: Queue;
  let ids: { id: string; requestId: string }[];
  let removed: Finished;
  let again: Finished;

  beforeAll(async () => {
    queue = await emulator.createQueue('discard');
    const keep = sqsQuarantine(queue.url, 5_000);
    for (const [file, requestId] of [
      ['error-invalid-payload.json', 'first'],
      ['pool-usage.json', 'second'],
      ['company-updated.json', 'third'],
    ] as const) {
      const kept = await keep(record(file, requestId), { secret: SECRET, issue: { stage: STAGE, issuedAt: Math.floor(Date.now() / 1000) } });
      if (!kept.ok) throw new Error(kept.error);
    }
    ids = await peek(queue);
    const second = ids.find((entry) => entry.requestId === 'second')?.id ?? '';
    removed = await discard(['--queue-url', queue.url, '--id', second, '--reason', 'erasure request 2026-118']);
    again = await discard(['--queue-url', queue.url, '--id', second, '--reason', 'erasure request 2026-118']);
  }, 60_000);

  it('removes the record named and prints one audit line: which record, who, why, and a digest of its body instead of the body', () => {
    // Its stderr holds at most the AWS SDK's notice about Node.js 20.
    expect({ code: removed.code, complaints: removed.stderr.match(/^discard: .*/m) }).toEqual({ code: 0, complaints: null });
    const lines = removed.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const second = ids.find((entry) => entry.requestId === 'second')?.id;
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      action: 'quarantine record discarded',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      queue_url: queue.url,
      message_id: second,
      by: { principal: 'local emulator (no AWS principal)', user: os.userInfo().username },
      why: 'erasure request 2026-118',
      record: {
        stage: STAGE,
        reason: 'invalid_payload',
        received_at: '2026-11-01T08:00:00.000Z',
        request_id: 'second',
        attempt: 1,
        body_sha256: createHash('sha256')
          .update(bodyOf(loadEvent('pool-usage.json')))
          .digest('hex'),
        message_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
        integrity_tag: 'verified',
      },
    });
    expect(removed.stdout).not.toContain(bodyOf(loadEvent('pool-usage.json')).toString('base64'));
  });

  it('leaves every other record in the queue, visible', async () => {
    expect((await peek(queue)).map((entry) => entry.requestId)).toEqual(['first', 'third']);
  });

  it('reports a record it cannot find, and removes nothing (exit 1)', async () => {
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^discard: no record [\w-]+ in /m);
    expect(again.stdout).toBe('');
    expect(await peek(queue)).toHaveLength(2);
  });

  it('refuses to remove anything without a reason (exit 2)', async () => {
    const refused = await discard(['--queue-url', queue.url, '--id', ids[0]?.id ?? '']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('discard: say why with --reason TEXT: it is kept in the audit line (npm run discard -- --help for usage)');
    expect(await peek(queue)).toHaveLength(2);
  });
});
