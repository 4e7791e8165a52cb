import { excerpt } from '../contract';
import type { LineLevel } from '../observability/sinks';
import { type Outcome, type Processed, quotedType } from './outcome';

/**
 * What a request leaves behind besides its answer: one log line, and its
 * CloudWatch metrics. Every metric is aggregated per service, per
 * `event_type` where the type is known, and per `reason` for rejections.
 * A pure function of what the request path returned; the handler writes it.
 */

/** An error's detail (an AWS error message, say) is quoted up to this many characters. */
const MAX_DETAIL = 200;

export interface RequestMetrics {
  /** Each metric with its unit and value. */
  readonly values: readonly (readonly [name: string, unit: 'Count' | 'Milliseconds', value: number])[];
  /** The dimension sets each metric is aggregated by, besides `service`: `{}` is the service alone. */
  readonly dimensionSets: readonly Readonly<Record<string, string>>[];
}

export interface RequestReport {
  readonly level: LineLevel;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly metrics: RequestMetrics;
}

export interface RequestContext {
  /** Fields of every line: request and correlation ids, the event format, the duration. */
  readonly base: Readonly<Record<string, unknown>>;
  /** The first event of an undeclared type since this cold start: its line says so, as a warning. */
  readonly firstOfUndeclaredType: boolean;
  /**
   * Whether metrics are also aggregated per `event_type` (the default): each type adds four custom metrics,
   * which CloudWatch bills each month they are published (docs/operating.md, the cost model).
   */
  readonly metricsByEventType?: boolean;
}

export function report({ outcome, facts }: Processed, context: RequestContext): RequestReport {
  const level = levelOf(outcome, facts.secretsRefreshFailure !== undefined, context.firstOfUndeclaredType);
  const fields: Record<string, unknown> = {
    ...context.base,
    outcome: outcome.outcome,
    status: outcome.status,
    ...(facts.authHeaders === undefined ? {} : { auth_headers: facts.authHeaders }),
    ...(outcome.outcome === 'rejected' && outcome.authFailure !== undefined ? { auth_failure: outcome.authFailure } : {}),
    ...(outcome.outcome === 'rejected' && outcome.quarantined !== undefined ? { quarantined: outcome.quarantined } : {}),
    ...(facts.secretsRefreshFailure === undefined ? {} : { secrets_read_failure: facts.secretsRefreshFailure }),
    ...(facts.droppedKeys === undefined ? {} : { dropped_keys: facts.droppedKeys }),
    ...outcomeFields(outcome),
  };
  return {
    level,
    message: messageOf(outcome, level, context.firstOfUndeclaredType),
    fields,
    metrics: metricsOf(outcome, facts, context.metricsByEventType ?? true),
  };
}

/** Failures are errors (a message SNS refused too: no retry mends it), other rejections and degraded answers warnings. */
function levelOf(outcome: Outcome, secretsReadFailed: boolean, firstOfUndeclaredType: boolean): LineLevel {
  if (outcome.outcome === 'rejected') return outcome.status >= 500 || outcome.code === 'publish_rejected' ? 'error' : 'warn';
  if (outcome.outcome === 'queued' || firstOfUndeclaredType || secretsReadFailed) return 'warn';
  return 'info';
}

function messageOf(outcome: Outcome, level: LineLevel, firstOfUndeclaredType: boolean): string {
  switch (outcome.outcome) {
    case 'echo':
      return 'echo answered';
    case 'published':
      return firstOfUndeclaredType ? 'event of an undeclared dRoam type published on its envelope alone (first since cold start)' : 'event published';
    case 'queued':
      return 'event queued for publishing: SNS did not take it';
    case 'skipped':
      return 'event type not published by this stage';
    case 'rejected':
      return level === 'error' ? 'request failed' : 'request rejected';
  }
}

function outcomeFields(outcome: Outcome): Record<string, unknown> {
  switch (outcome.outcome) {
    case 'echo':
      return {};
    case 'published':
      return { type: quotedType(outcome.type), id: outcome.id, message_id: outcome.messageId, declared_type: outcome.declared };
    case 'queued':
      return { queued_for_retry: true, type: quotedType(outcome.type), id: outcome.id, declared_type: outcome.declared, detail: outcome.detail };
    case 'skipped':
      return { type: quotedType(outcome.type) };
    case 'rejected':
      return {
        ...(outcome.queuedForRetry === undefined ? {} : { queued_for_retry: outcome.queuedForRetry }),
        error: outcome.code,
        ...(outcome.type === undefined ? {} : { type: quotedType(outcome.type) }),
        ...(outcome.id === undefined ? {} : { id: outcome.id }),
        ...(outcome.issues === undefined ? {} : { issues: outcome.issues }),
        ...(outcome.detail === undefined ? {} : { detail: excerpt(outcome.detail, MAX_DETAIL) }),
      };
  }
}

/** The metrics each outcome counts, besides `received`. */
const OUTCOME_METRICS: Readonly<Record<Exclude<Outcome['outcome'], 'rejected'>, readonly string[]>> = {
  echo: ['echo'],
  published: ['accepted', 'published'],
  // SNS failed all the same: publish_failures still counts it, so its alarm fires during an outage.
  queued: ['accepted', 'queued_for_retry', 'publish_failures'],
  skipped: ['accepted', 'skipped'],
};

/** The metrics a rejection counts besides `rejected`, by its code. */
const REJECTION_METRICS: Partial<Readonly<Record<Extract<Outcome, { outcome: 'rejected' }>['code'], readonly string[]>>> = {
  publish_failed: ['publish_failures'],
  publish_rejected: ['publish_failures'],
  quarantine_failed: ['quarantine_failures'],
  secrets_unavailable: ['secrets_read_failures'],
};

function metricsOf(outcome: Outcome, facts: Processed['facts'], byEventType: boolean): RequestMetrics {
  const counts = outcome.outcome === 'rejected' ? ['rejected', ...(REJECTION_METRICS[outcome.code] ?? [])] : [...OUTCOME_METRICS[outcome.outcome]];
  // The api secrets could not be read again; the last value read answered this request.
  if (facts.secretsRefreshFailure !== undefined && !counts.includes('secrets_read_failures')) counts.push('secrets_read_failures');
  return {
    values: [
      ['received', 'Count', 1],
      ...(facts.publishLatencyMs === undefined ? [] : [['publish_latency', 'Milliseconds', facts.publishLatencyMs] as const]),
      ...counts.map((name) => [name, 'Count', 1] as const),
    ],
    dimensionSets: [
      {},
      ...(facts.eventType === undefined || !byEventType ? [] : [{ event_type: facts.eventType }]),
      ...(outcome.outcome === 'rejected' ? [{ reason: outcome.code }] : []),
    ],
  };
}
