import { createHash } from 'node:crypto';
import * as v from 'valibot';
import type { PayloadIssue } from '../contract';
import type { TraceClient } from '../observability/sinks';
import { checkIntegrityTag, integrityTag, type TagIssue, type TagProblem } from './integrity';
import { readTaggedRecord, type RecordKind, type SendRecord, type Signer, sqsRecordQueue } from './records';

/**
 * An authenticated payload the relay cannot publish is kept, not dropped:
 * an operator can inspect it, fix the schema or the data, and replay it
 * (`npm run replay`).
 */
export type QuarantineReason = 'invalid_json' | 'invalid_echo' | 'invalid_payload' | 'payload_too_large' | 'publish_rejected';

export interface QuarantineRecord {
  /** The stage whose relay kept it: a replay sends it to that stage's relay only. */
  readonly stage: string;
  /** When the relay first received the payload (a replay keeps it). */
  readonly received_at: string;
  readonly reason: QuarantineReason;
  /** The dRoam source the payload came in for, whose first secret tags the record; absent in records from before sources were named (the default one). */
  readonly droam_source?: string;
  /** The first request's id, source address and headers (a replay keeps them). */
  readonly request_id: string | undefined;
  readonly source_ip: string | undefined;
  /** The request's headers minus anything that could authenticate a request. */
  readonly headers: Readonly<Record<string, string>>;
  readonly issues: readonly PayloadIssue[];
  /** How many times the relay has kept this payload: 1, then one more for each replay it refused again. */
  readonly attempt: number;
  /** The last replay's time and request id; absent until the payload is replayed. */
  readonly replayed_at?: string;
  readonly replay_request_id?: string;
  /**
   * The body's exact bytes, base64-encoded: no character dRoam may send
   * (U+FFFE, emoji, NUL, bytes that are not UTF-8) can make a queue refuse it.
   */
  readonly body_base64: string;
}

/** Keeps a record, tagged by the signer given (the first accepted secret; none when authentication is off). */
export type Quarantine = (
  record: QuarantineRecord,
  signer: Signer | undefined,
) => Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }>;

/**
 * The header a replay sends with a quarantined payload: the original
 * request's metadata, tagged with a key derived from the api secret and bound
 * to the body's digest. The relay trusts it only when the tag verifies.
 */
export const REPLAY_ORIGIN_HEADER = 'x-relay-replay-origin';
/** Longer values are ignored unread, so the header costs a bounded amount of work. */
const MAX_REPLAY_ORIGIN_LENGTH = 16_384;

/** What a replay claims about a quarantined payload's first delivery. */
export interface ReplayOrigin {
  /** The stage whose relay kept the record. */
  readonly stage: string;
  readonly received_at: string;
  readonly request_id: string | undefined;
  readonly source_ip: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** The record's attempt count when it was replayed. */
  readonly attempt: number;
}

const SECRET_BEARING = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', REPLAY_ORIGIN_HEADER]);
const SHA256_HEX = /^\s*[0-9a-f]{64}\s*$/i;

/** Drops the auth headers (named, pinned or discovered), credentials of any kind, and anything shaped like a hash. */
export function nonSecretHeaders(headers: ReadonlyMap<string, string>, authHeaderNames: ReadonlyArray<string | undefined>): Record<string, string> {
  const drop = new Set(authHeaderNames.filter((name): name is string => name !== undefined));
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (drop.has(name) || SECRET_BEARING.has(name) || SHA256_HEX.test(value)) continue;
    kept[name] = value;
  }
  return kept;
}

/** Sends quarantine records to an SQS queue, tagged (message attribute `integrity_tag`); with a tracer, its calls are traced. */
export function sqsQuarantine(queueUrl: string, deadlineMs: number, traceClient?: Promise<TraceClient>): Quarantine {
  const send: SendRecord = sqsRecordQueue(queueUrl, { deadlineMs, purpose: 'quarantine-record', traceClient });
  return (record, signer) => send(record, { reason: record.reason, request_id: record.request_id, attempt: record.attempt }, signer);
}

