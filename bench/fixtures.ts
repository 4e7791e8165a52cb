/**
 * Requests for the benchmark, built from the committed sample events (events/*.json) and signed
 * with lib/auth.ts's droamHash for a test secret and a fresh timestamp. Bundled by the harness into
 * bench/.build/fixtures.cjs; the .mjs scripts load it from there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { droamHash } from '../lib/relay/signature';

/** The secret the benchmark configures (DROAM_API_SECRETS): 32 characters, used nowhere else. */
export const TEST_SECRET = '7c1f9e4b2a8d6053e1b7c9f2a4d8e605';
/** dRoam's documented example, which signs the committed events (and the local stage accepts). */
const DOCUMENTED_SECRET = '96f3fbc76a921307f1c90d42a2203c9d';
const DOCUMENTED_TIMESTAMP = '1704067200';

export type LambdaEvent = Record<string, unknown> & {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body?: string;
  isBase64Encoded?: boolean;
};

export interface BenchRequest {
  /** What it exercises: pool (published), echo, unauthorized (401), invalid (422). */
  readonly kind: 'pool' | 'echo' | 'unauthorized' | 'invalid';
  readonly name: string;
  readonly event: LambdaEvent;
}

const load = (root: string, file: string): LambdaEvent => JSON.parse(readFileSync(path.join(root, 'events', file), 'utf8')) as LambdaEvent;

/**
 * A copy of a sample event signed for `secret` at `nowSeconds`: events carrying the documented
 * example signature are re-signed; a deliberately wrong hash stays wrong (with a fresh timestamp, so
 * it fails on the hash); a deliberately stale timestamp stays stale.
 */
export function resign(template: LambdaEvent, nowSeconds: number, secret = TEST_SECRET): LambdaEvent {
  const event = structuredClone(template);
  const timestamp = String(nowSeconds);
  const fresh = droamHash(secret, timestamp);
  const documented = droamHash(DOCUMENTED_SECRET, DOCUMENTED_TIMESTAMP);
  const rewrite = (value: string): string => {
    if (value === DOCUMENTED_TIMESTAMP) return timestamp;
    if (value.toLowerCase() === documented) return fresh;
    return value;
  };
  if (event.headers !== undefined) {
    for (const [name, value] of Object.entries(event.headers)) event.headers[name] = rewrite(value);
  }
  if (event.multiValueHeaders !== undefined) {
    for (const [name, values] of Object.entries(event.multiValueHeaders)) event.multiValueHeaders[name] = values.map(rewrite);
  }
  return event;
}

/** A pool event whose body differs by usage and pool, so that no two published events are alike. */
function poolVariant(template: LambdaEvent, index: number): LambdaEvent {
  const body = JSON.parse(template.body ?? '{}') as { data: { pool: { uuid: string; current_usage_kb?: number } } };
  body.data.pool.current_usage_kb = 80_000_000 + index * 1024;
  body.data.pool.uuid = `${body.data.pool.uuid.slice(0, 24)}${index.toString(16).padStart(12, '0')}`;
  const text = JSON.stringify(body);
  return { ...template, headers: { ...template.headers, 'content-length': String(Buffer.byteLength(text)) }, body: text };
}

/** The warm mix's distinct requests, by kind. */
export function benchRequests(root: string, nowSeconds: number, secret = TEST_SECRET): BenchRequest[] {
  const signed = (file: string) => resign(load(root, file), nowSeconds, secret);
  const pool = signed('pool-usage.json');
  const requests: BenchRequest[] = [];
  for (let i = 0; i < 16; i++) requests.push({ kind: 'pool', name: `pool-usage #${i}`, event: poolVariant(pool, i) });
  requests.push({ kind: 'pool', name: 'pool-usage-vendor-example', event: signed('pool-usage-vendor-example.json') });
  requests.push({ kind: 'pool', name: 'pool-usage-without-usage', event: signed('pool-usage-without-usage.json') });
  requests.push({ kind: 'echo', name: 'echo-flat', event: signed('echo-flat.json') });
  requests.push({ kind: 'echo', name: 'echo-enveloped', event: signed('echo-enveloped.json') });
  requests.push({ kind: 'unauthorized', name: 'error-unauthorized', event: signed('error-unauthorized.json') });
  const unsigned = structuredClone(pool);
  for (const name of Object.keys(unsigned.headers ?? {})) if (name.startsWith('x-api-')) delete unsigned.headers?.[name];
  requests.push({ kind: 'unauthorized', name: 'unsigned', event: unsigned });
  requests.push({ kind: 'invalid', name: 'error-invalid-payload', event: signed('error-invalid-payload.json') });
  const badUsage = poolVariant(pool, 99);
  badUsage.body = (badUsage.body ?? '').replace(/"current_usage_kb":\d+/, '"current_usage_kb":-5');
  requests.push({ kind: 'invalid', name: 'negative usage', event: badUsage });
  return requests;
}

/** Share of each kind in the warm mix. */
export const MIX = { pool: 0.7, echo: 0.1, unauthorized: 0.1, invalid: 0.1 } as const;

/** A deterministic sequence of request indexes following MIX (same for every contender). */
export function mixSequence(requests: readonly BenchRequest[], length: number, seed = 42): Uint16Array {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const byKind = new Map<string, number[]>();
  requests.forEach((request, index) => {
    byKind.set(request.kind, [...(byKind.get(request.kind) ?? []), index]);
  });
  const sequence = new Uint16Array(length);
  for (let i = 0; i < length; i++) {
    let r = random();
    let kind: keyof typeof MIX = 'pool';
    for (const [name, share] of Object.entries(MIX) as [keyof typeof MIX, number][]) {
      if (r < share) {
        kind = name;
        break;
      }
      r -= share;
    }
    const choices = byKind.get(kind) ?? [0];
    sequence[i] = choices[Math.floor(random() * choices.length)] ?? 0;
  }
  return sequence;
}

/** Every committed sample event, re-signed, plus cases the samples do not cover; for the conformance check. */
export function conformanceCases(root: string, nowSeconds: number, secret = TEST_SECRET): { name: string; event: LambdaEvent }[] {
  const files = readdirSync(path.join(root, 'events'))
    .filter((file) => file.endsWith('.json'))
    .sort();
  const cases = files.map((file) => ({ name: file, event: resign(load(root, file), nowSeconds, secret) }));
  const pool = resign(load(root, 'pool-usage.json'), nowSeconds, secret);
  const noContentType = structuredClone(pool);
  delete noContentType.headers?.['content-type'];
  cases.push({ name: '(no content-type)', event: noContentType });
  cases.push({ name: '(empty body)', event: { ...structuredClone(pool), body: '' } });
  const unsignedInvalidJson = structuredClone(pool);
  unsignedInvalidJson.body = '{"type":';
  for (const name of Object.keys(unsignedInvalidJson.headers ?? {})) if (name.startsWith('x-api-')) delete unsignedInvalidJson.headers?.[name];
  cases.push({ name: '(invalid JSON, unsigned)', event: unsignedInvalidJson });
  const stringUsage = structuredClone(pool);
  stringUsage.body = (stringUsage.body ?? '').replace(/"current_usage_kb":(\d+)/, '"current_usage_kb":"$1"');
  cases.push({ name: '(usage as digit string)', event: stringUsage });
  return cases;
}

/** A Lambda context like the runtime's, for handlers (Middy, Powertools) that read it. */
export function lambdaContext(requestId: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
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

/** Lets the harness sign a request for the local stage (serverless-offline), which accepts the documented secret. */
export const documentedSecret = DOCUMENTED_SECRET;
export { droamHash };
