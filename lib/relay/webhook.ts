import type { Context } from 'aws-lambda';
import { DEFAULT_DROAM_SOURCE, excerpt } from '../contract';
import { publishDeadlineAfter } from '../lambda/clients';
import { type LogSink, type MetricsSink, takeEmf, writes } from '../observability/sinks';
import { decodeRequest } from './decode';
import { MAX_QUOTED_TYPE, type Processed } from './outcome';
import { type PipelineDeps, processWebhook } from './pipeline';
import { report, type RequestReport } from './report';
import { type HttpResponse, toHttpResponse } from './respond';

export interface HandlerDeps extends PipelineDeps {
  readonly logger: LogSink;
  /** CloudWatch metrics (EMF); none in tests that do not look at them. */
  readonly metrics?: MetricsSink | undefined;
}

/** Types no declaration knows are published on their envelope alone; the log says so once per cold start for each, up to this many. */
const MAX_UNDECLARED_TYPES_NOTED = 100;

/**
 * The webhook's Lambda handler: decode, run the request path, answer, and
 * write exactly one log line. Nothing it is given can make it throw. Given the
 * Lambda context, every log line carries the invocation's (request id, cold
 * start, function name, ARN and memory).
 */
export function createWebhookHandler(deps: HandlerDeps): (event: unknown, context?: Context) => Promise<HttpResponse> {
  const undeclaredTypesSeen = new Set<string>();
  return async (event, context) => {
    const started = deps.now();
    if (context !== undefined) deps.logger.addContext?.(context);
    deps.metrics?.captureColdStartMetric();
    let processed: Processed;
    let request: ReturnType<typeof decodeRequest> | undefined;
    try {
      request = decodeRequest(event);
      // A request that waited for its instance's first api secrets read publishes within what is left of its time.
      const publish: HandlerDeps['publish'] = (message) => deps.publish(message, publishDeadlineAfter(deps.now() - started));
      processed = await processWebhook(request, { ...deps, publish });
    } catch (error) {
      const detail = error instanceof Error ? error.name : typeof error;
      processed = { outcome: { outcome: 'rejected', status: 500, code: 'internal_error', message: 'The request could not be processed', detail }, facts: {} };
    }
    const { outcome } = processed;
    const firstOfUndeclaredType =
      outcome.outcome === 'published' && !outcome.declared && !undeclaredTypesSeen.has(outcome.type) && undeclaredTypesSeen.size < MAX_UNDECLARED_TYPES_NOTED;
    if (firstOfUndeclaredType) undeclaredTypesSeen.add(outcome.type);
    const base = {
      request_id: request?.requestId,
      correlation_id: request?.requestId,
      event_format: request?.format,
      // The dRoam source the path names, known to the stage or not (a 404's line says which name was asked for).
      droam_source:
        request === undefined || request.unknownPath !== undefined ? undefined : excerpt(request.droamSource ?? DEFAULT_DROAM_SOURCE, MAX_QUOTED_TYPE),
      duration_ms: deps.now() - started,
    };
    write(report(processed, { base, firstOfUndeclaredType, metricsByEventType: deps.config.metricsByEventType }), deps);
    return toHttpResponse(outcome);
  };
}

/**
 * Writes the request's line with its metrics on it as EMF (one line, no API call); on a line of their own
 * when the log level hides the request's. Metrics never cost the sender its answer.
 */
function write({ level, message, fields, metrics }: RequestReport, sinks: Pick<HandlerDeps, 'logger' | 'metrics'>): void {
  let emf: Record<string, unknown> = {};
  if (sinks.metrics !== undefined) {
    try {
      for (const [name, unit, value] of metrics.values) sinks.metrics.addMetric(name, unit, value);
      for (const dimensions of metrics.dimensionSets) sinks.metrics.addDimensions(dimensions);
      if (writes(sinks.logger, level)) emf = takeEmf(sinks.metrics);
      else sinks.metrics.publishStoredMetrics();
    } catch {
      // Metrics must never cost the sender its answer.
    }
  }
  // The EMF fields come last: a field of the same name as a metric must not turn its value into something CloudWatch cannot count.
  sinks.logger[level](message, { ...fields, ...emf });
}
