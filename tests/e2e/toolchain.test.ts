/**
 * Through the real toolchain, as a user runs it: `npm run invoke` (sls invoke
 * local, bundled by esbuild, against an emulator of its own), plain
 * `sls invoke local` with and without an emulator already running, and
 * serverless-offline serving HTTP in front of the function, publishing to a
 * topic of the test run's emulator. One file, so that no two of them bundle
 * into .esbuild/ at the same time.
 */
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Emulator, plainAttributes, type Queue } from '../support/integration/aws';
import { asciiJson, integrityTag } from '../../lib/queues/integrity';
import { bodyOf, DOCUMENTED_SECRET, loadEvent, payloadOf, ROOT } from '../support/integration/events';
import { freePort } from '../support/integration/net';
import { childEnv, jsonBlocks, printedRecords, run, runScript, startNpmStart, type NpmStart, type PrintedRecord } from '../support/integration/processes';
import { LOCAL_STAGE } from '../../tools/local-stage';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { checkTemplate, type Template } from '../support/template/spec-check';
import type { ErrorCode, Outcome } from '../../lib/relay/outcome';
import { report } from '../../lib/relay/report';
import { partitionPrefix, toArchivedMessage } from '../../lib/archive/archive';
import { payloadTypes } from '../../lib/contract';
import { condition, resolve, type Template as ResolvableTemplate } from '../support/cloudformation';
import { type Caller, keyPermits, permits, writables, writers } from '../support/template/writers';
import os from 'node:os';
import path from 'node:path';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('npm run invoke -- events/pool-usage-vendor-example.json', () => {
  let stdout: string;
  let stderr: string;
  let response: { statusCode: number; headers: Record<string, string>; body: string };
  let published: PrintedRecord[];

  beforeAll(async () => {
    const result = await runScript('scripts/invoke.mts', ['events/pool-usage-vendor-example.json'], { timeoutMs: 45_000 });
    ({ stdout, stderr } = result);
    if (result.code !== 0) throw new Error(`invoke exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
    response = jsonBlocks(stdout).find((b) => typeof b === 'object' && b !== null && 'statusCode' in b) as typeof response;
    published = printedRecords(stdout);
  }, 60_000);

  it('prints the response: 200 with the event id and the SNS message id', () => {
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(body).toEqual({ id: expect.stringMatching(UUID) as unknown, message_id: expect.any(String) as unknown });
  });

  it('names the emulator it started as its own, never a running npm start', () => {
    expect(stderr).toMatch(/^invoke: started its own SNS\/SQS emulator on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(stderr).toContain('(npm run invoke prints what is published)');
    expect(stderr).not.toContain('npm start');
  });

  it("prints the request's log line with the Lambda invocation on it: function_request_id, cold_start, the function", () => {
    const lines = stdout
      .split('\n')
      .filter((line) => line.startsWith('{"level"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'event published',
        function_request_id: expect.stringMatching(UUID) as unknown,
        cold_start: true,
        function_name: 'droam-webhook-relay-local-webhook',
      }),
    );
  });

  it('prints the one CloudEvent published, its text as published, with its attributes', () => {
    expect(stdout).toMatch(/Published on arn:aws:sns:us-east-1:\d{12}:[\w-]+: 1 message\(s\)/);
    expect(published).toHaveLength(1);
    const { id } = JSON.parse(response.body) as { id: string };
    expect(published[0]?.attributes).toEqual({
      event_type: 'rule.pool.usage.triggered (String)',
      event_id: `${id} (String)`,
      droam_source: 'default (String)',
      pool_uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55 (String)',
      rule_uuid: '1711929600 (String)',
      current_usage_kb: '51200 (Number)',
      // The local stage's relay, the second it published, the HMAC.
      integrity_tag: expect.stringMatching(/^local\.\d+\.[A-Za-z0-9_-]{43} \(String\)$/) as unknown,
    });
    // The message text, byte for byte: members in the CloudEvents order, keys of data sorted, no white space.
    expect(published[0]?.text).toBe(
      `{"specversion":"1.0","id":"${id}","source":"droam","type":"rule.pool.usage.triggered","time":"2024-04-01T00:00:00Z",` +
        '"subject":"34160e3a-3492-4f6f-bbf6-c9a9be15ea55","datacontenttype":"application/json",' +
        '"dataschema":"urn:droam-webhook-relay:schema:event:rule.pool.usage.triggered",' +
        // dRoam's created_at as sent (its human fields included), the unix timestamp normalised.
        '"droamenvelope":"{\\"created_at\\":{\\"human_date\\":\\"2024-06-12\\",\\"human_time\\":\\"17:25:11\\",\\"timezone\\":\\"UTC\\",\\"unix_timestamp\\":1711929600}}",' +
        '"correlationid":"Qx1aAjd2IAMEV1A=",' +
        '"data":{"pool":{"current_usage_kb":51200,"name":"Pool Name","uuid":"34160e3a-3492-4f6f-bbf6-c9a9be15ea55"},' +
        '"rule":{"description":"Send notification to email when usage reaches 100MB","name":"Rule for refills","uuid":"1711929600"}}}',
    );
  });
});

describe('npm run invoke on an event the relay refuses', () => {
  it('exits 1, saying the function answered 401, and publishes nothing', async () => {
    const result = await runScript('scripts/invoke.mts', ['events/error-unauthorized.json'], { timeoutMs: 45_000 });
    expect(result.stderr).toMatch(/^invoke: the function answered 401: refused$/m);
    expect(result.stdout).toContain('Published on arn:aws:sns:us-east-1:000000000000:droam-webhook-relay-local: 0 message(s)');
    expect(result.code).toBe(1);
  }, 60_000);
});

describe('npx sls invoke local -f webhook -p events/pool-usage.json, with no emulator running', () => {
  let port: number;
  let stdout: string;
  let stderr: string;

  beforeAll(async () => {
    // The local stage's emulator moved to a free port (LOCAL_EMULATOR_PORT, read by .env.local): 4566 may be a developer's `npm start`.
    port = await freePort();
    const result = await run('node_modules/.bin/sls', ['invoke', 'local', '-f', 'webhook', '-p', 'events/pool-usage.json'], {
      env: childEnv({ LOCAL_EMULATOR_PORT: String(port) }),
      timeoutMs: 60_000,
    });
    ({ stdout, stderr } = result);
    if (result.code !== 0) throw new Error(`sls invoke local exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }, 90_000);

  it('answers 200 and prints the CloudEvent it published on the local topic', () => {
    const response = jsonBlocks(stdout).find((b) => typeof b === 'object' && b !== null && 'statusCode' in b) as { statusCode: number; body: string };
    // The Framework writes its notices on stderr.
    expect(stderr).toContain(`Started an SNS/SQS emulator on http://127.0.0.1:${String(port)}`);
    expect(response.statusCode).toBe(200);
    expect(stdout).toContain('Published on arn:aws:sns:us-east-1:000000000000:droam-webhook-relay-local: 1 message(s)');
    const { id } = JSON.parse(response.body) as { id: string };
    expect(printedRecords(stdout).map((p) => JSON.parse(p.text) as unknown)).toEqual([
      expect.objectContaining({
        id,
        type: 'rule.pool.usage.triggered',
        subject: '7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14',
        data: payloadOf(loadEvent('pool-usage.json')).data,
      }),
    ]);
  });

  it('stops the emulator it started', async () => {
    expect(await accepts(port)).toBe(false);
  });
});

describe('npx sls invoke local while an emulator listens at the local stage address (npm start)', () => {
  const emulator = new Emulator();
  let queue: Queue;
  let stdout: string;
  let stderr: string;

  beforeAll(async () => {
    const created = await emulator.topicWithQueue('invoke-running');
    queue = created.queue;
    const quarantine = await emulator.createQueue('invoke-running-quarantine');
    const result = await run('node_modules/.bin/sls', ['invoke', 'local', '-f', 'webhook', '-p', 'events/pool-usage.json'], {
      env: childEnv({
        AWS_ENDPOINT_URL_SNS: emulator.endpoint,
        AWS_ENDPOINT_URL_SQS: emulator.endpoint,
        LOCAL_TOPIC_ARN: created.topicArn,
        LOCAL_QUARANTINE_QUEUE_URL: quarantine.url,
      }),
      timeoutMs: 60_000,
    });
    ({ stdout, stderr } = result);
    if (result.code !== 0) throw new Error(`sls invoke local exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }, 90_000);

  afterAll(() => {
    emulator.destroy();
  });

  it('publishes to that emulator and starts none of its own', async () => {
    expect(stderr).toContain(
      `Using the SNS/SQS emulator already listening on ${emulator.endpoint}, which has the local topic (npm start prints what is published)`,
    );
    expect(stderr).not.toContain('Started an SNS/SQS emulator');
    expect(stdout).not.toContain('Published on');
    const response = jsonBlocks(stdout).find((b) => typeof b === 'object' && b !== null && 'statusCode' in b) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    const { id } = JSON.parse(response.body) as { id: string };
    const received = await emulator.receiveAll(queue, { expect: 1 });
    expect(received.map((m) => (JSON.parse(m.body) as { id: string }).id)).toEqual([id]);
  });
});

describe('npx sls invoke local when something else listens at the local stage address (LocalStack, say)', () => {
  it('refuses before the function runs, saying so and how to move the local stage to another port', async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const result = await run('node_modules/.bin/sls', ['invoke', 'local', '-f', 'webhook', '-p', 'events/pool-usage.json'], {
        env: childEnv({ LOCAL_EMULATOR_PORT: String(port) }),
        timeoutMs: 60_000,
      });
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toContain(`Something else listens on http://127.0.0.1:${port}: it has no topic`);
      expect(result.stdout + result.stderr).toContain('LOCAL_EMULATOR_PORT=4567 npx sls invoke local');
      expect(result.stdout).not.toContain('statusCode');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 90_000);
});

describe('npm start (the emulator, serverless-offline and the tail of the topic, on ports of its own)', () => {
  let started: NpmStart | undefined;
  let emulator: Emulator;
  let queue: Queue;
  let quarantine: Queue;
  let ports: { emulatorPort: number; httpPort: number; lambdaPort: number };

  beforeAll(async () => {
    ports = { emulatorPort: await freePort(), httpPort: await freePort(), lambdaPort: await freePort() };
    started = await startNpmStart({ ...ports, env: childEnv(), readyTimeoutMs: 60_000 });
    // A queue of the test's own on npm start's topic, to see each message as SNS delivered it.
    emulator = new Emulator(started.emulatorEndpoint);
    queue = await emulator.createQueue('npm-start');
    await emulator.subscribe('arn:aws:sns:us-east-1:000000000000:droam-webhook-relay-local', queue, { raw: true });
    const { QueueUrl = '' } = await emulator.sqs.send(new GetQueueUrlCommand({ QueueName: 'droam-webhook-relay-local-quarantine' }));
    quarantine = { url: QueueUrl, arn: '' };
  }, 90_000);

  afterAll(() => {
    started?.kill();
    emulator.destroy();
  }, 15_000);

  const relayUrl = (): string => `${started?.url ?? ''}/webhooks/droam`;

  /** POSTs a sample's body with its headers, as dRoam would. */
  async function post(file: string): Promise<Response> {
    const event = loadEvent(file);
    const headers = Object.fromEntries(Object.entries(event.headers).filter(([name]) => !['host', 'content-length'].includes(name.toLowerCase())));
    return fetch(relayUrl(), { method: 'POST', headers, body: bodyOf(event), signal: AbortSignal.timeout(15_000) });
  }

  /** The tail's records printed since `from` characters of stdout, waiting up to 10 s for `count`. */
  async function tail(from: number, count: number): Promise<PrintedRecord[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const records = printedRecords((started?.stdout() ?? '').slice(from));
      if (records.length >= count || Date.now() > deadline) return records;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('publishes a signed pool event POSTed to /webhooks/droam and answers 200', async () => {
    const response = await post('pool-usage.json');
    const body = (await response.json()) as { id: string; message_id: string };
    expect(response.status).toBe(200);
    expect(body).toEqual({ id: expect.stringMatching(UUID) as unknown, message_id: expect.any(String) as unknown });

    const received = await emulator.receiveAll(queue, { expect: 1 });
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.body ?? '')).toMatchObject({
      specversion: '1.0',
      id: body.id,
      type: 'rule.pool.usage.triggered',
      subject: '7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14',
      data: payloadOf(loadEvent('pool-usage.json')).data,
    });
    expect(plainAttributes(received[0]?.attributes ?? {})).toMatchObject({ current_usage_kb: { DataType: 'Number', StringValue: '83886080' } });
  }, 30_000);

  it("npm run send posts a payload file's bytes as they are, and the tail prints the message text as published: 35.20 and a 20-digit integer as written", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'send-exact-'));
    try {
      // Numbers a double cannot hold as written, in fields no schema declares and in created_at.
      const payload =
        '{"type":"rule.pool.usage.triggered","data":{"rule":{"uuid":"1711929600","name":"Refills","description":"At 100 MB"},' +
        '"pool":{"uuid":"34160e3a-3492-4f6f-bbf6-c9a9be15ea55","name":"Pool","current_usage_kb":51200,"price":35.20,"counter":12345678901234567890}},' +
        '"created_at":{"unix_timestamp":1711929600,"human_time":"17:25:11","human_date":"2024-06-12","timezone":"UTC","offset_hours":1.10}}';
      writeFileSync(path.join(dir, 'payload.json'), payload);
      const from = started?.stdout().length ?? 0;
      const sent = await runScript('scripts/send.mts', ['--url', relayUrl(), path.join(dir, 'payload.json')], { timeoutMs: 20_000 });
      expect(sent.stdout).toMatch(/^200 /);
      const { id } = JSON.parse(sent.stdout.slice(4)) as { id: string };

      const [delivered] = await emulator.receiveAll(queue, { expect: 1 });
      expect(delivered?.body).toContain('"pool":{"counter":12345678901234567890,"current_usage_kb":51200,"name":"Pool","price":35.20,');
      expect(delivered?.body).toContain('\\"offset_hours\\":1.10,');
      const printed = await tail(from, 1);
      expect(printed.map((record) => record.text)).toEqual([delivered?.body]);
      expect(printed[0]?.attributes.event_id).toBe(`${id} (String)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('answers the echo validation with the request body byte for byte', async () => {
    const response = await post('echo-flat.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Buffer.from(await response.arrayBuffer()).equals(bodyOf(loadEvent('echo-flat.json')))).toBe(true);
    expect(await emulator.receiveAll(queue)).toEqual([]);
  }, 30_000);

  it('npm run send with a wrong secret is refused, and --echo validates the endpoint as dRoam does', async () => {
    const refused = await runScript('scripts/send.mts', ['--url', relayUrl(), '--secret', 'not-the-secret-of-this-stage', 'events/pool-usage.json'], {
      timeoutMs: 20_000,
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^401 .*"error":"unauthorized"/);
    const echo = await runScript('scripts/send.mts', ['--echo', '--url', relayUrl()], { timeoutMs: 20_000 });
    expect(echo.code).toBe(0);
    expect(echo.stdout).toContain('echo: valid (same body returned)');
    expect(await emulator.receiveAll(queue)).toEqual([]);
  }, 30_000);

  it('keeps an invalid payload in the quarantine queue, and npm run replay re-submits what is kept', async () => {
    const rejected = await runScript('scripts/send.mts', ['--url', relayUrl(), 'events/error-invalid-payload.json'], { timeoutMs: 20_000 });
    expect(rejected.stdout).toMatch(/^422 /);
    // A payload kept while, say, a schema was wrong: valid now, so a replay publishes it. The relay tags what it keeps.
    const kept = asciiJson({
      stage: 'local',
      received_at: new Date().toISOString(),
      reason: 'invalid_payload',
      request_id: 'earlier',
      source_ip: '203.0.113.10',
      headers: {},
      issues: [],
      attempt: 1,
      body_base64: bodyOf(loadEvent('pool-usage.json')).toString('base64'),
    });
    await emulator.sqs.send(
      new SendMessageCommand({
        QueueUrl: quarantine.url,
        MessageBody: kept,
        MessageAttributes: {
          integrity_tag: {
            DataType: 'String',
            StringValue: integrityTag(DOCUMENTED_SECRET, 'quarantine-record', kept, { stage: 'local', issuedAt: Math.floor(Date.now() / 1000) }),
          },
        },
      }),
    );

    const env = childEnv({ AWS_ENDPOINT_URL_SQS: emulator.endpoint });
    const dryRun = await runScript('scripts/replay.mts', ['--queue-url', quarantine.url, '--dry-run'], { env, timeoutMs: 30_000 });
    expect(dryRun.stdout).toContain('data.pool.uuid');
    expect(dryRun.stdout).toContain('(dry run, nothing changed): 2 record(s): 2 listed');

    const replay = await runScript('scripts/replay.mts', ['--queue-url', quarantine.url, '--url', relayUrl()], { env, timeoutMs: 30_000 });
    expect(replay.stdout).toMatch(/→ published/);
    expect(replay.stdout).toMatch(/→ kept again/);
    expect(replay.code).toBe(0);
    const published = await emulator.receiveAll(queue, { expect: 1 });
    expect(published.map((m) => (JSON.parse(m.body) as { subject: string }).subject)).toEqual(['7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14']);
    // The still-invalid one was refused and kept again, one attempt more; the valid one is gone.
    const left = await emulator.receiveAll(quarantine, { expect: 1 });
    expect(left.map((m) => JSON.parse(m.body) as { issues: { path: string }[]; attempt: number }).map((r) => [r.issues[0]?.path, r.attempt])).toEqual([
      ['data.pool.uuid', 2],
    ]);
  }, 60_000);

  it('passes an error status through: a wrong signature gets 401', async () => {
    const response = await post('error-unauthorized.json');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
    expect(await emulator.receiveAll(queue)).toEqual([]);
  }, 30_000);

  it('refuses to start a second time on the same emulator port, naming the option that moves it', async () => {
    const second = await runScript('scripts/start.mts', ['--emulator-port', String(ports.emulatorPort), '--http-port', String(await freePort())], {
      timeoutMs: 20_000,
    });
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe(
      `start: 127.0.0.1:${ports.emulatorPort} is taken by another process; it is the port for the SNS/SQS emulator (another npm start, or another emulator: LocalStack listens on 4566 too). Stop that process, or choose a free port with --emulator-port PORT`,
    );
  }, 30_000);

  it('stops everything it started on a SIGTERM to npm alone, as on Ctrl-C: no process left, every port free', async () => {
    await started?.terminate();
    const deadline = Date.now() + 10_000;
    while (started?.groupAlive() === true && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(started?.groupAlive()).toBe(false);
    for (const port of [ports.emulatorPort, ports.httpPort, ports.lambdaPort]) expect(await accepts(port)).toBe(false);
  }, 30_000);
});

/** The optional parts switched on, so the one packaging checks them too; each is off by default (checked below). */
const PACKAGE_PARAMS = {
  archive: 'true',
  domainName: 'hooks.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/example',
  hostedZoneId: 'Z0EXAMPLE',
  replayPublisherArn: 'arn:aws:iam::123456789012:role/operators',
  operatorRoleArn: 'arn:aws:iam::123456789012:role/relay-operator',
  logLevel: 'WARN',
  quarantineRetentionDays: '7',
};

describe(`npx sls package --stage prod ${Object.entries(PACKAGE_PARAMS)
  .map(([name, value]) => `--param=${name}=${value}`)
  .join(' ')} (no AWS credentials)`, () => {
  let dir: string;
  let template: Template;
  let text: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'relay-package-'));
    text = await packageProd(dir, PACKAGE_PARAMS);
    template = JSON.parse(text) as Template;
  }, 120_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const resource = (logicalId: string): Record<string, unknown> => {
    const found = template.Resources[logicalId];
    if (found === undefined) throw new Error(`the template has no ${logicalId}`);
    return found.Properties ?? {};
  };
  const ofType = (type: string): [string, Record<string, unknown>][] =>
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [id, r.Properties ?? {}]);

  it("passes AWS's CloudFormation specification: resource types, property names, types and required properties, Ref, Fn::GetAtt and Fn::Sub", () => {
    const check = checkTemplate(template);
    expect(check.problems).toEqual([]);
    expect(check.checkedValues).toBeGreaterThan(150);
  });

  it('compiles to the template in the snapshot, key for key (any change to what a deploy would do shows here as a difference)', () => {
    // What changes from one packaging to the next: the code's hashes, the version ids derived from them, the upload's timestamp.
    const stable = text
      .replace(/(\w+LambdaVersion)\w+/g, '$1<hash>')
      .replace(/"CodeSha256": "[^"]+"/g, '"CodeSha256": "<CodeSha256>"')
      .replace(/\/\d+-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z\//g, '/<timestamp>/');
    expect(JSON.parse(stable)).toMatchSnapshot();
  });

  it('declares the alarms an operator needs', () => {
    const metricOf = (properties: Record<string, unknown>): string => {
      const metrics = properties.Metrics as { MetricStat?: { Metric: { MetricName: string } }; Expression?: string }[] | undefined;
      if (metrics === undefined) return String(properties.MetricName);
      return metrics.map((m) => m.MetricStat?.Metric.MetricName ?? `(${m.Expression ?? ''})`).join(' ');
    };
    const alarms = ofType('AWS::CloudWatch::Alarm')
      .map(([name, p]) => `${name}:${metricOf(p)}`)
      .sort();
    expect(alarms).toEqual([
      'ArchiveDeadLetterAgeAlarm:ApproximateAgeOfOldestMessage',
      'ArchiveDeadLetterAlarm:ApproximateNumberOfMessagesVisible',
      'ArchiverDurationAlarm:Duration (100 * duration / (60 * 1000))',
      'FunctionErrorsAlarm:Errors',
      'Http5xxAlarm:5xx',
      'PublishFailuresAlarm:publish_failures',
      'QuarantineAgeAlarm:ApproximateAgeOfOldestMessage',
      'QuarantineDepthAlarm:ApproximateNumberOfMessagesVisible',
      'RetryDeadLetterAgeAlarm:ApproximateAgeOfOldestMessage',
      'RetryDeadLetterAlarm:ApproximateNumberOfMessagesVisible',
      'RetryDrainerDurationAlarm:Duration (100 * duration / (30 * 1000))',
      'RetryDrainerThrottlesAlarm:Throttles',
      'RetryQueueAgeAlarm:ApproximateAgeOfOldestMessage',
      'SecretsReadFailuresAlarm:secrets_read_failures',
      'ThrottledAlarm:throttled',
      'UnauthorizedBurstAlarm:rejected',
      'WebhookDurationAlarm:Duration (100 * duration / (10 * 1000))',
      'WebhookThrottlesAlarm:Throttles',
    ]);
  });

  describe('the api secret', () => {
    it('is nowhere in the template or a function environment: the webhook is told the SSM parameter, not the value', () => {
      // The only variables of a function's environment whose names speak of secrets that are not empty: where the secrets are.
      const SECRET_SETTINGS: Readonly<Record<string, string>> = {
        DROAM_API_SECRETS_PARAMETER: PARAMETER,
        DROAM_API_SECRETS_MAX_AGE_SECONDS: '300',
        DROAM_SOURCE_API_SECRETS_PARAMETER: '/droam-webhook-relay/prod/sources/{source}/api-secrets',
        // The extension's own cache is off: the function keeps a value for its maximum age itself.
        PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false',
      };
      expect(text).not.toContain(LOCAL_STAGE.apiSecret);
      expect(text).not.toContain('{{resolve:');
      expect(text).not.toMatch(/(?<![0-9a-f])[0-9a-f]{32,}(?![0-9a-f])/i);
      const env = environmentOf('WebhookLambdaFunction');
      expect(env.DROAM_API_SECRETS).toBe('');
      expect(env.DROAM_API_SECRETS_PARAMETER).toBe(PARAMETER);
      expect(env.DROAM_API_SECRETS_MAX_AGE_SECONDS).toBe('300');
      for (const [id] of ofType('AWS::Lambda::Function')) {
        for (const [name, value] of Object.entries(environmentOf(id))) {
          if (/SECRET/i.test(name)) expect([name, value]).toEqual([name, SECRET_SETTINGS[name] ?? '']);
        }
      }
    });

    it("the webhook role (and the publish-retry drainer, which checks tags with it) may read that parameter and the named sources' under the stage's path, and no SSM or Secrets Manager action anywhere else", () => {
      const statements = allRoleStatements().filter((s) => s.actions.some((a) => /^(ssm|secretsmanager):/.test(a)));
      expect(statements).toEqual([
        { role: 'WebhookRole', effect: 'Allow', actions: ['ssm:GetParameter'], resource: PARAMETER_ARNS, condition: undefined },
        { role: 'RetryDrainerRole', effect: 'Allow', actions: ['ssm:GetParameter'], resource: PARAMETER_ARNS, condition: undefined },
      ]);
    });

    it('its key encrypts for the operator role alone, through SSM and for that parameter: nobody else can put the secret', () => {
      const key = (resolve(template as unknown as ResolvableTemplate, resource('ApiSecretsKey').KeyPolicy) ?? {}) as Parameters<typeof keyPermits>[0];
      const context = {
        'kms:ViaService': 'ssm.us-east-1.amazonaws.com',
        'kms:EncryptionContext:PARAMETER_ARN': `arn:aws:ssm:us-east-1:123456789012:parameter${PARAMETER}`,
      };
      const encrypters = CALLERS.filter((caller) =>
        ['kms:Encrypt', 'kms:GenerateDataKey'].some((action) => keyPermits(key, { ...caller, context }, action, '123456789012')),
      );
      expect(encrypters.map((caller) => caller.name)).toEqual(['operatorRoleArn']);
      // Not even the operator outside SSM, or for another parameter.
      const operator: Caller = { name: 'operatorRoleArn', arn: PACKAGE_PARAMS.operatorRoleArn };
      expect(keyPermits(key, { ...operator, context: { ...context, 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }, 'kms:Encrypt', '123456789012')).toBe(
        false,
      );
      expect(
        keyPermits(
          key,
          { ...operator, context: { ...context, 'kms:EncryptionContext:PARAMETER_ARN': 'arn:aws:ssm:us-east-1:123456789012:parameter/other' } },
          'kms:Encrypt',
          '123456789012',
        ),
      ).toBe(false);
    });

    it('the roles that read it cannot decrypt, through SSM, with any other key: a SecureString under aws/ssm fails to read', () => {
      for (const role of ['WebhookRole', 'RetryDrainerRole']) {
        const statements = allRoleStatements().filter((s) => s.role === role && s.effect === 'Deny');
        expect(statements).toEqual([
          {
            role,
            effect: 'Deny',
            actions: ['kms:Decrypt'],
            resource: undefined,
            condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
          },
        ]);
      }
    });

    it('its key decrypts for the webhook and drainer roles only, through SSM and for that parameter; account principals cannot decrypt, re-encrypt or grant', () => {
      const statements = keyStatements('ApiSecretsKey');
      const decrypting = statements.filter((s) =>
        s.actions.some((a) => /^kms:(\*|Decrypt|ReEncrypt.*|CreateGrant|.*\*)$/.test(a) && !/^kms:(Describe|List|Get|Put|Update|Enable|Disable)\*$/.test(a)),
      );
      expect(decrypting).toEqual([
        {
          principal: { AWS: [{ 'Fn::GetAtt': ['WebhookRole', 'Arn'] }, { 'Fn::GetAtt': ['RetryDrainerRole', 'Arn'] }] },
          actions: ['kms:Decrypt'],
          condition: {
            StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } },
            StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': PARAMETER_ARNS },
          },
        },
      ]);
      // Get* covers GetKeyPolicy and friends, not decryption; Put* is how an administrator would change this.
      const account = statements.find((s) => JSON.stringify(s.principal).includes(':root'));
      expect(account?.actions).toEqual(expect.arrayContaining(['kms:Put*', 'kms:ScheduleKeyDeletion']));
      expect(account?.actions).not.toContain('kms:*');
      expect(account?.actions).not.toContain('kms:Encrypt');
    });
  });

  describe('the topic', () => {
    it('is encrypted with the stage key (SSE-KMS)', () => {
      expect(resource('Topic').KmsMasterKeyId).toEqual({ Ref: 'MessagesKey' });
    });

    it('is a standard topic by default; with fifoTopic=true a FIFO topic of high throughput (FifoThroughputScope MessageGroup), which passes the specification', async () => {
      expect(resource('Topic')).not.toHaveProperty('FifoThroughputScope');
      const topicFragment = (await import('../../infra/topic')).default as (framework: {
        resolveVariable: (variable: string) => Promise<unknown>;
      }) => Promise<{ Resources: Template['Resources'] }>;
      const fifo = await topicFragment({ resolveVariable: (variable) => Promise.resolve(variable === 'param:fifoTopic' ? 'true' : null) });
      expect(fifo.Resources.Topic?.Properties).toMatchObject({ TopicName: expect.stringMatching(/\.fifo$/) as unknown, FifoThroughputScope: 'MessageGroup' });
      const check = checkTemplate({
        ...template,
        Resources: {
          ...template.Resources,
          Topic: { ...fifo.Resources.Topic, Properties: { ...fifo.Resources.Topic?.Properties, FifoTopic: true } } as Template['Resources'][string],
        },
      });
      expect(check.problems).toEqual([]);
    });

    it('is exported as droam-webhook-relay-<stage>-TopicArn, for subscriber stacks to import', () => {
      expect(template.Outputs?.TopicArn).toEqual({
        Description: 'The topic dRoam events are published to; subscribe to it with a filter policy',
        Value: { Ref: 'Topic' },
        Export: { Name: 'droam-webhook-relay-prod-TopicArn' },
      });
    });

    it('takes Publish from the webhook role and the publish-retry drainer only, and nothing without TLS', () => {
      const policies = ofType('AWS::SNS::TopicPolicy');
      expect(policies.map(([, p]) => p.Topics)).toEqual([[{ Ref: 'Topic' }]]);
      const statements = (policies[0]?.[1].PolicyDocument as PolicyDocument).Statement;
      // The webhook's role, the publish-retry drainer's, and replayPublisherArn when set (for npm run history --to-topic).
      const publishers = [{ 'Fn::GetAtt': ['WebhookRole', 'Arn'] }, { 'Fn::GetAtt': ['RetryDrainerRole', 'Arn'] }];
      const webhookRole = { 'Fn::If': ['HasReplayPublisher', [...publishers, PACKAGE_PARAMS.replayPublisherArn], publishers] };
      expect(statements).toEqual([
        { Sid: 'PublishFromTheRelayOnly', Effect: 'Allow', Principal: { AWS: webhookRole }, Action: 'sns:Publish', Resource: { Ref: 'Topic' } },
        {
          Sid: 'NoOtherPublisher',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: { Ref: 'Topic' },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': webhookRole } },
        },
        {
          Sid: 'TlsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:*',
          Resource: { Ref: 'Topic' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]);
    });
  });

  describe('the queues', () => {
    it('are all encrypted with the stage key (SSE-KMS), and the key lets SNS deliver to them from this stack only', () => {
      const queues = ofType('AWS::SQS::Queue');
      expect(queues.length).toBeGreaterThanOrEqual(4);
      for (const [id, properties] of queues) {
        expect([id, properties.KmsMasterKeyId, properties.SqsManagedSseEnabled]).toEqual([id, { Ref: 'MessagesKey' }, undefined]);
      }
      expect(keyStatements('MessagesKey').filter((s) => JSON.stringify(s.principal).includes('sns.amazonaws.com'))).toEqual([
        {
          principal: { Service: 'sns.amazonaws.com' },
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:droam-webhook-relay-prod*' } },
          },
        },
      ]);
    });

    it('each has a policy that refuses requests without TLS', () => {
      const covered = ofType('AWS::SQS::QueuePolicy').flatMap(([, p]) =>
        (p.PolicyDocument as PolicyDocument).Statement.filter(
          (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
        ).map((s) => (s.Resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]),
      );
      expect(covered.sort()).toEqual(
        ofType('AWS::SQS::Queue')
          .map(([id]) => id)
          .sort(),
      );
    });

    it('the quarantine keeps a payload quarantineRetentionDays, as seconds', () => {
      expect(resource('QuarantineQueue').MessageRetentionPeriod).toBe(7 * 86_400);
    });

    it('the quarantine takes SendMessage from the webhook role only', () => {
      const policies = ofType('AWS::SQS::QueuePolicy').filter(([, p]) => JSON.stringify(p.Queues) === '[{"Ref":"QuarantineQueue"}]');
      expect(policies).toHaveLength(1);
      expect((policies[0]?.[1].PolicyDocument as PolicyDocument).Statement).toContainEqual({
        Sid: 'SendersNamedHereOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['QuarantineQueue', 'Arn'] },
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': ['WebhookRole', 'Arn'] }] } },
      });
    });

    it('every SNS → SQS subscription has a dead-letter queue that SNS may write to', () => {
      const subscriptions = ofType('AWS::SNS::Subscription').filter(([, p]) => p.Protocol === 'sqs');
      expect(subscriptions.length).toBeGreaterThanOrEqual(1);
      for (const [id, properties] of subscriptions) {
        const target = (properties.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string, string] } } | undefined)?.deadLetterTargetArn?.[
          'Fn::GetAtt'
        ][0];
        expect([id, target === undefined ? undefined : template.Resources[target]?.Type]).toEqual([id, 'AWS::SQS::Queue']);
        const allowsSns = ofType('AWS::SQS::QueuePolicy').some(
          ([, p]) =>
            JSON.stringify(p.Queues) === JSON.stringify([{ Ref: target }]) &&
            (p.PolicyDocument as PolicyDocument).Statement.some(
              (s) => s.Effect === 'Allow' && JSON.stringify(s.Principal) === '{"Service":"sns.amazonaws.com"}' && s.Action === 'sqs:SendMessage',
            ),
        );
        expect([id, allowsSns]).toEqual([id, true]);
      }
    });
  });

  describe('the roles', () => {
    it('the webhook: its log group, its parameter, publish to the topic, send to the quarantine and publish-retry queues, the messages key through SNS and SQS', () => {
      const fn = resource('WebhookLambdaFunction');
      expect(fn.Role).toEqual({ 'Fn::GetAtt': ['WebhookRole', 'Arn'] });
      const role = resource('WebhookRole') as { Policies: { PolicyDocument: { Statement: unknown[] } }[]; ManagedPolicyArns?: unknown };
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(role.Policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['WebhookLogGroup', 'Arn'] } },
        { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: PARAMETER_ARNS },
        {
          Effect: 'Deny',
          Action: 'kms:Decrypt',
          NotResource: { 'Fn::GetAtt': ['ApiSecretsKey', 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
        },
        { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'Topic' } },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['QuarantineQueue', 'Arn'] } },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['RetryQueue', 'Arn'] } },
        {
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: { 'Fn::GetAtt': ['MessagesKey', 'Arn'] },
          Condition: {
            StringEquals: { 'kms:ViaService': [{ 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' }, { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' }] },
          },
        },
        // X-Ray only when the tracing parameter is on.
        {
          'Fn::If': [
            'TracingEnabled',
            { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
            { Ref: 'AWS::NoValue' },
          ],
        },
      ]);
    });

    it("no role but the webhook's may write to the webhook's log group (no shared role, no wildcard log permission)", () => {
      expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
      const logWriters = allRoleStatements().filter((s) => s.actions.some((a) => a.startsWith('logs:') || a === '*'));
      for (const statement of logWriters) {
        const reaches =
          statement.resource === '*' ||
          /WebhookLogGroup|\/aws\/lambda\/droam-webhook-relay-prod(?!-(?:retryDrainer|archiver))/.test(JSON.stringify(statement.resource));
        expect([statement.role, reaches]).toEqual([statement.role, statement.role === 'WebhookRole']);
      }
    });
  });

  describe('throttling', () => {
    it('is sized by the capacity model in docs/operating.md', () => {
      const model = readFileSync('docs/operating.md', 'utf8');
      const settings = resource('HttpApiStage').DefaultRouteSettings as { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
      expect(model).toContain(`throttlingRateLimit: ${String(settings.ThrottlingRateLimit)}`);
      expect(model).toContain(`throttlingBurstLimit: ${String(settings.ThrottlingBurstLimit)}`);
      expect(settings).toEqual({ ThrottlingRateLimit: 5000, ThrottlingBurstLimit: 5000 });
    });

    it('a 429 raises an alarm: counted from the access log of this API, whose lines carry the status', () => {
      const format = (resource('HttpApiStage').AccessLogSettings as { Format: string }).Format;
      expect(JSON.parse(format)).toMatchObject({ status: '$context.status', apiId: '$context.apiId' });
      expect(resource('ThrottledRequestsMetricFilter')).toEqual({
        LogGroupName: { Ref: 'HttpApiLogGroup' },
        FilterPattern: '{ $.status = "429" }',
        MetricTransformations: [
          { MetricNamespace: 'DroamWebhookRelay', MetricName: 'throttled', MetricValue: '1', Dimensions: [{ Key: 'ApiId', Value: '$.apiId' }] },
        ],
      });
      expect(resource('ThrottledAlarm')).toMatchObject({
        Namespace: 'DroamWebhookRelay',
        MetricName: 'throttled',
        Dimensions: [{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });
  });

  describe('the Powertools settings', () => {
    it('take the log level of every function and the tracing of the webhook from the stage params', () => {
      expect(environmentOf('WebhookLambdaFunction')).toMatchObject({ POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_TRACE_ENABLED: 'false' });
      const functions = ofType('AWS::Lambda::Function').map(([id]) => id);
      expect(functions.sort()).toEqual(['ArchiverLambdaFunction', 'RetryDrainerLambdaFunction', 'WebhookLambdaFunction']);
      for (const id of functions) expect([id, environmentOf(id).POWERTOOLS_LOG_LEVEL]).toEqual([id, 'WARN']);
      expect(resource('WebhookLambdaFunction').Runtime).toBe('nodejs24.x');
    });
  });

  function environmentOf(functionId: string): Record<string, unknown> {
    return (resource(functionId) as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ?? {};
  }

  it('drains the publish-retry queue under a role of its own, at most two instances paced to a share of the SNS quota, with a dead-letter queue after 50 receives', () => {
    expect(resource('RetryDrainerLambdaFunction').Role).toEqual({ 'Fn::GetAtt': ['RetryDrainerRole', 'Arn'] });
    expect(environmentOf('RetryDrainerLambdaFunction')).toMatchObject({
      DROAM_API_SECRETS_PARAMETER: PARAMETER,
      RETRY_QUEUE_URL: { Ref: 'RetryQueue' },
      RETRY_DEAD_LETTER_QUEUE_URL: { Ref: 'RetryDeadLetterQueue' },
      // 10 % of us-east-1's SNS Publish quota (30,000/s), for at most two instances.
      RETRY_PUBLISH_PER_SECOND: '3000',
      RETRY_DRAINER_MAXIMUM_CONCURRENCY: '2',
    });
    expect(environmentOf('WebhookLambdaFunction').RETRY_QUEUE_URL).toEqual({ Ref: 'RetryQueue' });
    const role = resource('RetryDrainerRole') as { Policies: { PolicyDocument: { Statement: unknown[] } }[]; ManagedPolicyArns?: unknown };
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['RetryDrainerLogGroup', 'Arn'] } },
      { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: PARAMETER_ARNS },
      {
        Effect: 'Deny',
        Action: 'kms:Decrypt',
        NotResource: { 'Fn::GetAtt': ['ApiSecretsKey', 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
      },
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        Resource: { 'Fn::GetAtt': ['RetryQueue', 'Arn'] },
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['RetryDeadLetterQueue', 'Arn'] } },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'Topic' } },
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': ['MessagesKey', 'Arn'] },
        Condition: {
          StringEquals: { 'kms:ViaService': [{ 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' }, { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' }] },
        },
      },
      {
        'Fn::If': [
          'TracingEnabled',
          { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
          { Ref: 'AWS::NoValue' },
        ],
      },
    ]);
    // The framework's mapping of its `sqs` event; with a role for every function it makes no shared role to grant the queue to.
    expect(resource('RetryDrainerEventSourceMappingSQSRetryQueue')).toEqual({
      EventSourceArn: { 'Fn::GetAtt': ['RetryQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['RetryDrainerLambdaFunction', 'Arn'] },
      BatchSize: 10,
      Enabled: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(resource('RetryQueue').RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['RetryDeadLetterQueue', 'Arn'] }, maxReceiveCount: 50 });
  });

  it("the publish-retry queue takes SendMessage from the webhook role, and from the operator's role (the way back from its dead-letter queue) when the stage names one", () => {
    const policies = ofType('AWS::SQS::QueuePolicy').filter(([, p]) => JSON.stringify(p.Queues) === '[{"Ref":"RetryQueue"}]');
    expect(policies).toHaveLength(1);
    const webhook = { 'Fn::GetAtt': ['WebhookRole', 'Arn'] };
    expect((policies[0]?.[1].PolicyDocument as PolicyDocument).Statement).toContainEqual({
      Sid: 'SendersNamedHereOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': ['RetryQueue', 'Arn'] },
      Condition: {
        'Fn::If': [
          'HasOperatorRole',
          { ArnNotEquals: { 'aws:PrincipalArn': [webhook, PACKAGE_PARAMS.operatorRoleArn] } },
          { ArnNotEquals: { 'aws:PrincipalArn': [webhook] } },
        ],
      },
    });
  });

  describe('who may write where', () => {
    let listed: Record<string, string[]>;
    beforeAll(() => {
      listed = writers(template as unknown as ResolvableTemplate, CALLERS);
    });

    it('every queue, bucket and topic names its writers, and no other principal of the account may write to any', () => {
      // The Framework's deployment bucket holds the functions' zips while a deploy runs: whoever deploys writes it (SECURITY.md).
      const { ServerlessDeploymentBucket: deployment, ...relay } = listed;
      expect(deployment).toContain(ANYONE);
      expect(relay).toEqual({
        Topic: ['WebhookRole', 'RetryDrainerRole', 'replayPublisherArn'],
        QuarantineQueue: ['WebhookRole'],
        RetryQueue: ['WebhookRole', 'operatorRoleArn'],
        RetryDeadLetterQueue: ['RetryDrainerRole'],
        ArchiveBucket: ['ArchiverRole', 'operatorRoleArn'],
        ArchiveQueue: ['operatorRoleArn', 'sns.amazonaws.com'],
        ArchiveDeadLetterQueue: ['sns.amazonaws.com'],
      });
      for (const [id, names] of Object.entries(relay)) {
        expect([id, names.filter((name) => name === ANYONE || name.startsWith('SNS, for another') || name === 'another service')]).toEqual([id, []]);
      }
    });

    it('the queue that takes a message from SNS refuses everyone else, though SNS carries no principal ARN', () => {
      const archiveQueue = writables(template as unknown as ResolvableTemplate).find((w) => w.id === 'ArchiveQueue');
      if (archiveQueue === undefined) throw new Error('no ArchiveQueue');
      const forger: Caller = { name: 'forger', arn: 'arn:aws:iam::123456789012:user/forger' };
      // SendMessageBatch is authorised as sqs:SendMessage.
      expect(permits(archiveQueue.policy, forger, 'sqs:SendMessage', archiveQueue.resource)).toBe(false);
    });

    it("Athena may write a query's results to the archive bucket for whoever queries it, outside the archived events", () => {
      const bucket = writables(template as unknown as ResolvableTemplate).find((w) => w.id === 'ArchiveBucket');
      if (bucket === undefined) throw new Error('no ArchiveBucket');
      // Athena writes results with its caller's credentials, under the workgroup's athena-results/.
      const analyst: Caller = { name: 'analyst', arn: 'arn:aws:iam::123456789012:role/analyst' };
      expect(permits(bucket.policy, analyst, 's3:PutObject', '<ArchiveBucket.Arn>/athena-results/query.csv')).toBe(true);
      expect(permits(bucket.policy, analyst, 's3:PutObject', bucket.resource)).toBe(false);
    });

    it("SECURITY.md's table of writers names exactly these, and the api secret's", () => {
      const security = readFileSync(path.join(ROOT, 'SECURITY.md'), 'utf8');
      const rows = new Map(
        [...security.matchAll(/^\| `([A-Za-z/<>-]+)`[^|]*\| ([^|]*) \|/gm)].map((match) => [
          match[1] ?? '',
          [...(match[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]),
        ]),
      );
      // A resource any principal may write to says so, and no more.
      const named = (names: readonly string[]): string[] => (names.includes(ANYONE) ? [ANYONE] : [...names].sort());
      for (const [id, names] of Object.entries(listed)) expect([id, [...(rows.get(id) ?? [])].sort()]).toEqual([id, named(names)]);
      expect(rows.get('/droam-webhook-relay/<stage>/api-secrets')).toEqual(['operatorRoleArn']);
    });

    it("the way back from each dead-letter queue (aws sqs start-message-move-task) works under the policies, for the operator's role", () => {
      // AWS's documented permissions for a message move task: on the source (the dead-letter queue)
      // StartMessageMoveTask, ReceiveMessage, DeleteMessage and GetQueueAttributes; on the destination SendMessage,
      // which the destination's policy checks against the caller's principal.
      const byId = new Map(writables(template as unknown as ResolvableTemplate).map((w) => [w.id, w]));
      const operator: Caller = { name: 'operatorRoleArn', arn: PACKAGE_PARAMS.operatorRoleArn };
      for (const [deadLetters, destination] of [
        ['RetryDeadLetterQueue', 'RetryQueue'],
        ['ArchiveDeadLetterQueue', 'ArchiveQueue'],
      ] as const) {
        const source = byId.get(deadLetters);
        const target = byId.get(destination);
        if (source === undefined || target === undefined) throw new Error(`no ${deadLetters} or ${destination}`);
        for (const action of ['sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
          expect([deadLetters, action, permits(source.policy, operator, action, source.resource)]).toEqual([deadLetters, action, true]);
        }
        expect([destination, permits(target.policy, operator, 'sqs:SendMessage', target.resource)]).toEqual([destination, true]);
      }
    });

    it('a dead-letter queue takes redriven messages from its own queue only (RedriveAllowPolicy), which it names without depending on it', () => {
      for (const [deadLetters, source, name] of [
        ['RetryDeadLetterQueue', 'RetryQueue', 'publish-retry'],
        ['ArchiveDeadLetterQueue', 'ArchiveQueue', 'archive'],
      ] as const) {
        expect(resource(deadLetters).RedriveAllowPolicy).toEqual({
          redrivePermission: 'byQueue',
          sourceQueueArns: [{ 'Fn::Sub': `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:droam-webhook-relay-prod-${name}` }],
        });
        expect(resource(source).QueueName).toBe(`droam-webhook-relay-prod-${name}`);
      }
    });
  });

  interface Statement {
    readonly role: string;
    readonly effect: unknown;
    readonly actions: string[];
    readonly resource: unknown;
    readonly condition: unknown;
  }

  function allRoleStatements(): Statement[] {
    return ofType('AWS::IAM::Role').flatMap(([role, p]) =>
      ((p.Policies ?? []) as { PolicyDocument: PolicyDocument }[])
        .flatMap((policy) => policy.PolicyDocument.Statement)
        .filter((s) => 'Effect' in s)
        .map((s) => ({
          role,
          effect: s.Effect,
          actions: ([] as string[]).concat(s.Action as string | string[]),
          resource: s.Resource,
          condition: s.Condition,
        })),
    );
  }

  function keyStatements(keyId: string): { principal: unknown; actions: string[]; condition?: unknown }[] {
    return (resource(keyId).KeyPolicy as PolicyDocument).Statement.filter((s) => s.Effect === 'Allow').map((s) => ({
      principal: s.Principal,
      actions: ([] as string[]).concat(s.Action as string | string[]),
      ...(s.Condition === undefined ? {} : { condition: s.Condition }),
    }));
  }
  describe('operations', () => {
    // The same template, read as CloudFormation would resolve it (tests/support/cloudformation.ts).
    let cfn: ResolvableTemplate;
    beforeAll(() => {
      cfn = template as unknown as ResolvableTemplate;
    });
    const serverlessYml = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');

    it('switches the custom domain and the archive off by default', () => {
      for (const [name, value] of [
        ['archive', 'false'],
        ['domainName', "''"],
        ['certificateArn', "''"],
        ['hostedZoneId', "''"],
        ['replayPublisherArn', "''"],
      ]) {
        expect(serverlessYml).toMatch(new RegExp(`^    ${name}: ${value}$`, 'm'));
      }
      expect(cfn.Conditions).toMatchObject({
        ArchiveEnabled: { 'Fn::Equals': ['true', 'true'] },
        HasCustomDomain: { 'Fn::Not': [{ 'Fn::Equals': ['hooks.example.com', ''] }] },
      });
    });

    interface Widget {
      properties: { title: string; metrics: unknown[][] };
    }
    let widgets: Widget[];
    beforeAll(() => {
      const dashboard = cfn.Resources.Dashboard;
      expect(dashboard?.Type).toBe('AWS::CloudWatch::Dashboard');
      widgets = (JSON.parse(resolve(cfn, dashboard?.Properties.DashboardBody) as string) as { widgets: Widget[] }).widgets;
    });
    const widget = (title: RegExp): string => JSON.stringify(widgets.find((w) => title.test(w.properties.title))?.properties.metrics ?? null);

    it('has a dashboard whose body is valid JSON once deployed, with every part an operator looks at', () => {
      expect(widgets.map((w) => w.properties.title)).toEqual([
        'Requests',
        'Rejected by reason',
        'Publish latency (ms)',
        'Publish and quarantine failures',
        'API responses 4xx, 5xx, 429',
        'Cold starts',
        'Queue depth: quarantine, publish retries',
        'Lambda throttles and errors',
        'Longest invocation (ms); timeout 10 s',
        'Event archive: queue, oldest message (s), dead letters',
      ]);
      expect(widget(/^Requests/)).toBe(
        JSON.stringify([
          ['DroamWebhookRelay', 'received', 'service', 'droam-webhook-relay-prod'],
          ['.', 'accepted', '.', '.'],
          ['.', 'rejected', '.', '.'],
          ['.', 'echo', '.', '.'],
        ]),
      );
      expect(widget(/by reason/)).toContain(
        `SEARCH('{DroamWebhookRelay,reason,service} MetricName=\\"rejected\\" service=\\"droam-webhook-relay-prod\\"', 'Sum', 300)`,
      );
      expect(widget(/latency/)).toContain('"publish_latency","service","droam-webhook-relay-prod",{"stat":"p50"');
      expect(widget(/latency/)).toContain('{"stat":"p99"');
      expect(widget(/failures/)).toContain('"publish_failures"');
      expect(widget(/^API/)).toBe(
        JSON.stringify([
          ['AWS/ApiGateway', '4xx', 'ApiId', '<Ref HttpApi>', 'Stage', '$default'],
          ['.', '5xx', '.', '.', '.', '.'],
          ['DroamWebhookRelay', 'throttled', 'ApiId', '<Ref HttpApi>', { label: '429' }],
        ]),
      );
      expect(widget(/Cold/)).toContain('MetricName=\\"ColdStart\\"');
      expect(widget(/Queue depth/)).toContain('"QueueName","<QuarantineQueue.QueueName>"');
      expect(widget(/Queue depth/)).toContain('"<RetryDeadLetterQueue.QueueName>",{"label":"publish-retry DLQ"}');
      expect(widget(/Queue depth/)).toContain('"<RetryQueue.QueueName>",{"label":"publish-retry queue"}');
      expect(widget(/archive/)).toContain('"<ArchiveDeadLetterQueue.QueueName>"');
    });

    it('charts and alarms only on metrics the relay emits (lib/relay/report.ts), in the namespace and service it is given', () => {
      const emitted = emittedMetrics();
      // Powertools emits ColdStart; the access log's metric filter (ThrottledRequestsMetricFilter), throttled.
      emitted.add('ColdStart');
      emitted.add('throttled');
      const charted: string[] = [];
      for (const { properties } of widgets) {
        let namespace = '';
        for (const row of properties.metrics) {
          const [first, second] = row;
          if (typeof first === 'object' && first !== null) {
            const search = /MetricName=\\?"(\w+)\\?"/.exec(String((first as { expression?: string }).expression));
            if (search?.[1] !== undefined && String((first as { expression?: string }).expression).includes('DroamWebhookRelay')) charted.push(search[1]);
            continue;
          }
          if (first === '...') continue;
          if (first !== '.') namespace = String(first);
          if (namespace === 'DroamWebhookRelay' && typeof second === 'string' && second !== '.') charted.push(second);
        }
      }
      expect([...new Set(charted)].sort()).toEqual(
        ['ColdStart', 'accepted', 'echo', 'publish_failures', 'publish_latency', 'quarantine_failures', 'received', 'rejected', 'throttled'].sort(),
      );
      for (const name of charted) expect(emitted).toContain(name);
      const env = (cfn.Resources.WebhookLambdaFunction?.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('droam-webhook-relay-prod');
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('DroamWebhookRelay');
    });

    it('creates the custom domain, its API mapping, its DNS alias and the stable URL output when the params are set', () => {
      expect(condition(cfn, 'HasCustomDomain')).toBe(true);
      expect(condition(cfn, 'HasCustomDomainRecord')).toBe(true);
      expect(cfn.Resources.WebhookDomainName).toMatchObject({
        Condition: 'HasCustomDomain',
        Properties: {
          DomainName: 'hooks.example.com',
          DomainNameConfigurations: [{ CertificateArn: PACKAGE_PARAMS.certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
        },
      });
      expect(cfn.Resources.WebhookApiMapping).toMatchObject({
        Condition: 'HasCustomDomain',
        Properties: { DomainName: { Ref: 'WebhookDomainName' }, ApiId: { Ref: 'HttpApi' }, Stage: '$default' },
      });
      expect(cfn.Resources.WebhookDomainRecord?.Properties).toMatchObject({ HostedZoneId: 'Z0EXAMPLE', Name: 'hooks.example.com', Type: 'A' });
      expect(cfn.Outputs.StableWebhookUrl).toMatchObject({ Condition: 'HasCustomDomain', Value: 'https://hooks.example.com/webhooks/droam' });
    });

    it('deploys without the optional parts too: nothing refers to a conditional resource outside that condition', () => {
      const conditionOf = (name: string): string | undefined => cfn.Resources[name]?.Condition;
      /** A condition and those it implies: the `Condition`s of its Fn::And. */
      const implied = (name: string): string[] => {
        const and = (cfn.Conditions?.[name] as { 'Fn::And'?: unknown[] } | undefined)?.['Fn::And'] ?? [];
        return [name, ...and.flatMap((item) => (typeof item === 'object' && item !== null && 'Condition' in item ? implied(String(item.Condition)) : []))];
      };
      const holdingOf = (name: string | undefined): Set<string> => new Set(name === undefined ? [] : implied(name));
      const problems: string[] = [];
      const visit = (owner: string, node: unknown, holding: ReadonlySet<string>): void => {
        if (Array.isArray(node)) {
          for (const item of node) visit(owner, item, holding);
          return;
        }
        if (typeof node !== 'object' || node === null) return;
        for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
          if (key === 'Fn::If') {
            const [name, whenTrue, whenFalse] = value as [string, unknown, unknown];
            visit(owner, whenTrue, new Set([...holding, ...implied(name)]));
            visit(owner, whenFalse, holding);
            continue;
          }
          const targets =
            key === 'Ref'
              ? [value as string]
              : key === 'Fn::GetAtt'
                ? [(value as string[])[0] ?? '']
                : key === 'Fn::Sub' && typeof value === 'string'
                  ? [...value.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)].map((m) => m[1] ?? '')
                  : [];
          for (const target of targets) {
            const needed = conditionOf(target);
            if (needed !== undefined && !holding.has(needed)) problems.push(`${owner} → ${target} (${needed})`);
          }
          visit(owner, value, holding);
        }
      };
      for (const [name, resource] of Object.entries(cfn.Resources)) visit(name, resource, holdingOf(resource.Condition));
      for (const [name, output] of Object.entries(cfn.Outputs)) visit(`Outputs.${name}`, output.Value, holdingOf(output.Condition));
      expect(problems).toEqual([]);
      // The archive's resources hold one another under one condition; the custom domain record under a narrower one.
      expect(conditionOf('WebhookDomainRecord')).toBe('HasCustomDomainRecord');
    });

    it('with the archive: a private, TLS-only bucket kept after the stack, a raw unfiltered subscription, and the archiver on its own role', () => {
      const archive = Object.entries(cfn.Resources).filter(([name]) => /^Archive/.test(name));
      expect(archive.map(([name]) => name).sort()).toEqual([
        'ArchiveBucket',
        'ArchiveBucketPolicy',
        'ArchiveDatabase',
        'ArchiveDeadLetterAgeAlarm',
        'ArchiveDeadLetterAlarm',
        'ArchiveDeadLetterQueue',
        'ArchiveDeadLetterQueuePolicy',
        'ArchiveEventsTable',
        'ArchiveQueryById',
        'ArchiveQueryByPool',
        'ArchiveQueryBySimCard',
        'ArchiveQueryPerDay',
        'ArchiveQueue',
        'ArchiveQueuePolicy',
        'ArchiveSubscription',
        'ArchiveWorkGroup',
        'ArchiverDurationAlarm',
        'ArchiverEventSourceMappingSQSArchiveQueue',
        'ArchiverLambdaFunction',
        'ArchiverLogGroup',
        'ArchiverRole',
      ]);
      // Nothing of the archive exists without it: every resource carries the condition.
      for (const [name, resource] of archive) expect({ name, condition: resource.Condition }).toEqual({ name, condition: 'ArchiveEnabled' });
      for (const output of ['ArchiveBucketName', 'ArchiveAthenaWorkGroup', 'ArchiveDatabaseName'])
        expect(cfn.Outputs[output]).toMatchObject({ Condition: 'ArchiveEnabled' });
      expect(cfn.Resources.ArchiveBucket).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: { PublicAccessBlockConfiguration: { BlockPublicPolicy: true } },
      });
      expect(cfn.Resources.ArchiveSubscription?.Properties).toEqual({
        TopicArn: { Ref: 'Topic' },
        Protocol: 'sqs',
        Endpoint: { 'Fn::GetAtt': ['ArchiveQueue', 'Arn'] },
        RawMessageDelivery: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['ArchiveDeadLetterQueue', 'Arn'] } },
      });
      expect(cfn.Resources.ArchiverLambdaFunction?.Properties).toMatchObject({ Role: { 'Fn::GetAtt': ['ArchiverRole', 'Arn'] }, Timeout: 60 });
      const statements = (cfn.Resources.ArchiverRole?.Properties as { Policies: { PolicyDocument: { Statement: unknown[] } }[] }).Policies.flatMap(
        (p) => p.PolicyDocument.Statement,
      );
      expect(statements).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['ArchiverLogGroup', 'Arn'] } },
        { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: { 'Fn::GetAtt': ['ArchiveQueue', 'Arn'] } },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: { 'Fn::GetAtt': ['MessagesKey', 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } },
        },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ArchiveBucket', 'Arn'] }, '/events/*']] } },
      ]);
      expect(cfn.Resources.ArchiverEventSourceMappingSQSArchiveQueue?.Properties).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': ['ArchiveQueue', 'Arn'] },
        FunctionName: { 'Fn::GetAtt': ['ArchiverLambdaFunction', 'Arn'] },
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 60,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      // No version resource or output that could not carry the condition.
      expect(Object.keys(cfn.Resources).filter((name) => name.startsWith('ArchiverLambdaVersion'))).toEqual([]);
      expect(Object.keys(cfn.Outputs).filter((name) => name.startsWith('Archiver'))).toEqual([]);
    });

    it("with the archive: a Glue table Athena reads over the archive's own layout, partitions projected, and saved queries that fill in its columns", () => {
      const table = cfn.Resources.ArchiveEventsTable?.Properties as {
        DatabaseName: unknown;
        TableInput: {
          Parameters: Record<string, string>;
          PartitionKeys: { Name: string }[];
          StorageDescriptor: { Location: unknown; SerdeInfo: { SerializationLibrary: string }; Columns: { Name: string; Type: string }[] };
        };
      };
      expect(table.DatabaseName).toEqual({ Ref: 'ArchiveDatabase' });
      const { Parameters, PartitionKeys, StorageDescriptor } = table.TableInput;
      // lib/archive/archive.ts: events/type=<type>/date=<YYYY-MM-DD>/, one JSON line per message, gzip.
      expect(StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: 'ArchiveBucket' }, '/events/']] });
      expect(partitionPrefix('company.updated', '2024-01-03')).toBe('events/type=company.updated/date=2024-01-03/');
      expect(PartitionKeys.map((key) => key.Name)).toEqual(['type', 'date']);
      expect(StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
      // The columns are the fields of an archived line that are not partitions.
      const line = toArchivedMessage({ body: JSON.stringify({ id: 'e-1', type: 'company.updated', time: '2024-01-03T00:00:00Z' }) });
      expect(StorageDescriptor.Columns.map((column) => column.Name).sort()).toEqual(
        Object.keys(line ?? {})
          .filter((field) => field !== 'type')
          .sort(),
      );
      expect(Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.type.type': 'enum',
        'projection.date.type': 'date',
        'projection.date.format': 'yyyy-MM-dd',
        'projection.date.range': '2020-01-01,NOW',
      });
      expect(Parameters['projection.type.values']?.split(',')).toEqual([...payloadTypes.types].sort());
      expect(cfn.Resources.ArchiveWorkGroup?.Properties).toMatchObject({
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          ResultConfiguration: { OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: 'ArchiveBucket' }, '/athena-results/']] } },
        },
      });
      const queries = Object.values(cfn.Resources).filter((r) => r.Type === 'AWS::Athena::NamedQuery');
      expect(queries.map((q) => q.Properties.Name)).toEqual(['event by id', 'events of a SIM card', 'events of a pool', 'events per type and day']);
      for (const query of queries) {
        expect(query.Properties).toMatchObject({ Database: { Ref: 'ArchiveDatabase' }, WorkGroup: { Ref: 'ArchiveWorkGroup' } });
        const sql = query.Properties.QueryString as string;
        // Every query names its days (projection would otherwise list every day since 2020), and reads only the table's columns.
        expect(sql).toMatch(/WHERE "date" BETWEEN \? AND \?/);
        for (const attribute of sql.match(/element_at\(attributes, '(\w+)'\)/g) ?? []) {
          expect(payloadTypes.declarations.flatMap((declaration) => declaration.attributes.map((a) => a.name))).toContain(/'(\w+)'/.exec(attribute)?.[1]);
        }
      }
      // The results expire; the archived events as archiveRetentionDays says.
      expect(cfn.Resources.ArchiveBucket?.Properties.LifecycleConfiguration).toEqual({
        Rules: [
          { Id: 'expire-athena-results', Status: 'Enabled', Prefix: 'athena-results/', ExpirationInDays: 30 },
          { 'Fn::If': ['ArchiveExpires', expect.objectContaining({ Prefix: 'events/' }) as unknown, { Ref: 'AWS::NoValue' }] },
        ],
      });
    });
  });
});

describe('npx sls package --stage prod --param=ingress=functionUrl --param=operatorRoleArn=… (no AWS credentials)', () => {
  let template: Template;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'relay-package-function-url-'));
    try {
      template = JSON.parse(await packageProd(dir, { ingress: 'functionUrl', operatorRoleArn: PACKAGE_PARAMS.operatorRoleArn })) as Template;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
  const ofType = (type: string): string[] => Object.keys(template.Resources).filter((id) => template.Resources[id]?.Type === type);

  it("passes AWS's CloudFormation specification", () => {
    expect(checkTemplate(template).problems).toEqual([]);
  });

  it('serves the webhook from a function URL with auth type NONE, which anyone may invoke, and creates no HTTP API, stage, access log or custom domain', () => {
    const urls = ofType('AWS::Lambda::Url');
    expect(urls).toEqual(['WebhookLambdaFunctionUrl']);
    expect(template.Resources.WebhookLambdaFunctionUrl?.Properties).toEqual({
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': ['WebhookLambdaFunction', 'Arn'] },
    });
    const permissions = ofType('AWS::Lambda::Permission').map((id) => template.Resources[id]?.Properties);
    expect(permissions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }),
        expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true }),
      ]),
    );
    expect(Object.values(template.Resources).filter((r) => r.Type.startsWith('AWS::ApiGatewayV2::'))).toEqual([]);
    expect(JSON.stringify(template)).not.toMatch(/HttpApi|execute-api/);
  });

  it("throttles with the webhook's reserved concurrency, 200 when none is given, and alarms on the throttles and on the URL's 5xx", () => {
    expect(template.Resources.WebhookLambdaFunction?.Properties?.ReservedConcurrentExecutions).toBe(200);
    const alarms = Object.fromEntries(ofType('AWS::CloudWatch::Alarm').map((id) => [id, template.Resources[id]?.Properties ?? {}]));
    expect(alarms.WebhookThrottlesAlarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'WebhookLambdaFunction' } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarms.Http5xxAlarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Url5xxCount',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'WebhookLambdaFunction' } }],
    });
    expect(alarms).not.toHaveProperty('ThrottledAlarm');
  });

  it("gives WebhookUrl, the URL to register in dRoam: the function URL's host and /webhooks/droam", () => {
    const value = (template.Outputs?.WebhookUrl as { Value: unknown }).Value;
    const resolved = resolve(template as unknown as ResolvableTemplate, value, {
      'WebhookLambdaFunctionUrl.FunctionUrl': 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/',
    });
    expect(resolved).toBe('https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/webhooks/droam');
  });
});

/** Any principal of the account whose IAM policy allows the write, AdministratorAccess, say. */
const ANYONE = 'any principal of the account';

/** Who might write to the stack's queues, bucket and topic, named as SECURITY.md's table of writers names them. */
const CALLERS: readonly Caller[] = [
  { name: 'WebhookRole', arn: '<WebhookRole.Arn>' },
  { name: 'RetryDrainerRole', arn: '<RetryDrainerRole.Arn>' },
  { name: 'ArchiverRole', arn: '<ArchiverRole.Arn>' },
  { name: 'operatorRoleArn', arn: PACKAGE_PARAMS.operatorRoleArn },
  { name: 'replayPublisherArn', arn: PACKAGE_PARAMS.replayPublisherArn },
  { name: 'sns.amazonaws.com', service: 'sns.amazonaws.com', sourceArn: '<Ref Topic>' },
  { name: 'SNS, for another topic', service: 'sns.amazonaws.com', sourceArn: 'arn:aws:sns:us-east-1:123456789012:another-topic' },
  { name: ANYONE, arn: 'arn:aws:iam::123456789012:role/Admin' },
  { name: 'another service', service: 'events.amazonaws.com', sourceArn: 'arn:aws:events:us-east-1:123456789012:rule/any' },
];

describe('npx sls package --stage prod with params that are not numbers or switches, or do not go together, and no operatorRoleArn', () => {
  it('stops before anything is built, listing every wrong param and the missing operator role', async () => {
    const env = childEnv();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) Reflect.deleteProperty(env, name);
    // No operatorRoleArn either: a deployed stage names one.
    const params = [
      'throttlingRateLimit=fast',
      'quarantineRetentionDays=30',
      'archive=yes',
      'reservedConcurrency=-1',
      'deadLetterAgeAlarmSeconds=1209600',
      'ingress=functionUrl',
      'domainName=hooks.example.com',
    ].map((pair) => `--param=${pair}`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'relay-refused-package-'));
    try {
      const result = await run('node_modules/.bin/sls', ['package', '--stage', 'prod', '--package', dir, ...params], { env, timeoutMs: 60_000 });
      expect(result.code).not.toBe(0);
      const output = result.stdout + result.stderr;
      expect(output).toContain('Invalid stage params (serverless.yml params, or --param):');
      expect(output).toContain('- archive must be true or false, not "yes"');
      expect(output).toContain('- throttlingRateLimit must be a number from 1 to 1000000, not "fast"');
      expect(output).toContain('- quarantineRetentionDays must be a whole number from 1 to 14, not "30"');
      expect(output).toContain('- reservedConcurrency must be a whole number from 0 up, not "-1"');
      expect(output).toContain('- deadLetterAgeAlarmSeconds must be a whole number from 60 to 1123200, not "1209600"');
      expect(output).toContain("- operatorRoleArn must be the ARN of the IAM role the stage's operator acts with");
      expect(output).toContain('- domainName is a custom domain of the HTTP API, which ingress=functionUrl does not create');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** `sls package --stage prod` of the stack with the params, into dir, without AWS credentials: the template's text. */
async function packageProd(dir: string, params: Readonly<Record<string, string>>): Promise<string> {
  const env = childEnv();
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) Reflect.deleteProperty(env, name);
  const args = Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);
  const result = await run('node_modules/.bin/sls', ['package', '--stage', 'prod', '--package', dir, ...args], { env, timeoutMs: 90_000 });
  if (result.code !== 0) throw new Error(`sls package exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
}

const PARAMETER = '/droam-webhook-relay/prod/api-secrets';
const PARAMETER_ARN = 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/droam-webhook-relay/prod/api-secrets';
/** The named dRoam sources' parameters: every one under the stage's own sources/ path. */
const SOURCE_PARAMETER_ARNS = 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/droam-webhook-relay/prod/sources/*';
const PARAMETER_ARNS = [{ 'Fn::Sub': PARAMETER_ARN }, { 'Fn::Sub': SOURCE_PARAMETER_ARNS }];

interface PolicyDocument {
  readonly Statement: { Sid?: string; Effect?: string; Principal?: unknown; Action?: unknown; Resource?: unknown; Condition?: unknown }[];
}

/** Whether anything accepts a connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** Every metric the relay's request line can carry: lib/relay/report.ts asked about every outcome and every refusal. */
function emittedMetrics(): Set<string> {
  const codes = {
    payload_too_large: true,
    unsupported_media_type: true,
    method_not_allowed: true,
    unknown_source: true,
    unauthorized: true,
    forbidden: true,
    invalid_json: true,
    invalid_echo: true,
    invalid_payload: true,
    publish_failed: true,
    publish_rejected: true,
    quarantine_failed: true,
    replay_other_stage: true,
    secrets_unavailable: true,
    internal_error: true,
  } satisfies Record<ErrorCode, true>;
  const event = { type: 'rule.pool.usage.triggered', id: 'e-1', declared: true } as const;
  const outcomes: Outcome[] = [
    { outcome: 'echo', status: 200, body: '{}' },
    { outcome: 'published', status: 200, messageId: 'm-1', ...event },
    { outcome: 'queued', status: 200, detail: 'down', ...event },
    { outcome: 'skipped', status: 200, type: event.type },
    ...(Object.keys(codes) as ErrorCode[]).map((code): Outcome => ({ outcome: 'rejected', status: 400, code, message: code })),
  ];
  const facts = { publishLatencyMs: 1, eventType: event.type, secretsRefreshFailure: 'SSM down' };
  return new Set(outcomes.flatMap((outcome) => report({ outcome, facts }, { base: {}, firstOfUndeclaredType: false }).metrics.values.map(([name]) => name)));
}
