// End to end: the built CLI against moto (behind the AWS-faithful proxy), pointed there only through
// AWS_ENDPOINT_URL. One organization, one sequence: dry-run (exact JSON plan), a refused apply, the apply,
// the state read back with the real AWS CLI, then a dry-run that finds nothing to do and writes nothing.

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLedgerProblems, eventsOf, lastRun, readAudit } from '../support/audit.js';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import {
  awsCli,
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
  DEMO_OPERATIONS as OPERATIONS,
  type OrgSpec,
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
} from '../support/seed.js';

const FORMER_SECURITY: ContactSpec = {
  name: 'Jordan Example',
  title: 'Security Engineer',
  email: 'jordan.former@example.com',
  phone: '+1-555-0199',
};
/** Equal to the policy after normalising: surrounding spaces, e-mail case, phone punctuation. */
const SECURITY_FORMATTED: ContactSpec = {
  name: ' Security Operations ',
  title: 'Security Team',
  email: 'SECURITY@EXAMPLE.COM',
  phone: '+1 (555) 0142',
};
const OPERATIONS_FORMATTED: ContactSpec = {
  ...OPERATIONS,
  email: 'Ops-OnCall@Example.com',
  phone: '+1 555 0100',
};

const ORG: OrgSpec = {
  ous: [{ name: 'Workloads' }],
  managementContacts: { SECURITY }, // operations missing: created without AccountId
  accounts: [
    { name: 'missing', email: 'aws+missing@example.com', ou: 'Workloads' },
    { name: 'stale', email: 'aws+stale@example.com', contacts: { SECURITY: FORMER_SECURITY, OPERATIONS } },
    {
      name: 'formatted',
      email: 'aws+formatted@example.com',
      ou: 'Workloads',
      contacts: { SECURITY: SECURITY_FORMATTED, OPERATIONS: OPERATIONS_FORMATTED },
    },
    {
      name: 'one-field',
      email: 'aws+one-field@example.com',
      contacts: {
        SECURITY: { ...SECURITY, email: 'old-security@example.com' },
        OPERATIONS: { ...OPERATIONS, title: 'Ops' },
      },
    },
    { name: 'in-sync', email: 'aws+in-sync@example.com', contacts: { SECURITY, OPERATIONS } },
  ],
};

const POLICY = `version: 1
${contactsYaml({ security: SECURITY, operations: OPERATIONS })}settings:
  managementAccount: manage
`;

type Type = 'SECURITY' | 'OPERATIONS';
const WANT: Record<Type, ContactSpec> = { SECURITY, OPERATIONS };

interface JsonItem {
  accountId: string;
  type: Type;
  action: string;
  result: string;
  before: ContactSpec | null;
  after: ContactSpec | null;
  changedFields: string[];
  reason: string | null;
  error: { code: string; message: string } | null;
}
interface JsonPlan {
  version: number;
  runId: string;
  mode: string;
  policy: { file: string; sha256: string };
  organization: { id: string; managementAccountId: string };
  summary: Record<string, number>;
  accounts: { accountId: string; accountName: string; state: string; items: JsonItem[] }[];
}

