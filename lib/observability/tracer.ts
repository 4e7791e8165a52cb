import { Tracer } from '@aws-lambda-powertools/tracer';
import type { TraceClient } from './tracing';

/**
 * Powertools Tracer, for AWS clients only: each SDK call becomes an X-Ray
 * subsegment of the invocation's segment (the one Lambda opens when the
 * function's active tracing is on). Imported by loadClientTracer alone, and
 * only when tracing is on.
 */
export function createClientTracer(serviceName: string): TraceClient {
  const tracer = new Tracer({ serviceName, captureHTTPsRequests: false });
  return (client) => tracer.captureAWSv3Client(client);
}
