/**
 * Shared helpers for the unit tests: the committed sample events, dRoam's
 * documented example, payload builders, and a handler wired to fakes (a
 * publish function that records what it was given, a fixed clock and a
 * logger that captures every line).
 */
import type { ApiSecrets } from '../../../lib/api-secrets/store';
import { droamHash } from '../../../lib/relay/signature';
import { LOCAL_STAGE } from '../../../tools/local-stage';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, loadConfig } from '../../../lib/relay/config';
import type { LogSink } from '../../../lib/observability/sinks';
import { createWebhookHandler } from '../../../lib/relay/webhook';
import type { HttpResponse } from '../../../lib/relay/respond';
import { payloadTypes } from '../../../lib/contract';
import type { Quarantine, QuarantineRecord } from '../../../lib/queues/quarantine';
import type { Signer } from '../../../lib/queues/records';
import type { EnqueueRetry, RetryRecord } from '../../../lib/queues/retry';
import type { SnsMessage } from '../../../lib/topic/message';
import type { PublishResult } from '../../../lib/topic/publish';

export const EVENTS_DIR = path.resolve(__dirname, '..', '..', '..', 'events');

/** dRoam's documentation example (its Authentication page, Listing 3.1). */
export const DOCUMENTED_SECRET = LOCAL_STAGE.apiSecret;
export const DOCUMENTED_TIMESTAMP = 1704067200;
export const DOCUMENTED_HASH = '68361c09cc50993ca6e0486e1f530c1d4e36a8aca9c8d20eb0d3aafbe47d2d5d';

/** A secret of our own for tests that are not about the documented example. */
export const TEST_SECRET = 'unit-test-secret-3f9a1c7e5b2d4086';
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:droam-events';
export const FIFO_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:droam-events.fifo';

export type Json = Record<string, unknown>;

// ---------------------------------------------------------------- sample events

export interface SampleEvent {
  headers?: Record<string, string> | null;
  multiValueHeaders?: Record<string, string[]> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: Json;
  [key: string]: unknown;
}

export function eventFiles(): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

export function loadEvent(file: string): SampleEvent {
  return JSON.parse(readFileSync(path.join(EVENTS_DIR, file), 'utf8')) as SampleEvent;
}

/** The bytes the client sent (base64 decoded). */
export function bodyBytes(event: SampleEvent): Buffer {
  const body = event.body ?? '';
  return event.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export function payloadOf(event: SampleEvent): Json {
  return JSON.parse(bodyBytes(event).toString('utf8')) as Json;
}

/** The same event without any header whose name mentions the api timestamp or hash (in any case, single or multi-valued). */
export function withoutAuth(event: SampleEvent): SampleEvent {
  const keep = ([name]: [string, unknown]): boolean => !/^x-api-(timestamp|hash)$/i.test(name);
  const copy: SampleEvent = { ...event };
  if (event.headers != null) copy.headers = Object.fromEntries(Object.entries(event.headers).filter(keep));
  if (event.multiValueHeaders != null) copy.multiValueHeaders = Object.fromEntries(Object.entries(event.multiValueHeaders).filter(keep));
  return copy;
}

/** The same event with other headers merged in (single-valued only: the v2 / function URL shape). */
export function withHeaders(event: SampleEvent, headers: Record<string, string>): SampleEvent {
  return { ...event, headers: { ...(event.headers ?? {}), ...headers } };
}

/** The same event carrying another body (dRoam's hash does not cover the body, so its signature still holds). */
export function withBody(event: SampleEvent, body: string | Buffer, base64 = false): SampleEvent {
  const text = typeof body === 'string' ? body : body.toString(base64 ? 'base64' : 'utf8');
  return { ...event, body: text, isBase64Encoded: base64 };
}

/** An HTTP API (payload 2.0) event as API Gateway builds it, with the given headers and body. */
export function v2Event(body: string, headers: Record<string, string> = {}): SampleEvent {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/droam',
    rawPath: '/webhooks/droam',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'user-agent': 'GuzzleHttp/7', ...headers },
    requestContext: {
      domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      http: { method: 'POST', path: '/webhooks/droam', sourceIp: '203.0.113.10' },
      requestId: 'unit-request-1',
    },
    body,
    isBase64Encoded: false,
  };
}

/** Headers dRoam would send, signed with `secret` at `timestamp`. */
export function authHeaders(secret: string, timestamp: number): Record<string, string> {
  return { 'x-api-timestamp': String(timestamp), 'x-api-hash': droamHash(secret, timestamp) };
}

// ---------------------------------------------------------------- payloads

/** The vendor's own `rule.pool.usage.triggered` example, exactly as documented on its SIM pools payloads page, quirks included. */
export function vendorExample(): Json & { data: { rule: Json; pool: Json }; created_at: Json } {
  return {
    type: 'rule.pool.usage.triggered',
    data: {
      rule: { uuid: '1711929600', name: 'Rule for refills', description: 'Send notification to email when usage reaches 100MB' },
      pool: { uuid: '34160e3a-3492-4f6f-bbf6-c9a9be15ea55', name: 'Pool Name', current_usage_kb: '51200' },
    },
    created_at: { unix_timestamp: '1711929600', human_time: '17:25:11', human_date: '2024-06-12', timezone: 'UTC' },
  };
}

