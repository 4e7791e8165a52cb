// @ts-check
/**
 * The shapes the stack repeats, each written once, and CloudFormation's intrinsic functions as plain
 * objects. The feature modules beside this one (`resources:` in serverless.yml) build their fragments
 * from them. Strings such as `${param:…}`, `${self:…}` and `${sls:…}` are left for the Framework, which
 * resolves them in what a module returns, as it does in serverless.yml.
 */

/** @typedef {Record<string, unknown>} Properties */
/**
 * @typedef {object} Resource
 * @property {string} Type
 * @property {string} [Condition]
 * @property {string | string[]} [DependsOn]
 * @property {'Retain' | 'Delete'} [DeletionPolicy]
 * @property {'Retain' | 'Delete'} [UpdateReplacePolicy]
 * @property {Properties} Properties
 */
/**
 * @typedef {object} Output
 * @property {string} Description
 * @property {unknown} Value
 * @property {string} [Condition]
 * @property {{ Name: string }} [Export]
 */
/**
 * What a feature module gives `resources:`; the Framework deep-merges the fragments.
 * @typedef {object} Fragment
 * @property {Record<string, unknown>} [Conditions]
 * @property {Record<string, Properties>} [extensions] attributes added to resources the Framework generates
 * @property {Record<string, Resource>} [Resources]
 * @property {Record<string, Output>} [Outputs]
 */
/**
 * An IAM policy statement.
 * @typedef {object} Statement
 * @property {string} [Sid]
 * @property {'Allow' | 'Deny'} Effect
 * @property {unknown} [Principal]
 * @property {string | string[]} Action
 * @property {unknown} [Resource]
 * @property {unknown} [NotResource]
 * @property {unknown} [Condition]
 */

// ---- Intrinsic functions ----

/** @param {string} logicalId */
const ref = (logicalId) => ({ Ref: logicalId });
/** @param {string} logicalId @param {string} attribute */
const getAtt = (logicalId, attribute) => ({ 'Fn::GetAtt': [logicalId, attribute] });
/** @param {string} logicalId */
const arn = (logicalId) => getAtt(logicalId, 'Arn');
/** @param {string} text @param {Record<string, unknown>} [variables] */
const sub = (text, variables) => ({ 'Fn::Sub': variables === undefined ? text : [text, variables] });
/** @param {unknown[]} parts */
const join = (parts) => ({ 'Fn::Join': ['', parts] });
/** @param {string} condition @param {unknown} whenTrue @param {unknown} whenFalse */
const ifCondition = (condition, whenTrue, whenFalse) => ({ 'Fn::If': [condition, whenTrue, whenFalse] });
const NO_VALUE = ref('AWS::NoValue');
/** @param {unknown} a @param {unknown} b */
const equals = (a, b) => ({ 'Fn::Equals': [a, b] });
/** @param {unknown} value */
const not = (value) => ({ 'Fn::Not': [value] });
/** @param {unknown[]} values */
const and = (...values) => ({ 'Fn::And': values });
/** @param {string} name */
const condition = (name) => ({ Condition: name });

// ---- Names ----

/** A stage parameter (serverless.yml `params`), resolved by the Framework. @param {string} name */
const param = (name) => `\${param:${name}}`;
/** The stack's name, which every named resource starts with: droam-webhook-relay-<stage>. */
const STACK = '${self:service}-${sls:stage}';
/** The api secrets' SSM SecureString, which the webhook and the publish-retry drainer read. */
const API_SECRETS_PARAMETER_ARN = sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${self:custom.apiSecretsParameterName}');
/**
 * The named dRoam sources' SecureStrings (/droam-webhook-relay/<stage>/sources/<name>/api-secrets): every
 * parameter under the stage's own sources/ path, so that naming a source takes no change of the roles or key.
 */
