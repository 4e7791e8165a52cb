/**
 * Module-load probe: our payload registry with every declared schema (lib/payload-types.ts) and the
 * echo schema — built as is (valibot) and with peer (b)'s substitutions (zod 4).
 */
import { payloadTypes } from '../../lib/contract';
import { isEcho } from '../../lib/contract/schemas/echo';

export const handler = async (): Promise<{ statusCode: number; body: string }> =>
  Promise.resolve({ statusCode: 200, body: `${payloadTypes.types.join()} ${String(isEcho({}))}` });
