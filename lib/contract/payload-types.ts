import { number, string } from './attributes';
import { declarePayloadType, PayloadRegistry } from './declare';
import { CompanyAdded, CompanyDeleted, CompanyUpdated } from './schemas/company';
import { EndUserAdded, EndUserDeleted, EndUserUpdated } from './schemas/end-user';
import type { AccountModel, EndUserModel, SimCardModel, UserModel } from './schemas/models';
import { RulePoolUsageTriggered } from './schemas/pool';
import {
  REMAINING_USAGE_TYPES,
  RuleSimCardCurrentUsageTriggered,
  RuleSimCardDateTriggered,
  RuleSimCardImeiChanged,
  RuleSimCardRemainingUsageTriggered,
  RuleSimCardStatusChanged,
} from './schemas/rules';
import { SimCardAssignedToEndUser, SimCardFirstUsage } from './schemas/sim-card';
import { CompanyStaffAdded, CompanyStaffDeleted, CompanyStaffUpdated } from './schemas/staff';

/*
 * Declarations shared by a family of types. Attribute names are dRoam's own
 * words in snake_case; with `event_type` and `event_id` a message carries at
 * most 10 (SQS raw delivery drops the rest), the most specific first.
 */

type CompanyPayload = { data: { company: AccountModel } };
const company = {
  subject: { description: "The company's uuid.", value: (p: CompanyPayload) => p.data.company.uuid },
  attributes: { company_uuid: string("The company's uuid.", (p: CompanyPayload) => p.data.company.uuid) },
};

/** A staff user belongs to a company or, failing that, to an end user (dRoam's User Model). */
type StaffPayload = { data: { user: UserModel } };
const staff = {
  subject: { description: "The staff user's uuid.", value: (p: StaffPayload) => p.data.user.uuid },
  attributes: {
    user_uuid: string("The staff user's uuid (not always UUID-shaped in dRoam's examples).", (p: StaffPayload) => p.data.user.uuid),
    company_uuid: string('The uuid of the company the staff user belongs to, if any.', (p: StaffPayload) => p.data.user.company?.uuid),
    end_user_uuid: string('The uuid of the end user the staff user belongs to, if any.', (p: StaffPayload) => p.data.user.end_user?.uuid),
  },
};

/** The End User Model is undocumented: its uuid, the subject and the one attribute, may be absent. */
type EndUserPayload = { data: { end_user: EndUserModel } };
const endUser = {
  subject: { description: "The end user's uuid; none when the end user object has none.", value: (p: EndUserPayload) => p.data.end_user.uuid },
  attributes: { end_user_uuid: string("The end user's uuid, when the end user object has one.", (p: EndUserPayload) => p.data.end_user.uuid) },
};

/**
 * `sim_status` is the status title as sent (its case varies in dRoam's docs). Its numeric id is in `data`
 * only: a SIM card rule's six attributes (`rule_uuid` and these five) fill a message's room (lib/contract/attributes.ts).
 */
type SimCardPayload = { data: { sim_card: SimCardModel } };
const simCardAttributes = {
  iccid: string("The SIM card's ICCID.", (p: SimCardPayload) => p.data.sim_card.iccid),
  sim_status: string(
    "The SIM card's status title as sent (its case varies: filter with equals-ignore-case).",
    (p: SimCardPayload) => p.data.sim_card.status?.title,
  ),
  company_uuid: string('The uuid of the company the SIM card belongs to, if any.', (p: SimCardPayload) => p.data.sim_card.company?.uuid),
  end_user_uuid: string('The uuid of the end user the SIM card is assigned to, if any.', (p: SimCardPayload) => p.data.sim_card.end_user?.uuid),
  current_usage_kb: number(
    "The SIM card's current usage in KB (`details.current_usage_kb`), when sent.",
    (p: SimCardPayload) => p.data.sim_card.details?.current_usage_kb,
  ),
};
const simCardSubject = { description: "The SIM card's ICCID.", value: (p: SimCardPayload) => p.data.sim_card.iccid };

const simCard = { subject: simCardSubject, attributes: simCardAttributes };

type RulePayload = { data: { rule: { uuid: string } } };
const ruleUuid = string("The automation rule's uuid (any non-empty string: dRoam's example is not a UUID).", (p: RulePayload) => p.data.rule.uuid);

