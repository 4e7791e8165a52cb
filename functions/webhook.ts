import { SNSClient } from '@aws-sdk/client-sns';
import { payloadTypes } from '../lib/contract';
import { createLogger } from '../lib/observability/logger';
import { createMetrics } from '../lib/observability/metrics';
import { AWS_CLIENT_OPTIONS, PUBLISH_DEADLINE_MS, QUARANTINE_DEADLINE_MS } from '../lib/relay/clients';
import { loadConfig } from '../lib/relay/config';
import { createWebhookHandler } from '../lib/relay/handler';
import { snsPublisher } from '../lib/relay/publish';
import { sqsQuarantine } from '../lib/relay/quarantine';

// Everything below runs once per cold start; a bad configuration throws here, listing every problem.
const config = loadConfig(process.env);

const sns = new SNSClient(AWS_CLIENT_OPTIONS);

export const handler = createWebhookHandler({
  config,
  registry: payloadTypes,
  publish: snsPublisher(sns, config.topicArn, PUBLISH_DEADLINE_MS),
  quarantine: config.quarantineQueueUrl === undefined ? undefined : sqsQuarantine(config.quarantineQueueUrl, QUARANTINE_DEADLINE_MS),
  now: Date.now,
  logger: createLogger('droam-webhook-relay'),
  // EMF on the request's log line: `service` is both the log field and the metrics dimension.
  metrics: createMetrics('droam-webhook-relay'),
});
