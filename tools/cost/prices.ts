/**
 * AWS's published prices the cost model uses: US East (N. Virginia), on-demand, without the free
 * tiers (a stage shares its account's), as AWS's pricing pages list them. Each price names its page;
 * read them again before relying on a figure, and change PRICES_READ with any price.
 */

/** When the prices below were read from AWS's pages. */
export const PRICES_READ = '2026-12-07';
export const PRICES_REGION = 'US East (N. Virginia)';

export interface Price {
  readonly usd: number;
  /** What one unit is. */
  readonly per: string;
  readonly page: string;
}

const page = {
  apiGateway: 'https://aws.amazon.com/api-gateway/pricing/',
  lambda: 'https://aws.amazon.com/lambda/pricing/',
  sns: 'https://aws.amazon.com/sns/pricing/',
  sqs: 'https://aws.amazon.com/sqs/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  s3: 'https://aws.amazon.com/s3/pricing/',
} as const;

export const PRICES = {
  /** HTTP API requests, first 300 million a month; a request is metered in 512 KB increments. */
  httpApiRequest: { usd: 1.0 / 1e6, per: 'request (HTTP API, first 300 M a month)', page: page.apiGateway },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'invocation', page: page.lambda },
  /** Arm (the functions run on arm64), first 7.5 billion GB-seconds a month. */
  lambdaGbSecond: { usd: 0.0000133334, per: 'GB-second (Arm)', page: page.lambda },
  /** Standard topic; each 64 KB chunk of a message is one request. Deliveries to SQS queues are free. */
  snsPublish: { usd: 0.5 / 1e6, per: 'publish (standard topic, per 64 KB)', page: page.sns },
  /** Standard queue, per 64 KB chunk of each request. */
  sqsRequest: { usd: 0.4 / 1e6, per: 'request (standard queue, per 64 KB)', page: page.sqs },
  kmsKeyMonth: { usd: 1.0, per: 'customer managed key a month', page: page.kms },
  kmsRequest: { usd: 0.03 / 1e4, per: 'request', page: page.kms },
  logsIngestedGb: { usd: 0.5, per: 'GB ingested (Standard log class)', page: page.cloudwatch },
  logsStoredGbMonth: { usd: 0.03, per: 'GB-month stored', page: page.cloudwatch },
  /** Per metric-month, first 10,000; prorated by the hours a metric is published. */
  customMetricMonth: { usd: 0.3, per: 'custom metric a month', page: page.cloudwatch },
  /** Standard resolution; a metric math alarm is billed per metric it reads. */
  alarmMetricMonth: { usd: 0.1, per: 'alarm metric a month', page: page.cloudwatch },
  dashboardMonth: { usd: 3.0, per: 'dashboard a month', page: page.cloudwatch },
  s3Put: { usd: 0.005 / 1000, per: 'PUT request (S3 Standard)', page: page.s3 },
  s3StoredGbMonth: { usd: 0.023, per: 'GB-month stored (S3 Standard, first 50 TB)', page: page.s3 },
} as const satisfies Readonly<Record<string, Price>>;