/** A type dRoam documents nowhere, so no declaration in the registry can know it. */
export const UNKNOWN_TYPE = 'sim_card.teleported_to_mars';

export function unknownTypePayload(): Json {
  return {
    type: UNKNOWN_TYPE,
    data: { sim_card: { iccid: '8988228066602233445', destination: 'Mars' } },
    created_at: { unix_timestamp: 1704067200, human_time: '00:00:00', human_date: '2024-01-01', timezone: 'UTC' },
  };
}

// ---------------------------------------------------------------- configuration

/** The local stage: the documented example secret, as the committed samples are signed. */
export function localConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ TOPIC_ARN, DROAM_API_SECRETS: DOCUMENTED_SECRET, IS_LOCAL: 'true', ...env });
}

/** The stage of deployedConfig. */
export const TEST_STAGE = 'test';

/** A deployed-like stage with a secret of our own. */
export function deployedConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ STAGE: TEST_STAGE, TOPIC_ARN, DROAM_API_SECRETS: TEST_SECRET, ...env });
}

// ---------------------------------------------------------------- fakes

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

export interface Harness {
  readonly handle: (event: unknown) => Promise<HttpResponse>;
  /** Every message handed to publish, in order (whether or not the fake then accepted it). */
  readonly attempted: SnsMessage[];
  /** Messages the fake SNS accepted. */
  readonly published: SnsMessage[];
  readonly logs: LogLine[];
  readonly quarantined: QuarantineRecord[];
  /** Records handed to the publish-retry queue. */
  readonly queuedForRetry: RetryRecord[];
  /** Clears the recordings (not the handler's own state). */
  reset(): void;
}

export interface HarnessOptions {
  readonly config?: Config;
  /** Milliseconds since the epoch; a function for a clock that moves. Default: the documented timestamp. */
  readonly now?: number | (() => number);
  /** What the fake SNS answers; a function to decide per message, given the publish deadline the handler set for it. */
  readonly publishResult?: PublishResult | ((message: SnsMessage, deadlineMs?: number) => Promise<PublishResult>);
  readonly quarantine?: Quarantine;
  /** Where the api secrets come from; default: the configuration's. */
  readonly apiSecrets?: ApiSecrets;
  readonly retry?: EnqueueRetry;
}

export function harness(options: HarnessOptions = {}): Harness {
  const attempted: SnsMessage[] = [];
  const published: SnsMessage[] = [];
  const logs: LogLine[] = [];
  const quarantined: QuarantineRecord[] = [];
  const queuedForRetry: RetryRecord[] = [];
  let messageCounter = 0;
  const capture =
    (level: LogLine['level']) =>
    (message: string, attributes: Record<string, unknown>): void => {
      logs.push({ level, message, attributes });
    };
  const logger: LogSink = { info: capture('info'), warn: capture('warn'), error: capture('error') };
  const nowOption = options.now ?? DOCUMENTED_TIMESTAMP * 1000;
  const now = typeof nowOption === 'number' ? () => nowOption : nowOption;
  const keep = options.quarantine;
  const enqueue = options.retry;
  const handle = createWebhookHandler({
    config: options.config ?? localConfig(),
    registry: payloadTypes,
    now,
    logger,
    apiSecrets: options.apiSecrets,
    ...(keep === undefined
      ? {}
      : {
          quarantine: (record: QuarantineRecord, signer: Signer | undefined) => {
            quarantined.push(record);
            return keep(record, signer);
          },
        }),
    ...(enqueue === undefined
      ? {}
      : {
          retry: (record: RetryRecord, signer: Signer | undefined) => {
            queuedForRetry.push(record);
            return enqueue(record, signer);
          },
        }),
    publish: async (message, deadlineMs) => {
      attempted.push(message);
      const answer = options.publishResult;
      const result: PublishResult =
        answer === undefined
          ? { ok: true, messageId: `sns-message-${String(++messageCounter)}` }
          : typeof answer === 'function'
            ? await answer(message, deadlineMs)
            : answer;
      if (result.ok) published.push(message);
      return result;
    },
  });
  return {
    handle,
    attempted,
    published,
    logs,
    quarantined,
    queuedForRetry,
    reset() {
      attempted.length = 0;
      published.length = 0;
      logs.length = 0;
      quarantined.length = 0;
      queuedForRetry.length = 0;
    },
  };
}

/** The response body parsed as JSON (every response of the relay is JSON). */
export function bodyJson(response: HttpResponse): Json {
  return JSON.parse(response.body) as Json;
}

/** The response's header value by name in any case. */
export function header(response: HttpResponse, name: string): string | undefined {
  const entry = Object.entries(response.headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return entry?.[1];
}

/** The CloudEvent a published message carries. */
export function cloudEventOf(message: SnsMessage): Json {
  return JSON.parse(message.Message) as Json;
}

/** Everything a log line says, as one string to search. */
export function logText(lines: readonly LogLine[]): string {
  return lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.attributes)}`).join('\n');
}
