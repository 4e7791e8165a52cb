/**
 * Lossless JSON: every number keeps the text it was sent with, on every Node
 * version the relay runs on.
 *
 * `JSON.parse` turns each number into a binary double, which cannot hold
 * `12345678901234567890`, `1e400` (Infinity, then `null` when printed again),
 * the scale of `35.20` or the sign of `-0`. Here a number whose text a double
 * prints back unchanged (`51200`, `0.5`, `1e+21`) stays a JavaScript number;
 * any other becomes a {@link JsonNumber} holding its source text, which
 * {@link canonicalJson} prints verbatim.
 *
 * Parsing takes one of two routes with the same result. A scan (which also
 * measures nesting) looks at every number and every short string: when all
 * numbers print back unchanged and no key could be a guarded one, the native
 * `JSON.parse` builds the value. Otherwise a parser of our own does, number
 * by number. The keys `__proto__`, `constructor` and `prototype` are dropped
 * at every depth on both routes (they are counted), so no consumer of the
 * value, however naive its merging, can reach a prototype through it.
 */

const JSON_NUMBER = Symbol.for('droam-webhook-relay.JsonNumber');

/** A JSON number whose source text a double cannot reproduce; `source` is that text, exactly as sent. */
export class JsonNumber {
  constructor(readonly source: string) {}

  /**
   * For code that calls `JSON.stringify` on a parsed value: the source text where the runtime has
   * `JSON.rawJSON` (Node ≥ 21), the nearest double elsewhere. The relay itself writes with
   * {@link canonicalJson}, which prints the source text on every runtime.
   */
  toJSON(): unknown {
    return rawJson === undefined ? Number(this.source) : rawJson(this.source);
  }

