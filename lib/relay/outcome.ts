import type { AuthFailure } from './authenticate';
import type { PayloadIssue } from '../contract';

/** Every way a request can end. Errors are values: the pipeline returns one of these, never throws. */
export type ErrorCode =
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_json'
  | 'invalid_echo'
  | 'invalid_payload'
  | 'publish_failed'
  | 'publish_rejected'
  | 'quarantine_failed'
  | 'secrets_unavailable'
  | 'internal_error';

export interface Echo {
  readonly outcome: 'echo';
  readonly status: 200;
  readonly body: string;
}

export interface Published {
  readonly outcome: 'published';
  readonly status: 200;
  readonly type: string;
  readonly id: string;
  readonly messageId: string;
  readonly declared: boolean;
}

/**
 * Valid and authentic, but SNS could not take it for now: it waits in the
 * publish-retry queue, and the drainer publishes it with this id.
 */
export interface Queued {
  readonly outcome: 'queued';
  readonly status: 200;
  readonly type: string;
  readonly id: string;
  readonly declared: boolean;
  /** Why SNS did not take it, for the log line only. */
  readonly detail: string;
}

/** Authentic and well-formed, but of a type this stage does not publish (EVENT_TYPES). */
export interface Skipped {
  readonly outcome: 'skipped';
  readonly status: 200;
  readonly type: string;
}

export interface Rejected {
  readonly outcome: 'rejected';
  readonly status: 400 | 401 | 403 | 405 | 413 | 415 | 422 | 500 | 503;
  readonly code: ErrorCode;
  readonly message: string;
  readonly issues?: readonly PayloadIssue[];
  readonly retryAfterSeconds?: number;
  readonly type?: string;
  readonly id?: string;
  /** The payload was kept in the quarantine queue (authenticated 4xx only). */
  readonly quarantined?: boolean;
  /** Why, for the log line only: never sent to the client. */
  readonly detail?: string;
}

export type Outcome = Echo | Published | Queued | Skipped | Rejected;

/** Facts about the request worth one log field each; none of them secret. */
export interface RequestFacts {
  authHeaders?: { readonly timestamp: string; readonly hash: string };
  authFailure?: AuthFailure;
  /** The event's type for metrics: a declared type, or `undeclared`. */
  eventType?: string;
  /** How long SNS took to answer the publish. */
  publishLatencyMs?: number;
  /** The first event of an undeclared type since this cold start. */
  firstOfUndeclaredType?: boolean;
  /** The api secrets could not be read again; the last value read authenticated this request. */
  secretsRefreshFailure?: string;
  /** How many `__proto__`, `constructor` and `prototype` keys the body had (dropped, at every depth). */
  droppedKeys?: number;
  /** Whether a rejected payload was written to the quarantine queue. */
  quarantined?: boolean;
  /** Whether an event SNS could not take was written to the publish-retry queue. */
  queuedForRetry?: boolean;
}
