/**
 * JSON helpers that cannot be pushed into unbounded recursion: nesting is
 * measured on the text before parsing, so every later recursive walk
 * (validation, canonical serialisation) has a known depth.
 */

export const MAX_JSON_DEPTH = 64;

export type ParsedJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes UTF-8 strictly (a BOM is dropped) and parses; never throws. */
export function parseJsonBody(body: Buffer): ParsedJson {
  if (body.length === 0) return { ok: false, message: 'The body is empty' };
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, message: 'The body is not valid UTF-8' };
  }
  const depth = nestingDepth(text);
  if (depth > MAX_JSON_DEPTH) return { ok: false, message: `The body nests deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: 'The body is not valid JSON' };
  }
}

/** Deepest bracket nesting outside string literals; only meaningful for text that then parses. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
