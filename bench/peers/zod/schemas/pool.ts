import * as z from 'zod';
import { envelope, model, PoolModel, RuleModel } from './common';

/** Zod 4 port of lib/schemas/pool.ts (peer (b)). */
export const RulePoolUsageTriggered = envelope(z.literal('rule.pool.usage.triggered'), model({ rule: RuleModel, pool: PoolModel }));

export type RulePoolUsageTriggered = z.output<typeof RulePoolUsageTriggered>;