const SOURCE_API_SECRETS_PARAMETERS_ARN = sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${self:service}/${sls:stage}/sources/*');
/** Every api secrets parameter of the stage: the default source's and the named sources'. */
const API_SECRETS_PARAMETER_ARNS = [API_SECRETS_PARAMETER_ARN, SOURCE_API_SECRETS_PARAMETERS_ARN];
/** The account, as a key policy's principal: its principals as their own IAM policies allow. */
const ACCOUNT_ROOT = { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') };
/**
 * The IAM role an operator acts with (the operatorRoleArn parameter): it puts the api secret (the one
 * principal that may encrypt with its key) and moves messages back from the dead-letter queues (the
 * queues they go back to take SendMessage from it).
 */
const OPERATOR_ROLE = param('operatorRoleArn');
/** The ARN of a queue of the stack, from its name: a dead-letter queue's policy names its source without depending on it. */
const queueArnOf = (/** @type {string} */ name) => sub(`arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${STACK}-${name}`);

/**
 * Resources that exist only under a condition; whatever refers to them must hold the same one.
 * @param {string} name @param {Record<string, Resource>} resources @returns {Record<string, Resource>}
 */
function withCondition(name, resources) {
  return Object.fromEntries(Object.entries(resources).map(([id, { Type, ...rest }]) => [id, { Type, Condition: name, ...rest }]));
}

// ---- Policies ----

/** @param {unknown[]} statements */
const policyDocument = (statements) => ({ Version: '2012-10-17', Statement: statements });

/** @param {string | string[]} action @param {unknown} resource @param {Properties} [when] @returns {Statement} */
function allow(action, resource, when) {
  return { Effect: 'Allow', Action: action, Resource: resource, ...(when === undefined ? {} : { Condition: when }) };
}

/** Nothing reaches the resource without TLS. @param {string} action e.g. sqs:* @param {unknown} resource @returns {Statement} */
function tlsOnly(action, resource) {
  return { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: action, Resource: resource, Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
}

/** A key's use through those services only (`kms:ViaService`). @param {string[]} services e.g. ['sns', 'sqs'] */
function viaService(services) {
  const endpoints = services.map((service) => sub(`${service}.\${AWS::Region}.amazonaws.com`));
  return { 'kms:ViaService': endpoints.length === 1 ? endpoints[0] : endpoints };
}

/** Use of a KMS key of the stack through the given services only. @param {string | string[]} action @param {string} keyId @param {string[]} services */
const keyThrough = (action, keyId, services) => allow(action, arn(keyId), { StringEquals: viaService(services) });

/**
 * A function's role (the function says `role: <Name>Role`): Lambda may assume it; it writes the function's
 * own log group and nothing else's; it holds the given statements; and X-Ray when the stage traces
 * (TracingEnabled) if `tracing`.
 * @param {{ policyName: string, logGroup: string, statements: Statement[], tracing: boolean }} options
 * @returns {Resource}
 */
function functionRole({ policyName, logGroup, statements, tracing }) {
  const xray = ifCondition('TracingEnabled', allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*'), NO_VALUE);
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: policyDocument([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
      Policies: [
        {
          PolicyName: `${STACK}-${policyName}`,
          PolicyDocument: policyDocument([allow(['logs:CreateLogStream', 'logs:PutLogEvents'], arn(logGroup)), ...statements, ...(tracing ? [xray] : [])]),
        },
      ],
    },
  };
}

// ---- Queues ----

/**
 * An SQS queue of the stack, named <stack>-<name>: messages kept 14 days (SQS's longest), encrypted with
 * the messages key.
 * @param {string} name @param {Properties} [properties] @returns {Resource}
 */
function queue(name, properties = {}) {
  return {
    Type: 'AWS::SQS::Queue',
    Properties: { QueueName: `${STACK}-${name}`, MessageRetentionPeriod: 1209600, KmsMasterKeyId: ref('MessagesKey'), ...properties },
  };
}

/**
 * `<prefix>Queue` and `<prefix>DeadLetterQueue` (<stack>-<name>-dlq), where a message goes after
 * `maxReceiveCount` receives. Only that queue may use the dead-letter queue as one (`RedriveAllowPolicy`):
 * SQS moves messages into a dead-letter queue without its queue policy, so another queue naming it in its
 * own redrive policy would be a way to write to it.
 * @param {string} prefix
 * @param {{ name: string, maxReceiveCount: number, visibilityTimeout: number, maximumMessageSize?: number }} options
 * @returns {Record<string, Resource>}
 */
function queueWithDeadLetterQueue(prefix, { name, maxReceiveCount, visibilityTimeout, maximumMessageSize }) {
  const size = maximumMessageSize === undefined ? {} : { MaximumMessageSize: maximumMessageSize };
  return {
    [`${prefix}Queue`]: queue(name, {
      ...size,
      VisibilityTimeout: visibilityTimeout,
      RedrivePolicy: { deadLetterTargetArn: arn(`${prefix}DeadLetterQueue`), maxReceiveCount },
    }),
    [`${prefix}DeadLetterQueue`]: queue(`${name}-dlq`, {
      ...size,
      RedriveAllowPolicy: { redrivePermission: 'byQueue', sourceQueueArns: [queueArnOf(name)] },
    }),
  };
}

/**
 * A queue's policy, naming every principal that may send to it: the roles given, the operator's role with
 * `operator` (when the stage names one: it moves messages back from a dead-letter queue, and a message move
 * task sends with its caller's principal), and with `fromTopic` SNS delivering the topic's messages. Every
 * other principal is refused SendMessage, whatever its IAM policy says; nothing reaches the queue without TLS.
 * @param {string} queueId @param {{ senders?: unknown[], operator?: boolean, fromTopic?: boolean }} [options] @returns {Resource}
 */
function queuePolicy(queueId, { senders = [], operator = false, fromTopic = false } = {}) {
  const queueArn = arn(queueId);
  /** @type {Statement[]} */
  const statements = [];
  if (fromTopic)
    statements.push({
      Sid: 'TheTopicDelivers',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': ref('Topic') } },
    });
  // Refused unless one of the named roles sends, or the topic delivers (a request of SNS's carries the topic as aws:SourceArn).
  /** @param {unknown[]} roles */
  const unless = (roles) => {
    /** @type {Record<string, unknown>} */
    const keys = { ...(roles.length === 0 ? {} : { 'aws:PrincipalArn': roles }), ...(fromTopic ? { 'aws:SourceArn': ref('Topic') } : {}) };
    return Object.keys(keys).length === 0 ? NO_VALUE : { ArnNotEquals: keys };
  };
  statements.push({
    Sid: 'SendersNamedHereOnly',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sqs:SendMessage',
    Resource: queueArn,
    Condition: operator ? ifCondition('HasOperatorRole', unless([...senders, OPERATOR_ROLE]), unless(senders)) : unless(senders),
  });
  statements.push(tlsOnly('sqs:*', queueArn));
  return { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [ref(queueId)], PolicyDocument: policyDocument(statements) } };
}

/**
 * What the roles that read the api secrets' parameter may not do: decrypt, through SSM, with any key but the
 * stage's. A SecureString put under another key (`aws/ssm`, which any principal of the account may use) then
 * fails to read instead of replacing the secret; lib/api-secrets/extension.ts refuses a String parameter.
 * @type {Statement}
 */
const DECRYPT_NO_OTHER_SECRETS_KEY = {
  Effect: 'Deny',
  Action: 'kms:Decrypt',
  NotResource: arn('ApiSecretsKey'),
  Condition: { StringEquals: viaService(['ssm']) },
};

// ---- Alarms ----

/** An alarm notifies the alarmTopicArn stage parameter when one is given, and changes state silently otherwise. */
const NOTIFY = {
  TreatMissingData: 'notBreaching',
  AlarmActions: ifCondition('HasAlarmTopic', [param('alarmTopicArn')], NO_VALUE),
  OKActions: ifCondition('HasAlarmTopic', [param('alarmTopicArn')], NO_VALUE),
};

/**
 * An alarm on one metric, raised when a period's statistic is over the threshold.
 * @param {object} options
 * @param {string} options.description what happened, and what it costs
 * @param {string} options.namespace
 * @param {string} options.metricName
 * @param {Record<string, unknown>} options.dimensions name → value
 * @param {'Sum' | 'Maximum'} options.statistic
 * @param {number} [options.period] seconds (default 300)
 * @param {unknown} [options.threshold] (default 0)
 * @param {'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold'} [options.comparisonOperator]
 * @returns {Resource}
 */
function alarm({ description, namespace, metricName, dimensions, statistic, period = 300, threshold = 0, comparisonOperator = 'GreaterThanThreshold' }) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: comparisonOperator,
      ...NOTIFY,
    },
  };
}

