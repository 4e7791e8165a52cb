import * as v from 'valibot';
import { AnyEnvelope } from './schemas/common';
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

/**
 * The one place a dRoam payload type is declared: its schema, the CloudEvent
 * `subject` and the SNS message attributes subscribers filter on. Validation,
 * publishing and the docs all read these declarations.
 */

export type AttributeValue = string | number | null | undefined;

export interface PayloadTypeDeclaration<TSchema extends v.GenericSchema> {
  readonly type: string;
  readonly schema: TSchema;
  readonly subject?: (payload: v.InferOutput<TSchema>) => string | undefined;
  /** String values become String attributes, numbers Number attributes; null/undefined are left out. */
  readonly attributes?: (payload: v.InferOutput<TSchema>) => Readonly<Record<string, AttributeValue>>;
}

export interface ValidPayload {
  readonly type: string;
  /** The whole payload after validation: numbers normalised, unknown fields kept. */
  readonly payload: { readonly data: Record<string, unknown>; readonly created_at: { readonly unix_timestamp: number } };
  readonly subject: string | undefined;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** False for a type no declaration knows; it was checked against the envelope only. */
  readonly declared: boolean;
}

export interface PayloadIssue {
  readonly path: string;
  readonly message: string;
}

export type Validation = { readonly ok: true; readonly value: ValidPayload } | { readonly ok: false; readonly issues: readonly PayloadIssue[] };

interface Entry {
  validate(input: unknown): Validation;
}

const MAX_ISSUES = 20;

export function declarePayloadType<TSchema extends v.GenericSchema>(declaration: PayloadTypeDeclaration<TSchema>): readonly [string, Entry] {
  return [declaration.type, { validate: (input) => validateWith(declaration, input, true) }];
}

const undeclared: PayloadTypeDeclaration<typeof AnyEnvelope> = { type: '*', schema: AnyEnvelope };

function validateWith<TSchema extends v.GenericSchema>(declaration: PayloadTypeDeclaration<TSchema>, input: unknown, declared: boolean): Validation {
  const result = v.safeParse(declaration.schema, input);
  if (!result.success) return { ok: false, issues: result.issues.slice(0, MAX_ISSUES).map(toIssue) };
  const payload = result.output as v.InferOutput<TSchema> & ValidPayload['payload'] & { type: string };
  return {
    ok: true,
    value: {
      type: payload.type,
      payload,
      subject: declaration.subject?.(payload),
      attributes: declaration.attributes?.(payload) ?? {},
      declared,
    },
  };
}

function toIssue(issue: v.BaseIssue<unknown>): PayloadIssue {
  const path = v.getDotPath(issue) ?? '';
  const missing = issue.kind === 'schema' && issue.received === 'undefined' && path !== '';
  return { path, message: missing ? 'Required field is missing' : issue.message };
}

export class PayloadRegistry {
  private readonly entries: ReadonlyMap<string, Entry>;

  constructor(entries: ReadonlyArray<readonly [string, Entry]>) {
    this.entries = new Map(entries);
  }

  has(type: string): boolean {
    return this.entries.has(type);
  }

  get types(): readonly string[] {
    return [...this.entries.keys()];
  }

  /** Validates against the declared type's schema, or against the envelope for a type not declared. */
  validate(input: unknown): Validation {
    const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
    const entry = typeof type === 'string' ? this.entries.get(type) : undefined;
    return entry !== undefined ? entry.validate(input) : validateWith(undeclared, input, false);
  }
}

/*
 * Declarations shared by a family of types. Attribute names are dRoam's own
 * words in snake_case; with `event_type` and `event_id` a message carries at
 * most 10 (SQS raw delivery drops the rest), the most specific first.
 */

const company = {
  subject: (p: { data: { company: AccountModel } }) => p.data.company.uuid,
  attributes: (p: { data: { company: AccountModel } }) => ({ company_uuid: p.data.company.uuid }),
};

