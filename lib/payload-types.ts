import * as v from 'valibot';
import { AnyEnvelope } from './schemas/common';
import { RulePoolUsageTriggered } from './schemas/pool';

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
]);
