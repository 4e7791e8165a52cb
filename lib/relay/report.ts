import { type LineLevel, type LogSink, type MetricsSink, takeEmf, writes } from '../observability/sinks';
import type { Outcome, RequestFacts } from './outcome';
import { excerpt } from '../contract';

/** An error's detail (an AWS error message, say) is quoted up to this many characters. */
const MAX_DETAIL = 200;
/** A `type` is quoted up to this many characters (dRoam's are about 40; an undeclared one may have 256). */
const MAX_QUOTED_TYPE = 64;

/**
 * What a request leaves behind besides its answer: one log line, and its
 * CloudWatch metrics as EMF (no API call). Every metric is aggregated per
 * service, per `event_type` where the type is known, and per `reason` for
 * rejections. The EMF fields ride on the request's own log line, so a request
 * writes one line (and one JSON serialisation less).
 */

export interface RequestMeasures {
  /** Milliseconds SNS took to answer, when a publish was attempted. */
  readonly publishLatencyMs?: number | undefined;
  /** The declared type of the event (undeclared types are grouped as `undeclared` to bound cardinality). */
  readonly eventType?: string | undefined;
  /** The api secrets could not be read (the request was answered 503, or with the last value read). */
  readonly secretsReadFailed?: boolean | undefined;
}

/** Stores the request's metrics; `takeEmf` or `publishStoredMetrics` then writes them. */
export function recordRequest(metrics: MetricsSink, outcome: Outcome, measures: RequestMeasures): void {
  metrics.addMetric('received', 'Count', 1);
  metrics.addDimensions({});
  if (measures.eventType !== undefined) metrics.addDimensions({ event_type: measures.eventType });
  if (measures.publishLatencyMs !== undefined) metrics.addMetric('publish_latency', 'Milliseconds', measures.publishLatencyMs);
  if (measures.secretsReadFailed === true || (outcome.outcome === 'rejected' && outcome.code === 'secrets_unavailable')) {
    metrics.addMetric('secrets_read_failures', 'Count', 1);
  }
  switch (outcome.outcome) {
    case 'echo':
      metrics.addMetric('echo', 'Count', 1);
      break;
    case 'published':
      metrics.addMetric('accepted', 'Count', 1);
      metrics.addMetric('published', 'Count', 1);
      break;
    case 'queued':
      // SNS failed all the same: publish_failures still counts it, so its alarm fires during an outage.
      metrics.addMetric('accepted', 'Count', 1);
      metrics.addMetric('queued_for_retry', 'Count', 1);
      metrics.addMetric('publish_failures', 'Count', 1);
      break;
    case 'skipped':
      metrics.addMetric('accepted', 'Count', 1);
      metrics.addMetric('skipped', 'Count', 1);
      break;
    case 'rejected':
      metrics.addMetric('rejected', 'Count', 1);
      metrics.addDimensions({ reason: outcome.code });
      if (outcome.code === 'publish_failed' || outcome.code === 'publish_rejected') metrics.addMetric('publish_failures', 'Count', 1);
      if (outcome.code === 'quarantine_failed') metrics.addMetric('quarantine_failures', 'Count', 1);
      break;
  }
}

/**
 * Writes the request's one log line, with its metrics on it; on a line of
 * their own when the log level hides the request's. Metrics never cost the
 * sender its answer.
 */
export function report(
  deps: { readonly logger: LogSink; readonly metrics?: MetricsSink | undefined },
  outcome: Outcome,
  facts: RequestFacts,
  base: Record<string, unknown>,
): void {
  const level = levelOf(outcome, facts);
  let emf: Record<string, unknown> = {};
  if (deps.metrics !== undefined) {
    try {
      recordRequest(deps.metrics, outcome, {
        eventType: facts.eventType,
        publishLatencyMs: facts.publishLatencyMs,
        secretsReadFailed: facts.secretsRefreshFailure !== undefined,
      });
      if (writes(deps.logger, level)) emf = takeEmf(deps.metrics);
      else deps.metrics.publishStoredMetrics();
    } catch {
      // Metrics must never cost the sender its answer.
    }
  }
  log(deps.logger, level, outcome, facts, { ...base, ...emf });
}

/** Failures are errors (a message SNS refused too: no retry mends it), other rejections warnings. */
function levelOf(outcome: Outcome, facts: RequestFacts): LineLevel {
  if (outcome.outcome === 'rejected') return outcome.status >= 500 || outcome.code === 'publish_rejected' ? 'error' : 'warn';
  if (outcome.outcome === 'queued') return 'warn';
  // The first event of an undeclared type since cold start: the request's own line carries the notice.
  if (outcome.outcome === 'published' && facts.firstOfUndeclaredType === true) return 'warn';
  if (facts.secretsRefreshFailure !== undefined) return 'warn';
  return 'info';
}

function log(logger: LogSink, level: LineLevel, outcome: Outcome, facts: RequestFacts, base: Record<string, unknown>): void {
  const line: Record<string, unknown> = { ...base, outcome: outcome.outcome, status: outcome.status };
  if (facts.authHeaders !== undefined) line.auth_headers = facts.authHeaders;
  if (facts.authFailure !== undefined) line.auth_failure = facts.authFailure;
  if (facts.quarantined !== undefined) line.quarantined = facts.quarantined;
  if (facts.secretsRefreshFailure !== undefined) line.secrets_read_failure = facts.secretsRefreshFailure;
  if (facts.droppedKeys !== undefined) line.dropped_keys = facts.droppedKeys;
  if (facts.queuedForRetry !== undefined) line.queued_for_retry = facts.queuedForRetry;
  let message: string;
  switch (outcome.outcome) {
    case 'echo':
      message = 'echo answered';
      break;
    case 'published':
      Object.assign(line, { type: excerpt(outcome.type, MAX_QUOTED_TYPE), id: outcome.id, message_id: outcome.messageId, declared_type: outcome.declared });
      message =
        facts.firstOfUndeclaredType === true ? 'event of an undeclared dRoam type published on its envelope alone (first since cold start)' : 'event published';
      break;
    case 'queued':
      Object.assign(line, { type: excerpt(outcome.type, MAX_QUOTED_TYPE), id: outcome.id, declared_type: outcome.declared, detail: outcome.detail });
      message = 'event queued for publishing: SNS did not take it';
      break;
    case 'skipped':
      line.type = excerpt(outcome.type, MAX_QUOTED_TYPE);
      message = 'event type not published by this stage';
      break;
    case 'rejected':
      Object.assign(line, {
        error: outcome.code,
        ...(outcome.type === undefined ? {} : { type: excerpt(outcome.type, MAX_QUOTED_TYPE) }),
        ...(outcome.id === undefined ? {} : { id: outcome.id }),
        ...(outcome.issues === undefined ? {} : { issues: outcome.issues }),
        ...(outcome.detail === undefined ? {} : { detail: excerpt(outcome.detail, MAX_DETAIL) }),
      });
      message = level === 'error' ? 'request failed' : 'request rejected';
      break;
  }
  logger[level](message, line);
}
