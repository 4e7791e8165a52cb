import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Integrity tags for what the relay keeps or sends outside itself: quarantine
 * records, publish-retry records, the origin a replay claims for a
 * quarantined payload, and every message it publishes. A tag is an
 * HMAC-SHA256 under a key derived (HKDF-SHA256) from an api secret, one key
 * per purpose, so a tag made for one purpose is worthless for another.
 * Whoever holds an api secret can sign dRoam requests anyway, so deriving
 * from it gives the relay, its drainer and the operator's tools a key
 * without a second secret to keep and rotate; whoever can only write to a
 * queue, a bucket or the topic cannot make a tag.
 *
 * A tag names the stage whose relay made it and the second it was made, in
 * the clear and under the HMAC (`<stage>.<unix seconds>.<HMAC>`): a reader
 * refuses another stage's record, and one older than it keeps records for,
 * so nothing is moved between stages or sent again long after.
 *
 * Tags are made with the first accepted secret and checked against each, so
 * records written before a rotation stay valid while the old secret is still
 * accepted.
 */

export type TagPurpose = 'quarantine-record' | 'retry-record' | 'replay-origin' | 'published-message';

/** Who made a tag, and when. */
export interface TagIssue {
  /** The stage whose relay made it (serverless `${sls:stage}`). */
  readonly stage: string;
  /** Unix seconds. */
  readonly issuedAt: number;
}

/** A stage's name as it appears in a tag: the Framework's stage names (letters, digits, `-`, `_`). */
export const STAGE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** `<stage>.<unix seconds>.<base64url of the 32-byte HMAC>`. */
const TAG = /^([A-Za-z0-9_-]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

const keys = new Map<string, Buffer>();

function keyFor(secret: string, purpose: TagPurpose): Buffer {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (key === undefined) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `droam-webhook-relay ${purpose} v2`, 32));
    // A handful of secrets and four purposes: the cache stays tiny, but never grows without bound.
    if (keys.size >= 64) keys.clear();
    keys.set(cacheKey, key);
  }
  return key;
}

/** What a tag covers: one text, or the texts of a list one after the other (so a caller need not join a long one). */
export type Tagged = string | readonly string[];

function hmac(secret: string, purpose: TagPurpose, issue: TagIssue, text: Tagged): Buffer {
  const mac = createHmac('sha256', keyFor(secret, purpose)).update(`${issue.stage}.${String(issue.issuedAt)}.`, 'utf8');
  for (const part of typeof text === 'string' ? [text] : text) mac.update(part, 'utf8');
  return mac.digest();
}

/** The tag of `text` for `purpose`, made now by a stage's relay, under the secret it signs with. */
export function integrityTag(secret: string, purpose: TagPurpose, text: Tagged, issue: TagIssue): string {
  if (!STAGE_NAME.test(issue.stage) || !Number.isSafeInteger(issue.issuedAt) || issue.issuedAt < 0) {
    throw new Error('a tag names a stage (letters, digits, - and _) and a whole second');
  }
  return `${issue.stage}.${String(issue.issuedAt)}.${hmac(secret, purpose, issue, text).toString('base64url')}`;
}

export type TagProblem = 'untagged' | 'altered' | 'other_stage' | 'expired';

/** `detail` completes a sentence whose subject is what was tagged: "the message carries no integrity tag". */
export type TagCheck = ({ readonly ok: true } & TagIssue) | { readonly ok: false; readonly problem: TagProblem; readonly detail: string };

export interface TagExpectation {
  /** Refuse a tag another stage's relay made. */
  readonly stage?: string;
  /** Refuse a tag older than this many seconds at `now` (unix seconds). */
  readonly maxAgeSeconds?: number;
  readonly now?: number;
}

/** Whether `tag` is the tag of `text` for `purpose` under any of the secrets, made by the stage expected, recently enough. */
export function checkIntegrityTag(
  secrets: readonly string[],
  purpose: TagPurpose,
  text: Tagged,
  tag: string | undefined,
  expected: TagExpectation = {},
): TagCheck {
  if (tag === undefined) return { ok: false, problem: 'untagged', detail: 'carries no integrity tag' };
  const match = TAG.exec(tag);
  if (match === null) return { ok: false, problem: 'altered', detail: 'carries an integrity tag of a form the relay does not make' };
  const issue: TagIssue = { stage: match[1] ?? '', issuedAt: Number(match[2]) };
  const given = Buffer.from(match[3] ?? '', 'base64url');
  if (!secrets.some((secret) => timingSafeEqual(hmac(secret, purpose, issue, text), given))) {
    return { ok: false, problem: 'altered', detail: 'carries an integrity tag that matches it under no accepted secret' };
  }
  if (expected.stage !== undefined && issue.stage !== expected.stage) {
    return { ok: false, problem: 'other_stage', detail: `was tagged by the relay of stage ${issue.stage}, not of ${expected.stage}` };
  }
  if (expected.maxAgeSeconds !== undefined && expected.now !== undefined && expected.now - issue.issuedAt > expected.maxAgeSeconds) {
    const days = Math.floor((expected.now - issue.issuedAt) / 86_400);
    return { ok: false, problem: 'expired', detail: `was tagged ${String(days)} days ago, longer ago than records are kept` };
  }
  return { ok: true, ...issue };
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const isPrintableAscii = (code: number): boolean => code >= 0x20 && code <= 0x7e;

/**
 * JSON with every character outside printable ASCII written as a `\u` escape.
 * SQS accepts only some Unicode characters in a message body (not U+FFFE or
 * U+FFFF, not lone surrogates, and the local emulator nothing outside the
 * BMP), while `JSON.parse` restores every escape exactly, so this text goes
 * through any queue unchanged and means exactly what the value meant.
 */
export function asciiJson(value: unknown): string {
  const json = JSON.stringify(value);
  let escaped = 0;
  for (let index = 0; index < json.length; index++) if (!isPrintableAscii(json.charCodeAt(index))) escaped++;
  if (escaped === 0) return json;
  // Written byte by byte into one buffer: 256 KiB of non-ASCII text costs a few milliseconds, not tens.
  const out = Buffer.allocUnsafe(json.length + escaped * 5);
  let at = 0;
  for (let index = 0; index < json.length; index++) {
    const code = json.charCodeAt(index);
    if (isPrintableAscii(code)) {
      out[at++] = code;
      continue;
    }
    out[at++] = 0x5c; // backslash
    out[at++] = 0x75; // u
    for (let shift = 12; shift >= 0; shift -= 4) out[at++] = HEX_DIGITS[(code >> shift) & 0xf] ?? 0x30;
  }
  return out.toString('latin1', 0, at);
}
