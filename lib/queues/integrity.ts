import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Integrity tags for what the relay keeps outside itself: quarantine records,
 * publish-retry records, and the origin a replay claims for a quarantined
 * payload. A tag is an HMAC-SHA256 under a key derived (HKDF-SHA256) from an
 * api secret, one key per purpose, so a tag made for one purpose is worthless
 * for another. Whoever holds an api secret can sign dRoam requests anyway, so
 * deriving from it gives the relay, its drainer and the replay tool a key
 * without a second secret to keep and rotate; whoever can only write to a
 * queue cannot make a tag.
 *
 * Tags are made with the first accepted secret and checked against each, so
 * records written before a rotation stay valid while the old secret is still
 * accepted.
 */

export type TagPurpose = 'quarantine-record' | 'retry-record' | 'replay-origin';

/** Base64url of the 32-byte HMAC: 43 characters. */
const TAG = /^[A-Za-z0-9_-]{43}$/;

const keys = new Map<string, Buffer>();

function keyFor(secret: string, purpose: TagPurpose): Buffer {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (key === undefined) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `droam-webhook-relay ${purpose} v1`, 32));
    // A handful of secrets and three purposes: the cache stays tiny, but never grows without bound.
    if (keys.size >= 64) keys.clear();
    keys.set(cacheKey, key);
  }
  return key;
}

function hmac(secret: string, purpose: TagPurpose, text: string): Buffer {
  return createHmac('sha256', keyFor(secret, purpose)).update(text, 'utf8').digest();
}

/** The tag of `text` for `purpose`, under the secret the relay signs with. */
export function integrityTag(secret: string, purpose: TagPurpose, text: string): string {
  return hmac(secret, purpose, text).toString('base64url');
}

/** Whether `tag` is the tag of `text` for `purpose` under any of the secrets. */
export function verifyIntegrityTag(secrets: readonly string[], purpose: TagPurpose, text: string, tag: string | undefined): boolean {
  if (tag === undefined || !TAG.test(tag)) return false;
  const given = Buffer.from(tag, 'base64url');
  return secrets.some((secret) => timingSafeEqual(hmac(secret, purpose, text), given));
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
