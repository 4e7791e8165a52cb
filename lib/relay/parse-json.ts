import { parseJsonText } from '../contract/json';

/**
 * The request body as JSON: strict UTF-8, nesting measured on the text before
 * parsing (so every later recursive walk, validation and serialisation, has a
 * known depth), numbers kept losslessly and prototype-like keys dropped
 * (lib/contract/json.ts).
 */

export const MAX_JSON_DEPTH = 64;

export type ParsedJson = { readonly ok: true; readonly value: unknown; readonly droppedKeys: number } | { readonly ok: false; readonly message: string };

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
  const parsed = parseJsonText(text, MAX_JSON_DEPTH);
  if (parsed.ok) return parsed;
  return { ok: false, message: parsed.reason === 'too_deep' ? `The body nests deeper than ${MAX_JSON_DEPTH} levels` : 'The body is not valid JSON' };
}