  /**
   * `instanceof` holds for a JsonNumber made by any copy of this class: the relay's, and the events
   * package's ES module and CommonJS builds, both of which one subscriber may load.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { readonly [JSON_NUMBER]?: unknown })[JSON_NUMBER] === true;
  }
}
Object.defineProperty(JsonNumber.prototype, JSON_NUMBER, { value: true });

/** Keys never kept: assigning them can reach or shadow an object's prototype in code that merges objects. */
export const GUARDED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type ParsedJsonText =
  { readonly ok: true; readonly value: unknown; readonly droppedKeys: number } | { readonly ok: false; readonly reason: 'too_deep' | 'too_wide' | 'invalid' };

/**
 * Parses JSON text losslessly (see the module comment). Text nesting deeper than `maxDepth`, or with an
 * object of more than `maxMembers` members, is refused before it is parsed. Never throws.
 */
export function parseJsonText(text: string, maxDepth: number, maxMembers = Number.POSITIVE_INFINITY): ParsedJsonText {
  const scanned = scan(text, maxMembers);
  if (scanned.depth > maxDepth) return { ok: false, reason: 'too_deep' };
  if (scanned.tooWide) return { ok: false, reason: 'too_wide' };
  try {
    if (scanned.native) return { ok: true, value: JSON.parse(text) as unknown, droppedKeys: 0 };
    const parser = new Parser(text);
    const value = parser.document();
    return { ok: true, value, droppedKeys: parser.droppedKeys };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}

/** True when the double `Number(text)` prints back as `text` exactly. */
export function isExactNumberText(text: string): boolean {
  const known = exactnessOf(text);
  return known === undefined ? String(Number(text)) === text : known;
}

/**
 * Whether a JSON number's text prints back unchanged, when its spelling alone says so; undefined when only
 * converting it tells. Printing a double is the dear part (a body holds tens of thousands of numbers), and
 * the spelling settles most numbers: JavaScript never prints a trailing zero after the point, an `E`, a `+`
 * before an exponent under 21, `e-` before one under 7, or more than 17 significant digits; it prints any decimal of at most 15
 * significant digits between 10^-6 and 10^21 as those digits. tests/unit/lossless.test.ts checks it
 * against conversion.
 */
function exactnessOf(text: string): boolean | undefined {
  const length = text.length;
  let at = text.charCodeAt(0) === 0x2d ? 1 : 0;
  const wholeStart = at;
  while (at < length && isDigit(text.charCodeAt(at))) at++;
  const wholeDigits = at - wholeStart;
  // `-0`, and leading zeros, never print back.
  if (wholeDigits === 0 || (text.charCodeAt(wholeStart) === 0x30 && (wholeDigits > 1 || (at === length && wholeStart === 1)))) return false;
  let fractionDigits = 0;
  let leadingFractionZeros = 0;
  if (at < length && text.charCodeAt(at) === 0x2e) {
    const fractionStart = ++at;
    while (at < length && isDigit(text.charCodeAt(at))) at++;
    fractionDigits = at - fractionStart;
    if (fractionDigits === 0 || text.charCodeAt(at - 1) === 0x30) return false;
    while (text.charCodeAt(fractionStart + leadingFractionZeros) === 0x30) leadingFractionZeros++;
  }
  const zeroWhole = text.charCodeAt(wholeStart) === 0x30;
  if (at < length) {
    // JavaScript writes an exponent as one digit, the fraction, `e`, a sign and the exponent's digits: `e-` below 10^-6, `e+` from 10^21.
    if (text.charCodeAt(at) !== 0x65 || wholeDigits !== 1 || zeroWhole) return false;
    const sign = text.charCodeAt(at + 1);
    const exponent = text.slice(at + 2);
    if ((sign !== 0x2b && sign !== 0x2d) || exponent === '' || exponent.charCodeAt(0) === 0x30) return false;
    if (!/^\d+$/.test(exponent)) return undefined;
    return (sign === 0x2d ? Number(exponent) <= 6 : Number(exponent) <= 20) ? false : undefined;
  }
  const significant = zeroWhole ? fractionDigits - leadingFractionZeros : wholeDigits + fractionDigits;
  if (significant > 17 && fractionDigits > 0) return false;
  if (fractionDigits === 0) return wholeDigits <= 15 ? true : wholeDigits > 21 ? false : undefined;
  if (significant <= 15 && (zeroWhole ? leadingFractionZeros <= 5 : wholeDigits <= 21)) return true;
  return undefined;
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isNonZeroDigit = (code: number): boolean => code >= 0x31 && code <= 0x39;

interface Scan {
  /** Deepest bracket nesting outside string literals; only meaningful for text that then parses. */
  readonly depth: number;
  /** Whether `JSON.parse` gives the lossless value: every number prints back unchanged, no string could be a guarded key. */
  readonly native: boolean;
  /** Whether an object has more members than allowed. */
  readonly tooWide: boolean;
}

/** Nesting beyond this is refused anyway: members are counted this deep only. */
const COUNTED_DEPTH = 1024;

function scan(text: string, maxMembers: number): Scan {
  let depth = 0;
  let deepest = 0;
  let native = true;
  let tooWide = false;
  // Members of the object open at each depth: a colon outside strings is one more member of the innermost object.
  const members = new Int32Array(COUNTED_DEPTH);
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i + 1;
      let escaped = false;
      for (i = start; i < length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      if (native) {
        const size = i - start;
        // An escaped spelling (`"\u005f_proto__"`) is decoded before it is compared; at most 6 source characters make one.
        if (
          escaped
            ? size <= 66 && GUARDED_KEYS.has(decodeString(text.slice(start - 1, i + 1)))
            : (size === 9 || size === 11) && GUARDED_KEYS.has(text.slice(start, i))
        )
          native = false;
      }
    } else if (c === 0x3a) {
      if (depth < COUNTED_DEPTH && (members[depth] = (members[depth] ?? 0) + 1) > maxMembers) tooWide = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth < COUNTED_DEPTH) members[depth] = 0;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      let plainInteger = true;
      for (; end < length; end++) {
        const d = text.charCodeAt(end);
        if (d >= 0x30 && d <= 0x39) continue;
        if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) plainInteger = false;
        else break;
      }
      if (native) {
        // Up to 15 digits without a leading zero always print back unchanged; anything else is checked.
        const first = c === 0x2d ? text.charCodeAt(i + 1) : c;
        const short = plainInteger && end - i <= 15 && (first !== 0x30 || end - i === 1);
        if (!short && !isExactNumberText(text.slice(i, end))) native = false;
      }
      i = end - 1;
    }
  }
  return { depth: deepest, native, tooWide };
}

