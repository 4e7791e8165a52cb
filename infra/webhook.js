// @ts-check
/** The webhook function's role, the HTTP API's throttling, and the alarms on both. */
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

/** @type {import('./shapes').Fragment} */
module.exports = {
  extensions: {
    HttpApiStage: {
      Properties: {
        DefaultRouteSettings: { ThrottlingRateLimit: param('throttlingRateLimit'), ThrottlingBurstLimit: param('throttlingBurstLimit') },
      },
    },
  },
  Resources: {
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
    Http5xxAlarm: alarm({
      description: 'The webhook URL answered 5xx (SNS or quarantine unavailable, or the function failing); dRoam is retrying or losing events',
      namespace: 'AWS/ApiGateway',
      metricName: '5xx',
      dimensions: { ApiId: ref('HttpApi'), Stage: '$default' },
      statistic: 'Sum',
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
    FunctionErrorsAlarm: functionAlarm(
      'The function failed outside its own error handling (a bad configuration fails every cold start)',
      'WebhookLambdaFunction',
      'Errors',
    ),
    WebhookThrottlesAlarm: functionAlarm(
      "Lambda throttled the webhook function (reservedConcurrency or the account's concurrency); dRoam got a 5xx and is retrying",
      'WebhookLambdaFunction',
      'Throttles',
      60,
    ),
    WebhookDurationAlarm: durationAlarm(
      'An invocation of the webhook function took more than durationAlarmPercent of its timeout (SNS slow); at the timeout dRoam gets a 503',
      'WebhookLambdaFunction',
      '${self:provider.timeout}',
    ),
  },
  Outputs: {
    WebhookUrl: {
      Description: 'The URL to register in dRoam as the Push API endpoint',
      Value: join([getAtt('HttpApi', 'ApiEndpoint'), '/webhooks/droam']),
    },
  },
};
