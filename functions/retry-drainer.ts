import { apiSecretsFrom } from '../lib/api-secrets/from-settings';
import { combinedApiSecrets } from '../lib/api-secrets/store';
import { PUBLISH_DEADLINE_MS, snsClient } from '../lib/lambda/clients';
import { createLogger } from '../lib/observability/logger';
import { setTimeout as sleep } from 'node:timers/promises';
import { pace } from '../lib/queues/pace';
import { createRetryDrainer, loadDrainerConfig, sqsRetryActions } from '../lib/queues/retry-drainer';
import { snsBatchPublisher } from '../lib/topic/publish';

/**
 * Drains the publish-retry queue (serverless.yml `retryDrainer`) into the
 * topic. It reads the webhook's topic and api secrets, of every dRoam source
 * (to check each record's integrity tag; from the same SSM parameters on a deployed stage),
 * the two queue URLs and its pace, once at cold start.
 */
const config = loadDrainerConfig(process.env);
// A record is tagged with the first secret of the dRoam source it came in for: the default one's, or a named one's.
const secrets = apiSecretsFrom(config);

export const handler = createRetryDrainer({
  stage: config.stage,
  publishBatch: snsBatchPublisher(snsClient(), config.topicArn, PUBLISH_DEADLINE_MS),
  // This instance's part of the drainer's rate: the event source runs at most maximumConcurrency of them.
  pace: pace(config.publishPerSecond / config.maximumConcurrency, { now: Date.now, sleep }),
  apiSecrets: combinedApiSecrets([secrets.apiSecrets, ...secrets.sourceApiSecrets.values()]),
  ...sqsRetryActions(config),
  logger: createLogger('droam-webhook-relay-retry-drainer'),
  now: Date.now,
});
