import * as v from 'valibot';
import { type AttributeDeclaration, type AttributeValue, type DescribedAttribute, MAX_MESSAGE_ATTRIBUTES, RESERVED_ATTRIBUTE_NAMES } from './attributes';
import { JsonNumber } from './json';
import { AnyEnvelope } from './schemas/common';

/**
 * How a dRoam payload type is declared: its schema, the CloudEvent `subject`
 * and the SNS message attributes subscribers filter on, each with a
 * description. Validation and publishing run the declarations; the contract
 * files in schemas/ and the README's table of types are generated from them
 * (`npm run schemas`).
 */

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
  /** Top-level members dRoam sends besides these, kept as sent. */
  readonly [member: string]: unknown;
}

export type EnvelopeSchema = v.GenericSchema<unknown, EnvelopeOutput>;

export interface PayloadTypeDeclaration<TType extends string, TSchema extends EnvelopeSchema> {
  /** dRoam's `type`, published verbatim as the CloudEvent `type`. */
  readonly type: TType;
  /** When dRoam sends it, in one line. */
  readonly description: string;
  readonly schema: TSchema;
  readonly subject?: SubjectDeclaration<v.InferOutput<TSchema>>;
  /** In the order they are set; with `event_type`, `event_id`, `droam_source` and `integrity_tag` at most MAX_MESSAGE_ATTRIBUTES. */
  readonly attributes?: Readonly<Record<string, AttributeDeclaration<v.InferOutput<TSchema>>>>;
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
  /**
   * The members the schema declares at the top level (`type`, `data`, `created_at`), after validation:
   * declared normalisations applied, unknown fields inside them kept as sent.
   */
  readonly payload: {
    readonly type: string;
    readonly data: Record<string, unknown>;
    readonly created_at: { readonly unix_timestamp: number };
    readonly [member: string]: unknown;
  };
  /** The payload as parsed, whose other top-level members are published as sent; `payload` alone when absent. */
  readonly sent?: Readonly<Record<string, unknown>>;
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

/** Issues a 422, a log line, a quarantine record or a subscriber gets at most, each path and message at most MAX_ISSUE_TEXT characters. */
export const MAX_ISSUES = 12;
export const MAX_ISSUE_TEXT = 120;
/** How much of a received value an issue message quotes. */
export const MAX_QUOTED_VALUE = 32;

/**
 * Declares a type. Throws at module load when the declaration could not be
 * published as declared: too many attributes, or one named like a reserved one.
 */
export function declarePayloadType<const TType extends string, TSchema extends EnvelopeSchema>(
  declaration: PayloadTypeDeclaration<TType, TSchema>,
): PayloadType<TType, TSchema> {
  const attributes = Object.entries(declaration.attributes ?? {}).map(([name, attribute]) => ({
    name,
    type: attribute.type,
    description: attribute.description,
  }));
  const clash = attributes.find(({ name }) => RESERVED_ATTRIBUTE_NAMES.includes(name));
  if (clash !== undefined) throw new Error(`${declaration.type}: the attribute name ${clash.name} is set by the relay itself`);
  if (attributes.length + RESERVED_ATTRIBUTE_NAMES.length > MAX_MESSAGE_ATTRIBUTES) {
    throw new Error(
      `${declaration.type}: ${attributes.length} attributes, more than the ${MAX_MESSAGE_ATTRIBUTES - RESERVED_ATTRIBUTE_NAMES.length} a message has room for`,
    );
  }
  const entries = envelopeEntries(declaration.schema);
  return {
    type: declaration.type,
    description: declaration.description,
    schema: declaration.schema,
    dataSchema: entries.data as v.GenericSchema<unknown, v.InferOutput<TSchema>['data']>,
    subject: declaration.subject === undefined ? undefined : { description: declaration.subject.description },
    attributes,
    validate: (input) => validateWith(declaration, Object.keys(entries), input, true),
  };
}

/**
 * The entries of an envelope schema's object (lib/contract/schemas/common.ts `envelope`:
 * a pipe ending in an object schema with `type`, `data` and `created_at`).
 */
function envelopeEntries(schema: EnvelopeSchema): { readonly data: v.GenericSchema } & Readonly<Record<string, v.GenericSchema>> {
  const items: readonly unknown[] = 'pipe' in schema && Array.isArray(schema.pipe) ? (schema.pipe as unknown[]) : [schema];
  const object = items.findLast(
    (item): item is { entries: { data: v.GenericSchema } & Record<string, v.GenericSchema> } =>
      typeof item === 'object' && item !== null && 'entries' in item && typeof item.entries === 'object' && item.entries !== null && 'data' in item.entries,
  );
  if (object === undefined) throw new Error('a payload schema must be an envelope (lib/contract/schemas/common.ts) with a `data` entry');
  return object.entries;
}

/**
 * The members of a parsed payload that its schema declares at the top level, in an object of their own;
 * anything but a plain object as it is, for the schema to refuse.
 */
function declaredMembers(input: unknown, members: readonly string[]): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || input instanceof JsonNumber) return input;
  const declared: Record<string, unknown> = {};
  for (const member of members) if (Object.hasOwn(input, member)) declared[member] = (input as Record<string, unknown>)[member];
  return declared;
}

