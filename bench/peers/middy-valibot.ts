/**
 * Peer (a): Middy + Powertools (see middy-powertools.ts), validating with our valibot schemas
 * through Standard Schema: the pool payload's, and the envelope for every other type.
 */
import * as v from 'valibot';
import { AnyEnvelope } from '../../lib/contract/schemas/common';
import { isEcho } from '../../lib/contract/schemas/echo';
import { RulePoolUsageTriggered } from '../../lib/contract/schemas/pool';
import { middyPowertoolsRelay, POOL_USAGE } from './middy-powertools';

const isPool = (input: unknown): boolean => typeof input === 'object' && input !== null && (input as { type?: unknown }).type === POOL_USAGE;

export const handler = middyPowertoolsRelay({
  event: v.looseObject({ body: v.lazy((input) => (isPool(input) ? RulePoolUsageTriggered : AnyEnvelope)) }),
  isEcho,
});