const simCardRule = { subject: simCardSubject, attributes: { rule_uuid: ruleUuid, ...simCardAttributes } };

/** One declaration under both spellings dRoam documents; the type is published as sent. */
const remainingUsage = {
  description: 'The remaining usage of a prepaid SIM card changed (an automation rule fired).',
  schema: RuleSimCardRemainingUsageTriggered,
  ...simCardRule,
};

const declarations = [
  declarePayloadType({
    type: 'rule.pool.usage.triggered',
    description: "A pool's data usage reached the limit set in an automation rule.",
    schema: RulePoolUsageTriggered,
    subject: { description: "The pool's uuid.", value: (p) => p.data.pool.uuid },
    attributes: {
      pool_uuid: string("The pool's uuid.", (p: RulePoolUsageTriggered) => p.data.pool.uuid),
      rule_uuid: ruleUuid,
      current_usage_kb: number("The pool's current usage in KB, when dRoam sends one.", (p: RulePoolUsageTriggered) => p.data.pool.current_usage_kb),
    },
  }),
  declarePayloadType({
    type: 'company.added',
    description: 'A company was added and its owner completed registration.',
    schema: CompanyAdded,
    ...company,
  }),
  declarePayloadType({ type: 'company.deleted', description: 'A company was deleted.', schema: CompanyDeleted, ...company }),
  declarePayloadType({ type: 'company.updated', description: "A company's data (e.g. name, currency) changed.", schema: CompanyUpdated, ...company }),
  declarePayloadType({
    type: 'company.staff.added',
    description: 'A company added a staff user who completed registration.',
    schema: CompanyStaffAdded,
    ...staff,
  }),
  declarePayloadType({ type: 'company.staff.deleted', description: 'A company deleted a registered staff user.', schema: CompanyStaffDeleted, ...staff }),
  declarePayloadType({
    type: 'company.staff.updated',
    description: "A staff user's data (e.g. name, email) changed.",
    schema: CompanyStaffUpdated,
    ...staff,
  }),
  declarePayloadType({
    type: 'end_user.added',
    description: 'An end user was added and confirmed registration.',
    schema: EndUserAdded,
    ...endUser,
  }),
  declarePayloadType({ type: 'end_user.deleted', description: 'A registered end user was deleted.', schema: EndUserDeleted, ...endUser }),
  declarePayloadType({ type: 'end_user.updated', description: "An end user's data (e.g. name, email) changed.", schema: EndUserUpdated, ...endUser }),
  declarePayloadType({
    type: 'sim_card.assigned_to_end_user',
    description: 'A blank SIM card was assigned to an end user.',
    schema: SimCardAssignedToEndUser,
    ...simCard,
  }),
  declarePayloadType({ type: 'sim_card.first_usage', description: 'A SIM card was used for the first time.', schema: SimCardFirstUsage, ...simCard }),
  declarePayloadType({
    type: 'rule.sim_card.current_usage.triggered',
    description: 'The current usage of a subscription SIM card changed (an automation rule fired).',
    schema: RuleSimCardCurrentUsageTriggered,
    ...simCardRule,
  }),
  declarePayloadType({
    type: 'rule.sim_card.status.changed',
    description: "A SIM card's status changed, e.g. it was activated (an automation rule fired).",
    schema: RuleSimCardStatusChanged,
    ...simCardRule,
  }),
  ...REMAINING_USAGE_TYPES.map((type) => declarePayloadType({ type, ...remainingUsage })),
  declarePayloadType({
    type: 'rule.sim_card.imei.changed',
    description: "A SIM card's IMEI changed (an automation rule fired).",
    schema: RuleSimCardImeiChanged,
    ...simCardRule,
  }),
  declarePayloadType({
    type: 'rule.sim_card.date.triggered',
    description: 'A date automation rule fired for a SIM card (the vendor page is cut off; the shape is presumed like its siblings).',
    schema: RuleSimCardDateTriggered,
    ...simCardRule,
  }),
];

/** Every declared type, by dRoam `type`. */
export const payloadTypes = new PayloadRegistry(declarations);

/** One of the declared types, with its literal `type` and its schema, for typed subscribers. */
export type DeclaredPayloadType = (typeof declarations)[number];
