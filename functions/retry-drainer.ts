import { SNSClient } from '@aws-sdk/client-sns';
import { apiSecretsFrom } from '../lib/api-secrets/ssm';
import { AWS_CLIENT_OPTIONS, PUBLISH_DEADLINE_MS } from '../lib/lambda/clients';
import { createLogger } from '../lib/observability/logger';
import { createRetryDrainer, loadDrainerConfig, sqsRetryActions } from '../lib/queues/retry-drainer';
import { snsPublisher } from '../lib/topic/publish';

/**
 * Drains the publish-retry queue (serverless.yml `retryDrainer`) into the
 * topic. It reads the webhook's topic and api secrets (to check each
 * record's integrity tag; from the same SSM parameter on a deployed stage)
 * and the two queue URLs, once at cold start.
 */
const config = loadDrainerConfig(process.env);

export const handler = createRetryDrainer({
  stage: config.stage,
  publish: snsPublisher(new SNSClient(AWS_CLIENT_OPTIONS), config.topicArn, PUBLISH_DEADLINE_MS),
  apiSecrets: apiSecretsFrom(config, { readAtColdStart: true }).apiSecrets,
  ...sqsRetryActions(config),
  logger: createLogger('droam-webhook-relay-retry-drainer'),
  now: Date.now,
});
