/**
 * The requests every contender is sent: the committed sample events (events/*.json), signed with
 * the one signer for the secret the contender is configured with and a fresh timestamp.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_HASH_HEADER, DEFAULT_TIMESTAMP_HEADER, signedHeaders } from '../lib/relay/signature';

export type LambdaEvent = Record<string, unknown> & { headers: Record<string, string>; body: string };

/** What a request exercises, and the answer every contender must give it. */
export const KINDS = { pool: 200, echo: 200, unauthorized: 401, invalid: 422 } as const;
export type Kind = keyof typeof KINDS;

export interface BenchRequest {
  readonly kind: Kind;
  readonly event: LambdaEvent;
}

const sample = (root: string, file: string): LambdaEvent => JSON.parse(readFileSync(path.join(root, 'events', file), 'utf8')) as LambdaEvent;

/** A copy of an event with a new body, signed (or unsigned when `secret` is undefined). */
function signed(event: LambdaEvent, body: string, secret: string | undefined, nowMs: number): LambdaEvent {
  const headers = Object.fromEntries(Object.entries(event.headers).filter(([name]) => name !== DEFAULT_TIMESTAMP_HEADER && name !== DEFAULT_HASH_HEADER));
  headers['content-length'] = String(Buffer.byteLength(body));
  return { ...event, body, headers: secret === undefined ? headers : { ...headers, ...signedHeaders(secret, { now: nowMs }) } };
}

/** A pool event that differs from the others by pool and usage, so that no two published events are alike. */
function poolBody(template: string, index: number): string {
  const body = JSON.parse(template) as { data: { pool: { uuid: string; current_usage_kb?: number } } };
  body.data.pool.current_usage_kb = 80_000_000 + index * 1024;
  body.data.pool.uuid = `${body.data.pool.uuid.slice(0, 24)}${index.toString(16).padStart(12, '0')}`;
  return JSON.stringify(body);
}

/** The distinct requests of the warm mix, signed for `secret` at `nowMs`. */
export function benchRequests(root: string, secret: string, nowMs: number): BenchRequest[] {
  const pool = sample(root, 'pool-usage.json');
  const requests: BenchRequest[] = [];
  for (let i = 0; i < 16; i++) requests.push({ kind: 'pool', event: signed(pool, poolBody(pool.body, i), secret, nowMs) });
  for (const file of ['pool-usage-vendor-example.json', 'pool-usage-without-usage.json']) {
    const event = sample(root, file);
    requests.push({ kind: 'pool', event: signed(event, event.body, secret, nowMs) });
  }
  for (const file of ['echo-flat.json', 'echo-enveloped.json']) requests.push({ kind: 'echo', event: sample(root, file) });
  requests.push({ kind: 'unauthorized', event: signed(pool, pool.body, undefined, nowMs) });
  requests.push({ kind: 'unauthorized', event: signed(pool, pool.body, `${secret}-not`, nowMs) });
  const invalid = sample(root, 'error-invalid-payload.json');
  requests.push({ kind: 'invalid', event: signed(invalid, invalid.body, secret, nowMs) });
  requests.push({ kind: 'invalid', event: signed(pool, poolBody(pool.body, 99).replace(/"current_usage_kb":\d+/, '"current_usage_kb":-5'), secret, nowMs) });
  return requests;
}

/** Share of each kind in the warm mix. */
export const MIX: Readonly<Record<Kind, number>> = { pool: 0.7, echo: 0.1, unauthorized: 0.1, invalid: 0.1 };

/** A deterministic order of request indexes following MIX, the same for every contender. */
export function mixSequence(requests: readonly BenchRequest[], length: number): Uint16Array {
  let state = 42;
  // mulberry32: small, seedable, good enough to shuffle a benchmark's requests.
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const sequence = new Uint16Array(length);
  for (let i = 0; i < length; i++) {
    let r = random();
    const kind = (Object.keys(MIX) as Kind[]).find((name) => (r -= MIX[name]) < 0) ?? 'pool';
    const choices = requests.flatMap((request, index) => (request.kind === kind ? [index] : []));
    sequence[i] = choices[Math.floor(random() * choices.length)] ?? 0;
  }
  return sequence;
}

/** A Lambda context like the runtime's, for handlers (Middy, Powertools) that read it. */
export function lambdaContext(requestId: string) {
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'droam-webhook-relay-bench-webhook',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:droam-webhook-relay-bench-webhook',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/droam-webhook-relay-bench-webhook',
    logStreamName: '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
