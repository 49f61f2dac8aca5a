// End to end (issue 13): the built CLI against moto behind the AWS-faithful proxy. A snapshot saved by one
// run; a policy change planned from it with no Account API call, equal to a fresh dry-run; an account created
// since listed as not in the snapshot; and member-role mode, where each member account is read and written
// from inside (the proxy's ledger shows its own credentials and no AccountId) and one account without the
// role falls back to the organization path and is reported.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/core/types.js';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import { cliEnv, describeResult, makeTempDir, parseJsonOutput, removeDir, runCli } from '../support/cli.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  type ContactSpec,
  contactsYaml,
  fakeAwsEnv,
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
  TEST_CREDENTIALS,
  TEST_REGION,
} from '../support/seed.js';

const STALE: ContactSpec = { ...SECURITY, email: 'jordan.former@example.com' };
const NEW_SECURITY: ContactSpec = { ...SECURITY, email: 'soc@example.com' };
const ROLE = 'EnforceContactsMember';

const policy = (security: ContactSpec, extra = '') => `version: 1
${contactsYaml({ security })}settings:
  managementAccount: manage
${extra}`;

/** The plan's decisions, without what differs between two runs by nature (run id, time, the snapshot). */
const decisions = (report: RunReport) => ({ summary: report.summary, accounts: report.accounts });

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)(
  'enforce: state snapshots and member-role fan-out',
  () => {
    let moto: MotoServer;
    let proxy: AwsProxy;
    let org: SeededOrg;
    let dir: string;
    let logFile: string;

    const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
      runCli([...args, '--log-file', logFile, '--no-progress'], {
        env: cliEnv(fakeAwsEnv(proxy.endpoint), extraEnv),
        cwd: dir,
      });

    beforeAll(async () => {
      moto = await startMoto();
      org = await seedOrganization(moto.endpoint, {
        ous: [{ name: 'Workloads' }],
        managementContacts: { SECURITY },
        accounts: [
          { name: 'member-1', email: 'aws+member-1@example.com', ou: 'Workloads', contacts: { SECURITY } },
          { name: 'member-2', email: 'aws+member-2@example.com', contacts: { SECURITY: STALE } },
          { name: 'member-3', email: 'aws+member-3@example.com' },
          { name: 'member-4', email: 'aws+member-4@example.com', contacts: { SECURITY } },
        ],
      });
      proxy = await startAwsProxy({
        target: moto.endpoint,
        managementAccountId: org.managementAccountId,
        validate: true,
        assumeRoleDeniedAccounts: [],
      });
      dir = await makeTempDir();
      logFile = join(dir, 'audit.ndjson');
      await writeFile(join(dir, 'first.yaml'), policy(SECURITY), 'utf8');
      await writeFile(join(dir, 'changed.yaml'), policy(NEW_SECURITY), 'utf8');
    });

    afterAll(async () => {
      await proxy?.stop();
      await moto?.stop();
      await removeDir(dir);
    });

    it('plans a policy change from a snapshot with zero Account API calls, equal to a fresh dry-run', async () => {
      const saved = await cli(['--dry-run', '--policy', 'first.yaml', '--state-out', 'state.json']);
      expect(saved.code, describeResult(saved)).toBe(0);
      const snapshot = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
      expect(snapshot.organization.id).toBe(org.organizationId);
      expect(snapshot.accounts).toHaveLength(5);

      // An account created after the snapshot was taken.
      const organizations = new OrganizationsClient({
        endpoint: moto.endpoint,
        region: TEST_REGION,
        credentials: TEST_CREDENTIALS,
      });
      const created = await organizations.send(
        new CreateAccountCommand({ AccountName: 'newcomer', Email: 'aws+newcomer@example.com' }),
      );
      organizations.destroy();
      const newcomer = created.CreateAccountStatus?.AccountId;
      expect(newcomer).toMatch(/^\d{12}$/);

      proxy.reset();
      const planned = await cli([
        '--dry-run',
        '--output',
        'json',
        '--policy',
        'changed.yaml',
        '--from-state',
        'state.json',
      ]);
      expect(planned.code, describeResult(planned)).toBe(0);
      const stats = proxy.stats();
      expect(stats.GetAlternateContact).toBeUndefined();
      expect(stats.PutAlternateContact).toBeUndefined();
      expect(stats.ListTagsForResource).toBeUndefined();
      expect(stats.ListOrganizationalUnitsForParent).toBeUndefined();
      expect(Object.keys(stats).sort()).toEqual([
        'DescribeOrganization',
        'GetCallerIdentity',
        'ListAccounts',
      ]);
      const fromState = parseJsonOutput<RunReport>(planned);
      expect(fromState.snapshot?.observedAt).toBe(snapshot.observedAt);
      expect(fromState.snapshot?.ageSeconds).toBeGreaterThanOrEqual(0);
      expect(fromState.accounts.find((a) => a.accountId === newcomer)?.items).toEqual([
        expect.objectContaining({ action: 'skip', result: 'skipped', reason: 'not-in-snapshot' }),
      ]);

      const fresh = await cli(['--dry-run', '--output', 'json', '--policy', 'changed.yaml']);
      expect(fresh.code, describeResult(fresh)).toBe(0);
      const freshPlan = parseJsonOutput<RunReport>(fresh);
      // The fresh read also sees the newcomer (it has no contact: a create); everything else is equal.
      const without = (r: RunReport) => ({
        ...decisions(r),
        summary: undefined,
        accounts: r.accounts.filter((a) => a.accountId !== newcomer),
      });
      expect(without(fromState)).toEqual(without(freshPlan));
      expect(fromState.summary.update).toBe(4);

      const text = await cli([
        '--dry-run',
        '--policy',
        'changed.yaml',
        '--from-state',
        'state.json',
        '--offline',
      ]);
      expect(text.code, describeResult(text)).toBe(0);
      expect(text.stdout).toMatch(/Planned from the snapshot state\.json, observed .* ago\)/);
    });

    it('member-role mode: members read and written from inside in standalone context; a role-less account falls back and is reported', async () => {
      const lacking = org.accounts['member-3']!;
      proxy.reset();
      proxy.configure({ assumeRoleDeniedAccounts: [lacking] });
      // A fresh policy file: the newcomer of the test above is in the organization too.
      const result = await cli([
        '--apply',
        '--output',
        'json',
        '--policy',
        'changed.yaml',
        '--member-role',
        ROLE,
      ]);
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<RunReport>(result);

      const members = Object.values(org.accounts).filter((id) => id !== lacking);
      const via = Object.fromEntries(plan.accounts.map((a) => [a.accountId, [a.via, a.viaReason?.code]]));
      for (const id of members) expect(via[id]).toEqual(['member', undefined]);
      expect(via[lacking]).toEqual(['organization', 'access-denied']);
      expect(via[org.managementAccountId]).toEqual(['organization', 'caller-account']);

      // Every write of a member with the role came from its own credentials, without AccountId.
      const byAccount = new Map(proxy.ledger.map((e) => [e.accountId, e]));
      for (const id of members) {
        expect(byAccount.get(id), id).toMatchObject({ callerAccountId: id, hadAccountId: false });
      }
      expect(byAccount.get(lacking)).toMatchObject({
        callerAccountId: org.managementAccountId,
        hadAccountId: true,
      });
      expect(byAccount.get(org.managementAccountId)).toMatchObject({
        callerAccountId: org.managementAccountId,
        hadAccountId: false,
      });
      // Reads too: each member's own quota bucket was used, not the caller's.
      const byCaller = proxy.statsByCaller();
      for (const id of members) expect(byCaller[id]?.GetAlternateContact?.forwarded).toBeGreaterThan(0);
      expect(proxy.assumeRoles.filter((a) => a.outcome === 'denied').map((a) => a.accountId)).toEqual([
        lacking,
      ]);
      expect(proxy.assumeRoles.every((a) => a.roleArn.endsWith(`:role/${ROLE}`))).toBe(true);

      // The text view names the fallback.
      proxy.configure({ assumeRoleDeniedAccounts: [lacking] });
      const text = await cli(['--dry-run', '--policy', 'changed.yaml', '--member-role', ROLE]);
      expect(text.code, describeResult(text)).toBe(0);
      expect(text.stdout).toMatch(
        new RegExp(
          `${lacking} \\(member-3\\): through the organization, not its member role \\(access-denied\\)`,
        ),
      );
    });
  },
);
