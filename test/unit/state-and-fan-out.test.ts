import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccountClient,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
} from '@aws-sdk/client-account';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { createRedactor } from '../../src/core/redact.js';
import type { Contact, ReportAccount, RunReport } from '../../src/core/types.js';
import type { ContactsGateway } from '../../src/engine/contacts-gateway.js';
import { createMemberRoutedGateway, withRoutes } from '../../src/engine/member-gateway.js';
import type { MemberAccess } from '../../src/engine/member-role.js';
import { MemberRoleError } from '../../src/errors.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { runNotes } from '../../src/render/run-notes.js';
import { parseSnapshot, type Snapshot } from '../../src/state/snapshot.js';
import { OPERATIONS, SECURITY } from '../support/builders.js';
import { type FakeOrgSpec, fakeAws } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';

const MGMT = '999999999999';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const NEW = '444444444444';
const KEY = 'state-test-key-0123456789abcdef-0123456789abcdef';

const policyYaml = (email: string) => `
version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: ${email}
    phone: "+1-555-0142"
`;

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => fake?.restore());

const dir = () => mkdtempSync(join(tmpdir(), 'enforce-state-run-'));

function org(extra: Partial<FakeOrgSpec> = {}): FakeOrgSpec {
  return {
    managementAccountId: MGMT,
    accounts: [
      { id: MGMT, name: 'management' },
      { id: A, name: 'alpha', ous: ['ou-ab12-aaaaaaaa'] },
      { id: B, name: 'beta', state: 'SUSPENDED' },
      { id: C, name: 'gamma' },
    ],
    contacts: {
      [MGMT]: { SECURITY },
      [A]: { SECURITY },
      [C]: { SECURITY: { ...SECURITY, email: 'old@example.com' } },
    },
    ...extra,
  };
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ env });
  const code = await main([...args, '--no-progress'], io);
  return { code, io, json: () => JSON.parse(io.out) as RunReport };
}

/** Accounts and items of a report, without what differs between two runs by nature. */
const planOf = (report: RunReport) => report.accounts.map(({ via: _v, viaReason: _r, ...a }) => a);

