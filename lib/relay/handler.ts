import type { Context } from 'aws-lambda';
import { decodeRequest } from './decode';
import { type HttpResponse, toHttpResponse } from './respond';
import type { Outcome, RequestFacts } from './outcome';
import type { LogSink, MetricsSink } from '../observability/sinks';
import { report } from './report';
import { type PipelineDeps, processWebhook } from './pipeline';

export interface HandlerDeps extends PipelineDeps {
  readonly logger: LogSink;
  /** CloudWatch metrics (EMF); none in tests that do not look at them. */
  readonly metrics?: MetricsSink | undefined;
}

/**
 * The Lambda handler: decode, run the pipeline, answer, and write exactly one
 * log line. Nothing it is given can make it throw. Given the Lambda context,
 * every log line carries the invocation's (request id, cold start, function
 * name, ARN and memory).
 */
export function createWebhookHandler(deps: HandlerDeps): (event: unknown, context?: Context) => Promise<HttpResponse> {
  // Types no declaration knows are published on their envelope alone; the log says so once per cold start each.
  const undeclaredTypesSeen = new Set<string>();
  return async (event, context) => {
    const started = deps.now();
    if (context !== undefined) deps.logger.addContext?.(context);
    deps.metrics?.captureColdStartMetric();
    const facts: RequestFacts = {};
    let outcome: Outcome;
    let requestId: string | undefined;
    let format: string | undefined;
    try {
      const request = decodeRequest(event);
      requestId = request.requestId;
      format = request.format;
      outcome = await processWebhook(request, deps, facts);
    } catch (error) {
      outcome = {
        outcome: 'rejected',
        status: 500,
        code: 'internal_error',
        message: 'The request could not be processed',
        detail: error instanceof Error ? error.name : typeof error,
      };
    }
    if (outcome.outcome === 'published' && !outcome.declared && !undeclaredTypesSeen.has(outcome.type) && undeclaredTypesSeen.size < 100) {
      undeclaredTypesSeen.add(outcome.type);
      facts.firstOfUndeclaredType = true;
    }
    report(deps, outcome, facts, { request_id: requestId, correlation_id: requestId, event_format: format, duration_ms: deps.now() - started });
    return toHttpResponse(outcome);
  };
}
