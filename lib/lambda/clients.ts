import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { SignalledHttpHandler, withCallSignals } from './call-signal';

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
 * The SNS client's options: the bounds above, and one attempt only when SNS throttles. A fresh strategy and
 * request handler per client, as the SDK gives each client its own (its retry capacity is per client).
 */
export function snsClientOptions() {
  return {
    ...AWS_CLIENT_OPTIONS,
    retryStrategy: new ThrottlingNotRetried(AWS_CLIENT_OPTIONS.maxAttempts),
    // The middleware stack resolved once, not on every publish; each publish keeps its own deadline (call-signal.ts).
    cacheMiddleware: true,
    requestHandler: new SignalledHttpHandler(AWS_CLIENT_OPTIONS.requestHandler),
  };
}

/** The functions' SNS client (snsClientOptions), with `config` over it: its middleware resolved once, each call with its own deadline. */
export function snsClient(config: SNSClientConfig = {}): SNSClient {
  return withCallSignals(new SNSClient({ ...snsClientOptions(), ...config }));
}

/** Overall deadline of one SNS publish, retries included. */
export const PUBLISH_DEADLINE_MS = 7_000;

/** Overall deadline of one quarantine write: it may follow a publish, so together they stay under 10 s. */
export const QUARANTINE_DEADLINE_MS = 2_000;

/**
 * Overall deadline of a read of the api secrets when the instance already holds a good value (once per
 * maximum age): the value stays in use if it fails, so the request waits little for it.
 */
export const SECRETS_DEADLINE_MS = 800;

/**
 * Overall deadline of a read of the api secrets when the instance holds no good value yet (its first
 * request): its requests cannot be authenticated without it. Parameter Store serves 40 reads a second to
 * the account by default, and a burst's new instances all read at once; this leaves time to ask again after
 * a throttled read, with a back-off (up to SECRETS_READ_MAX_ATTEMPTS attempts), instead of answering 503
 * after the first refusal. The request's publish gets what is left of ANSWER_DEADLINE_MS (publishDeadlineAfter).
 */
export const SECRETS_FIRST_READ_DEADLINE_MS = 3_000;

/** Attempts per read of the api secrets, within the read's deadline, with a back-off between them. */
export const SECRETS_READ_MAX_ATTEMPTS = 4;

/**
 * The base of the back-off between those attempts: the AWS SDK's (a delay drawn from 0 up to the base
 * times 2 to the power of the attempts so far), longer after a throttled answer than after a failure of
 * the service, so that a burst's instances spread their reads.
 */
export const SECRETS_READ_BACK_OFF_BASE_MS = { throttled: 500, failed: 100 } as const;

/** After a failed read of the api secrets, with a good value held, SSM is not asked again for this long. */
export const SECRETS_RETRY_AFTER_FAILURE_MS = 10_000;

/**
 * After a failed read with no good value yet, the next read waits a back-off drawn from this range: short,
 * so that the instance holds the value soon after SSM can serve it; drawn, so that a burst's new instances
 * spread their reads over SSM's rate; and a back-off at all, so that a missing or refused parameter costs
 * SSM a few calls a second per instance rather than one per request.
 */
export const SECRETS_RETRY_WITHOUT_VALUE_MS = { min: 100, max: 500 } as const;

/** Overall deadline of one publish-retry write: it follows a failed publish, so together they stay under 10 s. */
export const RETRY_QUEUE_DEADLINE_MS = 2_000;

/**
 * The most a webhook request takes before it is answered, inside the function's 10 s timeout: an api secrets
 * read with a value held (800 ms), a publish (7 s) and the queue write that may follow it (2 s).
 */
export const ANSWER_DEADLINE_MS = 9_800;

/**
 * The publish deadline of a request that has run for `elapsedMs`: PUBLISH_DEADLINE_MS, or what is left of
 * ANSWER_DEADLINE_MS after the queue write that may follow it, when the request waited longer for its
 * instance's first api secrets read. Never below zero: a publish with no time left fails at once and the
 * event is queued.
 */
export function publishDeadlineAfter(elapsedMs: number): number {
  const followUp = Math.max(QUARANTINE_DEADLINE_MS, RETRY_QUEUE_DEADLINE_MS);
  return Math.max(0, Math.min(PUBLISH_DEADLINE_MS, ANSWER_DEADLINE_MS - followUp - elapsedMs));
}

/**
 * `Name: message` of a failed call, for a log line. A wrapped error is described by its cause, which names
 * the refusal; AWS error names and messages carry no secret value.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause = error.cause instanceof Error ? error.cause : error;
  return `${cause.name}: ${cause.message.slice(0, 300)}`;
}
