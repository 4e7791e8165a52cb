/**
 * A read of the api secrets past its deadline, against an extension on 127.0.0.1 that accepts the HTTP
 * request and never answers: the read ends at its deadline and its request with it (the connection
 * closed, no further attempt), though the read may make several attempts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { extensionApiSecrets } from '../../lib/api-secrets/extension';
import { SECRETS_READ_BACK_OFF_BASE_MS } from '../../lib/lambda/clients';

const PARAMETER = { name: '/droam-webhook-relay/prod/api-secrets', maxAgeSeconds: 300 };
const FIRST_READ_DEADLINE_MS = 150;

let server: Server;
const open = new Set<Socket>();
let accepted = 0;
let port = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    accepted += 1;
    open.add(socket); // accept, read, never answer
    socket.resume();
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
  for (const socket of open) socket.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
});

test('a first read past its deadline fails then, and its HTTP request to the extension is cancelled: the connection is closed and no attempt follows', async () => {
  const secrets = extensionApiSecrets(PARAMETER, {
    host: '127.0.0.1',
    port,
    sessionToken: 'unit-session-token',
    local: false,
    deadlineMs: 50,
    firstReadDeadlineMs: FIRST_READ_DEADLINE_MS,
    maxAttempts: 4,
    backOffBaseMs: SECRETS_READ_BACK_OFF_BASE_MS,
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
  // Time for an attempt that would have followed had the read gone on.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(open.size).toBe(0);
  expect(accepted).toBe(1);
});
