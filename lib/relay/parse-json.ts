import { parseJsonText } from '../contract/json';

/**
 * The request body as JSON: strict UTF-8, nesting and the widest object
 * measured on the text before parsing (so every later recursive walk,
 * validation and serialisation, has a known depth, and no object is so wide
 * that building it costs more than the rest of the request), numbers kept
 * losslessly and prototype-like keys dropped (lib/contract/json.ts).
 */

export const MAX_JSON_DEPTH = 64;
/**
 * dRoam's models have a dozen members; an object of tens of thousands of them costs more to build (each
 * new key is hashed into the object) than the whole request may. A thousand leaves room for any key→value
 * map dRoam might send.
 */
export const MAX_OBJECT_MEMBERS = 1000;

export type ParsedJson = { readonly ok: true; readonly value: unknown; readonly droppedKeys: number } | { readonly ok: false; readonly message: string };

const REFUSALS = {
  too_deep: `The body nests deeper than ${MAX_JSON_DEPTH} levels`,
  too_wide: `The body has an object of more than ${MAX_OBJECT_MEMBERS} members`,
  invalid: 'The body is not valid JSON',
} as const;

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
  const parsed = parseJsonText(text, MAX_JSON_DEPTH, MAX_OBJECT_MEMBERS);
  if (parsed.ok) return parsed;
  return { ok: false, message: REFUSALS[parsed.reason] };
}
