import type { Context } from 'aws-lambda';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResponse } from '../../lib/relay/respond';
import { authHeaders, DOCUMENTED_SECRET, TEST_SECRET, TOPIC_ARN, v2Event, vendorExample } from '../support/unit/harness';

/**
 * functions/webhook.ts as Lambda loads it: configuration read once at cold
 * start from the environment, the real Powertools logger, the real SNS client
 * pointed by the SDK's own endpoint variables at a stand-in on 127.0.0.1.
 */

type Handler = (event: unknown, context?: Context) => Promise<HttpResponse>;

const RELAY_VARIABLES = [
  'STAGE',
  'TOPIC_ARN',
  'DROAM_API_SECRETS',
  'DROAM_API_SECRETS_PARAMETER',
  'DROAM_API_SECRETS_MAX_AGE_SECONDS',
  'DROAM_AUTH',
  'DROAM_TIMESTAMP_HEADER',
  'DROAM_HASH_HEADER',
  'DROAM_MAX_SKEW_SECONDS',
  'EVENT_SOURCE',
  'EVENT_TYPES',
  'ALLOWED_SOURCE_CIDRS',
  'QUARANTINE_QUEUE_URL',
  'IS_LOCAL',
  'IS_OFFLINE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SNS',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_PROFILE',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_TRACE_ENABLED',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'LAMBDA_TASK_ROOT',
  '_X_AMZN_TRACE_ID',
  'AWS_SESSION_TOKEN',
  'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT',
  'AWS_XRAY_DAEMON_ADDRESS',
];

/** The context Lambda hands the handler of a deployed stage's function. */
function lambdaContext(awsRequestId: string): Context {
  const functionName = 'droam-webhook-relay-prod-webhook';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/29/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    // The callback-era members (done, fail, succeed) are deprecated; nothing here calls them.
  } as Context;
}

let saved: NodeJS.ProcessEnv;

beforeEach(() => {
  saved = { ...process.env };
  for (const name of RELAY_VARIABLES) Reflect.deleteProperty(process.env, name);
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'unit';
  process.env.AWS_SECRET_ACCESS_KEY = 'unit';
});

afterEach(() => {
  process.env = saved;
});

/** Loads the function module fresh (a cold start) with the given environment. */
/** The function's cold start under `env` (the stage is serverless.yml's STAGE unless `env` says otherwise). */
async function coldStart(env: Record<string, string>): Promise<Handler> {
  Object.assign(process.env, { STAGE: 'prod', ...env });
  let handler: Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    const module = await import('../../functions/webhook');
    handler = module.handler;
  });
  if (handler === undefined) throw new Error('the module exported no handler');
  return handler;
}

/** The cold start's failure (the module is loaded in isolation, so its ConfigError class is its own). */
async function coldStartFailure(env: Record<string, string>): Promise<Error> {
  try {
    await coldStart(env);
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error('the cold start threw something that is not an Error', { cause: error });
  }
  throw new Error('the cold start succeeded');
}

/** Runs a request and returns the structured log lines (Powertools JSON with a level, on stdout or stderr) written meanwhile. */
async function invoke(handler: Handler, event: unknown, context?: Context): Promise<{ response: HttpResponse; lines: Record<string, unknown>[] }> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  let response: HttpResponse;
  try {
    response = await handler(event, context);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const lines = written
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => typeof line.level === 'string');
  return { response, lines };
}

