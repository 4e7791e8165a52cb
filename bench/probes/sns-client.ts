/** Module-load probe: the SNS client as functions/webhook.ts configures it, and the Publish command. */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

const sns = new SNSClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } });

export const handler = async (): Promise<{ statusCode: number; body: string }> =>
  Promise.resolve({ statusCode: 200, body: `${typeof sns.send} ${PublishCommand.name}` });
