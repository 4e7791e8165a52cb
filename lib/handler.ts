import { decodeRequest } from './http/request';
import { type HttpResponse, toHttpResponse } from './http/response';
import type { Outcome, RequestFacts } from './outcome';
import { type MetricsSink, recordRequest } from './metrics';
import { type PipelineDeps, processWebhook } from './pipeline';

/** The part of a logger the handler uses; Powertools' Logger fits it. */
export interface LogSink {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface HandlerDeps extends PipelineDeps {
  readonly logger: LogSink;
  /** CloudWatch metrics (EMF); none in tests that do not look at them. */
  readonly metrics?: MetricsSink | undefined;
}

/**
 * The Lambda handler: decode, run the pipeline, answer, and write exactly one
 * log line. Nothing it is given can make it throw.
 */
export function createWebhookHandler(deps: HandlerDeps): (event: unknown) => Promise<HttpResponse> {
  // Types no declaration knows are published on their envelope alone; the log says so once per cold start each.
  const undeclaredTypesSeen = new Set<string>();
  return async (event) => {
    const started = deps.now();
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
    log(deps.logger, outcome, facts, { request_id: requestId, correlation_id: requestId, event_format: format, duration_ms: deps.now() - started });
    if (deps.metrics !== undefined) {
      try {
        recordRequest(deps.metrics, outcome, { eventType: facts.eventType, publishLatencyMs: facts.publishLatencyMs });
      } catch {
        // Metrics must never cost the sender its answer.
      }
    }
    return toHttpResponse(outcome);
  };
}

function log(logger: LogSink, outcome: Outcome, facts: RequestFacts, base: Record<string, unknown>): void {
  const line: Record<string, unknown> = { ...base, outcome: outcome.outcome, status: outcome.status };
  if (facts.authHeaders !== undefined) line.auth_headers = facts.authHeaders;
  if (facts.authFailure !== undefined) line.auth_failure = facts.authFailure;
  if (facts.quarantined !== undefined) line.quarantined = facts.quarantined;
  switch (outcome.outcome) {
    case 'echo':
      logger.info('echo answered', line);
      return;
    case 'published': {
      const published = { ...line, type: outcome.type, id: outcome.id, message_id: outcome.messageId, declared_type: outcome.declared };
      // The request's own line carries the once-per-cold-start notice, so there is still one line per request.
      if (facts.firstOfUndeclaredType === true) logger.warn('event of an undeclared dRoam type published on its envelope alone (first since cold start)', published);
      else logger.info('event published', published);
      return;
    }
    case 'skipped':
      logger.info('event type not published by this stage', { ...line, type: outcome.type });
      return;
    case 'rejected': {
      const rejected = {
        ...line,
        error: outcome.code,
        ...(outcome.type === undefined ? {} : { type: outcome.type }),
        ...(outcome.id === undefined ? {} : { id: outcome.id }),
        ...(outcome.issues === undefined ? {} : { issues: outcome.issues }),
        ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
      };
      // A message SNS refused is our failure too, though no retry can mend it.
      if (outcome.status >= 500 || outcome.code === 'publish_rejected') logger.error('request failed', rejected);
      else logger.warn('request rejected', rejected);
      return;
    }
  }
}
