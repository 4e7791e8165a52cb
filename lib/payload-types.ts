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
import { MAX_MESSAGE_ATTRIBUTES } from './sns/message';

/**
 * The one place a dRoam payload type is declared: its schema, the CloudEvent
 * `subject` and the SNS message attributes subscribers filter on, each with a
 * description. Validation and publishing run the declarations; the contract
 * files in schemas/ and the README's table of types are generated from them
 * (`npm run schemas`).
 */

export type AttributeValue = string | number | null | undefined;

/** The SNS data type of a message attribute. */
export type SnsAttributeType = 'String' | 'Number';

/**
 * One SNS message attribute: its data type, what it means (one line), and its
 * value for a validated payload. A null or undefined value leaves it out of the message.
 */
export type AttributeDeclaration<TPayload> =
  | { readonly type: 'String'; readonly description: string; readonly value: (payload: TPayload) => string | null | undefined }
  | { readonly type: 'Number'; readonly description: string; readonly value: (payload: TPayload) => number | null | undefined };

/** The CloudEvent `subject`: what it names (one line), and its value; null or undefined publishes no subject. */
export interface SubjectDeclaration<TPayload> {
  readonly description: string;
  readonly value: (payload: TPayload) => string | null | undefined;
}

/** What every declared payload is after validation: the envelope, numbers normalised. */
export interface EnvelopeOutput {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly created_at: { readonly unix_timestamp: number };
}

export type EnvelopeSchema = v.GenericSchema<unknown, EnvelopeOutput>;

export interface PayloadTypeDeclaration<TType extends string, TSchema extends EnvelopeSchema> {
  /** dRoam's `type`, published verbatim as the CloudEvent `type`. */
  readonly type: TType;
  /** When dRoam sends it, in one line. */
  readonly description: string;
  readonly schema: TSchema;
  readonly subject?: SubjectDeclaration<v.InferOutput<TSchema>>;
  /** In the order they are set; with `event_type` and `event_id` at most MAX_MESSAGE_ATTRIBUTES. */
  readonly attributes?: Readonly<Record<string, AttributeDeclaration<v.InferOutput<TSchema>>>>;
}

/** An attribute as the docs and the contract see it: no value function. */
export interface DescribedAttribute {
  readonly name: string;
  readonly type: SnsAttributeType;
  readonly description: string;
}

/** The static side of a declared type, for the contract generator and subscribers. */
export interface DescribedPayloadType<TType extends string = string, TSchema extends EnvelopeSchema = EnvelopeSchema> {
  readonly type: TType;
  readonly description: string;
  /** The whole dRoam payload (envelope and `data`). */
  readonly schema: TSchema;
  /** The schema of `data`, the part the CloudEvent carries. */
  readonly dataSchema: v.GenericSchema<unknown, v.InferOutput<TSchema>['data']>;
  readonly subject: { readonly description: string } | undefined;
  readonly attributes: readonly DescribedAttribute[];
}

export interface PayloadType<TType extends string = string, TSchema extends EnvelopeSchema = EnvelopeSchema> extends DescribedPayloadType<TType, TSchema> {
  validate(input: unknown): Validation;
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

const MAX_ISSUES = 20;
/** The attributes the relay sets on every message itself (lib/sns/message.ts), first. */
export const RELAY_ATTRIBUTES: readonly DescribedAttribute[] = [
  { name: 'event_type', type: 'String', description: "dRoam's type, verbatim: the CloudEvent `type`." },
  { name: 'event_id', type: 'String', description: 'The CloudEvent `id`.' },
];
const RESERVED_ATTRIBUTES = RELAY_ATTRIBUTES.map(({ name }) => name);

/**
 * Declares a type. Throws at module load when the declaration could not be
 * published as declared: too many attributes, or one named like a reserved one.
 */
export function declarePayloadType<const TType extends string, TSchema extends EnvelopeSchema>(
  declaration: PayloadTypeDeclaration<TType, TSchema>,
): PayloadType<TType, TSchema> {
  const attributes = Object.entries(declaration.attributes ?? {}).map(([name, attribute]) => ({ name, type: attribute.type, description: attribute.description }));
  const clash = attributes.find(({ name }) => RESERVED_ATTRIBUTES.includes(name));
  if (clash !== undefined) throw new Error(`${declaration.type}: the attribute name ${clash.name} is set by the relay itself`);
  if (attributes.length + RESERVED_ATTRIBUTES.length > MAX_MESSAGE_ATTRIBUTES) {
    throw new Error(`${declaration.type}: ${attributes.length} attributes, more than the ${MAX_MESSAGE_ATTRIBUTES - RESERVED_ATTRIBUTES.length} a message has room for`);
  }
  return {
    type: declaration.type,
    description: declaration.description,
    schema: declaration.schema,
    dataSchema: dataSchemaOf(declaration.schema),
    subject: declaration.subject === undefined ? undefined : { description: declaration.subject.description },
    attributes,
    validate: (input) => validateWith(declaration, input, true),
  };
}

/**
 * The `data` entry of an envelope schema (lib/schemas/common.ts `envelope`:
 * a pipe ending in an object schema with `type`, `data` and `created_at`).
 */
function dataSchemaOf<TSchema extends EnvelopeSchema>(schema: TSchema): v.GenericSchema<unknown, v.InferOutput<TSchema>['data']> {
  const items: readonly unknown[] = 'pipe' in schema && Array.isArray(schema.pipe) ? (schema.pipe as unknown[]) : [schema];
  const object = items.findLast(
    (item): item is { entries: { data: v.GenericSchema } } =>
      typeof item === 'object' && item !== null && 'entries' in item && typeof item.entries === 'object' && item.entries !== null && 'data' in item.entries,
  );
  if (object === undefined) throw new Error('a payload schema must be an envelope (lib/schemas/common.ts) with a `data` entry');
  return object.entries.data as v.GenericSchema<unknown, v.InferOutput<TSchema>['data']>;
}

/** What a type no declaration knows is checked against, and published with: the envelope, no subject, no attributes. */
export const undeclaredPayloadType: PayloadType<string, typeof AnyEnvelope> = declareUndeclared();

function declareUndeclared(): PayloadType<string, typeof AnyEnvelope> {
  const declaration: PayloadTypeDeclaration<string, typeof AnyEnvelope> = {
    type: '*',
    description: 'Any other type with a valid envelope: dRoam says new types may appear.',
    schema: AnyEnvelope,
  };
  return { ...declarePayloadType(declaration), validate: (input) => validateWith(declaration, input, false) };
}

function validateWith<TType extends string, TSchema extends EnvelopeSchema>(
  declaration: PayloadTypeDeclaration<TType, TSchema>,
  input: unknown,
  declared: boolean,
): Validation {
  const result = v.safeParse(declaration.schema, input);
  if (!result.success) return { ok: false, issues: toPayloadIssues(result.issues) };
  const payload: v.InferOutput<TSchema> = result.output;
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, attribute] of Object.entries(declaration.attributes ?? {})) attributes[name] = attribute.value(payload);
  return {
    ok: true,
    value: {
      type: payload.type,
      payload,
      subject: declaration.subject?.value(payload) ?? undefined,
      attributes,
      declared,
    },
  };
}

