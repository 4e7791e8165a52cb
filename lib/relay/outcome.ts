import { excerpt, type PayloadIssue } from '../contract';
import type { AuthFailure } from './authenticate';

/** How long dRoam is asked to wait before it retries a 503. */
export const RETRY_AFTER_SECONDS = 30;
/** dRoam's types are about 40 characters; an answer or log line quotes at most this much of one (an undeclared one may have 256). */
export const MAX_QUOTED_TYPE = 64;

/** Runs of hex digits this long or longer are the shape of a hash or of an api secret (dRoam's example is 32 hex digits). */
const HEX_RUN = /[0-9a-f]{32,}/gi;

/**
 * A `type` as an answer or a log line quotes it: at most MAX_QUOTED_TYPE characters, and never a run of
 * 32 or more hex digits, which is written as its length instead: no log line holds a hash or a secret,
 * whatever type a sender makes up.
 */
export function quotedType(type: string): string {
  return excerpt(type, MAX_QUOTED_TYPE).replace(HEX_RUN, (run) => `<${String(run.length)} hex digits>`);
}

/** Every way a request can end. Errors are values: the pipeline returns one of these, never throws. */
export type ErrorCode =
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'unknown_source'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_json'
  | 'invalid_echo'
  | 'invalid_payload'
  | 'publish_failed'
  | 'publish_rejected'
  | 'quarantine_failed'
  | 'replay_other_stage'
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
  readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 500 | 503;
  readonly code: ErrorCode;
  readonly message: string;
  readonly issues?: readonly PayloadIssue[];
  readonly retryAfterSeconds?: number;
  readonly type?: string;
  readonly id?: string;
  /** Whether the payload was kept in the quarantine queue (authenticated refusals only); false when keeping it failed. */
  readonly quarantined?: boolean;
  /** Whether an event SNS could not take was written to the publish-retry queue, when there is one. */
  readonly queuedForRetry?: boolean;
  /** Which part of authentication failed, for a 401. */
  readonly authFailure?: AuthFailure;
  /** Why, for the log line only: never sent to the client. */
  readonly detail?: string;
}

export type Outcome = Echo | Published | Queued | Skipped | Rejected;

/** Facts about the request worth one log field each, gathered along the path; none of them secret. */
export interface RequestFacts {
  /** The headers that carried the timestamp and the hash (their names and values, never the secret). */
  readonly authHeaders?: { readonly timestamp: string; readonly hash: string };
  /** The api secrets could not be read again; the last value read authenticated this request. */
  readonly secretsRefreshFailure?: string;
  /** How many `__proto__`, `constructor` and `prototype` keys the body had (dropped, at every depth). */
  readonly droppedKeys?: number;
  /** The event's type for metrics: a declared type, or `undeclared`. */
  readonly eventType?: string;
  /** How long SNS took to answer the publish. */
  readonly publishLatencyMs?: number;
}

/** What the request path returns: how the request ends, and what the log line reports about it. */
export interface Processed {
  readonly outcome: Outcome;
  readonly facts: RequestFacts;
}

export function reject(
  status: Rejected['status'],
  code: Rejected['code'],
  message: string,
  extra: Omit<Rejected, 'outcome' | 'status' | 'code' | 'message'> = {},
): Rejected {
  return { outcome: 'rejected', status, code, message, ...extra };
}
