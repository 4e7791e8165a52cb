import type { ApiSecretsSettings } from '../api-secrets/settings';
import { type ApiSecrets, fixedApiSecrets } from '../api-secrets/store';
import { DEFAULT_DROAM_SOURCE, excerpt, type PayloadRegistry, toPublishedCloudEvent } from '../contract';
import { isEcho } from '../contract/schemas/echo';
import type { Quarantine } from '../queues/quarantine';
import type { EnqueueRetry } from '../queues/retry';
import { SNS_MAX_MESSAGE_BYTES, type SnsMessage, snsMessageBytes, toSnsMessage } from '../topic/message';
import type { Publish } from '../topic/publish';
import { authenticate } from './authenticate';
import type { Config } from './config';
import type { WebhookRequest } from './decode';
import { type Credentials, type Keeper, keeper } from './keep';
import { type Processed, quotedType, type Rejected, reject, type RequestFacts, RETRY_AFTER_SECONDS } from './outcome';
import { parseJsonBody } from './parse-json';

/** dRoam bodies above this are refused before anything else is done with them (SNS's own limit). */
export const MAX_BODY_BYTES = 262_144;

export interface PipelineDeps {
  readonly config: Config;
  readonly registry: PayloadRegistry;
  readonly publish: Publish;
  /** The default source's api secrets, when they come from a store (a deployed stage's SSM parameter); otherwise the configuration's. */
  readonly apiSecrets?: ApiSecrets | undefined;
  /** Each named source's api secrets, by name, when they come from a store; otherwise the configuration's. */
  readonly sourceApiSecrets?: ReadonlyMap<string, ApiSecrets> | undefined;
  /** Where authenticated payloads the relay refuses are kept, byte for byte; none when not configured. */
  readonly quarantine?: Quarantine | undefined;
  /** Where valid events SNS could not take for now wait to be published; none answers 503 instead. */
  readonly retry?: EnqueueRetry | undefined;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/**
 * From a decoded request to how it ends and what its log line says. The order is part of the contract:
 * the source address (when restricted), method, the dRoam source the path names, size and media type
 * first; then authentication with that source's secrets for
 * everything but an echo; then JSON, validation and publishing, or the publish-retry queue when SNS cannot
 * take the event for now. Every refusal after authentication keeps the payload in the quarantine first.
 */
export async function processWebhook(request: WebhookRequest, deps: PipelineDeps): Promise<Processed> {
  const { config } = deps;
  const refused = (outcome: Rejected): Processed => ({ outcome, facts: {} });
  if (config.allowedSources !== undefined && !config.allowedSources.allows(request.sourceIp)) {
    return refused(reject(403, 'forbidden', 'The source address is not allowed', { detail: `source ${request.sourceIp ?? 'unknown'}` }));
  }
  if (request.method !== undefined && request.method !== 'POST') return refused(reject(405, 'method_not_allowed', 'Only POST is accepted'));
  const source = droamSourceOf(request, config);
  if (source === undefined)
    return refused(
      reject(404, 'unknown_source', 'No dRoam source of this stage has this path', { detail: excerpt(request.droamSource ?? request.unknownPath ?? '', 64) }),
    );
  if (request.body.length > MAX_BODY_BYTES) return refused(reject(413, 'payload_too_large', `The body exceeds ${MAX_BODY_BYTES} bytes`));
  const contentType = request.headers.get('content-type');
  if (contentType !== undefined && !isJsonMediaType(contentType)) {
    return refused(reject(415, 'unsupported_media_type', 'The body must be application/json (UTF-8)'));
  }

  // dRoam validates the endpoint before it gives out a secret; its docs do not say echoes are signed. Only a
  // body that can spell the string "echo" is parsed before it is authenticated.
  const echo = canSpellEcho(request.body) ? parseJsonBody(request.body) : undefined;
  if (echo?.ok === true && isEcho(echo.value)) return { outcome: { outcome: 'echo', status: 200, body: request.body.toString('utf8') }, facts: {} };

  const auth = await authenticateRequest(request, deps, source);
  if (!auth.ok) return auth.refused;
  const parsed = echo ?? parseJsonBody(request.body);
  // From here on the payload is authentic: every refusal keeps it in the quarantine.
  const keep = keeper(request, auth.credentials, deps);
  const facts: RequestFacts = { ...auth.facts, ...(parsed.ok && parsed.droppedKeys > 0 ? { droppedKeys: parsed.droppedKeys } : {}) };
  // A record another stage's relay kept is that stage's: neither published nor kept here.
  if (keep.foreignReplay !== undefined)
    return { outcome: reject(409, 'replay_other_stage', `The replayed record belongs to stage ${keep.foreignReplay}`), facts };
  const kept = async (refusal: Rejected, issues = refusal.issues ?? []): Promise<Processed> => ({ outcome: await keep.refuse(refusal, issues), facts });

  if (!parsed.ok) return kept(reject(400, 'invalid_json', parsed.message), [{ path: '', message: parsed.message }]);
  const type = typeOf(parsed.value);
  // `echo` names the validation request, never an event: one that is not a valid echo is refused, never published.
  if (type === 'echo') {
    const issues = [{ path: 'echo_data', message: 'An echo carries echo_data as a string, at the top level or in data' }];
    return kept(reject(422, 'invalid_echo', 'The body is an echo without a string echo_data', { issues, type }));
  }
  if (config.eventTypes !== undefined && type !== undefined && !config.eventTypes.has(type)) {
    return { outcome: { outcome: 'skipped', status: 200, type: quotedType(type) }, facts };
  }

  const validation = deps.registry.validate(parsed.value);
  if (!validation.ok) {
    const quoted = type === undefined ? {} : { type: quotedType(type) };
    return kept(reject(422, 'invalid_payload', 'The payload does not match the dRoam schema for its type', { issues: validation.issues, ...quoted }));
  }
  const { declared } = validation.value;
  const { event, json } = toPublishedCloudEvent(validation.value, source.eventSource, request.requestId);
  const message = keep.tagged(toSnsMessage(event, validation.value.attributes, config.fifo, json, source.name));
  const ready: RequestFacts = { ...facts, eventType: declared ? event.type : 'undeclared' };
  const bytes = snsMessageBytes(message);
  if (bytes > SNS_MAX_MESSAGE_BYTES) {
    const tooLarge = `The event is ${bytes} bytes as a message, over SNS's ${SNS_MAX_MESSAGE_BYTES}`;
    const refusal = reject(413, 'payload_too_large', tooLarge, { type: event.type, id: event.id });
    return { outcome: await keep.refuse(refusal, [{ path: '', message: tooLarge }]), facts: ready };
  }
  return publish({ id: event.id, type: event.type, declared, message }, keep, deps, ready);
}

/** A dRoam source of the stage: its name, and the CloudEvent `source` of what it sends. */
interface DroamSource {
  readonly name: string;
  readonly eventSource: string;
}

/** The source the request's path names: the default one for `/webhooks/droam`, a named one for `/webhooks/droam/<name>`; undefined for another name or path. */
function droamSourceOf(request: WebhookRequest, config: Config): DroamSource | undefined {
  if (request.unknownPath !== undefined) return undefined;
  if (request.droamSource === undefined) return { name: DEFAULT_DROAM_SOURCE, eventSource: config.eventSource };
  const named = config.sources.find((source) => source.name === request.droamSource);
  return named === undefined ? undefined : { name: named.name, eventSource: `${config.eventSource}/${named.name}` };
}

/** dRoam's signature checked against the source's api secrets; with authentication off, the request is taken as it is. */
async function authenticateRequest(
  request: WebhookRequest,
  deps: PipelineDeps,
  source: DroamSource,
): Promise<{ ok: true; credentials: Credentials; facts: RequestFacts } | { ok: false; refused: Processed }> {
  const { config } = deps;
  if (config.auth === 'off') return { ok: true, credentials: { droamSource: source.name, secrets: [] }, facts: {} };
  const secrets = await apiSecretsOf(source.name, deps)();
  if (!secrets.ok) {
    // Not the sender's fault: 503 so dRoam retries, never a 401 it would take as a wrong secret.
    const unavailable = reject(503, 'secrets_unavailable', 'The request cannot be authenticated now; retry later', {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      detail: secrets.reason,
    });
    return { ok: false, refused: { outcome: unavailable, facts: {} } };
  }
  const facts = secrets.refreshFailure === undefined ? {} : { secretsRefreshFailure: secrets.refreshFailure };
  const auth = authenticate(request.headers, Math.floor(deps.now() / 1000), { ...config, apiSecrets: secrets.secrets });
  if (!auth.ok) {
    const unauthorized = reject(401, 'unauthorized', 'The request is not authenticated', { detail: auth.reason, authFailure: auth.reason });
    return { ok: false, refused: { outcome: unauthorized, facts } };
  }
  const authHeaders = { timestamp: auth.timestampHeader, hash: auth.hashHeader };
  return { ok: true, credentials: { droamSource: source.name, secrets: secrets.secrets, authHeaders }, facts: { ...facts, authHeaders } };
}

interface ReadyEvent {
  readonly id: string;
  readonly type: string;
  readonly declared: boolean;
  readonly message: SnsMessage;
}

/**
 * Publishes the event. When SNS cannot take it for now, it waits in the publish-retry queue, exactly as it
 * would have been published (SNS may come back, or an operator mend it); when SNS refuses it as a message,
 * no retry mends it, and it is kept in the quarantine.
 */
async function publish(event: ReadyEvent, keep: Keeper, deps: PipelineDeps, before: RequestFacts): Promise<Processed> {
  const { id, type, declared } = event;
  const started = deps.now();
  const published = await deps.publish(event.message);
  const facts = { ...before, publishLatencyMs: deps.now() - started };
  if (published.ok) return { outcome: { outcome: 'published', status: 200, type, id, messageId: published.messageId, declared }, facts };

  const failure = `${published.error.name}: ${published.error.message}`;
  if (!published.error.retryable) {
    const refusal = reject(422, 'publish_rejected', 'SNS refused the event as a message; sending it again will not help', { type, id, detail: failure });
    return { outcome: await keep.refuse(refusal, [{ path: '', message: failure }]), facts };
  }
  const queued = await keep.queueForRetry(event, event.message, failure);
  if (queued?.ok === true) return { outcome: { outcome: 'queued', status: 200, type, id, declared, detail: failure }, facts };
  const unpublished = reject(503, 'publish_failed', 'The event could not be published; retry later', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    type,
    id,
    detail: queued === undefined ? failure : `${failure}; retry queue: ${queued.error}`,
    ...(queued === undefined ? {} : { queuedForRetry: false }),
  });
  return { outcome: unpublished, facts };
}

