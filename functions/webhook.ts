import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadConfig } from '../lib/config';
import { createWebhookHandler } from '../lib/handler';
import { payloadTypes } from '../lib/payload-types';
import { sqsQuarantine } from '../lib/quarantine';
import { snsPublisher } from '../lib/sns/publisher';

// Everything below runs once per cold start; a bad configuration throws here, listing every problem.
const config = loadConfig(process.env);

// Two attempts of at most 3 s each, inside a 7 s deadline: an answer always leaves within the
// function's 10 s timeout, and dRoam gets a 503 it can retry instead of a gateway timeout.
const sns = new SNSClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
});

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'droam-webhook-relay';

export const handler = createWebhookHandler({
  config,
  registry: payloadTypes,
  publish: snsPublisher(sns, config.topicArn, 7_000),
  quarantine: config.quarantineQueueUrl === undefined ? undefined : sqsQuarantine(config.quarantineQueueUrl, 2_000),
  now: Date.now,
  logger: new Logger({ serviceName }),
  // EMF on the request's log line: `service` is both the log field and the metrics dimension.
  metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DroamWebhookRelay', serviceName }),
});
