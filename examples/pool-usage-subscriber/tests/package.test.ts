/**
 * `npx sls package --stage prod` in this folder, as its team runs it before a
 * deploy (no AWS credentials): the compiled template subscribes the queue to
 * the topic the relay's stack exports, with the filter policy, raw delivery
 * and a dead-letter queue for what SNS cannot deliver; the queue hands a
 * record to its dead-letter queue after 5 receives; every queue is encrypted
 * with SQS-managed keys; the function reports partial batch failures, and its
 * role reads its own queue, writes its own logs, and makes on each of its two
 * DynamoDB tables (created with TTL) the operations its helper needs, nothing
 * else.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, run } from '../../../tests/support/integration/processes';
import { checkTemplate, type Template } from '../../../tests/support/template/spec-check';
import type { Template as ResolvableTemplate } from '../../../tests/support/cloudformation';
import { type Caller, permits, writables, writers } from '../../../tests/support/template/writers';

const SERVICE = path.join(__dirname, '..');
const TOPIC_ARN = { 'Fn::ImportValue': 'droam-webhook-relay-prod-TopicArn' };
const getAtt = (logicalId: string, attribute = 'Arn'): unknown => ({ 'Fn::GetAtt': [logicalId, attribute] });
const OPERATOR_ROLE = 'arn:aws:iam::123456789012:role/pool-usage-operator';

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

describe('npx sls package --stage prod in examples/pool-usage-subscriber (no AWS credentials)', () => {
  let dir: string;
  let template: Template;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pool-usage-subscriber-package-'));
    const env = childEnv();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) Reflect.deleteProperty(env, name);
    // --no: the repository's osls (a dependency of this workspace), never one fetched from the registry.
    // The threshold given on the command line, as a string: the template must carry it as a number.
    const params = [`--param=operatorRoleArn=${OPERATOR_ROLE}`, '--param', 'poolUsageAlertKb=60000000'];
    const result = await run('npx', ['--no', '--', 'sls', 'package', '--stage', 'prod', '--package', dir, ...params], {
      cwd: SERVICE,
      env,
      timeoutMs: 90_000,
    });
    if (result.code !== 0) throw new Error(`sls package exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
    template = JSON.parse(readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  }, 120_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const properties = (logicalId: string): Record<string, unknown> => {
    const found = template.Resources[logicalId];
    if (found === undefined) throw new Error(`the template has no ${logicalId}`);
    return found.Properties ?? {};
  };
  const ofType = (type: string): [string, Record<string, unknown>][] =>
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [id, r.Properties ?? {}]);

  it("passes AWS's CloudFormation specification: resource types, property names, types and required properties, references", () => {
    expect(checkTemplate(template).problems).toEqual([]);
  });

  it('refuses a poolUsageAlertKb that is not a whole number of KB in the range SNS filters on, before anything is built', async () => {
    const refused = await run('npx', ['--no', '--', 'sls', 'package', '--stage', 'prod', '--package', dir, '--param', 'poolUsageAlertKb=50GB'], {
      cwd: SERVICE,
      env: childEnv(),
      timeoutMs: 60_000,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(
      `poolUsageAlertKb must be a whole number of KB from 0 to 1000000000 (SNS's numeric filter range), not "50GB"`,
    );
  }, 60_000);

  it('subscribes the queue to the topic the relay stack exports: raw, pool usage events above poolUsageAlertKb, undeliverable ones kept', () => {
    expect(ofType('AWS::SNS::Subscription')).toEqual([
      [
        'PoolUsageSubscription',
        {
          TopicArn: TOPIC_ARN,
          Protocol: 'sqs',
          Endpoint: getAtt('PoolUsageQueue'),
          RawMessageDelivery: true,
          RedrivePolicy: { deadLetterTargetArn: getAtt('PoolUsageDeliveryDeadLetterQueue') },
          FilterPolicyScope: 'MessageAttributes',
          // A number, though --param gave a string: SNS refuses a string in a numeric filter.
          FilterPolicy: { event_type: ['rule.pool.usage.triggered'], current_usage_kb: [{ numeric: ['>', 60_000_000] }] },
        },
      ],
    ]);
  });

  it('the queue hands a record to its dead-letter queue after 5 receives, and hides it for 6 times the function timeout', () => {
    const queue = properties('PoolUsageQueue');
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt('PoolUsageDeadLetterQueue'), maxReceiveCount: 5 });
    expect(queue.VisibilityTimeout).toBe(6 * (properties('SubscriberLambdaFunction').Timeout as number));
  });

  it('encrypts every queue with SQS-managed keys (SNS delivers to them without a key policy)', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues.map(([id]) => id).sort()).toEqual(['PoolUsageDeadLetterQueue', 'PoolUsageDeliveryDeadLetterQueue', 'PoolUsageQueue']);
    for (const [id, queue] of queues) expect([id, queue.SqsManagedSseEnabled, queue.KmsMasterKeyId]).toEqual([id, true, undefined]);
  });

  it("names every queue's writers: the relay's topic and the operator's role to the queue, the topic alone to the delivery dead-letter queue, no one to the dead-letter queue", () => {
    const callers: Caller[] = [
      { name: 'the relay topic', service: 'sns.amazonaws.com', sourceArn: '<ImportValue droam-webhook-relay-prod-TopicArn>' },
      { name: 'another topic', service: 'sns.amazonaws.com', sourceArn: 'arn:aws:sns:us-east-1:123456789012:another' },
      { name: 'the operator', arn: OPERATOR_ROLE },
      { name: 'the function', arn: '<IamRoleLambdaExecution.Arn>' },
      { name: 'any principal of the account', arn: 'arn:aws:iam::123456789012:role/Admin' },
    ];
    expect(writers(template as unknown as ResolvableTemplate, callers)).toEqual({
      PoolUsageQueue: ['the relay topic', 'the operator'],
      PoolUsageDeadLetterQueue: [],
      PoolUsageDeliveryDeadLetterQueue: ['the relay topic'],
      // The Framework's bucket of the function's zip: whoever deploys (the relay's SECURITY.md).
      ServerlessDeploymentBucket: ['the operator', 'the function', 'any principal of the account'],
    });
  });

  it('the way back from each dead-letter queue (aws sqs start-message-move-task to the queue) works for the operator, and no other queue may use them', () => {
    const byId = new Map(writables(template as unknown as ResolvableTemplate).map((w) => [w.id, w]));
    const operator: Caller = { name: 'the operator', arn: OPERATOR_ROLE };
    const queue = byId.get('PoolUsageQueue');
    for (const id of ['PoolUsageDeadLetterQueue', 'PoolUsageDeliveryDeadLetterQueue']) {
      const source = byId.get(id);
      for (const action of ['sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
        expect([id, action, permits(source?.policy, operator, action, source?.resource ?? '')]).toEqual([id, action, true]);
      }
    }
    expect(permits(queue?.policy, operator, 'sqs:SendMessage', queue?.resource ?? '')).toBe(true);
    expect(properties('PoolUsageDeadLetterQueue').RedriveAllowPolicy).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:droam-pool-usage-subscriber-prod' }],
    });
    expect(properties('PoolUsageQueue').QueueName).toBe('droam-pool-usage-subscriber-prod');
  });

  it('nothing reaches any queue without TLS', () => {
    const queues = ['PoolUsageQueue', 'PoolUsageDeliveryDeadLetterQueue', 'PoolUsageDeadLetterQueue'];
    const policies = ofType('AWS::SQS::QueuePolicy');
    expect(policies.flatMap(([, p]) => p.Queues as unknown[]).sort()).toEqual(queues.map((queue) => ({ Ref: queue })).sort());
    const statements = policies.flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.filter((s) => s.Sid === 'TlsOnly')).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:*',
        Resource: queues.map((queue) => getAtt(queue)),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  it('runs the function on the queue, nodejs24.x on arm64, reporting partial batch failures', () => {
    const fn = properties('SubscriberLambdaFunction');
    expect(fn).toMatchObject({ Handler: 'src/handler.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(ofType('AWS::Lambda::EventSourceMapping').map(([, p]) => p)).toEqual([
      expect.objectContaining({
        EventSourceArn: getAtt('PoolUsageQueue'),
        FunctionName: getAtt('SubscriberLambdaFunction'),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    ]);
  });

  it('creates the idempotency and state tables on demand, keyed as the helpers write them, with TTL, and names them to the function', () => {
    expect(ofType('AWS::DynamoDB::Table')).toEqual([
      [
        'IdempotencyTable',
        {
          TableName: 'droam-pool-usage-subscriber-prod-idempotency',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        },
      ],
      [
        'PoolUsageStateTable',
        {
          TableName: 'droam-pool-usage-subscriber-prod-pool-usage-state',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
          TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        },
      ],
    ]);
    expect((properties('SubscriberLambdaFunction').Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
      POOL_USAGE_STATE_TABLE: { Ref: 'PoolUsageStateTable' },
    });
  });

  it('gives the function a role that reads its own queue, writes its own logs and uses its own tables, nothing else', () => {
    expect(ofType('AWS::IAM::Role').map(([id]) => id)).toEqual(['IamRoleLambdaExecution']);
    expect(properties('SubscriberLambdaFunction').Role).toEqual(getAtt('IamRoleLambdaExecution'));
    const role = properties('IamRoleLambdaExecution') as { Policies: { PolicyDocument: { Statement: Statement[] } }[]; ManagedPolicyArns?: unknown };
    expect(role.ManagedPolicyArns).toBeUndefined();
    const logGroups = 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/droam-pool-usage-subscriber-prod*';
    expect(role.Policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource'], Resource: [{ 'Fn::Sub': `${logGroups}:*` }] },
      { Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: [{ 'Fn::Sub': `${logGroups}:*:*` }] },
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: getAtt('IdempotencyTable'),
      },
      { Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], Resource: getAtt('PoolUsageStateTable') },
      { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: [getAtt('PoolUsageQueue')] },
    ]);
  });

  it('alarms when a record waits in either dead-letter queue', () => {
    const watched = ofType('AWS::CloudWatch::Alarm').map(([id, p]) => [id, p.MetricName, p.Dimensions]);
    expect(watched).toEqual([
      ['PoolUsageDeadLetterAlarm', 'ApproximateNumberOfMessagesVisible', [{ Name: 'QueueName', Value: getAtt('PoolUsageDeadLetterQueue', 'QueueName') }]],
      [
        'PoolUsageDeliveryFailuresAlarm',
        'ApproximateNumberOfMessagesVisible',
        [{ Name: 'QueueName', Value: getAtt('PoolUsageDeliveryDeadLetterQueue', 'QueueName') }],
      ],
    ]);
  });
});