/** A staff user belongs to a company or, failing that, to an end user (User Model §5.9). */
const staff = {
  subject: (p: { data: { user: UserModel } }) => p.data.user.uuid,
  attributes: ({ data: { user } }: { data: { user: UserModel } }) => ({
    user_uuid: user.uuid,
    company_uuid: user.company?.uuid,
    end_user_uuid: user.end_user?.uuid,
  }),
};

/** The End User Model is undocumented: its uuid, the subject and the one attribute, may be absent. */
const endUser = {
  subject: (p: { data: { end_user: EndUserModel } }) => p.data.end_user.uuid ?? undefined,
  attributes: (p: { data: { end_user: EndUserModel } }) => ({ end_user_uuid: p.data.end_user.uuid }),
};

/** `sim_status` is the status title as sent (its case varies in dRoam's docs); `sim_status_id` its numeric id. */
const simCardAttributes = (sim: SimCardModel) => ({
  iccid: sim.iccid,
  sim_status: sim.status?.title,
  sim_status_id: sim.status?.id,
  company_uuid: sim.company?.uuid,
  end_user_uuid: sim.end_user?.uuid,
  current_usage_kb: sim.details?.current_usage_kb,
});

const simCard = {
  subject: (p: { data: { sim_card: SimCardModel } }) => p.data.sim_card.iccid,
  attributes: (p: { data: { sim_card: SimCardModel } }) => simCardAttributes(p.data.sim_card),
};

const simCardRule = {
  subject: (p: { data: { sim_card: SimCardModel } }) => p.data.sim_card.iccid,
  attributes: (p: { data: { rule: { uuid: string }; sim_card: SimCardModel } }) => ({
    rule_uuid: p.data.rule.uuid,
    ...simCardAttributes(p.data.sim_card),
  }),
};

/** One declaration under both spellings dRoam documents; the type is published as sent. */
const remainingUsage = { schema: RuleSimCardRemainingUsageTriggered, ...simCardRule };

export const payloadTypes = new PayloadRegistry([
  declarePayloadType({
    type: 'rule.pool.usage.triggered',
    schema: RulePoolUsageTriggered,
    subject: (p) => p.data.pool.uuid,
    attributes: (p) => ({
      pool_uuid: p.data.pool.uuid,
      rule_uuid: p.data.rule.uuid,
      current_usage_kb: p.data.pool.current_usage_kb,
    }),
  }),
  declarePayloadType({ type: 'company.added', schema: CompanyAdded, ...company }),
  declarePayloadType({ type: 'company.deleted', schema: CompanyDeleted, ...company }),
  declarePayloadType({ type: 'company.updated', schema: CompanyUpdated, ...company }),
  declarePayloadType({ type: 'company.staff.added', schema: CompanyStaffAdded, ...staff }),
  declarePayloadType({ type: 'company.staff.deleted', schema: CompanyStaffDeleted, ...staff }),
  declarePayloadType({ type: 'company.staff.updated', schema: CompanyStaffUpdated, ...staff }),
  declarePayloadType({ type: 'end_user.added', schema: EndUserAdded, ...endUser }),
  declarePayloadType({ type: 'end_user.deleted', schema: EndUserDeleted, ...endUser }),
  declarePayloadType({ type: 'end_user.updated', schema: EndUserUpdated, ...endUser }),
  declarePayloadType({ type: 'sim_card.assigned_to_end_user', schema: SimCardAssignedToEndUser, ...simCard }),
  declarePayloadType({ type: 'sim_card.first_usage', schema: SimCardFirstUsage, ...simCard }),
  declarePayloadType({ type: 'rule.sim_card.current_usage.triggered', schema: RuleSimCardCurrentUsageTriggered, ...simCardRule }),
  declarePayloadType({ type: 'rule.sim_card.status.changed', schema: RuleSimCardStatusChanged, ...simCardRule }),
  ...REMAINING_USAGE_TYPES.map((type) => declarePayloadType({ type, ...remainingUsage })),
  declarePayloadType({ type: 'rule.sim_card.imei.changed', schema: RuleSimCardImeiChanged, ...simCardRule }),
  declarePayloadType({ type: 'rule.sim_card.date.triggered', schema: RuleSimCardDateTriggered, ...simCardRule }),
]);
