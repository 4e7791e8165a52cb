/** The sample API Gateway events in events/, loaded as the tests and users use them. */
import { droamHash } from '../../../lib/relay/signature';
import { LOCAL_STAGE } from '../../../tools/local-stage';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const EVENTS_DIR = path.join(ROOT, 'events');

/** dRoam's documentation example: the secret and timestamp the committed samples are signed with. */
export const DOCUMENTED_SECRET = LOCAL_STAGE.apiSecret;
export const DOCUMENTED_TIMESTAMP = 1704067200;

export interface SampleEvent {
  readonly headers: Readonly<Record<string, string>>;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly isBase64Encoded?: boolean;
  readonly [key: string]: unknown;
}

export type Payload = Record<string, unknown>;

export function sampleFiles(): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

export function loadEvent(file: string): SampleEvent {
  return JSON.parse(readFileSync(path.join(EVENTS_DIR, file), 'utf8')) as SampleEvent;
}

/** The body as the client sent it (base64 decoded). */
export function bodyOf(event: SampleEvent): Buffer {
  return event.isBase64Encoded === true ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

export function payloadOf(event: SampleEvent): Payload {
  return JSON.parse(bodyOf(event).toString('utf8')) as Payload;
}

/** The same request with another JSON body (dRoam's hash does not cover the body, so the signature still holds). */
export function withPayload(event: SampleEvent, payload: unknown): SampleEvent {
  const body = JSON.stringify(payload);
  return { ...event, body, isBase64Encoded: false, headers: replaceHeaders(event.headers, { 'content-length': String(Buffer.byteLength(body)) }) };
}

/** Re-signs a sample (its x-api-timestamp / x-api-hash headers, any case) with a secret and a timestamp, now by default. */
export function signed(event: SampleEvent, secret: string, timestamp = Math.floor(Date.now() / 1000)): SampleEvent {
  const values = { 'x-api-timestamp': String(timestamp), 'x-api-hash': droamHash(secret, timestamp) };
  return {
    ...event,
    headers: replaceHeaders(event.headers, values),
    ...(event.multiValueHeaders === undefined
      ? {}
      : { multiValueHeaders: replaceHeaders(event.multiValueHeaders, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [v]]))) }),
  };
}

/** Replaces headers by name whatever their case, adding those that are missing. */
function replaceHeaders<T>(headers: Readonly<Record<string, T>>, values: Readonly<Record<string, T>>): Record<string, T> {
  const result: Record<string, T> = {};
  const pending = new Map(Object.entries(values));
  for (const [name, value] of Object.entries(headers)) {
    const replacement = pending.get(name.toLowerCase());
    result[name] = replacement ?? value;
    pending.delete(name.toLowerCase());
  }
  for (const [name, value] of pending) result[name] = value;
  return result;
}

/** A deep copy of a JSON payload, changed by `edit`. */
export function editPayload(payload: Payload, edit: (copy: PoolPayload) => void): Payload {
  const copy = structuredClone(payload) as PoolPayload;
  edit(copy);
  return copy;
}

/** The shape of a rule.pool.usage.triggered payload, loosely, for editing samples. */
export interface PoolPayload extends Payload {
  data: {
    rule: Record<string, unknown>;
    pool: Record<string, unknown>;
    [key: string]: unknown;
  };
  created_at: Record<string, unknown>;
}