/** A source's secrets: from their store when one was wired, else the environment's; none when the configuration names an SSM parameter and no reader was wired. */
function apiSecretsOf(name: string, deps: PipelineDeps): ApiSecrets {
  const stored = name === DEFAULT_DROAM_SOURCE ? deps.apiSecrets : deps.sourceApiSecrets?.get(name);
  if (stored !== undefined) return stored;
  const settings: ApiSecretsSettings | undefined = name === DEFAULT_DROAM_SOURCE ? deps.config : deps.config.sources.find((source) => source.name === name);
  if (settings?.apiSecretsParameter === undefined) return fixedApiSecrets(settings?.apiSecrets ?? []);
  const parameter = settings.apiSecretsParameter.name;
  return () => Promise.resolve({ ok: false, reason: `no reader for SSM parameter ${parameter}` });
}

/** `application/json` or any `+json` type; a charset, if given, must be UTF-8. */
export function isJsonMediaType(contentType: string): boolean {
  const [essence = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (essence !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(essence)) return false;
  return parameters.every((parameter) => !parameter.startsWith('charset=') || /^charset="?utf-8"?$/.test(parameter));
}

/**
 * Whether a body may hold the JSON string "echo": written plainly, its quotes included, or with a letter
 * written as a `\u` escape. A body without either is no echo, and is not parsed before it is authenticated.
 */
function canSpellEcho(body: Buffer): boolean {
  return body.includes('"echo"') || body.includes('\\u');
}

/** The payload's `type`, as sent (quote it with `quotedType`). */
function typeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}
