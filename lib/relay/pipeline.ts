import { type ApiSecrets, fixedApiSecrets } from './api-secrets';
import { authenticate } from './authenticate';
import { excerpt, type PayloadRegistry, toPublishedCloudEvent } from '../contract';
import type { Config } from './config';
import type { WebhookRequest } from './decode';
import { parseJsonBody } from './parse-json';
import type { Outcome, Rejected, RequestFacts } from './outcome';
import { isEcho } from '../contract/schemas/echo';
import { SNS_MAX_MESSAGE_BYTES, snsMessageBytes, toSnsMessage } from './message';
import type { Publish } from './publish';
import {
  nonSecretHeaders,
  type Quarantine,
  type QuarantineReason,
  type QuarantineRecord,
  readReplayOrigin,
  REPLAY_ORIGIN_HEADER,
  type ReplayOrigin,
} from './quarantine';
import type { EnqueueRetry } from './retry';

/** dRoam bodies above this are refused before anything else is done with them (SNS's own limit). */
export const MAX_BODY_BYTES = 262_144;
export const RETRY_AFTER_SECONDS = 30;
/** dRoam's types are about 40 characters; an answer or log line quotes at most this much of one. */
export const MAX_QUOTED_TYPE = 64;

export interface PipelineDeps {
  readonly config: Config;
  readonly registry: PayloadRegistry;
  readonly publish: Publish;
  /** The api secrets, when they come from a store (a deployed stage's SSM parameter); otherwise the configuration's. */
  readonly apiSecrets?: ApiSecrets | undefined;
  /** Where authenticated payloads the relay refuses are kept, byte for byte; none when not configured. */
  readonly quarantine?: Quarantine | undefined;
  /** Where valid events SNS could not take for now wait to be published; none answers 503 instead. */
  readonly retry?: EnqueueRetry | undefined;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/**
 * From a decoded request to an outcome. The order is part of the contract:
 * the source address (when restricted), size and media type first; then authentication for everything but an echo;
 * then JSON, validation and publishing, or the publish-retry queue when SNS cannot take the event for now.
 * Every refusal after authentication keeps the payload in the quarantine first.
 */
export async function processWebhook(request: WebhookRequest, deps: PipelineDeps, facts: RequestFacts = {}): Promise<Outcome> {
  const { config } = deps;
  if (config.allowedSources !== undefined && !config.allowedSources.allows(request.sourceIp)) {
    return reject(403, 'forbidden', 'The source address is not allowed', { detail: `source ${request.sourceIp ?? 'unknown'}` });
  }
  if (request.method !== undefined && request.method !== 'POST') {
    return reject(405, 'method_not_allowed', 'Only POST is accepted');
  }
  if (request.body.length > MAX_BODY_BYTES) {
    return reject(413, 'payload_too_large', `The body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  const contentType = request.headers.get('content-type');
  if (contentType !== undefined && !isJsonMediaType(contentType)) {
    return reject(415, 'unsupported_media_type', 'The body must be application/json (UTF-8)');
  }

  const parsed = parseJsonBody(request.body);
  // dRoam validates the endpoint before it gives out a secret; its docs do not say echoes are signed.
  if (parsed.ok && isEcho(parsed.value)) {
    return { outcome: 'echo', status: 200, body: request.body.toString('utf8') };
  }

  // The secrets this request is authenticated with also tag what the relay keeps and check a replay's claims.
  let acceptedSecrets: readonly string[] = [];
  if (config.auth === 'required') {
    const secrets = await (deps.apiSecrets ?? configuredApiSecrets(config))();
    if (!secrets.ok) {
      // Not the sender's fault: 503 so dRoam retries, never a 401 it would take as a wrong secret.
      return reject(503, 'secrets_unavailable', 'The request cannot be authenticated now; retry later', {
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        detail: secrets.reason,
      });
    }
    if (secrets.refreshFailure !== undefined) facts.secretsRefreshFailure = secrets.refreshFailure;
    const auth = authenticate(request.headers, Math.floor(deps.now() / 1000), { ...config, apiSecrets: secrets.secrets });
    if (!auth.ok) {
      facts.authFailure = auth.reason;
      return reject(401, 'unauthorized', 'The request is not authenticated', { detail: auth.reason });
    }
    facts.authHeaders = { timestamp: auth.timestampHeader, hash: auth.hashHeader };
    acceptedSecrets = secrets.secrets;
  }
  // From here on the payload is authentic: every refusal keeps it in the quarantine.
  // A replay of a quarantined payload carries its first delivery's metadata, trusted only under a valid tag.
  const origin = readReplayOrigin(request.headers.get(REPLAY_ORIGIN_HEADER), request.body, acceptedSecrets);
  // Tagged with the first accepted secret: the current one while a rotation keeps the old one accepted too.
  const signingSecret = acceptedSecrets[0];
  const kept: Keeping = { request, deps, facts, origin, signingSecret };

  if (!parsed.ok) {
    return keepAndReject(kept, [{ path: '', message: parsed.message }], reject(400, 'invalid_json', parsed.message));
  }
  if (parsed.droppedKeys > 0) facts.droppedKeys = parsed.droppedKeys;

  const type = typeOf(parsed.value);
  // `echo` names the validation request, never an event: one that is not a valid echo is refused, never published.
  if (type === 'echo') {
    const issues = [{ path: 'echo_data', message: 'An echo carries echo_data as a string, at the top level or in data' }];
    return keepAndReject(kept, issues, reject(422, 'invalid_echo', 'The body is an echo without a string echo_data', { issues, type: 'echo' }));
  }
  if (config.eventTypes !== undefined && type !== undefined && !config.eventTypes.has(type)) {
    return { outcome: 'skipped', status: 200, type: excerpt(type, MAX_QUOTED_TYPE) };
  }

  const validation = deps.registry.validate(parsed.value);
  if (!validation.ok) {
    return keepAndReject(
      kept,
      validation.issues,
      reject(422, 'invalid_payload', 'The payload does not match the dRoam schema for its type', {
        issues: validation.issues,
        ...(type === undefined ? {} : { type: excerpt(type, MAX_QUOTED_TYPE) }),
      }),
    );
  }

  facts.eventType = validation.value.declared ? validation.value.type : 'undeclared';
  const { event, json } = toPublishedCloudEvent(validation.value, config.eventSource, request.requestId);
  const message = toSnsMessage(event, validation.value.attributes, config.fifo, json);
  const bytes = snsMessageBytes(message);
  if (bytes > SNS_MAX_MESSAGE_BYTES) {
    const tooLarge = `The event is ${bytes} bytes as a message, over SNS's ${SNS_MAX_MESSAGE_BYTES}`;
    return keepAndReject(kept, [{ path: '', message: tooLarge }], reject(413, 'payload_too_large', tooLarge, { type: event.type, id: event.id }));
  }

  const publishStarted = deps.now();
  const published = await deps.publish(message);
  facts.publishLatencyMs = deps.now() - publishStarted;
  if (published.ok) {
    return { outcome: 'published', status: 200, type: event.type, id: event.id, messageId: published.messageId, declared: validation.value.declared };
  }
  const failure = `${published.error.name}: ${published.error.message}`;
  if (!published.error.retryable) {
    return keepAndReject(
      kept,
      [{ path: '', message: failure }],
      reject(422, 'publish_rejected', 'SNS refused the event as a message; sending it again will not help', {
        type: event.type,
        id: event.id,
        detail: failure,
      }),
    );
  }

  // SNS may come back, or an operator mend it: the event waits in the publish-retry queue, exactly as it would have been published.
  const queued = await deps.retry?.(
    { id: event.id, type: event.type, queued_at: new Date(deps.now()).toISOString(), request_id: request.requestId, publish_error: failure, message },
    signingSecret,
  );
  if (queued !== undefined) facts.queuedForRetry = queued.ok;
  if (queued?.ok === true) {
    return { outcome: 'queued', status: 200, type: event.type, id: event.id, declared: validation.value.declared, detail: failure };
  }
  return reject(503, 'publish_failed', 'The event could not be published; retry later', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    type: event.type,
    id: event.id,
    detail: queued === undefined ? failure : `${failure}; retry queue: ${queued.error}`,
  });
}

interface Keeping {
  readonly request: WebhookRequest;
  readonly deps: PipelineDeps;
  readonly facts: RequestFacts;
  readonly origin: ReplayOrigin | undefined;
  readonly signingSecret: string | undefined;
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
  unauthorized: undefined,
  forbidden: undefined,
  publish_failed: undefined,
  quarantine_failed: undefined,
  secrets_unavailable: undefined,
  internal_error: undefined,
};

/**
 * Keeps an authentic payload the relay refuses, byte for byte, and answers
 * the refusal saying so; answers 503 instead when it could not be kept, so
 * the sender retries. A replayed payload keeps its first delivery's metadata
 * and counts one more attempt.
 */
async function keepAndReject(
  { request, deps, facts, origin, signingSecret }: Keeping,
  issues: QuarantineRecord['issues'],
  refusal: Rejected,
): Promise<Rejected> {
  const reason = REASONS[refusal.code];
  if (deps.quarantine === undefined || reason === undefined) return refusal;
  const { config } = deps;
  const now = new Date(deps.now()).toISOString();
  const kept = await deps.quarantine(
    {
      received_at: origin?.received_at ?? now,
      reason,
      request_id: origin === undefined ? request.requestId : origin.request_id,
      source_ip: origin === undefined ? request.sourceIp : origin.source_ip,
      headers:
        origin?.headers ??
        nonSecretHeaders(request.headers, [facts.authHeaders?.timestamp, facts.authHeaders?.hash, config.timestampHeader, config.hashHeader]),
      issues,
      attempt: (origin?.attempt ?? 0) + 1,
      ...(origin === undefined ? {} : { replayed_at: now, ...(request.requestId === undefined ? {} : { replay_request_id: request.requestId }) }),
      body_base64: request.body.toString('base64'),
    },
    signingSecret,
  );
  facts.quarantined = kept.ok;
  if (kept.ok) return { ...refusal, quarantined: true };
  return reject(503, 'quarantine_failed', 'The payload was refused and could not be kept for an operator; retry later', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    detail: kept.error,
  });
}

/** The secrets given in the environment; none when the configuration names an SSM parameter and no reader was wired. */
function configuredApiSecrets(config: Config): ApiSecrets {
  if (config.apiSecretsParameter === undefined) return fixedApiSecrets(config.apiSecrets);
  return () => Promise.resolve({ ok: false, reason: `no reader for SSM parameter ${config.apiSecretsParameter?.name ?? ''}` });
}

function reject(
  status: Rejected['status'],
  code: Rejected['code'],
  message: string,
  extra: Omit<Rejected, 'outcome' | 'status' | 'code' | 'message'> = {},
): Rejected {
  return { outcome: 'rejected', status, code, message, ...extra };
}

/** `application/json` or any `+json` type; a charset, if given, must be UTF-8. */
export function isJsonMediaType(contentType: string): boolean {
  const [essence = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (essence !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(essence)) return false;
  return parameters.every((parameter) => !parameter.startsWith('charset=') || /^charset="?utf-8"?$/.test(parameter));
}

/** The payload's `type`, as sent (quote it with `excerpt(type, MAX_QUOTED_TYPE)`). */
function typeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}
