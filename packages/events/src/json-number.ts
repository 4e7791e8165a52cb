import { JsonNumber as LosslessNumber } from '../../../lib/contract/json';

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
