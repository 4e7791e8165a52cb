// @ts-check
/**
 * AWS's documented default quotas that bound how fast the relay can take and publish a burst, each with the
 * AWS page it comes from. They are an account's defaults: an account with raised quotas has larger ones
 * (Service Quotas console), so a figure here is where capacity planning starts, not what an account has.
 * Nothing here is a CloudFormation fragment; infra modules and tools read it.
 */

/**
 * A documented quota: its value, what the value counts, and the page that states it.
 * @typedef {{ readonly value: number, readonly unit: string, readonly source: string }} Quota
 */

const SNS_QUOTAS_PAGE = 'https://docs.aws.amazon.com/general/latest/gr/sns.html';
const SNS_FIFO_SCOPE_PAGE = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html';
const SNS_MESSAGE_GROUP_PAGE = 'https://docs.aws.amazon.com/sns/latest/dg/fifo-message-grouping.html';
const SNS_PUBLISH_BATCH_PAGE = 'https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html';
const LAMBDA_QUOTAS_PAGE = 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const LAMBDA_SCALING_PAGE = 'https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html';
const LAMBDA_SCALING_CONFIG_PAGE = 'https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html';
const API_GATEWAY_QUOTAS_PAGE = 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html';
const API_GATEWAY_THROTTLING_PAGE = 'https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html';
const SSM_QUOTAS_PAGE = 'https://docs.aws.amazon.com/general/latest/gr/ssm.html';

/**
 * SNS Publish (and PublishBatch, per message) per account and Region, standard topics and FIFO topics whose
 * FifoThroughputScope is MessageGroup. Regions not listed have `otherRegions`.
 *
 * The 1,500-a-second group is whichever Regions AWS's page lists for it. The six below are the group as
 * written here on `unconfirmedGroup.listedOn`, not confirmed against the page: check a Region there before relying on
 * its figure. `npm run capacity -- --sns-publish-per-second K` gives the model another figure. infra/retry.js
 * paces the drainer from this table, so a Region in the wrong group gets a drainer pace five times too high
 * or too low; retryPublishSharePercent corrects it.
 */
const snsPublish = {
  unit: 'messages per second, per account and Region',
  source: SNS_QUOTAS_PAGE,
  /** The group whose Regions are listed here unconfirmed, and when. */
  unconfirmedGroup: { perSecond: 1_500, listedOn: '2026-12-07' },
  /** @type {Readonly<Record<string, number>>} */
  byRegion: {
    'us-east-1': 30_000,
    'us-west-2': 9_000,
    'eu-west-1': 9_000,
    'ap-northeast-1': 1_500,
    'ap-south-1': 1_500,
    'ap-southeast-1': 1_500,
    'ap-southeast-2': 1_500,
    'eu-central-1': 1_500,
    'eu-west-2': 1_500,
  },
  otherRegions: 300,
};

/**
 * API Gateway's throttle per account and Region, shared by every HTTP, REST and WebSocket API of the account
 * there; a stage's own throttle cannot pass it. The listed Regions have a lower default.
 */
const apiGatewayAccount = {
  source: API_GATEWAY_QUOTAS_PAGE,
  /** Requests per second. */
  rate: 10_000,
  /** The token bucket's size, in requests (API Gateway sets it from the rate; not adjustable on its own). */
  burst: 5_000,
  burstSource: API_GATEWAY_THROTTLING_PAGE,
  lowerRegions: {
    rate: 2_500,
    burst: 1_250,
    regions: [
      'af-south-1',
      'eu-south-1',
      'ap-southeast-3',
      'me-central-1',
      'ap-south-2',
      'ap-southeast-4',
      'eu-south-2',
      'eu-central-2',
      'il-central-1',
      'ca-west-1',
      'ap-southeast-5',
      'ap-southeast-7',
      'mx-central-1',
    ],
  },
};

const quotas = Object.freeze({
  snsPublish,
  /** A FIFO topic with FifoThroughputScope Topic: this per topic (de-duplication across the whole topic). */
  snsFifoTopicScope: /** @type {Quota} */ ({ value: 3_000, unit: 'messages per second, per topic', source: SNS_FIFO_SCOPE_PAGE }),
  /**
   * A FIFO topic with FifoThroughputScope MessageGroup has the Region's Publish quota (`snsPublish`), with
   * de-duplication within each message group; each group delivers in order at up to this.
   */
  snsFifoMessageGroup: /** @type {Quota} */ ({ value: 300, unit: 'messages per second, per message group', source: SNS_MESSAGE_GROUP_PAGE }),
  /** PublishBatch: each message counts against the Publish quota as one Publish would. */
  snsPublishBatch: {
    source: SNS_PUBLISH_BATCH_PAGE,
    maxMessages: 10,
    /** The whole batch's payload, in bytes (256 KiB). */
    maxBytes: 262_144,
  },
  lambdaConcurrentExecutions: /** @type {Quota} */ ({
    value: 1_000,
    unit: 'concurrent executions per account and Region, shared by every function',
    source: LAMBDA_QUOTAS_PAGE,
  }),
  /** How fast one function scales out: this many execution environments every `periodSeconds`. */
  lambdaScalingRate: { value: 1_000, periodSeconds: 10, unit: 'execution environments per function', source: LAMBDA_SCALING_PAGE },
  apiGatewayAccount,
  /** An SQS event source mapping's ScalingConfig.MaximumConcurrency. */
  sqsEventSourceMaximumConcurrency: { min: 2, max: 1_000, source: LAMBDA_SCALING_CONFIG_PAGE },
  /**
   * Parameter Store's default throughput, shared by GetParameter, GetParameters and GetParametersByPath: each
   * instance of the webhook and of the drainer reads its api secrets with GetParameter on its first request. Higher
   * throughput is a paid setting of the account and Region.
   */
  ssmGetParameter: /** @type {Quota} */ ({ value: 40, unit: 'transactions per second, per account and Region', source: SSM_QUOTAS_PAGE }),
});

/**
 * SNS's default Publish quota for a Region, in messages per second per account (PublishBatch counts each message).
 * @param {string} region e.g. us-east-1
 * @returns {number}
 */
const snsPublishPerSecond = (region) => snsPublish.byRegion[region] ?? snsPublish.otherRegions;

/**
 * A FIFO topic's default publish rate in a Region: the Region's quota with FifoThroughputScope MessageGroup,
 * 3,000 per topic (bounded by the Region's quota) with Topic.
 * @param {string} region
 * @param {'Topic' | 'MessageGroup'} scope
 * @returns {number}
 */
const snsFifoPublishPerSecond = (region, scope) =>
  scope === 'MessageGroup' ? snsPublishPerSecond(region) : Math.min(quotas.snsFifoTopicScope.value, snsPublishPerSecond(region));

/**
 * API Gateway's default account throttle in a Region.
 * @param {string} region
 * @returns {{ rate: number, burst: number }}
 */
const apiGatewayAccountThrottle = (region) =>
  apiGatewayAccount.lowerRegions.regions.includes(region)
    ? { rate: apiGatewayAccount.lowerRegions.rate, burst: apiGatewayAccount.lowerRegions.burst }
    : { rate: apiGatewayAccount.rate, burst: apiGatewayAccount.burst };

module.exports = { quotas, snsPublishPerSecond, snsFifoPublishPerSecond, apiGatewayAccountThrottle };
