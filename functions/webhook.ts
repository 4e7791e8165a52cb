import type { Context } from 'aws-lambda';
import { apiSecretsFrom } from '../lib/api-secrets/from-settings';
import { payloadTypes } from '../lib/contract';
import { PUBLISH_DEADLINE_MS, QUARANTINE_DEADLINE_MS, RETRY_QUEUE_DEADLINE_MS, snsClient } from '../lib/lambda/clients';
import { createLogger, serviceName } from '../lib/observability/logger';
import { createMetrics } from '../lib/observability/metrics';
import { sqsQuarantine } from '../lib/queues/quarantine';
import { sqsRetryQueue } from '../lib/queues/retry';
import { loadConfig } from '../lib/relay/config';
import { createWebhookHandler } from '../lib/relay/webhook';
import { snsPublisher } from '../lib/topic/publish';

// Everything below runs once per cold start; a bad configuration throws here, listing every problem.
const config = loadConfig(process.env);

const sns = snsClient();
// A deployed stage's secrets are read by the first request: the extension that serves them answers only during invocations.
const { apiSecrets, sourceApiSecrets } = apiSecretsFrom(config);

// X-Ray subsegments for the SNS and SQS calls when the stage's `tracing` param is on. The build
// replaces this variable with the param (custom.esbuild.define in serverless.yml), so a stage without
// tracing ships without Powertools Tracer and the X-Ray SDK; unbundled, the variable decides at cold start.
const traceClient =
  process.env.POWERTOOLS_TRACE_ENABLED === 'true'
    ? import('../lib/observability/tracer').then(({ createClientTracer }) => createClientTracer(serviceName('droam-webhook-relay')))
    : undefined;
const tracing = traceClient?.then((trace) => {
  trace(sns);
});

const relay = createWebhookHandler({
  config,
  registry: payloadTypes,
  publish: snsPublisher(sns, config.topicArn, PUBLISH_DEADLINE_MS),
  apiSecrets,
  sourceApiSecrets,
  quarantine: config.quarantineQueueUrl === undefined ? undefined : sqsQuarantine(config.quarantineQueueUrl, QUARANTINE_DEADLINE_MS, traceClient),
  // With authentication off there is no secret to tag records with, and the drainer publishes only tagged ones.
  retry: config.retryQueueUrl === undefined || config.auth === 'off' ? undefined : sqsRetryQueue(config.retryQueueUrl, RETRY_QUEUE_DEADLINE_MS, traceClient),
  now: Date.now,
  logger: createLogger('droam-webhook-relay'),
  // EMF on the request's log line: `service` is both the log field and the metrics dimension.
  metrics: createMetrics('droam-webhook-relay'),
});

export const handler =
  tracing === undefined
    ? relay
    : async (event: unknown, context?: Context) => {
        // The SNS client is traced before its first call.
        await tracing;
        return relay(event, context);
      };
