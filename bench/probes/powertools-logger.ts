/** Module-load probe: Powertools Logger, constructed as functions/webhook.ts constructs it. */
import { Logger } from '@aws-lambda-powertools/logger';

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'droam-webhook-relay' });

export const handler = async (): Promise<{ statusCode: number; body: string }> => Promise.resolve({ statusCode: 200, body: typeof logger.info });