function decodeString(literal: string): string {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

class SyntaxFailure extends Error {}

/** A recursive-descent JSON parser (RFC 8259, as strict as `JSON.parse`); recursion is bounded by the scan's depth check. */
class Parser {
  private at = 0;
  droppedKeys = 0;

  constructor(private readonly text: string) {}

  document(): unknown {
    const value = this.value();
    this.space();
    if (this.at !== this.text.length) throw new SyntaxFailure();
    return value;
  }

  private space(): void {
    const { text } = this;
    for (; this.at < text.length; this.at++) {
      const c = text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    }
  }

  private value(): unknown {
    this.space();
    const c = this.text.charCodeAt(this.at);
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.text.startsWith('true', this.at)) return this.literal(4, true);
    if (this.text.startsWith('false', this.at)) return this.literal(5, false);
    if (this.text.startsWith('null', this.at)) return this.literal(4, null);
    throw new SyntaxFailure();
  }

  private literal<T>(length: number, value: T): T {
    this.at += length;
    return value;
  }

  private object(): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this.at++;
    this.space();
    if (this.text.charCodeAt(this.at) === 0x7d) {
      this.at++;
      return object;
    }
    for (;;) {
      this.space();
      if (this.text.charCodeAt(this.at) !== 0x22) throw new SyntaxFailure();
      const key = this.string();
      this.space();
      if (this.text.charCodeAt(this.at) !== 0x3a) throw new SyntaxFailure();
      this.at++;
      const value = this.value();
      if (GUARDED_KEYS.has(key)) this.droppedKeys++;
      else object[key] = value;
      this.space();
      const c = this.text.charCodeAt(this.at++);
      if (c === 0x7d) return object;
      if (c !== 0x2c) throw new SyntaxFailure();
    }
  }

  private array(): unknown[] {
    const array: unknown[] = [];
    this.at++;
    this.space();
    if (this.text.charCodeAt(this.at) === 0x5d) {
      this.at++;
      return array;
    }
    for (;;) {
      array.push(this.value());
      this.space();
      const c = this.text.charCodeAt(this.at++);
      if (c === 0x5d) return array;
      if (c !== 0x2c) throw new SyntaxFailure();
    }
  }

  private string(): string {
    const { text } = this;
    const start = this.at + 1;
    let escaped = false;
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i++;
      } else if (c < 0x20) throw new SyntaxFailure();
    }
    if (i >= text.length) throw new SyntaxFailure();
    this.at = i + 1;
    // Escapes are rare: the native parser decodes (and checks) them.
    return escaped ? (JSON.parse(text.slice(start - 1, i + 1)) as string) : text.slice(start, i);
  }

  /** RFC 8259's number, read character by character: a regular expression would allocate its match for each of tens of thousands. */
  private number(): number | JsonNumber {
    const { text } = this;
    const start = this.at;
    let at = start;
    if (text.charCodeAt(at) === 0x2d) at++;
    if (text.charCodeAt(at) === 0x30) at++;
    else if (isNonZeroDigit(text.charCodeAt(at))) at = this.digits(at);
    else throw new SyntaxFailure();
    if (text.charCodeAt(at) === 0x2e) {
      if (!isDigit(text.charCodeAt(at + 1))) throw new SyntaxFailure();
      at = this.digits(at + 1);
    }
    const e = text.charCodeAt(at);
    if (e === 0x65 || e === 0x45) {
      at++;
      const sign = text.charCodeAt(at);
      if (sign === 0x2b || sign === 0x2d) at++;
      if (!isDigit(text.charCodeAt(at))) throw new SyntaxFailure();
      at = this.digits(at);
    }
    this.at = at;
    const source = text.slice(start, at);
    return isExactNumberText(source) ? Number(source) : new JsonNumber(source);
  }

  private digits(from: number): number {
    let at = from;
    while (isDigit(this.text.charCodeAt(at))) at++;
    return at;
  }
}

/** `JSON.rawJSON` where the runtime has it (Node ≥ 21, so the Lambda runtime's Node 22). */
const rawJson = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;

/**
 * JSON with object keys sorted (by UTF-16 code units, as RFC 8785 sorts them), so that equal
 * values serialise equally whatever order the sender wrote them in; no white space. Numbers are
 * written as sent: a {@link JsonNumber} as its source text (so values that differ in any digit,
 * scale or sign serialise differently), any other number as `JSON.stringify` writes it (which
 * prints its source text back exactly, or it would have been a JsonNumber). Strings as
 * `JSON.stringify` writes them. Portable: the same text on every Node version, no `JSON.rawJSON`.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

/**
 * {@link canonicalJson} of an object without the members named in `omit`, and with the members of `replaced`
 * written in place of its own of the same name (no copy of the object is made).
 */
export function canonicalJsonWithout(
  object: Readonly<Record<string, unknown>>,
  omit: ReadonlySet<string>,
  replaced?: Readonly<Record<string, unknown>>,
): string {
  return writeObject(object, omit, replaced);
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value === 0 ? 0 : value) : 'null';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof JsonNumber) return value.source;
      // Concatenation rather than map/join: the walk allocates no array per node.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (write(value[i]) ?? 'null');
        return out + ']';
      }
      return writeObject(value as Record<string, unknown>);
    }
    default:
      // undefined, functions and symbols are left out of objects (and are null in arrays), as JSON.stringify does.
      return undefined;
  }
}

function writeObject(object: Readonly<Record<string, unknown>>, omit?: ReadonlySet<string>, replaced?: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    if (omit?.has(key) === true) continue;
    const member = write(replaced !== undefined && Object.hasOwn(replaced, key) ? replaced[key] : object[key]);
    if (member !== undefined) out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + member;
  }
  return out + '}';
}
