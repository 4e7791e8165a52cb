import * as v from 'valibot';
import { envelope, model, PoolModel, RuleModel } from './common';

/** `rule.pool.usage.triggered` (Listing 5.19): a pool's data usage reached the limit of an automation rule. */
export const RulePoolUsageTriggered = envelope(
  v.literal('rule.pool.usage.triggered'),
  model({ rule: RuleModel, pool: PoolModel }),
);

export type RulePoolUsageTriggered = v.InferOutput<typeof RulePoolUsageTriggered>;
