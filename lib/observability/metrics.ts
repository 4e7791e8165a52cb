import { Metrics } from '@aws-lambda-powertools/metrics';
import { serviceName } from './logger';

/**
 * The Powertools Metrics (EMF) of a function, configured in one place. Its
 * `service` dimension is the logger's service name, so that the EMF document
 * can ride on the request's own log line (see takeEmf).
 */
export function createMetrics(defaultServiceName: string): Metrics {
  return new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DroamWebhookRelay', serviceName: serviceName(defaultServiceName) });
}
