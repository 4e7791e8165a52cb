/**
 * A read of the api secrets past its deadline, with a real SSM client against an endpoint on 127.0.0.1 that
 * accepts and never answers: the read ends at its deadline and its SDK call with it (the connection closed,
 * no further attempt), though the client would wait 30 s and try again.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ssmApiSecrets } from '../../lib/api-secrets/ssm';

const PARAMETER = { name: '/droam-webhook-relay/prod/api-secrets', maxAgeSeconds: 300 };
const FIRST_READ_DEADLINE_MS = 150;

let server: Server;
const open = new Set<Socket>();
let accepted = 0;
let endpoint = '';

beforeAll(async () => {
  server = createServer((socket) => {
    accepted += 1;
    open.add(socket); // accept, read, never answer
    socket.resume();
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = typeof address === 'object' && address !== null ? `http://127.0.0.1:${String(address.port)}` : '';
});

afterAll(async () => {
  for (const socket of open) socket.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
});

test('a first read past its deadline fails then, and its SDK call stops: the connection is closed and no attempt follows', async () => {
  const client = new SSMClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
    maxAttempts: 4,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
  });
  const secrets = ssmApiSecrets(client, PARAMETER, {
    local: false,
    deadlineMs: 50,
    firstReadDeadlineMs: FIRST_READ_DEADLINE_MS,
    retryAfterFailureMs: 10_000,
    retryWithoutValueMs: { min: 100, max: 500 },
    now: Date.now,
    random: () => 0.5,
  });
  const started = Date.now();
  const result = await secrets();
  expect(result).toEqual({ ok: false, reason: expect.stringContaining(`within ${String(FIRST_READ_DEADLINE_MS)} ms`) as unknown });
  expect(Date.now() - started).toBeLessThan(FIRST_READ_DEADLINE_MS + 1_000);

  const closedBy = Date.now() + 1_000;
  while (open.size > 0 && Date.now() < closedBy) await new Promise((resolve) => setTimeout(resolve, 10));
  // Time for a retry the SDK would have made had the call gone on.
  await new Promise((resolve) => setTimeout(resolve, 300));
  client.destroy();
  expect(open.size).toBe(0);
  expect(accepted).toBe(1);
});