describe('--state-out and --from-state', () => {
  it('saves what a run read, then plans a policy change from it with no Account API call, equal to a fresh dry-run', async () => {
    const work = dir();
    const state = join(work, 'state.json');
    const log = join(work, 'audit.ndjson');
    const first = join(work, 'first.yaml');
    writeFileSync(first, policyYaml(SECURITY.email));
    fake = fakeAws(org());
    const saved = await cli(['--dry-run', '--policy', first, '--log-file', log, '--state-out', state]);
    expect(saved.code, saved.io.err).toBe(0);
    expect(statSync(state).mode & 0o777).toBe(0o600);
    const snapshot: Snapshot = parseSnapshot(readFileSync(state, 'utf8'), state);
    expect(snapshot.valueEncoding).toBe('clear');
    expect(snapshot.caller?.accountId).toBe(MGMT);
    expect(snapshot.accounts.map((a) => [a.id, a.state, Object.keys(a.contacts)])).toEqual([
      [A, 'ACTIVE', ['SECURITY']],
      [B, 'SUSPENDED', []],
      [C, 'ACTIVE', ['SECURITY']],
      [MGMT, 'ACTIVE', ['SECURITY']],
    ]);
    // OU paths are read for the snapshot although this policy selects by none: a later one may.
    expect(snapshot.accounts.find((a) => a.id === A)?.ouPath).toEqual(['ou-ab12-aaaaaaaa']);
    expect(snapshot.accounts.find((a) => a.id === C)?.contacts.SECURITY).toMatchObject({
      kind: 'present',
      contact: { email: 'old@example.com' },
    });
    fake.restore();

    // The pull request: a new email, one account created since the snapshot.
    const changed = join(work, 'changed.yaml');
    writeFileSync(changed, policyYaml('soc@example.com'));
    const later = org({ accounts: [...org().accounts, { id: NEW, name: 'newcomer' }] });
    fake = fakeAws(later);
    const planned = await cli([
      '--dry-run',
      '--output',
      'json',
      '--policy',
      changed,
      '--log-file',
      log,
      '--from-state',
      state,
    ]);
    expect(planned.code, planned.io.err).toBe(0);
    expect(fake.mocks.account.calls()).toHaveLength(0);
    // Organizations: the id check and the listing, nothing else (no tags, no OU walk, no trusted-access check).
    const organizationsCalls = fake.mocks.organizations
      .calls()
      .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
    expect([...new Set(organizationsCalls)]).toEqual(['DescribeOrganizationCommand', 'ListAccountsCommand']);
    const fromState = planned.json();
    expect(fromState.snapshot).toMatchObject({ file: state, observedAt: snapshot.observedAt });
    expect(fromState.snapshot!.ageSeconds).toBeGreaterThanOrEqual(0);
    const newcomer = fromState.accounts.find((a) => a.accountId === NEW);
    expect(newcomer?.items).toEqual([expect.objectContaining({ action: 'skip', reason: 'not-in-snapshot' })]);
    fake.restore();

    fake = fakeAws(later);
    const fresh = await cli(['--dry-run', '--output', 'json', '--policy', changed, '--log-file', log]);
    expect(fresh.code, fresh.io.err).toBe(0);
    const withoutNewcomer = (r: RunReport) => planOf(r).filter((a) => a.accountId !== NEW);
    expect(withoutNewcomer(fromState)).toEqual(withoutNewcomer(fresh.json()));
    expect(fromState.summary.update).toBe(3);

    // The text plan says how old the snapshot is and names the account it lacks.
    const text = await cli(['--dry-run', '--policy', changed, '--log-file', log, '--from-state', state]);
    expect(text.io.out).toMatch(
      /Planned from the snapshot .*state\.json, observed .* ago\): no contact was read/,
    );
    expect(text.io.out).toMatch(/not in the snapshot/);
  });

  it('--offline makes no AWS call at all, and refuses a policy with SSM values', async () => {
    const work = dir();
    const state = join(work, 'state.json');
    const log = join(work, 'audit.ndjson');
    const policy = join(work, 'p.yaml');
    writeFileSync(policy, policyYaml(SECURITY.email));
    fake = fakeAws(org());
    expect((await cli(['--dry-run', '--policy', policy, '--log-file', log, '--state-out', state])).code).toBe(
      0,
    );
    fake.restore();

    fake = fakeAws(org());
    const offline = await cli([
      'plan',
      '--output',
      'json',
      '--policy',
      policy,
      '--log-file',
      log,
      '--from-state',
      state,
      '--offline',
    ]);
    expect(offline.code, offline.io.err).toBe(0);
    for (const mock of Object.values(fake.mocks)) expect(mock.calls()).toHaveLength(0);
    expect(offline.json().summary).toMatchObject({ update: 1, inSync: 2, skipped: 1 });

    const ssmPolicy = join(work, 'ssm.yaml');
    writeFileSync(
      ssmPolicy,
      policyYaml(SECURITY.email).replace(
        'email: security@example.com',
        'email: { ssm: /org/security/email }',
      ),
    );
    const refused = await cli([
      'plan',
      '--policy',
      ssmPolicy,
      '--log-file',
      log,
      '--from-state',
      state,
      '--offline',
    ]);
    expect(refused.code).toBe(64);
    expect(refused.io.err).toMatch(
      /--offline: .* reads values from SSM Parameter Store \(\/org\/security\/email\)/,
    );
  });

  it('hashes values with ENFORCE_REDACT_KEY, and plans from the hashes with the same key only', async () => {
    const work = dir();
    const state = join(work, 'state.json');
    const log = join(work, 'audit.ndjson');
    const policy = join(work, 'p.yaml');
    writeFileSync(policy, policyYaml(SECURITY.email));
    fake = fakeAws(org());
    const env = { ENFORCE_REDACT_KEY: KEY };
    expect(
      (await cli(['--dry-run', '--policy', policy, '--log-file', log, '--state-out', state], env)).code,
    ).toBe(0);
    const text = readFileSync(state, 'utf8');
    expect(text).not.toContain('example.com');
    expect(text).not.toContain('Security Operations');

    const planned = await cli(
      ['plan', '--output', 'json', '--policy', policy, '--log-file', log, '--from-state', state],
      env,
    );
    expect(planned.code, planned.io.err).toBe(0);
    const c = planned.json().accounts.find((a) => a.accountId === C)!.items[0]!;
    expect(c).toMatchObject({ action: 'update', changedFields: ['email'] });
    const before = c.before as Contact | null;
    expect(before?.email).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    expect(before?.name).toBe(SECURITY.name);
    expect(planned.json().summary).toMatchObject({ update: 1, inSync: 2 });

    const otherKey = await cli(['plan', '--policy', policy, '--log-file', log, '--from-state', state], {
      ENFORCE_REDACT_KEY: `${KEY}-other`,
    });
    expect(otherKey.code).toBe(1);
    expect(otherKey.io.err).toMatch(/hashed with another key/);
  });

  it('stores what an apply wrote, so the next plan from the snapshot shows no drift', async () => {
    const work = dir();
    const state = join(work, 'state.json');
    const log = join(work, 'audit.ndjson');
    const policy = join(work, 'p.yaml');
    writeFileSync(policy, policyYaml(SECURITY.email));
    fake = fakeAws(org());
    const applied = await cli(['--apply', '--policy', policy, '--log-file', log, '--state-out', state]);
    expect(applied.code, applied.io.err).toBe(0);
    expect(fake.puts.map((p) => p.accountId)).toEqual([C]);
    const planned = await cli([
      'plan',
      '--output',
      'json',
      '--policy',
      policy,
      '--log-file',
      log,
      '--from-state',
      state,
      '--offline',
    ]);
    expect(planned.json().summary).toMatchObject({ update: 0, create: 0, inSync: 3 });
  });

  it('refuses --apply --from-state, --offline without --from-state, and a snapshot lacking the tags a policy needs', async () => {
    const work = dir();
    const log = join(work, 'audit.ndjson');
    const state = join(work, 'state.json');
    const policy = join(work, 'p.yaml');
    writeFileSync(policy, policyYaml(SECURITY.email));
    fake = fakeAws(org());
    expect((await cli(['--dry-run', '--policy', policy, '--log-file', log, '--state-out', state])).code).toBe(
      0,
    );
    const tagged = join(work, 'tags.yaml');
    writeFileSync(tagged, `${policyYaml(SECURITY.email)}scope:\n  exclude:\n    tags:\n      env: sandbox\n`);
    const needsTags = await cli([
      'plan',
      '--policy',
      tagged,
      '--log-file',
      log,
      '--from-state',
      state,
      '--offline',
    ]);
    expect(needsTags.code).toBe(1);
    expect(needsTags.io.err).toMatch(
      /selects accounts by tags, which the run that saved this snapshot did not read/,
    );

    const apply = await cli(['--apply', '--from-state', 'x.json', '--log-file', log]);
    expect(apply.code).toBe(64);
    expect(apply.io.err).toMatch(/--from-state plans only: --apply always reads/);
    const applySub = await cli(['apply', '--from-state', 'x.json', '--log-file', log]);
    expect(applySub.code).toBe(64);
    expect((await cli(['plan', '--offline', '--log-file', log])).io.err).toMatch(/use it with --from-state/);
  });
});

