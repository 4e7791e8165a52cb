import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The Powertools Logger every function uses, configured in one place. The
 * service name is the function's POWERTOOLS_SERVICE_NAME (set per function in
 * serverless.yml), else the given default; the level is POWERTOOLS_LOG_LEVEL.
 */
export function createLogger(defaultServiceName: string): Logger {
  return new Logger({ serviceName: serviceName(defaultServiceName) });
}

export function serviceName(defaultServiceName: string): string {
  return process.env.POWERTOOLS_SERVICE_NAME ?? defaultServiceName;
}
