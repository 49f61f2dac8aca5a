import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse, type Scalar, type ScalarTag, type YAMLSeq } from 'yaml';

const TEMPLATE = 'src/deploy/member-role.yaml';

// CloudFormation's short forms (`!Ref X`, `!If [c, a, b]`) become their long forms (`{ Ref: X }`,
// `{ 'Fn::If': [c, a, b] }`), so the test reads the template the way CloudFormation does.
const FUNCTIONS = ['Ref', 'Sub', 'GetAtt', 'If', 'Equals', 'Not', 'And', 'Or', 'Join', 'Select', 'Split'];
function longForm(name: string): string {
  return name === 'Ref' ? 'Ref' : `Fn::${name}`;
}
const CLOUDFORMATION_TAGS = FUNCTIONS.flatMap((name) => [
  {
    tag: `!${name}`,
    resolve: (value: string) => ({ [longForm(name)]: name === 'GetAtt' ? value.split('.') : value }),
  } satisfies ScalarTag,
  {
    tag: `!${name}`,
    collection: 'seq' as const,
    resolve: (seq: YAMLSeq | Scalar) => ({ [longForm(name)]: (seq as YAMLSeq).toJSON() }),
  },
]);

type Json = unknown;

/**
 * Resolves `Fn::If` for the given condition values and drops `AWS::NoValue`, as CloudFormation does when it
 * creates the stack: the policies a test checks are then the policies AWS would attach.
 */
function resolveConditions(node: Json, conditions: Record<string, boolean>): Json {
  if (Array.isArray(node)) {
    return node.map((n) => resolveConditions(n, conditions)).filter((n) => n !== NO_VALUE);
  }
  if (typeof node !== 'object' || node === null) return node;
  const record = node as Record<string, Json>;
  if ('Ref' in record && record.Ref === 'AWS::NoValue') return NO_VALUE;
  if ('Fn::If' in record) {
    const [name, whenTrue, whenFalse] = record['Fn::If'] as [string, Json, Json];
    if (!(name in conditions)) throw new Error(`condition ${name} not given`);
    return resolveConditions(conditions[name] ? whenTrue : whenFalse, conditions);
  }
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(record)) {
    const resolved = resolveConditions(value, conditions);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}
const NO_VALUE = Symbol('AWS::NoValue');

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: Json;
  Principal?: Json;
  Condition?: Record<string, Record<string, Json>>;
}

interface Template {
  Parameters: Record<string, { Type: string; Default?: string }>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties: Record<string, Json> }>;
}

async function readTemplate(): Promise<Template> {
  return parse(await readFile(TEMPLATE, 'utf8'), { customTags: CLOUDFORMATION_TAGS }) as Template;
}

async function roleAsDeployed(conditions: Record<string, boolean>) {
  const template = await readTemplate();
  const resources = Object.values(template.Resources);
  expect(resources.map((r) => r.Type)).toEqual(['AWS::IAM::Role']);
  const properties = resolveConditions(resources[0]!.Properties, conditions) as {
    AssumeRolePolicyDocument: { Statement: Statement[] };
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
    ManagedPolicyArns?: unknown;
    RoleName: Json;
    MaxSessionDuration: Json;
  };
  const permissions = properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
  return { template, properties, trust: properties.AssumeRolePolicyDocument.Statement, permissions };
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

// CloudFormation's own ${…} substitution syntax, not a JavaScript template.
// biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub text
const THIS_ACCOUNT = { 'Fn::Sub': 'arn:${AWS::Partition}:account::${AWS::AccountId}:account' };
const TYPE_CONDITION = {
  'ForAllValues:StringEquals': { 'account:AlternateContactTypes': { Ref: 'ManagedContactTypes' } },
  Null: { 'account:AlternateContactTypes': 'false' },
};

describe('StackSet template for the member role', () => {
  it('by default allows only reading and writing the managed alternate contacts of this account', async () => {
    const { permissions, properties } = await roleAsDeployed({
      HasExternalId: false,
      AllowsDelete: false,
      ManagesContactInformation: false,
    });
    expect(actionsOf(permissions)).toEqual(['account:GetAlternateContact', 'account:PutAlternateContact']);
    expect(permissions.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(permissions[0]).toMatchObject({ Resource: THIS_ACCOUNT, Condition: TYPE_CONDITION });
    expect(properties.ManagedPolicyArns).toBeUndefined();
    expect(properties.RoleName).toEqual({ Ref: 'RoleName' });
  });

  it('adds DeleteAlternateContact (type-limited) and the contact information actions only when asked', async () => {
    const { permissions } = await roleAsDeployed({
      HasExternalId: false,
      AllowsDelete: true,
      ManagesContactInformation: true,
    });
    expect(actionsOf(permissions)).toEqual([
      'account:DeleteAlternateContact',
      'account:GetAlternateContact',
      'account:GetContactInformation',
      'account:PutAlternateContact',
      'account:PutContactInformation',
    ]);
    const del = permissions.find((s) => actionsOf([s]).includes('account:DeleteAlternateContact'))!;
    expect(del.Condition).toEqual(TYPE_CONDITION);
    for (const statement of permissions) expect(statement.Resource).toEqual(THIS_ACCOUNT);
    expect(actionsOf(permissions).some((a) => a.includes('*'))).toBe(false);
  });

  it('trusts only the enforcer role, and requires the external id when one is set', async () => {
    const without = await roleAsDeployed({
      HasExternalId: false,
      AllowsDelete: false,
      ManagesContactInformation: false,
    });
    expect(without.trust).toEqual([
      {
        Sid: 'EnforcerOnly',
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'EnforcerRoleArn' } },
        Action: 'sts:AssumeRole',
      },
    ]);
    const withId = await roleAsDeployed({
      HasExternalId: true,
      AllowsDelete: false,
      ManagesContactInformation: false,
    });
    expect(withId.trust[0]!.Condition).toEqual({ StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } });
  });

  it('defaults to the three alternate contact types, no delete, no contact information, and no external id', async () => {
    const template = await readTemplate();
    expect(template.Parameters.ManagedContactTypes).toMatchObject({
      Type: 'CommaDelimitedList',
      Default: 'SECURITY,OPERATIONS,BILLING',
    });
    expect(template.Parameters.AllowDeleteAlternateContact?.Default).toBe('false');
    expect(template.Parameters.ManageContactInformation?.Default).toBe('false');
    expect(template.Parameters.ExternalId?.Default).toBe('');
    expect(template.Parameters.EnforcerRoleArn?.Default).toBeUndefined();
    expect(template.Conditions.HasExternalId).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ExternalId' }, ''] }],
    });
  });
});