/** Valibot issues as `{path, message}`, at most MAX_ISSUES of them: what a 422 and a subscriber report. */
export function toPayloadIssues(issues: readonly v.BaseIssue<unknown>[]): PayloadIssue[] {
  return issues.slice(0, MAX_ISSUES).map(toIssue);
}

function toIssue(issue: v.BaseIssue<unknown>): PayloadIssue {
  const path = v.getDotPath(issue) ?? '';
  const missing = issue.kind === 'schema' && issue.received === 'undefined' && path !== '';
  return { path, message: missing ? 'Required field is missing' : issue.message };
}

export class PayloadRegistry<TDeclared extends PayloadType = PayloadType> {
  private readonly entries: ReadonlyMap<string, TDeclared>;

  constructor(declarations: readonly TDeclared[]) {
    this.entries = new Map(declarations.map((declaration) => [declaration.type, declaration]));
    if (this.entries.size !== declarations.length) throw new Error('a payload type is declared twice');
  }

  has(type: string): boolean {
    return this.entries.has(type);
  }

  get types(): readonly string[] {
    return [...this.entries.keys()];
  }

  /** Every declaration, in the order declared. */
  get declarations(): readonly TDeclared[] {
    return [...this.entries.values()];
  }

  get(type: string): TDeclared | undefined {
    return this.entries.get(type);
  }

  /** Validates against the declared type's schema, or against the envelope for a type not declared. */
  validate(input: unknown): Validation {
    const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
    const entry = typeof type === 'string' ? this.entries.get(type) : undefined;
    return (entry ?? undeclaredPayloadType).validate(input);
  }
}

/** A String attribute. */
const string = <TPayload>(description: string, value: (payload: TPayload) => string | null | undefined): AttributeDeclaration<TPayload> => ({
  type: 'String',
  description,
  value,
});

/** A Number attribute (subscribers can filter on it numerically). */
const number = <TPayload>(description: string, value: (payload: TPayload) => number | null | undefined): AttributeDeclaration<TPayload> => ({
  type: 'Number',
  description,
  value,
});

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

/** A staff user belongs to a company or, failing that, to an end user (User Model §5.9). */
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

/** `sim_status` is the status title as sent (its case varies in dRoam's docs); `sim_status_id` its numeric id. */
type SimCardPayload = { data: { sim_card: SimCardModel } };
const simCardAttributes = {
  iccid: string("The SIM card's ICCID.", (p: SimCardPayload) => p.data.sim_card.iccid),
  sim_status: string("The SIM card's status title as sent (its case varies: filter with equals-ignore-case).", (p: SimCardPayload) => p.data.sim_card.status?.title),
  sim_status_id: number("The SIM card's numeric status id.", (p: SimCardPayload) => p.data.sim_card.status?.id),
  company_uuid: string('The uuid of the company the SIM card belongs to, if any.', (p: SimCardPayload) => p.data.sim_card.company?.uuid),
  end_user_uuid: string('The uuid of the end user the SIM card is assigned to, if any.', (p: SimCardPayload) => p.data.sim_card.end_user?.uuid),
  current_usage_kb: number("The SIM card's current usage in KB (`details.current_usage_kb`), when sent.", (p: SimCardPayload) => p.data.sim_card.details?.current_usage_kb),
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
