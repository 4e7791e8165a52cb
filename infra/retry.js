// @ts-check
/**
 * The publish-retry queue: valid events SNS could not take for now, answered 200 queued, published by
 * the retryDrainer function (functions/retry-drainer.ts), paced to a share of the Region's SNS quota.
 */
const { failure, numericParam } = require('./params');
const { snsPublishPerSecond } = require('./quotas');
const {
  API_SECRETS_PARAMETER_ARNS,
  DECRYPT_NO_OTHER_SECRETS_KEY,
  allow,
  arn,
  durationAlarm,
  functionAlarm,
  functionRole,
  getAtt,
  keyThrough,
  param,
  queueAlarm,
  queuePolicy,
  queueWithDeadLetterQueue,
  ref,
} = require('./shapes');

/** @type {import('./shapes').Fragment} */
const publishRetry = {
  Resources: {
    // RetryDeadLetterQueue: events the drainer could not publish in 50 attempts, and records it refused (no
    // valid integrity tag, or SNS refused the message).
    ...queueWithDeadLetterQueue('Retry', {
      name: 'publish-retry',
      // Records hold an SNS message (up to 256 KiB) written as ASCII-only JSON.
      maximumMessageSize: 1048576,
      // Six times the drainer's timeout, as Lambda recommends for SQS event sources; the drainer's back-off sets it per failed record.
      visibilityTimeout: 180,
      // Back-off from 30 s doubling to an hour: 50 receives is about two days of SNS being unavailable.
      maxReceiveCount: 50,
    }),
    // The webhook writes to the publish-retry queue, and the operator's role moves records back from the dead-letter
    // queue (the drainer refuses any record without a valid tag of this stage).
    RetryQueuePolicy: queuePolicy('RetryQueue', { senders: [getAtt('WebhookRole', 'Arn')], operator: true }),
    // The drainer moves the records it refuses there; SQS moves the others, from RetryQueue only.
    RetryDeadLetterQueuePolicy: queuePolicy('RetryDeadLetterQueue', { senders: [getAtt('RetryDrainerRole', 'Arn')] }),
    RetryDrainerRole: functionRole({
      policyName: 'retry-drainer',
      logGroup: 'RetryDrainerLogGroup',
      statements: [
        // Decrypting them is granted by ApiSecretsKey's own policy, for these parameters and through SSM only.
        allow('ssm:GetParameter', API_SECRETS_PARAMETER_ARNS),
        DECRYPT_NO_OTHER_SECRETS_KEY,
        allow(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'], arn('RetryQueue')),
        allow('sqs:SendMessage', arn('RetryDeadLetterQueue')),
        allow('sns:Publish', ref('Topic')),
        // Reading the encrypted retry queue, writing its encrypted dead-letter queue, publishing to the encrypted topic.
        keyThrough(['kms:GenerateDataKey', 'kms:Decrypt'], 'MessagesKey', ['sns', 'sqs']),
      ],
      tracing: true,
    }),
    RetryDeadLetterAlarm: queueAlarm(
      'Events wait in the publish-retry dead-letter queue (never published, or refused by the drainer); see docs/operating.md',
      'RetryDeadLetterQueue',
    ),
    RetryDeadLetterAgeAlarm: queueAlarm(
      'An event has waited in the publish-retry dead-letter queue longer than deadLetterAgeAlarmSeconds; SQS deletes it 14 days after it was queued: move it back before',
      'RetryDeadLetterQueue',
      { metricName: 'ApproximateAgeOfOldestMessage', threshold: param('deadLetterAgeAlarmSeconds') },
    ),
    RetryQueueAgeAlarm: queueAlarm(
      'Accepted events have waited in the publish-retry queue longer than retryQueueAgeAlarmSeconds; SNS or its key is still unavailable to the relay',
      'RetryQueue',
      { metricName: 'ApproximateAgeOfOldestMessage', threshold: param('retryQueueAgeAlarmSeconds') },
    ),
    RetryDrainerThrottlesAlarm: functionAlarm(
      'Lambda throttled the publish-retry drainer; queued events wait longer for the topic',
      'RetryDrainerLambdaFunction',
      'Throttles',
    ),
    RetryDrainerDurationAlarm: durationAlarm(
      'An invocation of the publish-retry drainer took more than durationAlarmPercent of its timeout; at the timeout its batch is received again',
      'RetryDrainerLambdaFunction',
      '${self:functions.retryDrainer.timeout}',
    ),
  },
  Outputs: {
    RetryQueueUrl: {
      Description: 'Events accepted while SNS could not take them, waiting for retryDrainer to publish them',
      Value: ref('RetryQueue'),
    },
    RetryDeadLetterQueueUrl: {
      Description: 'Events retryDrainer could not publish, or refused; see docs/operating.md',
      Value: ref('RetryDeadLetterQueue'),
    },
  },
};

/**
 * The drainer's pace: retryPublishSharePercent of the deploying Region's default SNS Publish quota, for all its
 * instances together, and at most retryDrainerMaximumConcurrency instances, each pacing itself to its part.
 * @param {{ resolveVariable: (variable: string) => Promise<unknown> }} framework
 * @returns {Promise<{ publishPerSecond: number, maximumConcurrency: number }>}
 */
async function drainerPace(framework) {
  const region = String(await framework.resolveVariable('self:provider.region'));
  const sharePercent = await numericParam(framework, 'retryPublishSharePercent');
  const maximumConcurrency = await numericParam(framework, 'retryDrainerMaximumConcurrency');
  const quota = snsPublishPerSecond(region);
  const publishPerSecond = Math.round(quota * sharePercent * 10) / 1000;
  // The drainer refuses less at cold start: a batch of ten must fit in an instance's 30 s timeout.
  if (publishPerSecond / maximumConcurrency < 1) {
    throw failure(
      `Invalid stage params: retryPublishSharePercent=${String(sharePercent)} of ${region}'s SNS quota (${String(quota)}/s) is ${String(publishPerSecond)}/s, ` +
        `less than a message a second for each of retryDrainerMaximumConcurrency=${String(maximumConcurrency)} instances`,
    );
  }
  return { publishPerSecond, maximumConcurrency };
}

/**
 * A function of the Framework's, for the values the template computes: the drainer's pace.
 * @param {{ resolveVariable: (variable: string) => Promise<unknown> }} framework
 * @returns {Promise<import('./shapes').Fragment>}
 */
module.exports = async (framework) => {
  const { publishPerSecond, maximumConcurrency } = await drainerPace(framework);
  return {
    ...publishRetry,
    extensions: {
      // Bounded concurrency: a backlog after an outage is drained by this many instances, not as many as SQS can feed.
      RetryDrainerEventSourceMappingSQSRetryQueue: { Properties: { ScalingConfig: { MaximumConcurrency: maximumConcurrency } } },
    },
    Resources: {
      ...publishRetry.Resources,
      // Merged into the function the Framework generates from serverless.yml: its pace, in its environment.
      RetryDrainerLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Environment: {
            Variables: { RETRY_PUBLISH_PER_SECOND: String(publishPerSecond), RETRY_DRAINER_MAXIMUM_CONCURRENCY: String(maximumConcurrency) },
          },
        },
      },
    },
  };
};
module.exports.drainerPace = drainerPace;