const allItems = (plan: JsonPlan) => plan.accounts.flatMap((a) => a.items);

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)(
  'enforce: dry-run, apply, idempotence',
  () => {
    let moto: MotoServer;
    let proxy: AwsProxy;
    let org: SeededOrg;
    let dir: string;
    let logFile: string;
    let policySha256: string;
    let id: (name: string) => string;

    const cli = (...args: string[]): Promise<CliResult> =>
      runCli([...args, '--policy', 'contacts.yaml', '--log-file', logFile, '--no-progress'], {
        env: cliEnv(fakeAwsEnv(proxy.endpoint)),
        cwd: dir,
      });

    beforeAll(async () => {
      moto = await startMoto();
      org = await seedOrganization(moto.endpoint, ORG);
      id = (name) => (name === 'master' ? org.managementAccountId : org.accounts[name]!);
      proxy = await startAwsProxy({
        target: moto.endpoint,
        managementAccountId: org.managementAccountId,
        validate: true,
      });
      dir = await makeTempDir();
      logFile = join(dir, 'logs', 'audit.ndjson');
      await writeFile(join(dir, 'contacts.yaml'), POLICY, 'utf8');
      policySha256 = createHash('sha256').update(POLICY).digest('hex');
    });

    afterAll(async () => {
      await proxy?.stop();
      await moto?.stop();
      await removeDir(dir);
    });

    it('dry-run --output json: the exact SPEC plan, nothing written', async () => {
      const result = await cli('--dry-run', '--output', 'json');
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);

      const noop = (accountId: string, type: Type, contact: ContactSpec) => ({
        accountId,
        type,
        action: 'noop',
        result: 'unchanged',
        before: contact,
        after: contact,
        changedFields: [],
        reason: null,
        error: null,
      });
      const create = (accountId: string, type: Type) => ({
        accountId,
        type,
        action: 'create',
        result: 'planned',
        before: null,
        after: WANT[type],
        changedFields: ['name', 'title', 'email', 'phone'],
        reason: null,
        error: null,
      });
      const update = (accountId: string, type: Type, before: ContactSpec, changedFields: string[]) => ({
        accountId,
        type,
        action: 'update',
        result: 'planned',
        before,
        after: WANT[type],
        changedFields,
        reason: null,
        error: null,
      });
      const account = (name: string, items: (accountId: string) => object[]) => ({
        accountId: id(name),
        accountName: name,
        state: 'ACTIVE',
        items: items(id(name)),
      });
      const expectedAccounts = [
        account('master', (a) => [noop(a, 'SECURITY', SECURITY), create(a, 'OPERATIONS')]),
        account('missing', (a) => [create(a, 'SECURITY'), create(a, 'OPERATIONS')]),
        account('stale', (a) => [
          update(a, 'SECURITY', FORMER_SECURITY, ['name', 'title', 'email', 'phone']),
          noop(a, 'OPERATIONS', OPERATIONS),
        ]),
        account('formatted', (a) => [
          noop(a, 'SECURITY', SECURITY_FORMATTED),
          noop(a, 'OPERATIONS', OPERATIONS_FORMATTED),
        ]),
        account('one-field', (a) => [
          update(a, 'SECURITY', { ...SECURITY, email: 'old-security@example.com' }, ['email']),
          update(a, 'OPERATIONS', { ...OPERATIONS, title: 'Ops' }, ['title']),
        ]),
        account('in-sync', (a) => [noop(a, 'SECURITY', SECURITY), noop(a, 'OPERATIONS', OPERATIONS)]),
      ].sort((a, b) => a.accountId.localeCompare(b.accountId));

      expect(plan).toEqual({
        version: 1,
        runId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        mode: 'dry-run',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        policy: { file: 'contacts.yaml', sha256: policySha256 },
        organization: { id: org.organizationId, managementAccountId: org.managementAccountId },
        caller: { accountId: org.managementAccountId, arn: expect.stringContaining(org.managementAccountId) },
        redaction: { key: expect.stringMatching(/^[0-9a-f]{16}$/) },
        summary: {
          accounts: 6,
          items: 12,
          inSync: 6,
          create: 3,
          update: 3,
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
        accounts: expectedAccounts,
      });
      expect(proxy.ledger).toEqual([]);

      // The audit log of that run: run.start (mode, policy hash, caller, version), one drift line per
      // create/update, no change.* line, run.end with the summary and exit code.
      const run = lastRun(await readAudit(logFile));
      expect(run.every((line) => line.runId === plan.runId)).toBe(true);
      expect(run[0]).toMatchObject({
        event: 'run.start',
        level: 'info',
        mode: 'dry-run',
        policySha256,
        callerAccountId: org.managementAccountId,
        toolVersion: expect.any(String),
      });
      const drift = eventsOf(run, 'drift').map((line) => `${line.accountId}/${line.type}/${line.action}`);
      expect(drift.sort()).toEqual(
        allItems(plan)
          .filter((item) => item.action === 'create' || item.action === 'update')
          .map((item) => `${item.accountId}/${item.type}/${item.action}`)
          .sort(),
      );
      expect(run.filter((line) => line.event.startsWith('change.'))).toEqual([]);
      expect(run.at(-1)).toMatchObject({
        event: 'run.end',
        organizationId: org.organizationId,
        exitCode: 0,
        interrupted: false,
        summary: plan.summary,
      });
      expect(auditLedgerProblems(run, [])).toEqual([]);
    });

    it('dry-run, text: terraform-like blocks and the one-line summary; --detailed-exitcode exits 2 on drift', async () => {
      const result = await cli('--dry-run', '--detailed-exitcode');
      expect(result.code, describeResult(result)).toBe(2);
      expect(result.stdout).toContain(`  # ${id('missing')} (missing)\n  + security contact will be created`);
      expect(result.stdout).toContain(
        `  # ${id('one-field')} (one-field)\n  ~ security contact will be updated\n      ~ email: "old-security@example.com" → "security@example.com"`,
      );
      expect(result.stdout).not.toContain(id('formatted')); // in sync after normalising: counted, not listed
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
        'Plan: 3 to create, 3 to update, 6 in sync, 0 skipped, 0 failed (12 contacts in 6 accounts).',
      );
      expect(proxy.ledger).toEqual([]);
    });

    it('--apply --max-changes below the plan: refuses before any write (exit 1, items skipped max-changes)', async () => {
      const result = await cli('--apply', '--max-changes', '5', '--output', 'json');
      expect(result.code, describeResult(result)).toBe(1);
      expect(result.stderr).toMatch(/refusing to apply: the plan writes 6 contacts, more than max-changes 5/);
      const writes = allItems(parseJsonOutput<JsonPlan>(result)).filter(
        (item) => item.action === 'create' || item.action === 'update',
      );
      expect(writes).toHaveLength(6);
      expect(writes.every((item) => item.result === 'skipped' && item.reason === 'max-changes')).toBe(true);
      expect(proxy.ledger).toEqual([]);
      expect(proxy.stats().PutAlternateContact).toBeUndefined();
    });

    it('--apply: every create and update applied and read back; the management account without AccountId', async () => {
      const result = await cli('--apply', '--output', 'json');
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);
      expect(plan.mode).toBe('apply');
      expect(plan.summary).toEqual({
        accounts: 6,
        items: 12,
        inSync: 6,
        create: 3,
        update: 3,
        skipped: 0,
        failed: 0,
        applied: 6,
        delete: 0,
        notWritten: {
          stale: 0,
          'already-in-sync': 0,
          'max-changes': 0,
          interrupted: 0,
          'audit-log-failed': 0,
        },
      });
      const writes = allItems(plan).filter((item) => item.action === 'create' || item.action === 'update');
      expect(writes.map((item) => item.result)).toEqual(Array(6).fill('applied'));
      expect(
        allItems(plan)
          .filter((item) => item.action === 'noop')
          .map((item) => item.result),
      ).toEqual(Array(6).fill('unchanged'));

      // Exactly the planned writes reached moto, with the policy's values, the management account's own
      // contact in the standalone context (the proxy answers 403 to it naming itself).
      const ledger = proxy.ledger.map(({ seq, time, operation, callerAccountId, ...entry }) => entry);
      const key = (e: { accountId: string; type: string }) => `${e.accountId}/${e.type}`;
      expect(ledger.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
        writes
          .map((item) => ({
            accountId: item.accountId,
            type: item.type,
            ...WANT[item.type],
            hadAccountId: item.accountId !== org.managementAccountId,
          }))
          .sort((a, b) => key(a).localeCompare(key(b))),
      );
      expect(ledger.filter((entry) => !entry.hadAccountId).map(key)).toEqual([
        `${org.managementAccountId}/OPERATIONS`,
      ]);
      expect(proxy.stats().PutAlternateContact?.rejected).toBe(0);
      expect(proxy.stats().GetAlternateContact?.rejected).toBe(0);

      const run = lastRun(await readAudit(logFile));
      expect(auditLedgerProblems(run, proxy.ledger)).toEqual([]);
      expect(eventsOf(run, 'change.applied')).toHaveLength(6);
      expect(eventsOf(run, 'change.failed')).toEqual([]);
      expect(run.at(-1)).toMatchObject({ event: 'run.end', exitCode: 0, summary: plan.summary });
    });

    it('the state, read back with the real AWS CLI, equals the policy for every account and type', async () => {
      const read = async (name: string, type: Type) => {
        const target = name === 'master' ? [] : ['--account-id', id(name)];
        const answer = (await awsCli(
          ['account', 'get-alternate-contact', '--alternate-contact-type', type, ...target],
          { endpoint: moto.endpoint },
        )) as {
          AlternateContact: { Name: string; Title: string; EmailAddress: string; PhoneNumber: string };
        };
        const c = answer.AlternateContact;
        return { name: c.Name, title: c.Title, email: c.EmailAddress, phone: c.PhoneNumber };
      };
      const names = ['master', 'missing', 'stale', 'formatted', 'one-field', 'in-sync'];
      const cases = names.flatMap((name) =>
        (['SECURITY', 'OPERATIONS'] as const).map((type) => ({ name, type })),
      );
      const state: Record<string, ContactSpec> = {};
      // The AWS CLI is a Python process each: four at a time.
      for (let i = 0; i < cases.length; i += 4) {
        await Promise.all(
          cases.slice(i, i + 4).map(async ({ name, type }) => {
            state[`${name}/${type}`] = await read(name, type);
          }),
        );
      }
      const expected = Object.fromEntries(
        cases.map(({ name, type }) => [
          `${name}/${type}`,
          // The differently formatted contacts are in sync, so they were left exactly as they were.
          name === 'formatted'
            ? type === 'SECURITY'
              ? SECURITY_FORMATTED
              : OPERATIONS_FORMATTED
            : WANT[type],
        ]),
      );
      expect(state).toEqual(expected);
    });

    it('a second dry-run --detailed-exitcode finds nothing to do (exit 0) and writes nothing', async () => {
      const writesBefore = proxy.ledger.length;
      const putsBefore = proxy.stats().PutAlternateContact?.received ?? 0;
      const result = await cli('--dry-run', '--output', 'json', '--detailed-exitcode');
      expect(result.code, describeResult(result)).toBe(0);
      const plan = parseJsonOutput<JsonPlan>(result);
      expect(plan.summary).toMatchObject({ create: 0, update: 0, inSync: 12, failed: 0, skipped: 0 });
      expect(allItems(plan).every((item) => item.action === 'noop')).toBe(true);
      expect(proxy.ledger).toHaveLength(writesBefore);
      expect(proxy.stats().PutAlternateContact?.received ?? 0).toBe(putsBefore);

      // And an --apply now is a no-op too: idempotent.
      const again = await cli('--apply', '--output', 'json');
      expect(again.code, describeResult(again)).toBe(0);
      expect(parseJsonOutput<JsonPlan>(again).summary).toMatchObject({ create: 0, update: 0, applied: 0 });
      expect(proxy.ledger).toHaveLength(writesBefore);

      // The log is appended, never truncated: one run.start and one run.end per run so far (6 runs).
      const lines = await readAudit(logFile);
      expect(eventsOf(lines, 'run.start')).toHaveLength(6);
      expect(eventsOf(lines, 'run.end')).toHaveLength(6);
      expect(new Set(lines.map((line) => line.runId)).size).toBe(6);
      expect((await readFile(logFile, 'utf8')).endsWith('\n')).toBe(true);
    });
  },
);
