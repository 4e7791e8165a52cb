import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { AWS_CLIENT_OPTIONS, PUBLISH_DEADLINE_MS, QUARANTINE_DEADLINE_MS } from '../lib/clients';
import { loadConfig } from '../lib/config';
import { createWebhookHandler } from '../lib/handler';
import { payloadTypes } from '../lib/payload-types';
import { sqsQuarantine } from '../lib/quarantine';
import { snsPublisher } from '../lib/sns/publisher';

// Everything below runs once per cold start; a bad configuration throws here, listing every problem.
const config = loadConfig(process.env);

const sns = new SNSClient(AWS_CLIENT_OPTIONS);

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'droam-webhook-relay';

export const handler = createWebhookHandler({
  config,
  registry: payloadTypes,
  publish: snsPublisher(sns, config.topicArn, PUBLISH_DEADLINE_MS),
  quarantine: config.quarantineQueueUrl === undefined ? undefined : sqsQuarantine(config.quarantineQueueUrl, QUARANTINE_DEADLINE_MS),
  now: Date.now,
  logger: new Logger({ serviceName }),
  // EMF on the request's log line: `service` is both the log field and the metrics dimension.
  metrics: new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DroamWebhookRelay', serviceName }),
});
