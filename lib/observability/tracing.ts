import { serviceName } from './logger';

/** Traces an AWS SDK v3 client's calls as X-Ray subsegments, and returns the client. */
export type TraceClient = <Client extends object>(client: Client) => Client;

/**
 * The tracer of the function's AWS clients when the stage turns tracing on
 * (POWERTOOLS_TRACE_ENABLED=true, from the `tracing` param), else undefined.
 * Powertools Tracer and the X-Ray SDK under it are imported only then, so a
 * stage without tracing never loads them. Call it once, at cold start.
 */
export function loadClientTracer(env: Readonly<Record<string, string | undefined>>, defaultServiceName: string): Promise<TraceClient> | undefined {
  if (env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase() !== 'true') return undefined;
  return import('./tracer').then(({ createClientTracer }) => createClientTracer(serviceName(defaultServiceName)));
}
