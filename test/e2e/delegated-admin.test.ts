// End to end: the CLI run by a delegated administrator for AWS Account Management (a member account), with
// that account's own credentials, through the proxy that enforces AWS's management-account rule. AWS lets
// only the management account change its own contacts, so the tool skips it; the administrator's own
// account is managed in the standalone context (no AccountId), every other member with AccountId.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport as Plan } from '../../src/core/types.js';
import { auditLedgerProblems, lastRun, readAudit } from '../support/audit.js';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import {
  cliEnv,
  credentialsEnv,
  describeResult,
  makeTempDir,
  parseJsonOutput,
  removeDir,
  runCli,
} from '../support/cli.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  assumeRoleCredentials,
  type ContactSpec,
  contactsYaml,
  registerDelegatedAdmin,
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
} from '../support/seed.js';

const STALE: ContactSpec = { ...SECURITY, email: 'jordan.former@example.com' };

const POLICY = `version: 1
${contactsYaml({ security: SECURITY })}settings:
  managementAccount: manage
`;

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)(
  'enforce: as a delegated administrator',
  () => {
    let moto: MotoServer;
    let proxy: AwsProxy;
    let org: SeededOrg;
    let dir: string;
    let logFile: string;
    let admin: string;

    beforeAll(async () => {
      moto = await startMoto();
      org = await seedOrganization(moto.endpoint, {
        ous: [{ name: 'Security' }],
        // The management account's contact is stale: a management-account caller would update it.
        managementContacts: { SECURITY: STALE },
        accounts: [
          { name: 'security-admin', email: 'aws+security-admin@example.com', ou: 'Security' },
          { name: 'member-1', email: 'aws+member-1@example.com' },
          { name: 'member-2', email: 'aws+member-2@example.com', contacts: { SECURITY: STALE } },
          { name: 'member-3', email: 'aws+member-3@example.com', contacts: { SECURITY } },
        ],
      });
      admin = org.accounts['security-admin']!;
      await registerDelegatedAdmin(moto.endpoint, admin);
      proxy = await startAwsProxy({
        target: moto.endpoint,
        managementAccountId: org.managementAccountId,
        validate: true,
      });
      dir = await makeTempDir();
      logFile = join(dir, 'audit.ndjson');
      await writeFile(join(dir, 'contacts.yaml'), POLICY, 'utf8');
    });

    afterAll(async () => {
      await proxy?.stop();
      await moto?.stop();
      await removeDir(dir);
    });

    it('skips the management account (management-account-delegated-admin), writes its own account without AccountId', async () => {
      const credentials = await assumeRoleCredentials(moto.endpoint, admin);
      const result = await runCli(
        ['--apply', '--output', 'json', '--policy', 'contacts.yaml', '--log-file', logFile, '--no-progress'],
        { env: cliEnv(credentialsEnv(proxy.endpoint, credentials)), cwd: dir },
      );
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<Plan>(result);
      expect(plan.organization).toEqual({
        id: org.organizationId,
        managementAccountId: org.managementAccountId,
      });

      const byAccount = Object.fromEntries(
        plan.accounts.map((account) => [
          account.accountId,
          account.items.map((item) => [item.type, item.action, item.result, item.reason]),
        ]),
      );
      expect(byAccount).toEqual({
        [org.managementAccountId]: [['SECURITY', 'skip', 'skipped', 'management-account-delegated-admin']],
        [admin]: [['SECURITY', 'create', 'applied', null]],
        [org.accounts['member-1']!]: [['SECURITY', 'create', 'applied', null]],
        [org.accounts['member-2']!]: [['SECURITY', 'update', 'applied', null]],
        [org.accounts['member-3']!]: [['SECURITY', 'noop', 'unchanged', null]],
      });

      // What moto applied: the administrator's own account in the standalone context, the other members
      // named with AccountId, nothing for the management account.
      expect(
        proxy.ledger
          .map(({ accountId, type, email, hadAccountId }) => ({ accountId, type, email, hadAccountId }))
          .sort((a, b) => a.accountId.localeCompare(b.accountId)),
      ).toEqual(
        [
          { accountId: admin, type: 'SECURITY', email: SECURITY.email, hadAccountId: false },
          {
            accountId: org.accounts['member-1']!,
            type: 'SECURITY',
            email: SECURITY.email,
            hadAccountId: true,
          },
          {
            accountId: org.accounts['member-2']!,
            type: 'SECURITY',
            email: SECURITY.email,
            hadAccountId: true,
          },
        ].sort((a, b) => a.accountId.localeCompare(b.accountId)),
      );
      // The management account was not even read: the proxy refuses (403) any call that names it.
      const stats = proxy.stats();
      expect(stats.GetAlternateContact?.rejected).toBe(0);
      expect(stats.PutAlternateContact?.rejected).toBe(0);
      expect(stats.GetAlternateContact?.received).toBe(4 + 3); // four members read, three read back

      const run = lastRun(await readAudit(logFile));
      expect(run[0]).toMatchObject({ event: 'run.start', callerAccountId: admin });
      expect(run.filter((line) => line.accountId === org.managementAccountId)).toEqual([]);
      expect(auditLedgerProblems(run, proxy.ledger)).toEqual([]);
    });
  },
);
