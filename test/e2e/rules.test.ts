// End to end: the policy's rules and AWS's, through the AWS-faithful proxy (management-account rule,
// field validation, trusted access): the management account written without AccountId, suspended and
// tag-excluded accounts untouched, OU scope at any depth, overrides in order field by field, SecureString
// values written but never shown, --accounts, and the trusted-access preflight.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLedgerProblems, eventsOf, lastRun, readAudit } from '../support/audit.js';
import { type AwsProxy, type LedgerEntry, type ProxyStats, startAwsProxy } from '../support/aws-proxy.js';
import {
  type CliResult,
  cliEnv,
  describeResult,
  makeTempDir,
  parseJsonOutput,
  removeDir,
  runCli,
} from '../support/cli.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  type ContactSpec,
  contactsYaml,
  fakeAwsEnv,
  type OrgSpec,
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
} from '../support/seed.js';

/** The operations email lives in an SSM SecureString; `zq7k` appears nowhere else, so a grep finds leaks. */
const SECRET_EMAIL = 'oncall-zq7k@example.com';
const SECRET_TOKEN = /zq7k/i;
const SECRET_PARAMETER = '/org/contacts/operations/email';
const OPERATIONS: ContactSpec = {
  name: 'Platform On-Call',
  title: 'Operations',
  email: SECRET_EMAIL,
  phone: '+1-555-0100',
};
const STALE: ContactSpec = {
  name: 'Jordan Example',
  title: 'Security Engineer',
  email: 'jordan.former@example.com',
  phone: '+1-555-0199',
};

const ORG: OrgSpec = {
  ous: [
    { name: 'Workloads', children: [{ name: 'Prod', children: [{ name: 'Prod-EU' }] }, { name: 'Dev' }] },
    { name: 'Payments' },
    { name: 'Sandbox' },
  ],
  // The management account has no contacts: both are created, in the standalone context.
  accounts: [
    { name: 'prod-1', email: 'aws+prod-1@example.com', ou: 'Prod' },
    { name: 'prod-eu', email: 'aws+prod-eu@example.com', ou: 'Prod-EU', contacts: { SECURITY: STALE } },
    { name: 'dev-1', email: 'aws+dev-1@example.com', ou: 'Dev' },
    { name: 'pay-1', email: 'aws+pay-1@example.com', ou: 'Payments' },
    { name: 'pay-red', email: 'aws+pay-red@example.com', ou: 'Payments', tags: { team: 'red' } },
    { name: 'sandbox-red', email: 'aws+sandbox-red@example.com', ou: 'Sandbox', tags: { team: 'red' } },
    {
      name: 'retired',
      email: 'aws+retired@example.com',
      ou: 'Sandbox',
      suspended: true,
      contacts: { SECURITY: STALE },
    },
    {
      name: 'exempt',
      email: 'aws+exempt@example.com',
      tags: { 'contact-policy': 'exempt', team: 'red' },
      contacts: { SECURITY: STALE },
    },
  ],
  parameters: [{ name: SECRET_PARAMETER, value: SECRET_EMAIL, type: 'SecureString' }],
};

const CONTACTS_YAML = contactsYaml({
  security: SECURITY,
  operations: { ...OPERATIONS, email: `{ ssm: ${SECRET_PARAMETER} }` },
});

/**
 * The proxy does not throttle in this file (faults.test.ts covers the quotas): the client's pacing is raised
 * through the policy's own setting so the tag and OU reads do not take seconds per run.
 */
const FAST = `  rateLimits:
    organizations: { perSecond: 100, burst: 100 }
    getAlternateContact: { perSecond: 100, burst: 100 }
    putAlternateContact: { perSecond: 100, burst: 100 }
`;

