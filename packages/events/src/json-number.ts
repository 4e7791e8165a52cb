import { JsonNumber as LosslessNumber, parseJsonText } from '../../../lib/contract/json';

/**
 * A number in a field no schema declares (or in `droamenvelope`, once parsed)
 * whose text a double cannot reproduce, e.g. `12345678901234567890` or `35.20`:
 * the reader keeps it as this object, `source` being the text exactly as
 * dRoam sent it. `value instanceof JsonNumber` tells it apart.
 */
export interface JsonNumber {
  /** The number's text, as sent. */
  readonly source: string;
  /** `JSON.stringify` writes the source text where the runtime has `JSON.rawJSON` (Node ≥ 21), the nearest double elsewhere. */
  toJSON(): unknown;
}

export const JsonNumber: new (source: string) => JsonNumber = LosslessNumber;

/** What {@link parseJson} gives: the value, or that the text is not JSON. */
export type ParsedJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

/** dRoam's nesting limit at the relay, plus the CloudEvent's own level and some room. */
const MAX_DEPTH = 128;

/**
 * Parses JSON text the way the relay parsed dRoam's body, and the way the record readers parse
 * each message: a number whose text a double prints back unchanged (`51200`, `0.5`) is a number,
 * any other (`12345678901234567890`, `35.20`, `1e400`, `-0`) a {@link JsonNumber} holding its text
 * as sent; `__proto__`, `constructor` and `prototype` keys are dropped. For `droamenvelope`
 * (`parseJson(event.droamenvelope)`), a message text kept elsewhere (the event archive's `message`),
 * or any JSON from the relay. Never throws.
 */
export function parseJson(text: string): ParsedJson {
  const parsed = parseJsonText(text, MAX_DEPTH);
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false };
}
