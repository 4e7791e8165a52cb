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
import { nonSecretHeaders, type Quarantine, type QuarantineRecord } from './quarantine';

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
  /** Where authenticated payloads that cannot be published are kept; none when not configured. */
  readonly quarantine?: Quarantine | undefined;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/**
 * From a decoded request to an outcome. The order is part of the contract:
 * the source address (when restricted), size and media type first; then authentication for everything but an echo;
 * then JSON, validation and publishing.
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
  }

  if (!parsed.ok) return reject(400, 'invalid_json', parsed.message);
  if (parsed.droppedKeys > 0) facts.droppedKeys = parsed.droppedKeys;

  const type = typeOf(parsed.value);
  // `echo` names the validation request, never an event: one that is not a valid echo is refused, never published.
  if (type === 'echo') {
    const issues = [{ path: 'echo_data', message: 'An echo carries echo_data as a string, at the top level or in data' }];
    const kept = await keep(request, deps, facts, 'invalid_payload', issues);
    return kept ?? reject(422, 'invalid_echo', 'The body is an echo without a string echo_data', { issues, type: 'echo' });
  }
  if (config.eventTypes !== undefined && type !== undefined && !config.eventTypes.has(type)) {
    return { outcome: 'skipped', status: 200, type: excerpt(type, MAX_QUOTED_TYPE) };
  }

  const validation = deps.registry.validate(parsed.value);
  if (!validation.ok) {
    const kept = await keep(request, deps, facts, 'invalid_payload', validation.issues);
    return (
      kept ??
      reject(422, 'invalid_payload', 'The payload does not match the dRoam schema for its type', {
        issues: validation.issues,
        ...(type === undefined ? {} : { type: excerpt(type, MAX_QUOTED_TYPE) }),
      })
    );
  }

  facts.eventType = validation.value.declared ? validation.value.type : 'undeclared';
  const { event, json } = toPublishedCloudEvent(validation.value, config.eventSource, request.requestId);
  const message = toSnsMessage(event, validation.value.attributes, config.fifo, json);
  const bytes = snsMessageBytes(message);
  if (bytes > SNS_MAX_MESSAGE_BYTES) {
    return reject(413, 'payload_too_large', `The event is ${bytes} bytes as a message, over SNS's ${SNS_MAX_MESSAGE_BYTES}`, {
      type: event.type,
      id: event.id,
    });
  }

  const publishStarted = deps.now();
  const published = await deps.publish(message);
  facts.publishLatencyMs = deps.now() - publishStarted;
  if (!published.ok && !published.error.retryable) {
    const detail = `${published.error.name}: ${published.error.message}`;
    const kept = await keep(request, deps, facts, 'publish_rejected', [{ path: '', message: detail }]);
    return (
      kept ??
      reject(422, 'publish_rejected', 'SNS refused the event as a message; sending it again will not help', {
        type: event.type,
        id: event.id,
        detail,
      })
    );
  }
  if (!published.ok) {
    return reject(503, 'publish_failed', 'The event could not be published; retry later', {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      type: event.type,
      id: event.id,
      detail: `${published.error.name}: ${published.error.message}`,
    });
  }
  return {
    outcome: 'published',
    status: 200,
    type: event.type,
    id: event.id,
    messageId: published.messageId,
    declared: validation.value.declared,
  };
}

/** Quarantines the request; returns the 503 to answer when that failed, so the sender retries. */
async function keep(
  request: WebhookRequest,
  deps: PipelineDeps,
  facts: RequestFacts,
  reason: QuarantineRecord['reason'],
  issues: QuarantineRecord['issues'],
): Promise<Rejected | undefined> {
  if (deps.quarantine === undefined) return undefined;
  const { config } = deps;
  const kept = await deps.quarantine({
    received_at: new Date(deps.now()).toISOString(),
    reason,
    request_id: request.requestId,
    source_ip: request.sourceIp,
    headers: nonSecretHeaders(request.headers, [facts.authHeaders?.timestamp, facts.authHeaders?.hash, config.timestampHeader, config.hashHeader]),
    issues,
    body: request.body.toString('utf8'),
  });
  facts.quarantined = kept.ok;
  if (kept.ok) return undefined;
  return reject(503, 'quarantine_failed', 'The payload is invalid and could not be kept for an operator; retry later', {
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
