/**
 * Experiment (not a contender): stands in for lib/payload-types.ts in a build of our function that
 * already has Powertools replaced (see run.mjs), so that what is left over the floor is this
 * project's own code without valibot and the 18 declarations. Takes every payload as an undeclared
 * type (no validation, no attributes); not a usable relay.
 */
import type { Validation } from '../../lib/contract';

type Envelope = { readonly type: string; readonly data: Record<string, unknown>; readonly created_at: { readonly unix_timestamp: number } };

export const payloadTypes = {
  validate(input: unknown): Validation {
    const payload = input as Envelope;
    return { ok: true, value: { type: payload.type, payload, subject: undefined, attributes: {}, declared: false } };
  },
};