/**
 * An alarm on a queue of the stack (its largest value in 5 minutes): by default, any message waiting in it.
 * @param {string} description @param {string} queueId
 * @param {{ metricName?: string, threshold?: unknown }} [options]
 */
function queueAlarm(description, queueId, { metricName = 'ApproximateNumberOfMessagesVisible', threshold } = {}) {
  const dimensions = { QueueName: getAtt(queueId, 'QueueName') };
  return alarm({ description, namespace: 'AWS/SQS', metricName, dimensions, statistic: 'Maximum', ...(threshold === undefined ? {} : { threshold }) });
}

/**
 * An alarm on any Lambda `Errors` or `Throttles` of a function in the period.
 * @param {string} description @param {string} functionId e.g. WebhookLambdaFunction @param {'Errors' | 'Throttles'} metricName
 * @param {number} [period]
 */
function functionAlarm(description, functionId, metricName, period) {
  const dimensions = { FunctionName: ref(functionId) };
  return alarm({ description, namespace: 'AWS/Lambda', metricName, dimensions, statistic: 'Sum', ...(period === undefined ? {} : { period }) });
}

/**
 * Raised when a function's longest invocation in a minute passes durationAlarmPercent of its timeout:
 * near the timeout, the work is lost or redone.
 * @param {string} description @param {string} functionId @param {string | number} timeoutSeconds
 * @returns {Resource}
 */
function durationAlarm(description, functionId, timeoutSeconds) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Metrics: [
        {
          Id: 'duration',
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: ref(functionId) }] },
            Period: 60,
            Stat: 'Maximum',
          },
        },
        { Id: 'share', Label: 'Longest invocation, % of the timeout', Expression: `100 * duration / (${String(timeoutSeconds)} * 1000)`, ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: param('durationAlarmPercent'),
      ComparisonOperator: 'GreaterThanThreshold',
      ...NOTIFY,
    },
  };
}

module.exports = {
  ref,
  getAtt,
  arn,
  sub,
  join,
  ifCondition,
  NO_VALUE,
  equals,
  not,
  and,
  condition,
  param,
  STACK,
  API_SECRETS_PARAMETER_ARN,
  API_SECRETS_PARAMETER_ARNS,
  ACCOUNT_ROOT,
  OPERATOR_ROLE,
  DECRYPT_NO_OTHER_SECRETS_KEY,
  withCondition,
  policyDocument,
  allow,
  tlsOnly,
  viaService,
  keyThrough,
  functionRole,
  queue,
  queueWithDeadLetterQueue,
  queuePolicy,
  alarm,
  queueAlarm,
  functionAlarm,
  durationAlarm,
};