describe('a deployed stage: the api secrets from the SSM SecureString, through the Parameters and Secrets extension', () => {
  const PARAMETER = '/droam-webhook-relay/prod/api-secrets';

  test('are read by the first request, decrypted, with the session token, and authenticate it; none is in the environment', async () => {
    const calls: { url: string | undefined; token: unknown }[] = [];
    // The extension, played on 127.0.0.1: it answers GetParameter's output.
    const extension = createServer((request, response) => {
      calls.push({ url: request.url, token: request.headers['x-aws-parameters-secrets-token'] });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Parameter: { Name: PARAMETER, Type: 'SecureString', Value: TEST_SECRET } }));
    });
    await new Promise<void>((resolve) => extension.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = extension.address() as AddressInfo;
      const handler = await coldStart({
        STAGE: 'prod',
        TOPIC_ARN,
        DROAM_API_SECRETS_PARAMETER: PARAMETER,
        AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9',
        AWS_SESSION_TOKEN: 'session-token',
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
      });
      // The extension answers only during invocations: nothing is read at cold start.
      expect(calls).toEqual([]);
      expect(Object.values(process.env)).not.toContain(TEST_SECRET);

      // Signed with the parameter's secret: authenticated, then the publish fails (nothing listens), so 503 publish_failed, not 401.
      const now = Math.floor(Date.now() / 1000);
      const { response } = await invoke(handler, v2Event(JSON.stringify(vendorExample()), authHeaders(TEST_SECRET, now)));
      expect(JSON.parse(response.body)).toMatchObject({ error: 'publish_failed' });
      expect(calls).toEqual([{ url: `/systemsmanager/parameters/get?name=${encodeURIComponent(PARAMETER)}&withDecryption=true`, token: 'session-token' }]);
    } finally {
      extension.closeAllConnections();
      await new Promise((resolve) => extension.close(resolve));
    }
  }, 20_000);
});

describe('cold start', () => {
  test('a bad configuration fails the cold start with one ConfigError naming every problem', async () => {
    const error = await coldStartFailure({ TOPIC_ARN: 'not-an-arn', DROAM_MAX_SKEW_SECONDS: 'soon' });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(/TOPIC_ARN[\s\S]*DROAM_API_SECRETS[\s\S]*DROAM_MAX_SKEW_SECONDS/);
  });

  test('the documented example secret stops a cold start outside IS_LOCAL / IS_OFFLINE, and the error does not show it', async () => {
    const error = await coldStartFailure({ TOPIC_ARN, DROAM_API_SECRETS: DOCUMENTED_SECRET });
    expect(error.name).toBe('ConfigError');
    expect(`${error.message} ${error.stack ?? ''}`).not.toContain(DOCUMENTED_SECRET);
  });

  test('the documented example secret is accepted under IS_OFFLINE=true (serverless-offline)', async () => {
    const handler = await coldStart({ TOPIC_ARN, DROAM_API_SECRETS: DOCUMENTED_SECRET, IS_OFFLINE: 'true' });
    expect(typeof handler).toBe('function');
  });

  test('a good configuration gives a handler that answers an echo and logs one JSON line', async () => {
    const handler = await coldStart({ TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET });
    const body = '{"type":"echo","echo_data":"cold:start:1"}';
    const { response, lines } = await invoke(handler, v2Event(body));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(body);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ outcome: 'echo', status: 200 });
    expect(typeof lines[0]?.duration_ms).toBe('number');
  });

  test('an unsigned event is 401 and logged once as a warning with the failure reason', async () => {
    const handler = await coldStart({ TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET });
    const { response, lines } = await invoke(handler, v2Event(JSON.stringify(vendorExample())));
    expect(response.statusCode).toBe(401);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'WARN', outcome: 'rejected', status: 401, error: 'unauthorized', auth_failure: 'no_timestamp_header' });
    expect(JSON.stringify(lines)).not.toContain(TEST_SECRET);
  });
});

