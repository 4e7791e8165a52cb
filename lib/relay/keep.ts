import type { PayloadIssue } from '../contract';
import { tagMessage } from '../queues/published';
import { nonSecretHeaders, type Quarantine, type QuarantineReason, readReplayOrigin, REPLAY_ORIGIN_HEADER, type ReplayOrigin } from '../queues/quarantine';
import type { EnqueueRetry } from '../queues/retry';
import type { SendResult, Signer } from '../queues/records';
import type { SnsMessage } from '../topic/message';
import type { Config } from './config';
import type { WebhookRequest } from './decode';
import { reject, type Rejected, RETRY_AFTER_SECONDS } from './outcome';

/**
 * Keeping an authentic payload the relay does not publish now: a refused one
 * in the quarantine, byte for byte, for an operator to inspect and replay; a
 * valid one SNS could not take in the publish-retry queue, for the drainer.
 * Records, and every message published, are tagged with the first accepted
 * secret (the current one while a rotation keeps the old one accepted too),
 * the stage and the time; a replayed payload keeps its first delivery's
 * metadata only when the replay's tag verifies, and another stage's replay is
 * refused: the secrets and the replay's claims stay in this step.
 */

/** What authentication established: the dRoam source, the secrets of it that accept the request, and the headers that carried its signature. */
export interface Credentials {
  /** The dRoam source's name (contract DEFAULT_DROAM_SOURCE, or one of the stage's named sources): kept in a quarantine record, for its replay. */
  readonly droamSource: string;
  readonly secrets: readonly string[];
  readonly authHeaders?: { readonly timestamp: string; readonly hash: string } | undefined;
}

export interface KeepDeps {
  readonly config: Pick<Config, 'timestampHeader' | 'hashHeader' | 'stage'>;
  readonly quarantine?: Quarantine | undefined;
  readonly retry?: EnqueueRetry | undefined;
  readonly now: () => number;
}

export interface Keeper {
  /** The stage whose record a replayed request says it is, when that is another stage than this one's: the request is refused. */
  readonly foreignReplay: string | undefined;
  /** The message with the relay's integrity tag (none when authentication is off). */
  tagged(message: SnsMessage): SnsMessage;
  /** Keeps the payload and answers the refusal saying so; answers 503 when it could not be kept, so the sender retries. */
  refuse(refusal: Rejected, issues: readonly PayloadIssue[]): Promise<Rejected>;
  /** Queues the event for the drainer, exactly as it would have been published; undefined without a publish-retry queue. */
  queueForRetry(event: { readonly id: string; readonly type: string }, message: SnsMessage, publishError: string): Promise<SendResult | undefined>;
}

// Total, so that a new refusal must say whether it keeps the payload; undefined for refusals before authentication or of the relay's own making.
const REASONS: Readonly<Record<Rejected['code'], QuarantineReason | undefined>> = {
  invalid_json: 'invalid_json',
  invalid_echo: 'invalid_echo',
  invalid_payload: 'invalid_payload',
  payload_too_large: 'payload_too_large',
  publish_rejected: 'publish_rejected',
  unsupported_media_type: undefined,
  method_not_allowed: undefined,
  unknown_source: undefined,
  unauthorized: undefined,
  forbidden: undefined,
  publish_failed: undefined,
  replay_other_stage: undefined,
  quarantine_failed: undefined,
  secrets_unavailable: undefined,
  internal_error: undefined,
};

export function keeper(request: WebhookRequest, credentials: Credentials, deps: KeepDeps): Keeper {
  const [secret] = credentials.secrets;
  const now = (): string => new Date(deps.now()).toISOString();
  const signer = (): Signer | undefined =>
    secret === undefined ? undefined : { secret, issue: { stage: deps.config.stage, issuedAt: Math.floor(deps.now() / 1000) } };
  // Read once: the replay's claim decides whether the request is refused, and what a refusal keeps.
  const origin: ReplayOrigin | undefined = readReplayOrigin(request.headers.get(REPLAY_ORIGIN_HEADER), request.body, credentials.secrets);
  return {
    foreignReplay: origin !== undefined && origin.stage !== deps.config.stage ? origin.stage : undefined,
    tagged: (message) => tagMessage(message, signer()),
    async refuse(refusal, issues) {
      const reason = REASONS[refusal.code];
      if (deps.quarantine === undefined || reason === undefined) return refusal;
      const { timestampHeader, hashHeader } = deps.config;
      const at = now();
      const kept = await deps.quarantine(
        {
          stage: deps.config.stage,
          received_at: origin?.received_at ?? at,
          reason,
          droam_source: credentials.droamSource,
          request_id: origin === undefined ? request.requestId : origin.request_id,
          source_ip: origin === undefined ? request.sourceIp : origin.source_ip,
          headers:
            origin?.headers ??
            nonSecretHeaders(request.headers, [credentials.authHeaders?.timestamp, credentials.authHeaders?.hash, timestampHeader, hashHeader]),
          issues,
          // A replay counts one more attempt.
          attempt: (origin?.attempt ?? 0) + 1,
          ...(origin === undefined ? {} : { replayed_at: at, ...(request.requestId === undefined ? {} : { replay_request_id: request.requestId }) }),
          body_base64: request.body.toString('base64'),
        },
        signer(),
      );
      if (kept.ok) return { ...refusal, quarantined: true };
      return reject(503, 'quarantine_failed', 'The payload was refused and could not be kept for an operator; retry later', {
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        detail: kept.error,
        quarantined: false,
      });
    },
    async queueForRetry(event, message, publishError) {
      return deps.retry?.(
        {
          stage: deps.config.stage,
          id: event.id,
          type: event.type,
          droam_source: credentials.droamSource,
          queued_at: now(),
          request_id: request.requestId,
          publish_error: publishError,
          message,
        },
        signer(),
      );
    },
  };
}