describe('member-role gateway', () => {
  const organization = (): ContactsGateway & { calls: string[] } => {
    const calls: string[] = [];
    return {
      calls,
      read: async (id, type) => {
        calls.push(`read ${id} ${type}`);
        return { kind: 'missing' };
      },
      write: async (id, type) => {
        calls.push(`write ${id} ${type}`);
        return { attempts: 1 };
      },
      delete: async (id, type) => {
        calls.push(`delete ${id} ${type}`);
        return { attempts: 1 };
      },
      readPrimary: async (id) => {
        calls.push(`readPrimary ${id}`);
        return { kind: 'missing' };
      },
      writePrimary: async (id) => {
        calls.push(`writePrimary ${id}`);
        return { attempts: 1 };
      },
    };
  };

  it('reads and writes members from inside (no AccountId), the caller and role-less accounts via the organization, and reports each', async () => {
    const memberMock = mockClient(AccountClient);
    memberMock.on(GetAlternateContactCommand).resolves({
      AlternateContact: {
        Name: OPERATIONS.name,
        Title: OPERATIONS.title,
        EmailAddress: OPERATIONS.email,
        PhoneNumber: OPERATIONS.phone,
      },
    });
    memberMock.on(PutAlternateContactCommand).resolves({});
    const client = new AccountClient({ region: 'us-east-1' });
    const asked: string[] = [];
    const access = {
      accessFor: async (id: string): Promise<MemberAccess> => {
        asked.push(id);
        if (id === B) {
          const error = new MemberRoleError(
            B,
            `arn:aws:iam::${B}:role/Enforce`,
            'access-denied',
            'cannot assume: access denied',
          );
          return { via: 'organization', reason: 'access-denied', error };
        }
        return { via: 'member', client, roleArn: `arn:aws:iam::${id}:role/Enforce` };
      },
    };
    const org = organization();
    const gateway = createMemberRoutedGateway({ access, organization: org, callerAccountId: MGMT });
    try {
      expect(await gateway.read(A, 'SECURITY')).toEqual({ kind: 'present', contact: OPERATIONS });
      await gateway.write(A, 'SECURITY', SECURITY);
      expect(await gateway.read(B, 'SECURITY')).toEqual({ kind: 'missing' });
      await gateway.write(B, 'SECURITY', SECURITY);
      await gateway.read(MGMT, 'SECURITY');
      expect(memberMock.commandCalls(GetAlternateContactCommand).map((c) => c.args[0].input)).toEqual([
        { AlternateContactType: 'SECURITY' },
      ]);
      expect(memberMock.commandCalls(PutAlternateContactCommand)[0]!.args[0].input).not.toHaveProperty(
        'AccountId',
      );
      expect(org.calls).toEqual([`read ${B} SECURITY`, `write ${B} SECURITY`, `read ${MGMT} SECURITY`]);
      // The caller's own account never asks for a role.
      expect(asked).not.toContain(MGMT);

      const accounts: ReportAccount[] = [A, B, MGMT, C].map((id) => ({
        accountId: id,
        accountName: `n-${id.slice(0, 1)}`,
        state: 'ACTIVE',
        items: [],
      }));
      const routed = withRoutes(accounts, gateway.routes());
      expect(routed.map((a) => [a.accountId, a.via, a.viaReason?.code])).toEqual([
        [A, 'member', undefined],
        [B, 'organization', 'access-denied'],
        [MGMT, 'organization', 'caller-account'],
        [C, undefined, undefined],
      ]);
      const report = { accounts: routed } as RunReport;
      const notes = runNotes(report);
      expect(notes.viaMember).toBe(1);
      expect(notes.fallbacks).toEqual([
        `${B} (n-2): through the organization, not its member role (access-denied): cannot assume: access denied`,
      ]);
      const summary = renderMarkdown(
        {
          ...report,
          mode: 'dry-run',
          organization: { id: 'o-exampleorg1', managementAccountId: MGMT },
          summary: {
            accounts: 4,
            items: 0,
            inSync: 0,
            create: 0,
            update: 0,
            skipped: 0,
            failed: 0,
            applied: 0,
            delete: 0,
            notWritten: {
              stale: 0,
              'already-in-sync': 0,
              'max-changes': 0,
              interrupted: 0,
              'audit-log-failed': 0,
            },
          },
          warnings: [],
          notChecked: [],
        } as RunReport,
        createRedactor({ key: Buffer.from(KEY), fields: 'none', secretValues: [] }),
      );
      const plain = summary.replace(/\\/g, '');
      expect(plain).toMatch(/Member roles: 1 account read from inside, 1 through the organization/);
      expect(plain).toMatch(/222222222222 \(n-2\): through the organization/);
    } finally {
      memberMock.restore();
    }
  });
});
