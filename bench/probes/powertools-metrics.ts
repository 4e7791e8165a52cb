/** Module-load probe: Powertools Metrics, constructed as functions/webhook.ts constructs it. */
import { Metrics } from '@aws-lambda-powertools/metrics';

const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DroamWebhookRelay' });

export const handler = async (): Promise<{ statusCode: number; body: string }> => Promise.resolve({ statusCode: 200, body: typeof metrics.addMetric });
