import * as z from 'zod';
import { envelope, model, RuleModel } from './common';
import { SimCardModel } from './models';

/** Zod 4 port of lib/schemas/rules.ts (peer (b)). */
const SimCardRuleData = model({ rule: RuleModel, sim_card: SimCardModel });

export const RuleSimCardCurrentUsageTriggered = envelope(z.literal('rule.sim_card.current_usage.triggered'), SimCardRuleData);
export const RuleSimCardStatusChanged = envelope(z.literal('rule.sim_card.status.changed'), SimCardRuleData);
export const RuleSimCardImeiChanged = envelope(z.literal('rule.sim_card.imei.changed'), SimCardRuleData);
export const RuleSimCardDateTriggered = envelope(z.literal('rule.sim_card.date.triggered'), SimCardRuleData);

export const REMAINING_USAGE_TYPES = ['rule.sim_card.remaining_usage.triggered', 'rule.sim_card.remaining_usage_triggered'] as const;
export const RuleSimCardRemainingUsageTriggered = envelope(z.enum(REMAINING_USAGE_TYPES), SimCardRuleData);
