// End to end: a reviewed plan. `--dry-run --plan-out` saves it; `--apply --plan` writes exactly its items,
// re-reading each account first: an item whose account changed since the plan was made is not written and
// is reported stale (exit 1). A plan made for another policy is refused before any AWS call.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport as Plan } from '../../src/core/types.js';
import { auditLedgerProblems, lastRun, readAudit } from '../support/audit.js';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import {
  awsCli,
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
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
} from '../support/seed.js';

const STALE: ContactSpec = { ...SECURITY, name: 'Jordan Example', email: 'jordan.former@example.com' };

const POLICY = `version: 1
${contactsYaml({ security: SECURITY })}`;

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)('enforce: saved plans', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let org: SeededOrg;
  let dir: string;
  let logFile: string;

  const cli = (...args: string[]) =>
    runCli([...args, '--policy', 'contacts.yaml', '--log-file', logFile, '--no-progress'], {
      env: cliEnv(fakeAwsEnv(proxy.endpoint)),
      cwd: dir,
    });

  beforeAll(async () => {
    moto = await startMoto();
    org = await seedOrganization(moto.endpoint, {
      managementContacts: { SECURITY },
      accounts: [
        { name: 'missing', email: 'aws+missing@example.com' },
        { name: 'stale', email: 'aws+stale@example.com', contacts: { SECURITY: STALE } },
        { name: 'changes', email: 'aws+changes@example.com', contacts: { SECURITY: STALE } },
        { name: 'in-sync', email: 'aws+in-sync@example.com', contacts: { SECURITY } },
      ],
    });
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

  it('applies a saved plan; an account changed since the plan was made is stale, not written (exit 1)', async () => {
    const dryRun = await cli('--dry-run', '--plan-out', 'plan.json');
    expect(dryRun.code, describeResult(dryRun)).toBe(0);
    const saved = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(saved).toMatchObject({
      version: 1,
      mode: 'dry-run',
      organization: { id: org.organizationId, managementAccountId: org.managementAccountId },
      summary: { accounts: 5, create: 1, update: 2, inSync: 2 },
    });
    expect(proxy.ledger).toEqual([]);

    // Someone edits one account between review and apply (straight in moto, with the AWS CLI).
    const changed = org.accounts.changes!;
    await awsCli(
      [
        'account',
        'put-alternate-contact',
        '--account-id',
        changed,
        '--alternate-contact-type',
        'SECURITY',
        '--name',
        'Someone Else',
        '--title',
        'Security Engineer',
        '--email-address',
        'someone.else@example.com',
        '--phone-number',
        '+1-555-0111',
      ],
      { endpoint: moto.endpoint },
    );

    const apply = await cli('--apply', '--plan', 'plan.json', '--output', 'json');
    expect(apply.code, describeResult(apply)).toBe(1);
    const plan = parseJsonOutput<Plan>(apply);
    const items = Object.fromEntries(
      plan.accounts.flatMap((account) =>
        account.items.map((item) => [account.accountName, [item.action, item.result, item.reason]]),
      ),
    );
    expect(items).toEqual({
      master: ['noop', 'unchanged', null],
      missing: ['create', 'applied', null],
      stale: ['update', 'applied', null],
      changes: ['update', 'skipped', 'stale'],
      'in-sync': ['noop', 'unchanged', null],
    });
    expect(proxy.ledger.map((entry) => entry.accountId).sort()).toEqual(
      [org.accounts.missing!, org.accounts.stale!].sort(),
    );
    const run = lastRun(await readAudit(logFile));
    expect(run[0]).toMatchObject({ event: 'run.start', mode: 'apply', planFile: 'plan.json' });
    expect(auditLedgerProblems(run, proxy.ledger)).toEqual([]);
    expect(run.filter((line) => line.accountId === changed && line.event.startsWith('change.'))).toEqual([]);

    // The edit made after the review is still there.
    const after = (await awsCli(
      ['account', 'get-alternate-contact', '--alternate-contact-type', 'SECURITY', '--account-id', changed],
      { endpoint: moto.endpoint },
    )) as { AlternateContact: { EmailAddress: string } };
    expect(after.AlternateContact.EmailAddress).toBe('someone.else@example.com');
  });

  it('refuses a plan made for another policy: exit 1, "made for another policy", no AWS call', async () => {
    const dryRun = await cli('--dry-run', '--plan-out', 'plan-2.json');
    expect(dryRun.code, describeResult(dryRun)).toBe(0);
    await writeFile(join(dir, 'contacts.yaml'), `${POLICY}# reviewed again\n`, 'utf8');
    proxy.reset();

    const apply = await cli('--apply', '--plan', 'plan-2.json');
    expect(apply.code, describeResult(apply)).toBe(1);
    expect(apply.stderr).toContain('plan-2.json was made for another policy');
    expect(proxy.stats()).toEqual({}); // not even the Account API: no request of any kind
    expect(proxy.ledger).toEqual([]);
  });
});
