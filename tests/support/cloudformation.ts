/**
 * Just enough of CloudFormation to read a packaged template as a deployment
 * would: conditions evaluated, and Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * Fn::If, Ref and Fn::GetAtt resolved, resources and attributes named by placeholders
 * (`<Ref Name>`, `<Name.Attribute>`), so a value built from them (a
 * dashboard body) can be parsed and read.
 */

export interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;
  Outputs: Record<string, { Condition?: string; Value: unknown }>;
}

const PSEUDO: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::Partition': 'aws',
};

export function condition(template: Template, name: string): boolean {
  const definition = template.Conditions?.[name];
  if (definition === undefined) throw new Error(`no condition ${name}`);
  return truth(template, definition);
}

function truth(template: Template, node: unknown): boolean {
  const [[fn, args]] = Object.entries(node as Record<string, unknown>) as [[string, unknown]];
  const list = args as unknown[];
  switch (fn) {
    case 'Fn::Equals':
      return JSON.stringify(resolve(template, list[0])) === JSON.stringify(resolve(template, list[1]));
    case 'Fn::Not':
      return !truth(template, list[0]);
    case 'Fn::And':
      return list.every((item) => truth(template, item));
    case 'Fn::Or':
      return list.some((item) => truth(template, item));
    case 'Condition':
      return condition(template, args as string);
    default:
      throw new Error(`condition function ${fn} not understood here`);
  }
}

/** What `Fn::If` gives for a property or list item that is left out (`AWS::NoValue`): `resolve` leaves it out too. */
const NO_VALUE = '<Ref AWS::NoValue>';

/** `attributes` gives what a deployment would: `Name.Attribute` → value; others stay placeholders. */
export function resolve(template: Template, node: unknown, attributes: Readonly<Record<string, string>> = {}): unknown {
  if (Array.isArray(node)) return node.map((item) => resolve(template, item, attributes)).filter((item) => item !== NO_VALUE);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first !== undefined && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [fn, args] = first;
    const list = args as unknown[];
    switch (fn) {
      case 'Ref':
        return PSEUDO[args as string] ?? `<Ref ${String(args)}>`;
      case 'Fn::GetAtt':
        return attributes[list.join('.')] ?? `<${list.join('.')}>`;
      case 'Fn::ImportValue':
        return `<ImportValue ${String(resolve(template, args, attributes))}>`;
      case 'Fn::Join':
        return (resolve(template, list[1], attributes) as unknown[]).join(list[0] as string);
      case 'Fn::Select':
        return (resolve(template, list[1], attributes) as unknown[])[list[0] as number];
      case 'Fn::Split':
        return (resolve(template, list[1], attributes) as string).split(list[0] as string);
      case 'Fn::If':
        return resolve(template, condition(template, list[0] as string) ? list[1] : list[2], attributes);
      case 'Fn::Sub': {
        const [text, own] = Array.isArray(args) ? [list[0] as string, resolve(template, list[1] ?? {}) as Record<string, unknown>] : [args as string, {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          const value = own[name] ?? PSEUDO[name] ?? (name.includes('.') ? `<${name}>` : `<Ref ${name}>`);
          return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
        });
      }
      default:
        throw new Error(`function ${fn} not understood here`);
    }
  }
  return Object.fromEntries(entries.map(([key, value]) => [key, resolve(template, value, attributes)]).filter(([, value]) => value !== NO_VALUE));
}
