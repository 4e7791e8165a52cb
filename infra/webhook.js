// @ts-check
/**
 * The webhook function's role and alarms, and its ingress's (infra/ingress.js): the HTTP API's throttling, 5xx
 * and 429 alarms and URL, or the function URL's 5xx alarm and URL.
 */
const { ingressOf } = require('./ingress');
const {
  API_SECRETS_PARAMETER_ARNS,
  DECRYPT_NO_OTHER_SECRETS_KEY,
  allow,
  alarm,
  arn,
  durationAlarm,
  functionAlarm,
  functionRole,
  getAtt,
  join,
  keyThrough,
  param,
  ref,
} = require('./shapes');

const service = { service: param('metricsService') };
const WEBHOOK_URL_DESCRIPTION = 'The URL to register in dRoam as the Push API endpoint';

/** The function's role and the alarms on what it does, whatever the ingress. @type {Record<string, import('./shapes').Resource>} */
const COMMON = {
  WebhookRole: functionRole({
    policyName: 'webhook',
    logGroup: 'WebhookLogGroup',
    statements: [
      // Decrypting them is granted by ApiSecretsKey's own policy, for these parameters and through SSM only.
      allow('ssm:GetParameter', API_SECRETS_PARAMETER_ARNS),
      DECRYPT_NO_OTHER_SECRETS_KEY,
      allow('sns:Publish', ref('Topic')),
      allow('sqs:SendMessage', arn('QuarantineQueue')),
      allow('sqs:SendMessage', arn('RetryQueue')),
      // Publishing to the encrypted topic and writing to the encrypted quarantine and publish-retry queues.
      keyThrough(['kms:GenerateDataKey', 'kms:Decrypt'], 'MessagesKey', ['sns', 'sqs']),
    ],
    tracing: true,
  }),
  PublishFailuresAlarm: alarm({
    description: 'Events could not be published to SNS (queued for the drainer, answered 503 for dRoam to retry, or 422 when SNS refused the message)',
    namespace: param('metricsNamespace'),
    metricName: 'publish_failures',
    dimensions: service,
    statistic: 'Sum',
    period: 60,
  }),
  UnauthorizedBurstAlarm: alarm({
    description: 'Many requests failed authentication (a rotated or wrong secret, clock skew, or probing)',
    namespace: param('metricsNamespace'),
    metricName: 'rejected',
    dimensions: { ...service, reason: 'unauthorized' },
    statistic: 'Sum',
    threshold: param('unauthorizedAlarmThreshold'),
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
  }),
  SecretsReadFailuresAlarm: alarm({
    description:
      'The api secrets could not be read from SSM (parameter missing or invalid, IAM or KMS refusing, SSM unavailable); requests are answered 503, or authenticated with the last value read',
    namespace: param('metricsNamespace'),
    metricName: 'secrets_read_failures',
    dimensions: service,
    statistic: 'Sum',
  }),
  FunctionErrorsAlarm: functionAlarm(
    'The function failed outside its own error handling (a bad configuration fails every cold start)',
    'WebhookLambdaFunction',
    'Errors',
  ),
  WebhookDurationAlarm: durationAlarm(
    'An invocation of the webhook function took more than durationAlarmPercent of its timeout (SNS slow); at the timeout dRoam gets a 503',
    'WebhookLambdaFunction',
    '${self:provider.timeout}',
  ),
};

/** @type {import('./shapes').Fragment} */
const HTTP_API = {
  extensions: {
    HttpApiStage: {
      Properties: {
        DefaultRouteSettings: { ThrottlingRateLimit: param('throttlingRateLimit'), ThrottlingBurstLimit: param('throttlingBurstLimit') },
      },
    },
  },
  Resources: {
    Http5xxAlarm: alarm({
      description: 'The webhook URL answered 5xx (SNS or quarantine unavailable, or the function failing); dRoam is retrying or losing events',
      namespace: 'AWS/ApiGateway',
      metricName: '5xx',
      dimensions: { ApiId: ref('HttpApi'), Stage: '$default' },
      statistic: 'Sum',
    }),
    // 429s: API Gateway refused requests over throttlingRateLimit/throttlingBurstLimit, dRoam's among
    // them, before the function saw them (HTTP APIs publish no 429 metric: counted from the access log).
    ThrottledRequestsMetricFilter: {
      Type: 'AWS::Logs::MetricFilter',
      Properties: {
        LogGroupName: ref('HttpApiLogGroup'),
        FilterPattern: '{ $.status = "429" }',
        MetricTransformations: [
          { MetricNamespace: param('metricsNamespace'), MetricName: 'throttled', MetricValue: '1', Dimensions: [{ Key: 'ApiId', Value: '$.apiId' }] },
        ],
      },
    },
    ThrottledAlarm: alarm({
      description: "API Gateway answered 429 (throttled); a burst above the stage's throttling or a flood is costing dRoam its share, and dRoam may not retry",
      namespace: param('metricsNamespace'),
      metricName: 'throttled',
      dimensions: { ApiId: ref('HttpApi') },
      statistic: 'Sum',
      threshold: param('throttledAlarmThreshold'),
    }),
    WebhookThrottlesAlarm: functionAlarm(
      "Lambda throttled the webhook function (reservedConcurrency or the account's concurrency); dRoam got a 5xx and is retrying",
      'WebhookLambdaFunction',
      'Throttles',
      60,
    ),
  },
  Outputs: {
    WebhookUrl: { Description: WEBHOOK_URL_DESCRIPTION, Value: join([getAtt('HttpApi', 'ApiEndpoint'), '/webhooks/droam']) },
  },
};

/** @type {import('./shapes').Fragment} */
const FUNCTION_URL = {
  Resources: {
    Http5xxAlarm: alarm({
      description: 'The function URL answered 5xx (SNS or quarantine unavailable, or the function failing); dRoam is retrying or losing events',
      namespace: 'AWS/Lambda',
      metricName: 'Url5xxCount',
      dimensions: { FunctionName: ref('WebhookLambdaFunction') },
      statistic: 'Sum',
    }),
    // The function URL's throttle: Lambda answers 429 to what reservedConcurrency cannot run, before the function sees it.
    WebhookThrottlesAlarm: functionAlarm(
      "Lambda refused webhooks over the function's reservedConcurrency (or the account's concurrency) with 429, the function URL's throttle; dRoam may not retry them",
      'WebhookLambdaFunction',
      'Throttles',
      60,
    ),
  },
  Outputs: {
    // The function URL's host, and the webhook's path on it.
    WebhookUrl: {
      Description: WEBHOOK_URL_DESCRIPTION,
      Value: join(['https://', { 'Fn::Select': [2, { 'Fn::Split': ['/', getAtt('WebhookLambdaFunctionUrl', 'FunctionUrl')] }] }, '/webhooks/droam']),
    },
  },
};

/**
 * @param {import('./ingress').Framework} framework
 * @returns {Promise<import('./shapes').Fragment>}
 */
module.exports = async (framework) => {
  const ingress = (await ingressOf(framework)) === 'functionUrl' ? FUNCTION_URL : HTTP_API;
  return { ...ingress, Resources: { ...COMMON, ...ingress.Resources } };
};
