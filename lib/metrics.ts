import type { Outcome } from './outcome';

/**
 * CloudWatch metrics for one request, as EMF (no API call): every metric is
 * aggregated per service, per `event_type` where the type is known, and per
 * `reason` for rejections. The EMF fields ride on the request's own log line,
 * so a request still writes one line (and one JSON serialisation less).
 */

/** The part of Powertools' Metrics the handler uses. */
export interface MetricsSink {
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): unknown;
  addDimensions(dimensions: Record<string, string>): unknown;
  /** The stored metrics as an EMF document, without writing it. */
  serializeMetrics(): object;
  clearMetrics(): void;
  clearDimensions(): void;
  /** Writes the stored metrics as their own line: for when the request line will not be written. */
  publishStoredMetrics(): void;
  /** Emits the `ColdStart` metric on the first call only. */
  captureColdStartMetric(): void;
}

export interface RequestMeasures {
  /** Milliseconds SNS took to answer, when a publish was attempted. */
  readonly publishLatencyMs?: number | undefined;
  /** The declared type of the event (undeclared types are grouped as `undeclared` to bound cardinality). */
  readonly eventType?: string | undefined;
}

/** Stores the request's metrics; `takeEmf` or `publishStoredMetrics` then writes them. */
export function recordRequest(metrics: MetricsSink, outcome: Outcome, measures: RequestMeasures): void {
  metrics.addMetric('received', 'Count', 1);
  metrics.addDimensions({});
  if (measures.eventType !== undefined) metrics.addDimensions({ event_type: measures.eventType });
  if (measures.publishLatencyMs !== undefined) metrics.addMetric('publish_latency', 'Milliseconds', measures.publishLatencyMs);
  switch (outcome.outcome) {
    case 'echo':
      metrics.addMetric('echo', 'Count', 1);
      break;
    case 'published':
      metrics.addMetric('accepted', 'Count', 1);
      metrics.addMetric('published', 'Count', 1);
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
 * The stored metrics as EMF fields for a log line (`_aws`, dimensions, values), and the store cleared.
 * `service` is left to the log line, whose logger has the same service name (it reserves that key).
 */
export function takeEmf(metrics: MetricsSink): Record<string, unknown> {
  try {
    const emf: Record<string, unknown> = { ...metrics.serializeMetrics() };
    delete emf.service;
    return emf;
  } finally {
    metrics.clearMetrics();
    metrics.clearDimensions();
  }
}