const bodyDigest = (body: Buffer): string => createHash('sha256').update(body).digest('base64url');

/** The value of REPLAY_ORIGIN_HEADER for replaying `record`'s body, tagged as the record's stage now (unix seconds). */
export function replayOriginHeader(record: QuarantineRecord, body: Buffer, secret: string, issuedAt: number): string {
  const origin = {
    stage: record.stage,
    received_at: record.received_at,
    request_id: record.request_id,
    source_ip: record.source_ip,
    headers: record.headers,
    attempt: record.attempt,
    body_sha256: bodyDigest(body),
  };
  const payload = Buffer.from(JSON.stringify(origin), 'utf8').toString('base64url');
  const issue: TagIssue = { stage: record.stage, issuedAt };
  return `${payload}.${integrityTag(secret, 'replay-origin', payload, issue)}`;
}

/**
 * The origin a replayed request carries, when its tag verifies under one of
 * the secrets and it names this very body; undefined otherwise (the request
 * is then treated as a first delivery). Its `stage` is the tag's: the relay
 * refuses the replay of another stage's record.
 */
export function readReplayOrigin(header: string | undefined, body: Buffer, secrets: readonly string[]): ReplayOrigin | undefined {
  if (header === undefined || header.length > MAX_REPLAY_ORIGIN_LENGTH || secrets.length === 0) return undefined;
  const dot = header.indexOf('.');
  const payload = header.slice(0, Math.max(dot, 0));
  const check = checkIntegrityTag(secrets, 'replay-origin', payload, dot < 0 ? undefined : header.slice(dot + 1));
  if (!check.ok) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const origin = value as Record<string, unknown>;
  if (origin.body_sha256 !== bodyDigest(body) || origin.stage !== check.stage) return undefined;
  if (typeof origin.received_at !== 'string' || !Number.isSafeInteger(origin.attempt) || (origin.attempt as number) < 1) return undefined;
  const optionalString = (field: unknown): string | undefined => (typeof field === 'string' ? field : undefined);
  const headers = typeof origin.headers === 'object' && origin.headers !== null ? (origin.headers as Record<string, unknown>) : {};
  return {
    stage: check.stage,
    received_at: origin.received_at,
    request_id: optionalString(origin.request_id),
    source_ip: optionalString(origin.source_ip),
    headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
    attempt: origin.attempt as number,
  };
}

/** What a quarantine record must hold to be replayed; its other fields are metadata for the operator. */
const QUARANTINE_RECORD: RecordKind<QuarantineRecord> = {
  purpose: 'quarantine-record',
  description: 'a quarantine record (stage, body_base64, received_at, reason, attempt, headers, issues)',
  schema: v.looseObject({
    stage: v.string(),
    body_base64: v.string(),
    received_at: v.string(),
    reason: v.string(),
    attempt: v.pipe(v.number(), v.safeInteger()),
    headers: v.looseObject({}),
    issues: v.array(v.unknown()),
    // The fields a replay relies on are checked; the rest is the relay's own metadata, under the same tag.
  }) as unknown as v.GenericSchema<unknown, QuarantineRecord>,
};

export type ParsedRecord =
  | { readonly ok: true; readonly record: QuarantineRecord; readonly body: Buffer }
  | { readonly ok: false; readonly problem: TagProblem | 'malformed'; readonly detail: string };

/**
 * A quarantine message read back, with the payload's bytes (lib/queues/records.ts says what is refused);
 * with `stage`, one another stage's relay kept is refused.
 */
export function readQuarantineMessage(messageBody: string, tag: string | undefined, secrets: readonly string[], stage?: string): ParsedRecord {
  const read = readTaggedRecord(messageBody, tag, secrets, QUARANTINE_RECORD, stage === undefined ? {} : { stage });
  return read.ok ? { ok: true, record: read.record, body: Buffer.from(read.record.body_base64, 'base64') } : read;
}
