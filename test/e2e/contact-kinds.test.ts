// End to end (issue 12): the primary contact created, updated and read back for a member and for the
// management account (standalone), `billing: absent` deleting Billing on some accounts and not others, a
// partial Security policy keeping each account's own name and title, and `enforce init` on a seeded
// organization followed by a dry-run of the written policy with no drift. moto 5.2.1 lacks the primary
// contact: the proxy emulates it.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLedgerProblems, eventsOf, lastRun, readAudit } from '../support/audit.js';
import { type AwsProxy, type ContactInformation, startAwsProxy } from '../support/aws-proxy.js';
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
  fakeAwsEnv,
  type OrgSpec,
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
} from '../support/seed.js';

const BILLING: ContactSpec = {
  name: 'Accounts Payable',
  title: 'Finance',
  email: 'billing@example.com',
  phone: '+1-555-0110',
};
const TEAM_BILLING: ContactSpec = { ...BILLING, email: 'team-billing@example.com' };

const HQ: ContactInformation = {
  FullName: 'Example Corp Accounts',
  AddressLine1: '1 Example Street',
  City: 'Springfield',
  StateOrRegion: 'IL',
  PostalCode: '12345',
  CountryCode: 'US',
  PhoneNumber: '+1 555 0100',
};

const ORG: OrgSpec = {
  ous: [{ name: 'Workloads' }, { name: 'Sandbox' }],
  accounts: [
    {
      name: 'prod',
      email: 'aws+prod@example.com',
      ou: 'Workloads',
      contacts: { SECURITY: { ...SECURITY, name: 'Prod Owner', title: 'Prod Lead' }, BILLING },
    },
    {
      name: 'dev',
      email: 'aws+dev@example.com',
      ou: 'Workloads',
      contacts: {
        SECURITY: { ...SECURITY, name: 'Dev Owner', title: 'Dev Lead', email: 'old@example.com' },
        BILLING: TEAM_BILLING,
      },
    },
    { name: 'sandbox', email: 'aws+sandbox@example.com', ou: 'Sandbox', contacts: { SECURITY } },
  ],
  managementContacts: { SECURITY, BILLING },
};

const FAST = `settings:
  rateLimits:
    organizations: { perSecond: 100, burst: 100 }
    getAlternateContact: { perSecond: 100, burst: 100 }
    putAlternateContact: { perSecond: 100, burst: 100 }
    deleteAlternateContact: { perSecond: 100, burst: 100 }
    getContactInformation: { perSecond: 100, burst: 100 }
    putContactInformation: { perSecond: 100, burst: 100 }
`;

