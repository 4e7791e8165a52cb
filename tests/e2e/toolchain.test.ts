/**
 * Through the real toolchain, as a user runs it: `npm run invoke` (sls invoke
 * local, bundled by esbuild, against an emulator of its own) and
 * serverless-offline serving HTTP in front of the function, publishing to a
 * topic of the test run's emulator. One file, so the two never bundle into
 * .esbuild/ at the same time.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Emulator, plainAttributes, type Queue } from '../support/integration/aws';
import { bodyOf, loadEvent, payloadOf } from '../support/integration/events';
import { freePort } from '../support/integration/net';
import { childEnv, jsonBlocks, run, runScript, startOffline, type Offline } from '../support/integration/processes';
import { LOCAL_STAGE } from '../../tools/local-stage';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('npm run invoke -- events/pool-usage-vendor-example.json', () => {
  let stdout: string;
  let response: { statusCode: number; headers: Record<string, string>; body: string };
  let published: { attributes: Record<string, string>; message: Record<string, unknown> }[];

  beforeAll(async () => {
    const result = await runScript('scripts/invoke.mts', ['events/pool-usage-vendor-example.json'], { timeoutMs: 45_000 });
    stdout = result.stdout;
    if (result.code !== 0) throw new Error(`invoke exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
    const blocks = jsonBlocks(stdout);
    response = blocks.find((b) => typeof b === 'object' && b !== null && 'statusCode' in b) as typeof response;
    published = blocks.filter((b) => typeof b === 'object' && b !== null && 'message' in b) as typeof published;
  }, 60_000);

  it('prints the response: 200 with the event id and the SNS message id', () => {
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(body).toEqual({ id: expect.stringMatching(UUID) as unknown, message_id: expect.any(String) as unknown });
  });

  it('prints the one CloudEvent published, with its attributes', () => {
    expect(stdout).toMatch(/Published on arn:aws:sns:us-east-1:\d{12}:[\w-]+: 1 message\(s\)/);
    expect(published).toHaveLength(1);
    const { id } = JSON.parse(response.body) as { id: string };
    expect(published[0]).toEqual({
      attributes: {
        event_type: 'rule.pool.usage.triggered (String)',
        event_id: `${id} (String)`,
        pool_uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55 (String)',
        rule_uuid: '1711929600 (String)',
        current_usage_kb: '51200 (Number)',
      },
      message: {
        specversion: '1.0',
        id,
        source: 'droam',
        type: 'rule.pool.usage.triggered',
        time: '2024-04-01T00:00:00Z',
        subject: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55',
        datacontenttype: 'application/json',
        dataschema: 'urn:droam-webhook-relay:schema:event:rule.pool.usage.triggered',
        correlationid: 'Qx1aAjd2IAMEV1A=',
        data: {
          rule: { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB' },
          pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'Pool Name', current_usage_kb: 51200 },
        },
      },
    });
  });
});

describe('serverless-offline (sls offline start --stage local)', () => {
  const emulator = new Emulator();
  let queue: Queue;
  let quarantine: Queue;
  let offline: Offline | undefined;

  beforeAll(async () => {
    const created = await emulator.topicWithQueue('offline');
    queue = created.queue;
    quarantine = await emulator.createQueue('offline-quarantine');
    offline = await startOffline({
      httpPort: await freePort(),
      lambdaPort: await freePort(),
      env: childEnv({
        LOCAL_TOPIC_ARN: created.topicArn,
        LOCAL_QUARANTINE_QUEUE_URL: quarantine.url,
        AWS_ENDPOINT_URL_SNS: emulator.endpoint,
        AWS_ENDPOINT_URL_SQS: emulator.endpoint,
      }),
      readyTimeoutMs: 45_000,
    });
  }, 60_000);

  afterAll(async () => {
    await offline?.stop();
    emulator.destroy();
  }, 15_000);

  /** POSTs a sample's body with its headers, as dRoam would. */
  async function post(file: string): Promise<Response> {
    if (offline === undefined) throw new Error('serverless-offline is not running');
    const event = loadEvent(file);
    const headers = Object.fromEntries(Object.entries(event.headers).filter(([name]) => !['host', 'content-length'].includes(name.toLowerCase())));
    return fetch(`${offline.url}/webhooks/droam`, { method: 'POST', headers, body: bodyOf(event), signal: AbortSignal.timeout(15_000) });
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

  it('answers the echo validation with the request body byte for byte', async () => {
    const response = await post('echo-flat.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Buffer.from(await response.arrayBuffer()).equals(bodyOf(loadEvent('echo-flat.json')))).toBe(true);
    expect(await emulator.receiveAll(queue)).toEqual([]);
  }, 30_000);

  it('npm run send signs a payload with the current time and the relay publishes it', async () => {
    if (offline === undefined) throw new Error('serverless-offline is not running');
    const sent = await runScript('scripts/send.mts', ['--url', `${offline.url}/webhooks/droam`, 'events/pool-usage-without-usage.json'], {
      timeoutMs: 20_000,
    });
    expect(sent.code).toBe(0);
    const [status, body] = sent.stdout.trim().split(/ (.*)/s);
    expect(status).toBe('200');
    const { id } = JSON.parse(body ?? '') as { id: string };
    const received = await emulator.receiveAll(queue, { expect: 1 });
    expect(received.map((m) => (JSON.parse(m.body) as { id: string }).id)).toEqual([id]);
  }, 30_000);

  it('npm run send with a wrong secret is refused, and --echo validates the endpoint as dRoam does', async () => {
    if (offline === undefined) throw new Error('serverless-offline is not running');
    const url = `${offline.url}/webhooks/droam`;
    const refused = await runScript('scripts/send.mts', ['--url', url, '--secret', 'not-the-secret-of-this-stage', 'events/pool-usage.json'], {
      timeoutMs: 20_000,
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^401 .*"error":"unauthorized"/);
    const echo = await runScript('scripts/send.mts', ['--echo', '--url', url], { timeoutMs: 20_000 });
    expect(echo.code).toBe(0);
    expect(echo.stdout).toContain('echo: valid (same body returned)');
    expect(await emulator.receiveAll(queue)).toEqual([]);
  }, 30_000);

  it('keeps an invalid payload in the quarantine queue, and npm run replay re-submits what is kept', async () => {
    if (offline === undefined) throw new Error('serverless-offline is not running');
    const url = `${offline.url}/webhooks/droam`;
    const rejected = await runScript('scripts/send.mts', ['--url', url, 'events/error-invalid-payload.json'], { timeoutMs: 20_000 });
    expect(rejected.stdout).toMatch(/^422 /);
    // A payload kept while, say, a schema was wrong: valid now, so a replay publishes it.
    const kept = {
      received_at: new Date().toISOString(),
      reason: 'invalid_payload',
      headers: {},
      issues: [],
      body: bodyOf(loadEvent('pool-usage.json')).toString('utf8'),
    };
    await emulator.sqs.send(new SendMessageCommand({ QueueUrl: quarantine.url, MessageBody: JSON.stringify(kept) }));

    const env = childEnv({ AWS_ENDPOINT_URL_SQS: emulator.endpoint });
    const dryRun = await runScript('scripts/replay.mjs', ['--queue-url', quarantine.url, '--dry-run'], { env, timeoutMs: 30_000 });
    expect(dryRun.stdout).toContain('data.pool.uuid');
    expect(dryRun.stdout).toContain('0 re-submitted and removed, 2 left in the queue');

    const replay = await runScript('scripts/replay.mjs', ['--queue-url', quarantine.url, '--url', url], { env, timeoutMs: 30_000 });
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/→ 200 /);
    expect(replay.stdout).toMatch(/→ 422 /);
    const published = await emulator.receiveAll(queue, { expect: 1 });
    expect(published.map((m) => (JSON.parse(m.body) as { subject: string }).subject)).toEqual(['7d3e9b12-4a6f-4c8e-b1d2-9f0a3c5e7b14']);
    // The still-invalid one was answered 422 and kept again; the valid one is gone.
    const left = await emulator.receiveAll(quarantine, { expect: 1 });
    expect(left.map((m) => (JSON.parse(m.body) as { issues: { path: string }[] }).issues[0]?.path)).toEqual(['data.pool.uuid']);
  }, 60_000);

  it('passes an error status through: a wrong signature gets 401', async () => {
    const response = await post('error-unauthorized.json');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
    expect(await emulator.receiveAll(queue)).toEqual([]);
  }, 30_000);
});

