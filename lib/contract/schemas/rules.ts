import * as v from 'valibot';
import { envelope, model, RuleModel } from './common';
import { SimCardModel } from './models';

/** SIM card rule payloads (Listings 5.14–5.18): `data.rule` is a Rule Model, `data.sim_card` a SIM Card Model. */
const SimCardRuleData = model({ rule: RuleModel, sim_card: SimCardModel });

export const RuleSimCardCurrentUsageTriggered = envelope(v.literal('rule.sim_card.current_usage.triggered'), SimCardRuleData);
export const RuleSimCardStatusChanged = envelope(v.literal('rule.sim_card.status.changed'), SimCardRuleData);
export const RuleSimCardImeiChanged = envelope(v.literal('rule.sim_card.imei.changed'), SimCardRuleData);
/** Listing 5.18 is cut off after its caption in the stored docs; `rule` and `sim_card` are presumed like its siblings. */
export const RuleSimCardDateTriggered = envelope(v.literal('rule.sim_card.date.triggered'), SimCardRuleData);

/** The listing's `type`, and the spelling of its caption: both are accepted, and published as sent. */
export const REMAINING_USAGE_TYPES = ['rule.sim_card.remaining_usage.triggered', 'rule.sim_card.remaining_usage_triggered'] as const;
export const RuleSimCardRemainingUsageTriggered = envelope(v.picklist(REMAINING_USAGE_TYPES), SimCardRuleData);