describe('Powertools conventions', () => {
  test('with the Lambda context, every line carries the invocation: request id, cold start, function name, ARN and memory', async () => {
    // Lambda sets the initialization type; Powertools reports a cold start for on-demand instances only.
    const handler = await coldStart({ TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET, AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' });
    const first = await invoke(handler, v2Event('{"type":"echo","echo_data":"one"}'), lambdaContext('c6af9ac6-7b61-11e6-9a41-93e8deadbee1'));
    const second = await invoke(handler, v2Event(JSON.stringify(vendorExample())), lambdaContext('c6af9ac6-7b61-11e6-9a41-93e8deadbee2'));
    const invocation = {
      function_name: 'droam-webhook-relay-prod-webhook',
      function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:droam-webhook-relay-prod-webhook',
      function_memory_size: '512',
    };
    expect(first.lines).toEqual([
      expect.objectContaining({ ...invocation, outcome: 'echo', function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e8deadbee1', cold_start: true }),
    ]);
    expect(second.lines).toEqual([
      expect.objectContaining({ ...invocation, status: 401, function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e8deadbee2', cold_start: false }),
    ]);
  });

  test('POWERTOOLS_LOG_LEVEL (the logLevel param) sets the lowest level written', async () => {
    const handler = await coldStart({ TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET, POWERTOOLS_LOG_LEVEL: 'WARN' });
    const echo = await invoke(handler, v2Event('{"type":"echo","echo_data":"quiet"}'), lambdaContext('c6af9ac6-7b61-11e6-9a41-93e8deadbee3'));
    expect(echo.response.statusCode).toBe(200);
    expect(echo.lines.filter((line) => line.level === 'INFO')).toEqual([]);
    const unsigned = await invoke(handler, v2Event(JSON.stringify(vendorExample())), lambdaContext('c6af9ac6-7b61-11e6-9a41-93e8deadbee4'));
    expect(unsigned.lines).toEqual([expect.objectContaining({ level: 'WARN', status: 401 })]);
  });
});

describe('publishing through the SDK endpoint override (no home-made variable)', () => {
  interface Received {
    readonly form: URLSearchParams;
  }
  let server: Server;
  let endpoint = '';
  const received: Received[] = [];
  let answer: (response: ServerResponse) => void = () => undefined;

  const published = (response: ServerResponse): void => {
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>7b1c2e4f-stand-in</MessageId></PublishResult>' +
        '<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
    );
  };

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
        answer(response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = typeof address === 'object' && address !== null ? `http://127.0.0.1:${String(address.port)}` : '';
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  beforeEach(() => {
    received.length = 0;
    answer = published;
  });

  const signedPool = () => v2Event(JSON.stringify(vendorExample()), authHeaders(TEST_SECRET, Math.floor(Date.now() / 1000)));

  test.each(['AWS_ENDPOINT_URL_SNS', 'AWS_ENDPOINT_URL'])('%s: a signed event is published there and answered 200 with its MessageId', async (variable) => {
    const handler = await coldStart({ TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET, [variable]: endpoint });
    const { response, lines } = await invoke(handler, signedPool());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ id: expect.any(String) as unknown, message_id: '7b1c2e4f-stand-in' });
    expect(received).toHaveLength(1);
    const form = received[0]?.form;
    expect(form?.get('Action')).toBe('Publish');
    expect(form?.get('TopicArn')).toBe(TOPIC_ARN);
    expect(JSON.parse(form?.get('Message') ?? '{}')).toMatchObject({ specversion: '1.0', type: 'rule.pool.usage.triggered' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'INFO', outcome: 'published', status: 200, type: 'rule.pool.usage.triggered', message_id: '7b1c2e4f-stand-in' });
  });

  describe('X-Ray tracing (the tracing param, as POWERTOOLS_TRACE_ENABLED)', () => {
    let daemon: Socket;
    const datagrams: string[] = [];
    let tracerLoads = 0;

    beforeAll(async () => {
      daemon = createSocket('udp4');
      daemon.on('message', (message) => datagrams.push(message.toString('utf8')));
      await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    });

    afterAll(() => {
      daemon.close();
    });

    beforeEach(() => {
      datagrams.length = 0;
      tracerLoads = 0;
      jest.doMock('../../lib/observability/tracer', () => {
        tracerLoads += 1;
        return jest.requireActual<typeof import('../../lib/observability/tracer')>('../../lib/observability/tracer');
      });
    });

    afterEach(() => {
      jest.dontMock('../../lib/observability/tracer');
    });

    /** What Lambda sets in a sandbox whose function has active tracing, the daemon being this test's socket. */
    const tracedSandbox = (): Record<string, string> => ({
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: '/var/task',
      _X_AMZN_TRACE_ID: 'Root=1-674a1b2c-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${String(daemon.address().port)}`,
    });

    test('on: the SNS Publish call is sent to the X-Ray daemon as a subsegment of the invocation', async () => {
      const handler = await coldStart({
        TOPIC_ARN,
        DROAM_API_SECRETS: TEST_SECRET,
        AWS_ENDPOINT_URL_SNS: endpoint,
        POWERTOOLS_TRACE_ENABLED: 'true',
        ...tracedSandbox(),
      });
      const { response } = await invoke(handler, signedPool(), lambdaContext('c6af9ac6-7b61-11e6-9a41-93e8deadbee5'));
      expect(response.statusCode).toBe(200);
      expect(tracerLoads).toBe(1);
      await waitFor(() => datagrams.length > 0);
      const subsegments = datagrams.map((datagram) => JSON.parse(datagram.split('\n')[1] ?? '{}') as Record<string, unknown>);
      expect(subsegments).toContainEqual(
        expect.objectContaining({
          name: 'SNS',
          namespace: 'aws',
          trace_id: '1-674a1b2c-0123456789abcdef01234567',
          parent_id: '53995c3f42cd8ad8',
          aws: expect.objectContaining({ operation: 'Publish' }) as unknown,
        }),
      );
    });

    test("on: the quarantine's SQS SendMessage call is traced too", async () => {
      const handler = await coldStart({
        TOPIC_ARN,
        DROAM_API_SECRETS: TEST_SECRET,
        QUARANTINE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/droam-webhook-relay-prod-quarantine',
        AWS_ENDPOINT_URL_SQS: endpoint,
        POWERTOOLS_TRACE_ENABLED: 'true',
        ...tracedSandbox(),
      });
      const invalid = vendorExample();
      invalid.data.pool.uuid = 'not-a-uuid';
      await invoke(
        handler,
        v2Event(JSON.stringify(invalid), authHeaders(TEST_SECRET, Math.floor(Date.now() / 1000))),
        lambdaContext('c6af9ac6-7b61-11e6-9a41-93e8deadbee7'),
      );
      await waitFor(() => datagrams.some((datagram) => datagram.includes('"SQS"')));
      const subsegments = datagrams.map((datagram) => JSON.parse(datagram.split('\n')[1] ?? '{}') as Record<string, unknown>);
      expect(subsegments).toContainEqual(expect.objectContaining({ name: 'SQS', aws: expect.objectContaining({ operation: 'SendMessage' }) as unknown }));
    });

    test('off: the tracer is never loaded and nothing reaches the daemon', async () => {
      const handler = await coldStart({ TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET, AWS_ENDPOINT_URL_SNS: endpoint, ...tracedSandbox() });
      const { response } = await invoke(handler, signedPool(), lambdaContext('c6af9ac6-7b61-11e6-9a41-93e8deadbee6'));
      expect(response.statusCode).toBe(200);
      expect(tracerLoads).toBe(0);
      expect(datagrams).toEqual([]);
    });
  });

  test('SNS answering 500 twice gives 503 publish_failed with Retry-After', async () => {
    answer = (response) => {
      response.writeHead(500, { 'content-type': 'text/xml' });
      response.end(
        '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>oops</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      );
    };
    const handler = await coldStart({ TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET, AWS_ENDPOINT_URL_SNS: endpoint });
    const { response, lines } = await invoke(handler, signedPool());
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'publish_failed' });
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(lines).toHaveLength(1);
  });
});

/** Polls a condition for up to two seconds. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
}
