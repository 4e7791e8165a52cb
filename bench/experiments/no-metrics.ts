/**
 * Experiment (not a contender): stands in for @aws-lambda-powertools/metrics in a build of our
 * function, so that the difference measures what Powertools Metrics costs. Does nothing.
 */
export class Metrics {
  readonly namespace: string | undefined;
  constructor(options: { namespace?: string } = {}) {
    this.namespace = options.namespace;
  }
  addMetric(): void {
    return undefined;
  }
  addDimensions(): void {
    return undefined;
  }
  publishStoredMetrics(): void {
    return undefined;
  }
  captureColdStartMetric(): void {
    return undefined;
  }
}