/** Exclusion by tag, and three overrides that match pay-red: by OU, by tag, by account, in that order. */
function fullPolicy(org: SeededOrg): string {
  return `version: 1
${CONTACTS_YAML}scope:
  exclude:
    tags: { contact-policy: exempt }
overrides:
  - match: { ous: ["${org.ous.Payments}"] }
    contacts:
      security: { email: payments-security@example.com, phone: "+1-555-0300" }
  - match: { tags: { team: red } }
    contacts:
      security: { email: red-team-security@example.com, title: Red Team }
  - match: { accounts: ["${org.accounts['pay-red']}"] }
    contacts:
      security: { name: Payments Red Security }
settings:
  managementAccount: manage
${FAST}`;
}

interface JsonItem {
  accountId: string;
  type: string;
  action: string;
  result: string;
  before: ContactSpec | null;
  after: ContactSpec | null;
  reason: string | null;
  error: { code: string; message: string } | null;
}
interface JsonPlan {
  summary: Record<string, number>;
  accounts: { accountId: string; accountName: string; state: string; items: JsonItem[] }[];
}

const ACCOUNT_API = ['GetAlternateContact', 'PutAlternateContact', 'DeleteAlternateContact'];
const accountApiRequests = (stats: ProxyStats) =>
  ACCOUNT_API.reduce((n, operation) => n + (stats[operation]?.received ?? 0), 0);

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)(
  'enforce: policy and AWS rules',
  () => {
    let moto: MotoServer;
    let proxy: AwsProxy;
    let org: SeededOrg;
    let dir: string;
    let logFile: string;

    const id = (name: string) => (name === 'master' ? org.managementAccountId : org.accounts[name]!);
    const nameOf = (accountId: string) =>
      accountId === org.managementAccountId
        ? 'master'
        : Object.entries(org.accounts).find(([, value]) => value === accountId)?.[0];
    const cli = (...args: string[]): Promise<CliResult> =>
      runCli([...args, '--policy', 'contacts.yaml', '--log-file', logFile, '--no-progress'], {
        env: cliEnv(fakeAwsEnv(proxy.endpoint)),
        cwd: dir,
      });
    const writePolicy = (text: string) => writeFile(join(dir, 'contacts.yaml'), text, 'utf8');
    /** Ledger as `name/TYPE` → written values, without bookkeeping. */
    const written = (ledger: readonly LedgerEntry[]) =>
      Object.fromEntries(
        ledger.map(({ accountId, type, name, title, email, phone, hadAccountId }) => [
          `${nameOf(accountId)}/${type}`,
          { contact: { name, title, email, phone }, hadAccountId },
        ]),
      );
    const itemsOf = (plan: JsonPlan, name: string) =>
      plan.accounts.find((account) => account.accountId === id(name))?.items ?? [];

    beforeAll(async () => {
      moto = await startMoto();
      proxy = await startAwsProxy({ target: moto.endpoint, validate: true, trustedAccess: true });
    });

    beforeEach(async () => {
      await moto.reset();
      org = await seedOrganization(moto.endpoint, ORG);
      proxy.reset();
      proxy.configure({ managementAccountId: org.managementAccountId, trustedAccess: true });
      await removeDir(dir);
      dir = await makeTempDir();
      logFile = join(dir, 'audit.ndjson');
    });

    afterAll(async () => {
      await proxy?.stop();
      await moto?.stop();
      await removeDir(dir);
    });

    it('applies the full policy: standalone management account, skips suspended and excluded, overrides field by field, SecureString written but never shown', async () => {
      await writePolicy(fullPolicy(org));

      // The dry-run shows drift in text; the SecureString value is masked there too.
      const preview = await cli('--dry-run');
      expect(preview.code, describeResult(preview)).toBe(0);
      expect(preview.stdout).toMatch(/\+ email: "\[redacted:[0-9a-f]{8}\]"/);
      expect(preview.stdout).toContain(
        'Plan: 13 to create, 1 to update, 0 in sync, 4 skipped, 0 failed (18 contacts in 9 accounts).',
      );

      const result = await cli('--apply', '--output', 'json');
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);
      expect(plan.summary).toEqual({
        accounts: 9,
        items: 18,
        inSync: 0,
        create: 13,
        update: 1,
        skipped: 4,
        failed: 0,
        applied: 14,
        delete: 0,
        notWritten: {
          stale: 0,
          'already-in-sync': 0,
          'max-changes': 0,
          interrupted: 0,
          'audit-log-failed': 0,
        },
      });

      // Suspended (moto's CloseAccount → SUSPENDED) and tag-excluded accounts: skipped, never written.
      expect(plan.accounts.find((a) => a.accountId === id('retired'))?.state).toBe('SUSPENDED');
      expect(itemsOf(plan, 'retired').map((i) => [i.type, i.action, i.result, i.reason])).toEqual([
        ['SECURITY', 'skip', 'skipped', 'suspended'],
        ['OPERATIONS', 'skip', 'skipped', 'suspended'],
      ]);
      expect(itemsOf(plan, 'exempt').map((i) => [i.type, i.action, i.result, i.reason])).toEqual([
        ['SECURITY', 'skip', 'skipped', 'excluded'],
        ['OPERATIONS', 'skip', 'skipped', 'excluded'],
      ]);

      // What reached moto: every managed account, the management account without AccountId (the proxy
      // answers 403 when it names itself), overrides merged field by field, the SSM value in clear.
      const ops = { contact: OPERATIONS, hadAccountId: true };
      const sec = (contact: Partial<ContactSpec> = {}) => ({
        contact: { ...SECURITY, ...contact },
        hadAccountId: true,
      });
      const payments = { email: 'payments-security@example.com', phone: '+1-555-0300' };
      const redTeam = { email: 'red-team-security@example.com', title: 'Red Team' };
      expect(written(proxy.ledger)).toEqual({
        'master/SECURITY': { contact: SECURITY, hadAccountId: false },
        'master/OPERATIONS': { contact: OPERATIONS, hadAccountId: false },
        'prod-1/SECURITY': sec(),
        'prod-1/OPERATIONS': ops,
        'prod-eu/SECURITY': sec(),
        'prod-eu/OPERATIONS': ops,
        'dev-1/SECURITY': sec(),
        'dev-1/OPERATIONS': ops,
        'pay-1/SECURITY': sec(payments),
        'pay-1/OPERATIONS': ops,
        // OU override, then tag override (email, title), then account override (name): later wins per field.
        'pay-red/SECURITY': sec({ ...payments, ...redTeam, name: 'Payments Red Security' }),
        'pay-red/OPERATIONS': ops,
        'sandbox-red/SECURITY': sec(redTeam),
        'sandbox-red/OPERATIONS': ops,
      });
      expect(proxy.ledger).toHaveLength(14); // each written once
      const stats = proxy.stats();
      expect(stats.GetAlternateContact?.rejected).toBe(0);
      expect(stats.PutAlternateContact?.rejected).toBe(0);

      const lines = await readAudit(logFile);
      const run = lastRun(lines);
      expect(auditLedgerProblems(run, proxy.ledger)).toEqual([]);
      for (const name of ['retired', 'exempt']) {
        expect(run.filter((line) => line.accountId === id(name))).toEqual([]);
      }

      // The SecureString value: written to AWS (above), but not in the audit log, stdout or stderr.
      const log = await readFile(logFile, 'utf8');
      expect(log).not.toMatch(SECRET_TOKEN);
      for (const output of [preview, result]) {
        expect(output.stdout).not.toMatch(SECRET_TOKEN);
        expect(output.stderr).not.toMatch(SECRET_TOKEN);
      }
      expect(
        eventsOf(run, 'change.applied')
          .filter((line) => line.type === 'OPERATIONS')
          .every((line) => /^\[redacted:[0-9a-f]{8}\]$/.test(line.after?.email ?? '')),
      ).toBe(true);
      expect(itemsOf(plan, 'dev-1')[1]?.after?.email).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    });

    it('scope.include by OU: accounts anywhere below it (nested child OU) are managed, the others out of scope', async () => {
      await writePolicy(`version: 1
${CONTACTS_YAML}scope:
  include:
    ous: ["${org.ous.Prod}"]
    accounts: ["${org.accounts['pay-1']}"]
settings:
${FAST}`);
      const result = await cli('--apply', '--output', 'json');
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);
      const managed = ['prod-1', 'prod-eu', 'pay-1']; // prod-eu is in Prod-EU, a child OU of Prod
      for (const name of [
        'master',
        'prod-1',
        'prod-eu',
        'dev-1',
        'pay-1',
        'pay-red',
        'sandbox-red',
        'retired',
        'exempt',
      ]) {
        const items = itemsOf(plan, name);
        expect(items, name).toHaveLength(2);
        if (managed.includes(name)) {
          expect(
            items.map((i) => i.result),
            name,
          ).toEqual(['applied', 'applied']);
        } else {
          // A suspended account is decided by its state first (SPEC round 2), whatever the scope says.
          const reason = name === 'retired' ? 'suspended' : 'out-of-scope';
          expect(
            items.map((i) => [i.action, i.reason]),
            name,
          ).toEqual([
            ['skip', reason],
            ['skip', reason],
          ]);
        }
      }
      expect(Object.keys(written(proxy.ledger)).sort()).toEqual(
        managed.flatMap((name) => [`${name}/OPERATIONS`, `${name}/SECURITY`]).sort(),
      );
      expect(auditLedgerProblems(lastRun(await readAudit(logFile)), proxy.ledger)).toEqual([]);
    });

    it('--accounts limits the run to the named accounts; an id outside the organization is a usage error', async () => {
      await writePolicy(fullPolicy(org));
      const result = await cli(
        '--apply',
        '--output',
        'json',
        '--accounts',
        `${id('dev-1')},${id('pay-red')}`,
      );
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);
      expect(plan.accounts.map((a) => a.accountId).sort()).toEqual([id('dev-1'), id('pay-red')].sort());
      expect(plan.summary).toMatchObject({ accounts: 2, items: 4, create: 4, applied: 4 });
      expect(Object.keys(written(proxy.ledger)).sort()).toEqual([
        'dev-1/OPERATIONS',
        'dev-1/SECURITY',
        'pay-red/OPERATIONS',
        'pay-red/SECURITY',
      ]);
      // Only the named accounts' contacts were even read.
      expect(proxy.stats().GetAlternateContact?.received).toBe(4 + 4); // scan + read-back
      expect(auditLedgerProblems(lastRun(await readAudit(logFile)), proxy.ledger)).toEqual([]);

      proxy.reset();
      const unknown = await cli('--dry-run', '--accounts', '999999999999');
      expect(unknown.code, describeResult(unknown)).toBe(64);
      expect(unknown.stderr).toContain('not an account of this organization: 999999999999');
      expect(accountApiRequests(proxy.stats())).toBe(0);
    });

    it('trusted access for account.amazonaws.com not enabled: preflight fails with the fix, no Account API call', async () => {
      await moto.reset();
      org = await seedOrganization(moto.endpoint, {
        trustedAccess: false,
        accounts: [{ name: 'member', email: 'aws+member@example.com' }],
      });
      proxy.reset();
      // As AWS: without trusted access every Account API call naming an account is refused.
      proxy.configure({ managementAccountId: org.managementAccountId, trustedAccess: false });
      await writePolicy(
        `version: 1\n${CONTACTS_YAML}`.replace(`{ ssm: ${SECRET_PARAMETER} }`, 'ops@example.com'),
      );
      const result = await cli('--dry-run');
      expect(result.code, describeResult(result)).toBe(1);
      expect(result.stderr).toContain(
        'aws organizations enable-aws-service-access --service-principal account.amazonaws.com',
      );
      expect(accountApiRequests(proxy.stats())).toBe(0);
      expect(proxy.ledger).toEqual([]);
    });
  },
);