interface JsonItem {
  accountId: string;
  type: string;
  action: string;
  result: string;
  before: Record<string, string> | null;
  after: Record<string, string> | null;
  changedFields: string[];
}
interface JsonPlan {
  summary: Record<string, number>;
  accounts: { accountId: string; items: JsonItem[] }[];
}

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)(
  'enforce: the primary contact, absent types, partial fields, init',
  () => {
    let moto: MotoServer;
    let proxy: AwsProxy;
    let org: SeededOrg;
    let dir: string;
    let logFile: string;

    const id = (name: string) => (name === 'master' ? org.managementAccountId : org.accounts[name]!);
    const cli = (...args: string[]): Promise<CliResult> =>
      runCli([...args, '--policy', 'contacts.yaml', '--log-file', logFile, '--no-progress'], {
        env: cliEnv(fakeAwsEnv(proxy.endpoint)),
        cwd: dir,
      });
    const writePolicy = (text: string) => writeFile(join(dir, 'contacts.yaml'), text, 'utf8');
    const item = (plan: JsonPlan, name: string, type: string) =>
      plan.accounts.find((a) => a.accountId === id(name))?.items.find((i) => i.type === type);
    const auditProblems = async () => auditLedgerProblems(lastRun(await readAudit(logFile)), proxy.ledger);

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

    it('creates and updates the primary contact for members and the management account (standalone), read back', async () => {
      proxy.contactInformation.set(id('prod'), { ...HQ, City: 'Shelbyville' });
      proxy.contactInformation.set(id('dev'), HQ);
      await writePolicy(`version: 1
contacts:
  primary:
    fullName: Example Corp Accounts
    addressLine1: 1 Example Street
    city: Springfield
    stateOrRegion: IL
    postalCode: "12345"
    countryCode: us
    phone: "+1 (555) 0100"
${FAST}`);
      const result = await cli('--apply', '--output', 'json');
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);
      expect(item(plan, 'master', 'PRIMARY')).toMatchObject({ action: 'create', result: 'applied' });
      expect(item(plan, 'sandbox', 'PRIMARY')).toMatchObject({ action: 'create', result: 'applied' });
      expect(item(plan, 'prod', 'PRIMARY')).toMatchObject({
        action: 'update',
        result: 'applied',
        changedFields: ['city'],
      });
      expect(item(plan, 'dev', 'PRIMARY')).toMatchObject({ action: 'noop', result: 'unchanged' });

      const writes = proxy.ledger.map((e) => ({
        op: e.operation,
        accountId: e.accountId,
        had: e.hadAccountId,
      }));
      expect(writes).toHaveLength(3);
      expect(writes).toEqual(
        expect.arrayContaining([
          { op: 'PutContactInformation', accountId: org.managementAccountId, had: false },
          { op: 'PutContactInformation', accountId: id('prod'), had: true },
          { op: 'PutContactInformation', accountId: id('sandbox'), had: true },
        ]),
      );
      expect(proxy.contactInformation.get(id('prod'))?.City).toBe('Springfield');
      expect(proxy.contactInformation.get(org.managementAccountId)).toMatchObject({ FullName: HQ.FullName });
      expect(await auditProblems()).toEqual([]);

      const again = await cli('--dry-run', '--detailed-exitcode');
      expect(again.code, describeResult(again)).toBe(0);
    });

    it('billing: absent deletes Billing where it exists, not where an override sets it, and reads back', async () => {
      await writePolicy(`version: 1
contacts:
  billing: absent
overrides:
  - match: { accounts: ["${id('dev')}"] }
    contacts:
      billing: { name: "${TEAM_BILLING.name}", title: "${TEAM_BILLING.title}", email: "${TEAM_BILLING.email}", phone: "${TEAM_BILLING.phone}" }
${FAST}`);
      const preview = await cli('--dry-run');
      expect(preview.code, describeResult(preview)).toBe(0);
      expect(preview.stdout).toContain('- billing contact will be deleted');

      const result = await cli('--apply', '--output', 'json');
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);
      expect(item(plan, 'prod', 'BILLING')).toMatchObject({
        action: 'delete',
        result: 'applied',
        after: null,
      });
      expect(item(plan, 'master', 'BILLING')).toMatchObject({ action: 'delete', result: 'applied' });
      expect(item(plan, 'dev', 'BILLING')).toMatchObject({ action: 'noop' });
      expect(item(plan, 'sandbox', 'BILLING')).toMatchObject({ action: 'noop', before: null });
      const deletes = proxy.ledger.map((e) => `${e.operation} ${e.accountId} ${e.type} ${e.hadAccountId}`);
      expect(deletes.sort()).toEqual(
        [
          `DeleteAlternateContact ${id('prod')} BILLING true`,
          `DeleteAlternateContact ${org.managementAccountId} BILLING false`,
        ].sort(),
      );
      expect(await auditProblems()).toEqual([]);
      const applied = eventsOf(lastRun(await readAudit(logFile)), 'change.applied', id('prod'));
      expect(applied).toMatchObject([{ action: 'delete', type: 'BILLING', after: null }]);

      // moto now holds no Billing contact for prod: a second run finds nothing to do.
      const again = await cli('--dry-run', '--detailed-exitcode');
      expect(again.code, describeResult(again)).toBe(0);
    });

    it("a partial Security policy writes email and phone and keeps each account's own name and title", async () => {
      await writePolicy(`version: 1
contacts:
  security:
    email: "${SECURITY.email}"
    phone: "${SECURITY.phone}"
${FAST}`);
      const result = await cli('--apply', '--output', 'json');
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);
      expect(item(plan, 'prod', 'SECURITY')).toMatchObject({ action: 'noop' });
      expect(item(plan, 'dev', 'SECURITY')).toMatchObject({ action: 'update', changedFields: ['email'] });
      expect(proxy.ledger).toHaveLength(1);
      expect(proxy.ledger[0]).toMatchObject({
        operation: 'PutAlternateContact',
        accountId: id('dev'),
        name: 'Dev Owner',
        title: 'Dev Lead',
        email: SECURITY.email,
      });
      expect(await auditProblems()).toEqual([]);
    });

    it('enforce init writes a policy from the organization; a dry-run of it shows no drift', async () => {
      const init = await cli('init', '--types', 'security,billing');
      expect(init.code, describeResult(init)).toBe(0);
      const text = await readFile(join(dir, 'contacts.yaml'), 'utf8');
      expect(text).toContain('version: 1');
      expect(text).toContain('Prod Owner');
      expect(text).not.toContain('operations:');
      const lines = lastRun(await readAudit(logFile));
      expect(lines[0]).toMatchObject({ event: 'run.start', mode: 'dry-run' });
      expect(lines.at(-1)).toMatchObject({ event: 'run.end', exitCode: 0 });
      expect(proxy.ledger).toHaveLength(0);

      const refused = await cli('init');
      expect(refused.code, describeResult(refused)).toBe(64);

      const plan = await cli('--dry-run', '--detailed-exitcode');
      expect(plan.code, describeResult(plan)).toBe(0);
      expect(plan.stdout).toContain('No drift');
    });
  },
);