/** What a type no declaration knows is checked against, and published with: the envelope, no subject, no attributes. */
export const undeclaredPayloadType: PayloadType<string, typeof AnyEnvelope> = declareUndeclared();

function declareUndeclared(): PayloadType<string, typeof AnyEnvelope> {
  const declaration: PayloadTypeDeclaration<string, typeof AnyEnvelope> = {
    type: '*',
    description: 'Any other type with a valid envelope: dRoam says new types may appear.',
    schema: AnyEnvelope,
  };
  return { ...declarePayloadType(declaration), validate: (input) => validateWith(declaration, Object.keys(envelopeEntries(AnyEnvelope)), input, false) };
}

function validateWith<TType extends string, TSchema extends EnvelopeSchema>(
  declaration: PayloadTypeDeclaration<TType, TSchema>,
  members: readonly string[],
  input: unknown,
  declared: boolean,
): Validation {
  // Only the declared top-level members go through the schema: the others are published as sent
  // (`droamenvelope`, written from `sent`), and copying tens of thousands of them would cost the most of all.
  const result = v.safeParse(declaration.schema, declaredMembers(input, members));
  if (!result.success) return { ok: false, issues: toPayloadIssues(result.issues) };
  const payload: v.InferOutput<TSchema> = result.output;
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, attribute] of Object.entries(declaration.attributes ?? {})) attributes[name] = attribute.value(payload);
  return {
    ok: true,
    value: {
      type: payload.type,
      payload,
      sent: input as Readonly<Record<string, unknown>>,
      subject: declaration.subject?.value(payload) ?? undefined,
      attributes,
      declared,
    },
  };
}

/**
 * Valibot issues as `{path, message}`, at most MAX_ISSUES of them: what a 422 and a subscriber report.
 * A message quotes at most MAX_QUOTED_VALUE characters of the value it is about (valibot's own
 * messages quote it whole), so nothing sent is reflected at length.
 */
export function toPayloadIssues(issues: readonly v.BaseIssue<unknown>[]): PayloadIssue[] {
  return issues.slice(0, MAX_ISSUES).map(toIssue);
}

function toIssue(issue: v.BaseIssue<unknown>): PayloadIssue {
  const path = v.getDotPath(issue) ?? '';
  const missing = issue.kind === 'schema' && issue.received === 'undefined' && path !== '';
  return { path: excerpt(path, MAX_ISSUE_TEXT), message: missing ? 'Required field is missing' : excerpt(quoting(issue), MAX_ISSUE_TEXT) };
}

function quoting(issue: v.BaseIssue<unknown>): string {
  const received = issue.input instanceof JsonNumber ? issue.input.source : issue.received;
  if (received === issue.received && received.length <= MAX_QUOTED_VALUE) return issue.message;
  return issue.message.split(issue.received).join(excerpt(received, MAX_QUOTED_VALUE));
}

/** At most `max` characters of `text`: longer text is cut, with its length said. */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `… (${text.length} characters)`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
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
