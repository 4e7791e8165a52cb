import { SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createLogger } from '../lib/observability/logger';
import { type ApiSecrets, fixedApiSecrets } from '../lib/relay/api-secrets';
import { AWS_CLIENT_OPTIONS, PUBLISH_DEADLINE_MS, SECRETS_DEADLINE_MS, SECRETS_RETRY_AFTER_FAILURE_MS } from '../lib/relay/clients';
import { ConfigError, loadConfig } from '../lib/relay/config';
import { createRetryDrainer } from '../lib/relay/drain';
import { snsPublisher } from '../lib/relay/publish';
import { ssmApiSecrets } from '../lib/relay/ssm-secrets';

/**
 * Drains the publish-retry queue (serverless.yml `retryDrainer`) into the
 * topic. It reads the webhook's topic and api secrets (to check each
 * record's integrity tag; from the same SSM parameter on a deployed stage)
 * and the two queue URLs.
 */
const config = loadConfig({
  TOPIC_ARN: process.env.TOPIC_ARN,
  DROAM_API_SECRETS: process.env.DROAM_API_SECRETS,
  DROAM_API_SECRETS_PARAMETER: process.env.DROAM_API_SECRETS_PARAMETER,
  DROAM_API_SECRETS_MAX_AGE_SECONDS: process.env.DROAM_API_SECRETS_MAX_AGE_SECONDS,
  IS_LOCAL: process.env.IS_LOCAL,
  IS_OFFLINE: process.env.IS_OFFLINE,
});
const retryQueueUrl = process.env.RETRY_QUEUE_URL?.trim() ?? '';
const deadLetterQueueUrl = process.env.RETRY_DEAD_LETTER_QUEUE_URL?.trim() ?? '';
if (retryQueueUrl === '' || deadLetterQueueUrl === '') throw new ConfigError(['RETRY_QUEUE_URL and RETRY_DEAD_LETTER_QUEUE_URL are required']);

const sns = new SNSClient(AWS_CLIENT_OPTIONS);
const apiSecrets: ApiSecrets =
  config.apiSecretsParameter === undefined
    ? fixedApiSecrets(config.apiSecrets)
    : ssmApiSecrets(new SSMClient(AWS_CLIENT_OPTIONS), config.apiSecretsParameter, {
        local: config.local,
        deadlineMs: SECRETS_DEADLINE_MS,
        retryAfterFailureMs: SECRETS_RETRY_AFTER_FAILURE_MS,
        now: Date.now,
      });
// The endpoint comes from the region (or AWS_ENDPOINT_URL_SQS locally), not from the queue URL's host.
const sqs = new SQSClient({ ...AWS_CLIENT_OPTIONS, useQueueUrlAsEndpoint: false });

export const handler = createRetryDrainer({
  publish: snsPublisher(sns, config.topicArn, PUBLISH_DEADLINE_MS),
  apiSecrets,
  delay: async (receiptHandle, seconds) => {
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: retryQueueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  },
  deadLetter: async (record, why) => {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(record.messageAttributes)) {
      if (value.stringValue !== undefined) attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
    }
    attributes.refused = { DataType: 'String', StringValue: why.replace(/[^\x20-\x7e]/g, '?').slice(0, 256) };
    await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: record.body, MessageAttributes: attributes }));
  },
  logger: createLogger('droam-webhook-relay-retry-drainer'),
  now: Date.now,
});
