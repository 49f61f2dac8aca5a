import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyIssue } from '../../src/errors.js';
import { parsePolicy } from '../../src/policy/load.js';
import { resolvePolicy } from '../../src/policy/resolve.js';

const FILE = 'policy.yaml';
// Line 8 is `settings:`, line 9 `memberRole:`, line 10 its first key.
const POLICY = `version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: security@example.com
    phone: "+1-555-0142"
settings:
  memberRole:
`;

function issuesOf(memberRole: string): readonly PolicyIssue[] {
  try {
    parsePolicy(`${POLICY}${memberRole}`, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).issues;
  }
  throw new Error('expected the policy to be rejected');
}

describe('settings.memberRole', () => {
  it('reaches the desired policy as written', () => {
    const loaded = parsePolicy(
      `${POLICY}    name: EnforceContactsMember\n    externalId: enforce-ci-1\n    sessionDuration: 1800\n`,
      FILE,
    );
    expect(resolvePolicy(loaded, 'offline').settings.memberRole).toEqual({
      name: 'EnforceContactsMember',
      externalId: 'enforce-ci-1',
      sessionDuration: 1800,
    });
  });

  it('needs only the role name', () => {
    const loaded = parsePolicy(`${POLICY}    name: OrganizationAccountAccessRole\n`, FILE);
    expect(resolvePolicy(loaded, 'offline').settings.memberRole).toEqual({
      name: 'OrganizationAccountAccessRole',
    });
  });

  it.each([
    [
      'name: "role/with/slashes"',
      'settings.memberRole.name',
      'must be an IAM role name: 1–64 letters, digits and + = , . @ _ - (such as EnforceContactsMember)',
    ],
    [
      `name: ${'R'.repeat(65)}`,
      'settings.memberRole.name',
      'must be an IAM role name: 1–64 letters, digits and + = , . @ _ - (such as EnforceContactsMember)',
    ],
    [
      'name: Enforce\n    externalId: "x"',
      'settings.memberRole.externalId',
      'must be 2–1224 letters, digits and + = , . @ : / _ -',
    ],
    [
      'name: Enforce\n    sessionDuration: 899',
      'settings.memberRole.sessionDuration',
      'must be at least 900',
    ],
    [
      'name: Enforce\n    sessionDuration: 43201',
      'settings.memberRole.sessionDuration',
      'must be at most 43200',
    ],
    [
      'name: Enforce\n    duration: 3600',
      'settings.memberRole.duration',
      'unknown key (allowed here: name, externalId, sessionDuration)',
    ],
  ])('reports %s', (yaml, path, message) => {
    expect(issuesOf(`    ${yaml}\n`)).toEqual([expect.objectContaining({ file: FILE, path, message })]);
  });

  it('requires the name', () => {
    expect(issuesOf('    externalId: enforce-ci-1\n')).toEqual([
      expect.objectContaining({ path: 'settings.memberRole.name', message: 'is required' }),
    ]);
  });
});
