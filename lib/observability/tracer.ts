import { Tracer } from '@aws-lambda-powertools/tracer';
import type { TraceClient } from './sinks';

/**
 * Powertools Tracer, for AWS clients only: each SDK call becomes an X-Ray
 * subsegment of the invocation's segment (the one Lambda opens when the
 * function's active tracing is on). A function imports this module only when
 * its stage turns tracing on, so that otherwise neither Powertools Tracer nor
 * the X-Ray SDK is bundled or loaded.
 */
export function createClientTracer(serviceName: string): TraceClient {
  const tracer = new Tracer({ serviceName, captureHTTPsRequests: false });
  return (client) => tracer.captureAWSv3Client(client);
}
