/**
 * Checks a CloudFormation template offline against AWS's CloudFormation
 * resource specification as the AWS CDK maintains it (@aws-cdk/aws-service-spec):
 * every resource type exists; every property is one the type has, of the
 * type it declares (nested property types included); every required property
 * is given; every `Ref`, `Fn::GetAtt`, `Fn::Sub` reference and `Fn::If`
 * condition names something that exists, and every attribute read is one
 * the resource type has.
 *
 * Values are judged as CloudFormation judges them: a number or boolean may be
 * given as its string form, and any intrinsic function stands for a value of
 * the property's type (its own references are checked instead).
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface Template {
  readonly Conditions?: Record<string, unknown>;
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, unknown>;
}

export interface SpecCheck {
  /** What is wrong, one line each, naming the resource and the property path. */
  readonly problems: string[];
  /** How many property values were checked against the specification. */
  readonly checkedValues: number;
}

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'UpdatePolicy',
  'CreationPolicy',
]);
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

let database: SpecDatabase | undefined;

function spec(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

export function resourceSpec(type: string): Resource | undefined {
  return spec().lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

export function checkTemplate(template: Template): SpecCheck {
  const problems: string[] = [];
  const counter = { values: 0 };
  const db = spec();
  const resources = template.Resources;
  const conditions = new Set(Object.keys(template.Conditions ?? {}));

  const checkIntrinsics = (value: unknown, where: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => {
        checkIntrinsics(item, `${where}[${String(index)}]`);
      });
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, argument] of Object.entries(value)) {
      if (key === 'Ref') {
        if (typeof argument !== 'string' || (!(argument in resources) && !PSEUDO_PARAMETERS.has(argument)))
          problems.push(`${where}: Ref to unknown ${String(argument)}`);
      } else if (key === 'Fn::GetAtt') {
        const [logicalId, attribute] = Array.isArray(argument) ? (argument as unknown[]) : String(argument).split(/\.(.*)/s);
        checkAttribute(String(logicalId), String(attribute), where);
      } else if (key === 'Fn::Sub') {
        const text: unknown = Array.isArray(argument) ? argument[0] : argument;
        const variables = Array.isArray(argument) && typeof argument[1] === 'object' && argument[1] !== null ? Object.keys(argument[1] as object) : [];
        for (const [, name] of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          if (name === undefined || variables.includes(name) || PSEUDO_PARAMETERS.has(name)) continue;
          const [logicalId, attribute] = name.split(/\.(.*)/s);
          if (attribute === undefined) {
            if (!(String(logicalId) in resources)) problems.push(`${where}: Fn::Sub names unknown \${${name}}`);
          } else checkAttribute(String(logicalId), attribute, where);
        }
        if (Array.isArray(argument)) checkIntrinsics(argument[1], where);
      } else if (key === 'Fn::If' || key === 'Condition') {
        const name: unknown = key === 'Fn::If' && Array.isArray(argument) ? argument[0] : argument;
        if (typeof name === 'string' && !conditions.has(name)) problems.push(`${where}: unknown condition ${name}`);
        if (key === 'Fn::If' && Array.isArray(argument)) checkIntrinsics(argument.slice(1), where);
      } else checkIntrinsics(argument, `${where}.${key}`);
    }
  };

  const checkAttribute = (logicalId: string, attribute: string, where: string): void => {
    const target = resources[logicalId];
    if (target === undefined) {
      problems.push(`${where}: Fn::GetAtt of unknown resource ${logicalId}`);
      return;
    }
    const targetSpec = resourceSpec(target.Type);
    if (targetSpec !== undefined && !(attribute in targetSpec.attributes))
      problems.push(`${where}: ${target.Type} has no attribute ${attribute} (Fn::GetAtt ${logicalId}.${attribute})`);
  };

  const checkProperties = (properties: Record<string, unknown>, declared: Record<string, { type: PropertyType; required?: boolean }>, where: string): void => {
    for (const [name, property] of Object.entries(declared)) {
      if (property.required === true && !(name in properties)) problems.push(`${where}: required property ${name} is missing`);
    }
    for (const [name, value] of Object.entries(properties)) {
      const property = declared[name];
      if (property === undefined) problems.push(`${where}: unknown property ${name}`);
      else checkValue(value, property.type, `${where}.${name}`);
    }
  };

  const checkValue = (value: unknown, type: PropertyType, where: string): void => {
    counter.values++;
    if (isIntrinsic(value)) {
      checkIntrinsics(value, where);
      return;
    }
    const mismatch = typeProblems(value, type, where);
    problems.push(...mismatch);
  };

  /** Problems of `value` against `type`; for a union, none if any member fits. */
  const typeProblems = (value: unknown, type: PropertyType, where: string): string[] => {
    if (isIntrinsic(value)) {
      checkIntrinsics(value, where);
      return [];
    }
    const wrong = (expected: string): string[] => [
      `${where}: expected ${expected}, got ${value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 80)}`,
    ];
    switch (type.type) {
      case 'string':
      case 'date-time':
        return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? [] : wrong(type.type);
      case 'number':
        return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) ? [] : wrong('number');
      case 'integer':
        return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value)) ? [] : wrong('integer');
      case 'boolean':
        return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : wrong('boolean');
      case 'json':
        // A policy document or filter policy: free-form, but the references inside it must exist.
        checkIntrinsics(value, where);
        return typeof value === 'object' || typeof value === 'string' ? [] : wrong('JSON');
      case 'null':
        return value === null ? [] : wrong('null');
      case 'tag':
        return isRecord(value) && 'Key' in value && 'Value' in value ? [] : wrong('a tag {Key, Value}');
      case 'array':
        if (!Array.isArray(value)) return wrong('array');
        return value.flatMap((item, index) => typeProblems(item, type.element, `${where}[${String(index)}]`));
      case 'map':
        if (!isRecord(value)) return wrong('map');
        return Object.entries(value).flatMap(([key, item]) => typeProblems(item, type.element, `${where}.${key}`));
      case 'ref': {
        if (!isRecord(value)) return wrong('object');
        const definition: TypeDefinition = db.get('typeDefinition', type.reference.$ref);
        const before = problems.length;
        checkProperties(value, definition.properties, `${where} (${definition.name})`);
        counter.values++;
        return problems.splice(before);
      }
      case 'union': {
        const attempts = type.types.map((member) => typeProblems(value, member, where));
        return attempts.find((attempt) => attempt.length === 0) ?? attempts[0] ?? [];
      }
    }
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    const where = `${logicalId} (${resource.Type})`;
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.has(key)) problems.push(`${where}: unknown resource attribute ${key}`);
    if (typeof resource.Condition === 'string' && !conditions.has(resource.Condition)) problems.push(`${where}: unknown condition ${resource.Condition}`);
    for (const dependency of ([] as unknown[]).concat(resource.DependsOn ?? [])) {
      if (typeof dependency !== 'string' || !(dependency in resources)) problems.push(`${where}: DependsOn unknown ${String(dependency)}`);
    }
    const resourceType = resourceSpec(resource.Type);
    if (resourceType === undefined) {
      problems.push(`${where}: not a CloudFormation resource type`);
      continue;
    }
    checkProperties(resource.Properties ?? {}, resourceType.properties, where);
  }
  checkIntrinsics(template.Outputs ?? {}, 'Outputs');
  checkIntrinsics(template.Conditions ?? {}, 'Conditions');
  return { problems, checkedValues: counter.values };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntrinsic(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::') === true);
}
