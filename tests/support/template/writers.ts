/**
 * Who may write to each queue, bucket and topic of a packaged template, and
 * whether a principal may take an action on a resource, read as AWS evaluates
 * a resource policy for a principal of the same account: an explicit Deny
 * that matches refuses; otherwise an IAM principal is allowed by its own
 * IAM policy (assumed to allow: the question is what the resource lets
 * through), and a service principal only by an Allow of the resource policy.
 * Conditions are evaluated on the request's context: `aws:PrincipalArn`,
 * `aws:SourceArn`, `aws:SecureTransport`; a key the request does not carry
 * matches a negated operator (`ArnNotEquals`) and no other, as IAM documents.
 */
import { condition, resolve, type Template } from '../cloudformation';

/** Who asks. */
export interface Caller {
  /** What the listing calls it. */
  readonly name: string;
  /** An IAM principal's ARN (a role's). */
  readonly arn?: string;
  /** A service principal, e.g. sns.amazonaws.com. */
  readonly service?: string;
  /** The resource the service acts for (aws:SourceArn): a topic delivering to a queue. */
  readonly sourceArn?: string;
  /** Other keys of the request's context, e.g. kms:ViaService. */
  readonly context?: Readonly<Record<string, string>>;
}

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const glob = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(value);

function principalMatches(principal: unknown, caller: Caller): boolean {
  if (principal === '*') return true;
  const { AWS, Service } = (principal ?? {}) as { AWS?: unknown; Service?: unknown };
  if (caller.arn !== undefined && list(AWS).some((arn) => arn === '*' || arn === caller.arn)) return true;
  return caller.service !== undefined && list(Service).includes(caller.service);
}

/** The request context's value of a condition key, or undefined when the request carries none. */
function contextValue(caller: Caller, key: string): string | undefined {
  switch (key.toLowerCase()) {
    case 'aws:principalarn':
      return caller.arn;
    case 'aws:sourcearn':
      return caller.sourceArn;
    case 'aws:securetransport':
      return 'true';
    default:
      if (caller.context !== undefined && key in caller.context) return caller.context[key];
      if (/^kms:/i.test(key)) return undefined;
      throw new Error(`condition key ${key} is not understood here`);
  }
}

function conditionHolds(condition: Statement['Condition'], caller: Caller): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const value = contextValue(caller, key);
      const values = list(expected).map(String);
      switch (operator) {
        case 'ArnEquals':
        case 'ArnLike':
        case 'StringEquals':
        case 'StringLike':
          return value !== undefined && values.some((pattern) => glob(pattern, value));
        case 'ArnNotEquals':
        case 'ArnNotLike':
        case 'StringNotEquals':
        case 'StringNotLike':
          return value === undefined || !values.some((pattern) => glob(pattern, value));
        case 'Bool':
          return value !== undefined && values.includes(value);
        default:
          throw new Error(`condition operator ${operator} is not understood here`);
      }
    }),
  );
}

function statementMatches(statement: Statement, caller: Caller, action: string, resource: string): boolean {
  if (!principalMatches(statement.Principal, caller)) return false;
  if (!list(statement.Action).some((pattern) => glob(String(pattern), action))) return false;
  const onResource =
    statement.NotResource === undefined
      ? list(statement.Resource).some((pattern) => glob(String(pattern), resource))
      : !list(statement.NotResource).some((pattern) => glob(String(pattern), resource));
  return onResource && conditionHolds(statement.Condition, caller);
}

/** Whether the resource policy (resolved) lets the caller take the action on the resource. */
export function permits(policy: { Statement: Statement[] } | undefined, caller: Caller, action: string, resource: string): boolean {
  const statements = policy?.Statement ?? [];
  if (statements.some((s) => s.Effect === 'Deny' && statementMatches(s, caller, action, resource))) return false;
  // A principal of the account needs no grant of the resource's own; a service does.
  return caller.arn !== undefined || statements.some((s) => s.Effect === 'Allow' && statementMatches(s, caller, action, resource));
}

/**
 * Whether a key policy (resolved) lets the caller use the key for the action: KMS needs the key policy to
 * allow it, to the caller itself or to the account (which then lets IAM policies decide); a Deny refuses.
 */
export function keyPermits(policy: { Statement: Statement[] }, caller: Caller, action: string, account: string): boolean {
  const statements = policy.Statement;
  if (statements.some((s) => s.Effect === 'Deny' && statementMatches(s, caller, action, '*'))) return false;
  const viaAccount: Caller = { ...caller, arn: `arn:aws:iam::${account}:root` };
  return statements.some((s) => s.Effect === 'Allow' && (statementMatches(s, caller, action, '*') || statementMatches(s, viaAccount, action, '*')));
}

/** A resource a writer writes to: its id, its ARN as the template resolves it, the action that writes, and the policy that guards it. */
export interface Writable {
  readonly id: string;
  readonly kind: 'queue' | 'bucket' | 'topic';
  readonly resource: string;
  readonly action: string;
  readonly policy: { Statement: Statement[] } | undefined;
}

/** Every queue, bucket and topic of the template, with its policy resolved (conditions as packaged). */
export function writables(template: Template): Writable[] {
  const deployed = Object.entries(template.Resources).filter(([, r]) => r.Condition === undefined || condition(template, r.Condition));
  const resolved = resolve(template, Object.fromEntries(deployed)) as Template['Resources'];
  const policyOf = (type: string, refers: (properties: Record<string, unknown>) => unknown[], id: string) =>
    Object.values(resolved).find((r) => r.Type === type && refers(r.Properties).includes(`<Ref ${id}>`))?.Properties.PolicyDocument as
      { Statement: Statement[] } | undefined;
  const found: Writable[] = [];
  for (const [id, resource] of Object.entries(resolved)) {
    if (resource.Type === 'AWS::SQS::Queue') {
      const policy = policyOf('AWS::SQS::QueuePolicy', (p) => list(p.Queues), id);
      found.push({ id, kind: 'queue', resource: `<${id}.Arn>`, action: 'sqs:SendMessage', policy });
    } else if (resource.Type === 'AWS::S3::Bucket') {
      const policy = policyOf('AWS::S3::BucketPolicy', (p) => [p.Bucket], id);
      found.push({ id, kind: 'bucket', resource: `<${id}.Arn>/events/type=x/object`, action: 's3:PutObject', policy });
    } else if (resource.Type === 'AWS::SNS::Topic') {
      const policy = policyOf('AWS::SNS::TopicPolicy', (p) => list(p.Topics), id);
      found.push({ id, kind: 'topic', resource: `<Ref ${id}>`, action: 'sns:Publish', policy });
    }
  }
  return found;
}

/** Who among the callers may write to each queue, bucket and topic: `{ <id>: [<caller name>…] }`. */
export function writers(template: Template, callers: readonly Caller[]): Record<string, string[]> {
  return Object.fromEntries(
    writables(template).map((w) => [w.id, callers.filter((caller) => permits(w.policy, caller, w.action, w.resource)).map((caller) => caller.name)]),
  );
}
