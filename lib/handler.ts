import { decodeRequest } from './http/request';
import { type HttpResponse, toHttpResponse } from './http/response';
import type { Outcome, RequestFacts } from './outcome';
import { type MetricsSink, recordRequest, takeEmf } from './metrics';
import { type PipelineDeps, processWebhook } from './pipeline';

/** The part of a logger the handler uses; Powertools' Logger fits it. */
export interface LogSink {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
  /** The lowest level written (Powertools: DEBUG, INFO, WARN, ERROR, …); absent means everything is written. */
  getLevelName?(): string;
}

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
type LineLevel = 'info' | 'warn' | 'error';

function writes(logger: LogSink, level: LineLevel): boolean {
  const threshold = LEVELS.indexOf(logger.getLevelName?.().toUpperCase() ?? 'TRACE');
  return threshold <= LEVELS.indexOf(level.toUpperCase());
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
    const level = levelOf(outcome, facts);
    let emf: Record<string, unknown> = {};
    if (deps.metrics !== undefined) {
      try {
        recordRequest(deps.metrics, outcome, { eventType: facts.eventType, publishLatencyMs: facts.publishLatencyMs });
        // On the request's line when that line is written; on a line of their own when the log level hides it.
        if (writes(deps.logger, level)) emf = takeEmf(deps.metrics);
        else deps.metrics.publishStoredMetrics();
      } catch {
        // Metrics must never cost the sender its answer.
      }
    }
    log(deps.logger, level, outcome, facts, { request_id: requestId, correlation_id: requestId, event_format: format, duration_ms: deps.now() - started, ...emf });
    return toHttpResponse(outcome);
  };
}

/** Failures are errors (a message SNS refused too: no retry mends it), other rejections warnings. */
function levelOf(outcome: Outcome, facts: RequestFacts): LineLevel {
  if (outcome.outcome === 'rejected') return outcome.status >= 500 || outcome.code === 'publish_rejected' ? 'error' : 'warn';
  // The first event of an undeclared type since cold start: the request's own line carries the notice.
  if (outcome.outcome === 'published' && facts.firstOfUndeclaredType === true) return 'warn';
  return 'info';
}

function log(logger: LogSink, level: LineLevel, outcome: Outcome, facts: RequestFacts, base: Record<string, unknown>): void {
  const line: Record<string, unknown> = { ...base, outcome: outcome.outcome, status: outcome.status };
  if (facts.authHeaders !== undefined) line.auth_headers = facts.authHeaders;
  if (facts.authFailure !== undefined) line.auth_failure = facts.authFailure;
  if (facts.quarantined !== undefined) line.quarantined = facts.quarantined;
  let message: string;
  switch (outcome.outcome) {
    case 'echo':
      message = 'echo answered';
      break;
    case 'published':
      Object.assign(line, { type: outcome.type, id: outcome.id, message_id: outcome.messageId, declared_type: outcome.declared });
      message = level === 'warn' ? 'event of an undeclared dRoam type published on its envelope alone (first since cold start)' : 'event published';
      break;
    case 'skipped':
      line.type = outcome.type;
      message = 'event type not published by this stage';
      break;
    case 'rejected':
      Object.assign(line, {
        error: outcome.code,
        ...(outcome.type === undefined ? {} : { type: outcome.type }),
        ...(outcome.id === undefined ? {} : { id: outcome.id }),
        ...(outcome.issues === undefined ? {} : { issues: outcome.issues }),
        ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
      });
      message = level === 'error' ? 'request failed' : 'request rejected';
      break;
  }
  logger[level](message, line);
}
