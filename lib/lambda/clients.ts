import { StandardRetryStrategy } from '@smithy/core/retry';

/**
 * How the function's AWS clients are bounded: two attempts of at most 3 s each
 * (a request time-out ends the attempt, so the retry happens), inside an overall
 * deadline per call. A publish always answers within the function's 10 s
 * timeout, and dRoam gets a 503 it can retry instead of a gateway timeout.
 * The handler, the quarantine, the benchmark's peers and the fault tests all
 * read these; the SNS clients add that a throttled call is not retried.
 */
export const AWS_CLIENT_OPTIONS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
} as const;

/**
 * The SDK's standard retry strategy, except that a throttled call is not retried. SNS throttles Publish per
 * account and Region: a retry moments later meets the same quota, adds to the load that caused the throttle
 * and holds the request open. The caller keeps the message instead (the webhook queues it for the
 * publish-retry drainer, which is paced; the drainer backs the record off).
 */
class ThrottlingNotRetried extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(
    ...[token, errorInfo]: Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>
  ): ReturnType<StandardRetryStrategy['refreshRetryTokenForRetry']> {
    // Refusing a token is how a strategy says "no retry": the SDK then throws the call's own error.
    if (errorInfo.errorType === 'THROTTLING') throw new Error('a throttled call is not retried');
    return super.refreshRetryTokenForRetry(token, errorInfo);
  }
}

/**
 * The SNS client's options: the bounds above, and one attempt only when SNS throttles. A fresh strategy per
 * client, as the SDK gives each client its own (its retry capacity is per client).
 */
export function snsClientOptions() {
  return { ...AWS_CLIENT_OPTIONS, retryStrategy: new ThrottlingNotRetried(AWS_CLIENT_OPTIONS.maxAttempts) };
}

/** Overall deadline of one SNS publish, retries included. */
export const PUBLISH_DEADLINE_MS = 7_000;

/** Overall deadline of one quarantine write: it may follow a publish, so together they stay under 10 s. */
export const QUARANTINE_DEADLINE_MS = 2_000;

/**
 * Overall deadline of one read of the api secrets from SSM (at cold start, then once per maximum
 * age): before a publish and a quarantine write, the three stay within the function's 10 s.
 */
export const SECRETS_DEADLINE_MS = 800;

/** After a failed read of the api secrets, SSM is not asked again for this long. */
export const SECRETS_RETRY_AFTER_FAILURE_MS = 10_000;

/** Overall deadline of one publish-retry write: it follows a failed publish, so together they stay under 10 s. */
export const RETRY_QUEUE_DEADLINE_MS = 2_000;

/**
 * `Name: message` of a failed call, for a log line. A wrapped error (Powertools Parameters wraps the SDK's)
 * is described by its cause, which names the refusal; AWS error names and messages carry no secret value.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause = error.cause instanceof Error ? error.cause : error;
  return `${cause.name}: ${cause.message.slice(0, 300)}`;
}