describe('npx sls package --stage prod (no AWS credentials)', () => {
  interface Template {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  }
  let dir: string;
  let template: Template;
  let text: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'relay-package-'));
    const env = childEnv();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) Reflect.deleteProperty(env, name);
    const result = await run('node_modules/.bin/sls', ['package', '--stage', 'prod', '--package', dir], { env, timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`sls package exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
    text = readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
    template = JSON.parse(text) as Template;
  }, 90_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares the alarms an operator needs', () => {
    const alarms = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([name, r]) => `${name}:${String(r.Properties.MetricName)}`)
      .sort();
    expect(alarms).toEqual([
      'FunctionErrorsAlarm:Errors',
      'Http5xxAlarm:5xx',
      'PublishFailuresAlarm:publish_failures',
      'QuarantineDepthAlarm:ApproximateNumberOfMessagesVisible',
      'UnauthorizedBurstAlarm:rejected',
    ]);
  });

  it('gives the webhook a role of its own: its log group, sns:Publish on the topic, sqs:SendMessage on the quarantine queue', () => {
    const fn = template.Resources.WebhookLambdaFunction?.Properties as { Role: unknown; Environment: { Variables: Record<string, unknown> } };
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['WebhookRole', 'Arn'] });
    const role = template.Resources.WebhookRole?.Properties as { Policies: { PolicyDocument: { Statement: unknown[] } }[]; ManagedPolicyArns?: unknown };
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['WebhookLogGroup', 'Arn'] } },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'Topic' } },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['QuarantineQueue', 'Arn'] } },
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

  it('keeps the example subscriber apart: no secret, no publish right, only reading its own queue', () => {
    const fn = template.Resources.PoolUsageSubscriberLambdaFunction?.Properties as { Role: unknown; Environment: { Variables: Record<string, unknown> } };
    expect(Object.keys(fn.Environment.Variables).sort()).toEqual(['POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
    const role = template.Resources.IamRoleLambdaExecution?.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: string[] | string; Resource: unknown }[] } }[];
    };
    const nonLog = role.Policies.flatMap((p) => p.PolicyDocument.Statement)
      .map((s) => ({ actions: ([] as string[]).concat(s.Action).sort(), resource: s.Resource }))
      .filter((g) => !g.actions.every((a) => a.startsWith('logs:')));
    expect(nonLog).toEqual([
      { actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'], resource: [{ 'Fn::GetAtt': ['PoolUsageQueue', 'Arn'] }] },
    ]);
  });

  it('carries no secret: the api secrets are an SSM reference resolved by CloudFormation', () => {
    const env = (template.Resources.WebhookLambdaFunction?.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
    expect(env.DROAM_API_SECRETS).toBe('{{resolve:ssm:/droam-webhook-relay/prod/api-secrets}}');
    expect(text).not.toContain(LOCAL_STAGE.apiSecret);
    expect(text).not.toMatch(/(?<![0-9a-f])[0-9a-f]{32,}(?![0-9a-f])/i);
  });
});
