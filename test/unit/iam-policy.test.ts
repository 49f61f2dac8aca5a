import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requiredIamActions } from '../../src/policy/iam-actions.js';
import { parsePolicy } from '../../src/policy/load.js';

/**
 * policy/iam-policy.json is the least-privilege policy for running enforce. These tests tie it to the code:
 * an AWS call added to src/ without its IAM action, or an action left in the policy that no code needs,
 * fails here.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const document = JSON.parse(readFileSync(join(ROOT, 'policy', 'iam-policy.json'), 'utf8')) as {
  Version: string;
  Statement: Statement[];
};
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const statementFor = (action: string) => document.Statement.filter((s) => list(s.Action).includes(action));

/** SDK client package → IAM service prefix. A client not listed here fails the test until mapped. */
const IAM_PREFIX: Record<string, string> = {
  account: 'account',
  organizations: 'organizations',
  ssm: 'ssm',
  sts: 'sts',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every operation the code sends: `new XCommand(` and `paginateX(`, attributed to the file's SDK client. */
function actionsSentBySource(): Map<string, string[]> {
  const actions = new Map<string, string[]>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const operations = [
      ...[...text.matchAll(/\bnew (\w+)Command\(/g)].map((m) => m[1]!),
      ...[...text.matchAll(/\bpaginate(\w+)\(/g)].map((m) => m[1]!),
    ];
    if (operations.length === 0) continue;
    const clients = [...new Set([...text.matchAll(/from '@aws-sdk\/client-([\w-]+)'/g)].map((m) => m[1]!))];
    expect(clients, `${relative(ROOT, file)} sends operations of exactly one SDK client`).toHaveLength(1);
    const prefix = IAM_PREFIX[clients[0]!];
    expect(prefix, `IAM prefix for @aws-sdk/client-${clients[0]}`).toBeDefined();
    for (const op of operations) {
      const action = `${prefix}:${op}`;
      actions.set(action, [...(actions.get(action) ?? []), relative(ROOT, file)]);
    }
  }
  return actions;
}

describe('policy/iam-policy.json', () => {
  it('is an IAM policy document: version 2012-10-17, Allow statements with unique Sids, no wildcard actions', () => {
    expect(document.Version).toBe('2012-10-17');
    expect(document.Statement.length).toBeGreaterThan(0);
    const sids = document.Statement.map((s) => s.Sid);
    for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of document.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const action of list(s.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    }
  });

  it('allows every AWS operation the code sends', () => {
    const sent = actionsSentBySource();
    // A sanity floor: the scan itself must find the calls we know about.
    expect([...sent.keys()]).toEqual(
      expect.arrayContaining([
        'account:GetAlternateContact',
        'account:PutAlternateContact',
        'organizations:ListAccounts',
        'ssm:GetParameters',
        'sts:GetCallerIdentity',
      ]),
    );
    const allowed = new Set(document.Statement.flatMap((s) => list(s.Action)));
    const missing = [...sent]
      .filter(([action]) => !allowed.has(action))
      .map(([a, files]) => `${a} (${files})`);
    expect(missing).toEqual([]);
  });

  it('allows nothing the code does not send (least privilege), except kms:Decrypt for SecureStrings', () => {
    const sent = actionsSentBySource();
    const allowed = document.Statement.flatMap((s) => list(s.Action));
    const unused = allowed.filter((action) => !sent.has(action) && action !== 'kms:Decrypt');
    expect(unused).toEqual([]);
    expect(allowed).toHaveLength(new Set(allowed).size);
  });

  it('scopes contact reads, writes and deletes to accounts (member accounts in an org, and the caller’s own)', () => {
    for (const action of [
      'account:GetAlternateContact',
      'account:PutAlternateContact',
      'account:DeleteAlternateContact',
      'account:GetContactInformation',
      'account:PutContactInformation',
    ]) {
      const [statement, ...others] = statementFor(action);
      expect(others).toEqual([]);
      expect(list(statement!.Resource).sort()).toEqual(
        ['arn:aws:account::*:account', 'arn:aws:account::*:account/o-*/*'].sort(),
      );
    }
  });

  it('lets SSM read only the contact parameters, and KMS decrypt only on behalf of SSM', () => {
    const [ssm] = statementFor('ssm:GetParameters');
    expect(list(ssm!.Resource)).toEqual(['arn:aws:ssm:*:*:parameter/org/contacts/*']);

    // GetParameters is sent WithDecryption: SecureStrings need kms:Decrypt, through SSM only.
    const ssmSource = readFileSync(join(ROOT, 'src', 'aws', 'ssm.ts'), 'utf8');
    expect(ssmSource).toContain('WithDecryption: true');
    const [kms, ...others] = statementFor('kms:Decrypt');
    expect(others).toEqual([]);
    expect(list(kms!.Action)).toEqual(['kms:Decrypt']);
    expect(kms!.Condition).toEqual({ StringLike: { 'kms:ViaService': 'ssm.*.amazonaws.com' } });
  });

  it('covers the SSM parameters the example policy refers to', () => {
    const example = readFileSync(join(ROOT, 'policy', 'contacts.yaml'), 'utf8');
    const names: string[] = [];
    JSON.stringify(parse(example), (key, value) => {
      if (key === 'ssm' && typeof value === 'string') names.push(value);
      return value;
    });
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toMatch(/^\/org\/contacts\/.+/);
  });
});

const actionsFor = (yaml: string) => requiredIamActions(parsePolicy(yaml, 'policy.yaml').document);
const SECURITY = `version: 1
contacts:
  security: { name: Security, title: Security Team, email: security@example.com, phone: "+1 555 0142" }
`;

describe('requiredIamActions', () => {
  it('needs no delete and no primary-contact actions for a round-1 policy', () => {
    const actions = actionsFor(SECURITY);
    expect(actions).toContain('account:GetAlternateContact');
    expect(actions).toContain('account:PutAlternateContact');
    expect(actions).not.toContain('account:DeleteAlternateContact');
    expect(actions).not.toContain('account:GetContactInformation');
    expect(actions).not.toContain('ssm:GetParameters');
  });

  it('needs account:DeleteAlternateContact only when a type is absent, by default or in an override', () => {
    expect(actionsFor(`${SECURITY}  billing: absent\n`)).toContain('account:DeleteAlternateContact');
    expect(
      actionsFor(
        `${SECURITY}overrides:\n  - match: { accounts: ["111111111111"] }\n    contacts: { security: absent }\n`,
      ),
    ).toContain('account:DeleteAlternateContact');
  });

  it('needs Get/PutContactInformation when the primary contact is managed', () => {
    const actions = actionsFor(`${SECURITY}  primary: { phone: "+1 555 0100" }\n`);
    expect(actions).toEqual(
      expect.arrayContaining(['account:GetContactInformation', 'account:PutContactInformation']),
    );
  });

  it('needs SSM (and KMS through it) only when a field is read from SSM, createWith included', () => {
    expect(
      actionsFor(
        `${SECURITY}settings:\n  createWith:\n    security: { name: { ssm: /org/contacts/name } }\n`,
      ),
    ).toEqual(expect.arrayContaining(['ssm:GetParameters', 'kms:Decrypt']));
  });

  it('asks for nothing policy/iam-policy.json does not allow, and at most for all of it', () => {
    const allowed = document.Statement.flatMap((s) => list(s.Action)).sort();
    const everything = actionsFor(`version: 1
contacts:
  security: { email: { ssm: /org/contacts/security/email } }
  billing: absent
  primary: { phone: "+1 555 0100" }
settings:
  auditAnchor: { ssmParameter: /org/enforce/audit-head }
  memberRole: { name: EnforceContactsMember }
`);
    expect(everything).toEqual(allowed);
  });
});
