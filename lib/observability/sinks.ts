import type { Context } from 'aws-lambda';

/**
 * The parts of Powertools' Logger and Metrics that the functions use. Code is
 * written against these, so tests can hand it a recorder instead.
 */

/** The part of a logger a function uses; Powertools' Logger fits it. */
export interface LogSink {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
  /** The lowest level written (Powertools: DEBUG, INFO, WARN, ERROR, …); absent means everything is written. */
  getLevelName?(): string;
  /**
   * Puts the invocation's Lambda context on every following line: Powertools adds `function_request_id`,
   * `cold_start`, `function_name`, `function_arn` and `function_memory_size`.
   */
  addContext?(context: Context): void;
}

/** The part of Powertools' Metrics the webhook uses. */
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

/** Traces an AWS SDK v3 client's calls as X-Ray subsegments (Powertools Tracer), and returns the client. */
export type TraceClient = <Client extends object>(client: Client) => Client;

export type LineLevel = 'info' | 'warn' | 'error';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];

/** Whether the logger writes a line of this level. */
export function writes(logger: LogSink, level: LineLevel): boolean {
  const threshold = LEVELS.indexOf(logger.getLevelName?.().toUpperCase() ?? 'TRACE');
  return threshold <= LEVELS.indexOf(level.toUpperCase());
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
