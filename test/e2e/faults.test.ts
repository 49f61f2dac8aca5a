// End to end: the built CLI when AWS misbehaves, through the fault-injecting proxy in front of moto:
// throttling at the published quotas, 500s and dropped connections, an SCP denying one account, a write or a
// read-back that fails, and invalid policies that must stop the run before any AWS call. After every apply
// the audit log is checked against the proxy's ledger of the writes moto applied.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunReport as Plan, ReportItem as PlanItem } from '../../src/core/types.js';
import { type AuditLine, auditLedgerProblems, eventsOf, lastRun, readAudit } from '../support/audit.js';
import { type AwsProxy, type ProxyStats, startAwsProxy } from '../support/aws-proxy.js';
import { cliEnv, describeResult, makeTempDir, parseJsonOutput, removeDir, runCli } from '../support/cli.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  type AccountSpec,
  type ContactSpec,
  contactsYaml,
  fakeAwsEnv,
  DEMO_OPERATIONS as OPERATIONS,
  type OrgSpec,
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
} from '../support/seed.js';

const STALE: ContactSpec = { ...SECURITY, name: 'Jordan Example', email: 'jordan.former@example.com' };

function policy(rateLimits: string): string {
  return `version: 1
${contactsYaml({ security: SECURITY, operations: OPERATIONS })}settings:
  rateLimits:
${rateLimits}`;
}

/** AWS's published quotas (get 10/s burst 15, put 5/s burst 8; Organizations paced 5/s burst 10), × 5. */
const QUOTAS_X5 = `    getAlternateContact: { perSecond: 50, burst: 75 }
    putAlternateContact: { perSecond: 25, burst: 40 }
    organizations: { perSecond: 25, burst: 50 }
`;
/** Where the proxy does not throttle, the client need not pace: runs stay short. */
const UNPACED = `    getAlternateContact: { perSecond: 200, burst: 200 }
    putAlternateContact: { perSecond: 200, burst: 200 }
    organizations: { perSecond: 200, burst: 200 }
`;

/** Member accounts; `stale` ones have an old security contact and no operations contact. */
function members(count: number, stale: (index: number) => boolean = () => false): AccountSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `member-${String(i + 1).padStart(2, '0')}`;
    return {
      name,
      email: `aws+${name}@example.com`,
      ...(stale(i) ? { contacts: { SECURITY: STALE } } : {}),
    };
  });
}

function orgWith(accounts: AccountSpec[]): OrgSpec {
  return { managementContacts: { SECURITY, OPERATIONS }, accounts };
}

const ACCOUNT_API = ['GetAlternateContact', 'PutAlternateContact', 'DeleteAlternateContact'];
const accountApiRequests = (stats: ProxyStats) =>
  ACCOUNT_API.reduce((n, operation) => n + (stats[operation]?.received ?? 0), 0);
const allRequests = (stats: ProxyStats) => Object.values(stats).reduce((n, s) => n + s.received, 0);
const isWrite = (item: PlanItem) => item.action === 'create' || item.action === 'update';
const allItems = (plan: Plan) => plan.accounts.flatMap((account) => account.items);

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)('enforce: faults', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let org: SeededOrg;
  let dir: string;
  let logFile: string;

  const cli = (args: string[], extraEnv: Record<string, string> = {}, policyFile = 'contacts.yaml') =>
    runCli([...args, '--policy', policyFile, '--log-file', logFile, '--no-progress'], {
      env: cliEnv(fakeAwsEnv(proxy.endpoint), extraEnv),
      cwd: dir,
      timeoutMs: 90_000,
    });
  const writePolicy = (text: string, file = 'contacts.yaml') => writeFile(join(dir, file), text, 'utf8');

  async function seed(spec: OrgSpec): Promise<void> {
    await moto.reset();
    org = await seedOrganization(moto.endpoint, spec);
    proxy.reset();
    proxy.configure({ managementAccountId: org.managementAccountId });
  }

  /** The audit lines of the last run, after checking them against the proxy's ledger. */
  async function checkedRun(): Promise<AuditLine[]> {
    const run = lastRun(await readAudit(logFile));
    expect(auditLedgerProblems(run, proxy.ledger)).toEqual([]);
    return run;
  }

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy({ target: moto.endpoint, validate: true });
  });

  beforeEach(async () => {
    await removeDir(dir);
    dir = await makeTempDir();
    logFile = join(dir, 'audit.ndjson');
  });

  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
    await removeDir(dir);
  });

  it('throttling at the published quotas (time ×5), plus scripted throttles of each service: retried, no item fails', async () => {
    await seed(orgWith(members(30)));
    proxy.configure({
      throttle: { enabled: true, timeScale: 5 },
      // Throttles whatever the buckets do: Account API 429s and Organizations' HTTP 400 variant.
      scriptedFaults: [
        { fault: 'throttle', operation: 'PutAlternateContact', times: 3 },
        { fault: 'throttle', operation: 'GetAlternateContact', times: 3 },
        { fault: 'throttle', operation: 'ListAccounts', times: 1 },
      ],
    });
    await writePolicy(policy(QUOTAS_X5));

    const result = await cli(['--apply', '--output', 'json']);
    expect(result.code, describeResult(result)).toBe(0);
    const plan = parseJsonOutput<Plan>(result);
    expect(plan.summary).toMatchObject({ accounts: 31, create: 60, failed: 0, applied: 60 });
    expect(proxy.ledger).toHaveLength(60);
    await checkedRun();

    const stats = proxy.stats();
    // The scripted throttles were all served (and retried).
    expect(stats.PutAlternateContact?.faulted).toBe(3);
    expect(stats.GetAlternateContact?.faulted).toBe(3);
    expect(stats.ListAccounts?.faulted).toBe(1);
    const bucketThrottles = Object.fromEntries(
      Object.entries(stats)
        .filter(([, s]) => s.throttled > 0)
        .map(([operation, s]) => [operation, s.throttled]),
    );
    // Reported, not asserted: the client paces at the same quotas, so the buckets rarely throttle.
    console.info(`[faults] quota throttles by the proxy's token buckets: ${JSON.stringify(bucketThrottles)}`);
  });

  it('500s (20%) and dropped connections (10%) on the Account API: every item ends applied or failed with a reason, nothing lost', async () => {
    await seed(orgWith(members(20, (i) => i % 2 === 1)));
    proxy.configure({
      seed: 7,
      internalErrorRate: 0.2,
      dropRate: 0.1,
      faultOperations: ['GetAlternateContact', 'PutAlternateContact'],
    });
    await writePolicy(policy(UNPACED));

    // Two attempts per call: enough faults outlast the retries to produce every kind of failure.
    const first = await cli(['--apply', '--output', 'json'], { AWS_MAX_ATTEMPTS: '2' });
    const plan = parseJsonOutput<Plan>(first);
    const items = allItems(plan);
    expect(items).toHaveLength(42);
    const failed = items.filter((item) => item.result === 'failed');
    expect(first.code, describeResult(first)).toBe(failed.length > 0 ? 1 : 0);
    for (const item of items) {
      const where = `${item.accountId}/${item.type}: ${JSON.stringify(item)}`;
      if (isWrite(item)) expect(['applied', 'failed'], where).toContain(item.result);
      else if (item.action === 'error') expect(item.result, where).toBe('failed');
      else expect([item.action, item.result], where).toEqual(['noop', 'unchanged']);
      if (item.result === 'failed') {
        expect(item.error?.code, where).toMatch(/^(InternalServerException|TimeoutError)$/);
        expect(item.error?.message, where).not.toBe('');
      } else {
        expect(item.error, where).toBeNull();
      }
    }
    expect(plan.summary.applied).toBe(items.filter((item) => item.result === 'applied').length);
    expect(plan.summary.failed).toBe(failed.length);

    // Audit ↔ ledger, and each failure is in the log: a read that failed as account.error, a write that
    // failed as change.failed (written: false, not in the ledger; written: true, in the ledger; null, unknown).
    const run = await checkedRun();
    for (const item of items.filter((i) => i.action === 'error')) {
      expect(
        eventsOf(run, 'account.error', item.accountId).filter((line) => line.type === item.type),
      ).toHaveLength(1);
    }
    const failedWrites = items.filter((item) => isWrite(item) && item.result === 'failed');
    const changeFailed = eventsOf(run, 'change.failed');
    expect(changeFailed.map((line) => `${line.accountId}/${line.type}`).sort()).toEqual(
      failedWrites.map((item) => `${item.accountId}/${item.type}`).sort(),
    );
    const inLedger = new Set(proxy.ledger.map((entry) => `${entry.accountId}/${entry.type}`));
    for (const line of changeFailed) {
      // written: null means nobody could tell (no answer to the write, and the read-back failed too).
      if (line.written === null) continue;
      expect(inLedger.has(`${line.accountId}/${line.type}`), JSON.stringify(line)).toBe(line.written);
    }
    const stats = proxy.stats();
    const faulted = (stats.GetAlternateContact?.faulted ?? 0) + (stats.PutAlternateContact?.faulted ?? 0);
    expect(faulted).toBeGreaterThan(0);
    console.info(
      `[faults] 500s/drops: ${faulted} faults injected; items: ${plan.summary.applied} applied, ` +
        `${failedWrites.length} writes failed (${changeFailed.filter((l) => l.written).length} after the write), ` +
        `${items.filter((i) => i.action === 'error').length} reads failed`,
    );

    // With the tool's default of 8 attempts per call, faults at half the rate are absorbed (a call fails
    // only if 8 attempts in a row do: p ≈ 0.145^8 ≈ 2e-7): a second apply converges. Account ids are random
    // per seeding, so the faults each item meets differ from run to run; the invariants do not.
    proxy.configure({ internalErrorRate: 0.1, dropRate: 0.05 });
    const ledgerBefore = proxy.ledger.length;
    const second = await cli(['--apply', '--output', 'json']);
    expect(second.code, describeResult(second)).toBe(0);
    const again = parseJsonOutput<Plan>(second);
    expect(again.summary.failed).toBe(0);
    expect(auditLedgerProblems(lastRun(await readAudit(logFile)), proxy.ledger.slice(ledgerBefore))).toEqual(
      [],
    );
    // With the faults off, the state is exactly the policy: nothing was lost.
    proxy.configure({ internalErrorRate: 0, dropRate: 0 });
    const third = await cli(['--dry-run', '--output', 'json', '--detailed-exitcode']);
    expect(third.code, describeResult(third)).toBe(0);
    expect(parseJsonOutput<Plan>(third).summary).toMatchObject({
      create: 0,
      update: 0,
      failed: 0,
      inSync: 42,
    });
  });

  it('AccessDenied for one member (an SCP): its items are errors, the others are applied, exit 1', async () => {
    await seed(orgWith(members(4)));
    const denied = org.accounts['member-02']!;
    proxy.configure({ accessDeniedAccounts: [denied] });
    await writePolicy(policy(UNPACED));

    const result = await cli(['--apply', '--output', 'json']);
    expect(result.code, describeResult(result)).toBe(1);
    const plan = parseJsonOutput<Plan>(result);
    for (const account of plan.accounts) {
      if (account.accountId === denied) {
        expect(account.items.map((i) => [i.type, i.action, i.result, i.error?.code])).toEqual([
          ['SECURITY', 'error', 'failed', 'AccessDeniedException'],
          ['OPERATIONS', 'error', 'failed', 'AccessDeniedException'],
        ]);
        expect(account.items[0]?.error?.message).toContain('explicit deny in a service control policy');
      } else if (account.accountId !== org.managementAccountId) {
        expect(account.items.map((i) => i.result)).toEqual(['applied', 'applied']);
      }
    }
    expect(plan.summary).toMatchObject({ failed: 2, applied: 6 });
    expect(proxy.ledger.filter((entry) => entry.accountId === denied)).toEqual([]);
    const run = await checkedRun();
    expect(eventsOf(run, 'account.error', denied).map((line) => line.error?.code)).toEqual([
      'AccessDeniedException',
      'AccessDeniedException',
    ]);
    expect(run.at(-1)).toMatchObject({ event: 'run.end', exitCode: 1 });
  });

  it('a write that fails is change.failed written: false; a read-back that fails is change.failed written: true', async () => {
    await seed(orgWith(members(3)));
    const putFails = org.accounts['member-01']!;
    const readBackFails = org.accounts['member-02']!;
    proxy.configure({ failPutFor: [putFails], failReadBackFor: [readBackFails] });
    await writePolicy(policy(UNPACED));

    const result = await cli(['--apply', '--output', 'json'], { AWS_MAX_ATTEMPTS: '3' });
    expect(result.code, describeResult(result)).toBe(1);
    const plan = parseJsonOutput<Plan>(result);
    const resultsOf = (accountId: string) =>
      plan.accounts
        .find((account) => account.accountId === accountId)
        ?.items.map((i) => [i.type, i.action, i.result, i.error?.code ?? null]);
    expect(resultsOf(putFails)).toEqual([
      ['SECURITY', 'create', 'failed', 'InternalServerException'],
      ['OPERATIONS', 'create', 'failed', 'InternalServerException'],
    ]);
    expect(resultsOf(readBackFails)).toEqual([
      ['SECURITY', 'create', 'failed', 'InternalServerException'],
      ['OPERATIONS', 'create', 'failed', 'InternalServerException'],
    ]);
    expect(resultsOf(org.accounts['member-03']!)).toEqual([
      ['SECURITY', 'create', 'applied', null],
      ['OPERATIONS', 'create', 'applied', null],
    ]);

    const run = await checkedRun();
    const failedLines = (accountId: string) =>
      eventsOf(run, 'change.failed', accountId).map((line) => [line.type, line.written, line.attempts]);
    expect(failedLines(putFails).sort()).toEqual([
      ['OPERATIONS', false, 3],
      ['SECURITY', false, 3],
    ]);
    expect(failedLines(readBackFails).sort()).toEqual([
      ['OPERATIONS', true, 1],
      ['SECURITY', true, 1],
    ]);
    expect(proxy.ledger.filter((entry) => entry.accountId === putFails)).toEqual([]);
    expect(proxy.ledger.filter((entry) => entry.accountId === readBackFails)).toHaveLength(2);
  });

  // AWS applied the write but its answer was lost (connection reset): the CLI reads the contact back instead
  // of telling the auditor "not written", and reports the item applied.
  it('a write whose answer is lost after AWS applied it is read back and logged as applied', async () => {
    await seed(orgWith(members(2)));
    const lost = org.accounts['member-01']!;
    proxy.configure({ losePutResponseFor: [lost] });
    await writePolicy(policy(UNPACED));

    const result = await cli(['--apply', '--output', 'json'], { AWS_MAX_ATTEMPTS: '1' });
    expect(proxy.ledger.filter((entry) => entry.accountId === lost)).toHaveLength(2); // AWS has it
    expect(result.code, describeResult(result)).toBe(0);
    const account = parseJsonOutput<Plan>(result).accounts.find((a) => a.accountId === lost);
    expect(account?.items.map((i) => i.result)).toEqual(['applied', 'applied']);
    expect(auditLedgerProblems(lastRun(await readAudit(logFile)), proxy.ledger)).toEqual([]);
  });

  describe('invalid policies: exit 65, the file and the path named, nothing called on AWS', () => {
    const base = `version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: security@example.com
    phone: "+1-555-0142"
`;
    const cases = [
      {
        name: 'unknown key',
        text: `${base}    pager: "+1-555-0000"\n`,
        stderr: 'bad.yaml:8: contacts.security.pager: unknown key',
      },
      {
        name: 'e-mail AWS would reject',
        text: base.replace('security@example.com', 'security at example.com'),
        stderr: 'bad.yaml:6: contacts.security.email: must be an email address AWS accepts',
      },
      {
        name: 'duplicate key',
        text: base.replace('    phone:', '    email: other@example.com\n    phone:'),
        stderr: 'bad.yaml:7: contacts.security.email: duplicate key (first on line 6)',
      },
    ];

    beforeAll(async () => {
      await seed(orgWith(members(1)));
    });

    for (const { name, text, stderr } of cases) {
      it(`${name}: no request of any kind`, async () => {
        proxy.reset();
        await writePolicy(text, 'bad.yaml');
        for (const mode of ['--dry-run', '--apply']) {
          const result = await cli([mode], {}, 'bad.yaml');
          expect(result.code, describeResult(result)).toBe(65);
          expect(result.stderr).toContain(stderr);
        }
        expect(proxy.stats()).toEqual({});
        // The refusal is audited (every ending is): run.start, then run.end with 65 and the reason.
        const lines = await readAudit(logFile);
        expect(lines.map((l) => [l.event, l.exitCode])).toEqual([
          ['run.start', undefined],
          ['run.end', 65],
          ['run.start', undefined],
          ['run.end', 65],
        ]);
        expect(String(lines[1]!.reason)).toContain(stderr);
      });
    }

    it('SSM parameter missing: names the parameter and the path; no Account API request, nothing written', async () => {
      proxy.reset();
      await writePolicy(
        base.replace('security@example.com', '{ ssm: /org/contacts/security/missing }'),
        'bad.yaml',
      );
      const result = await cli(['--apply'], {}, 'bad.yaml');
      expect(result.code, describeResult(result)).toBe(65);
      expect(result.stderr).toContain(
        'bad.yaml: contacts.security.email: SSM parameter /org/contacts/security/missing was not found',
      );
      const stats = proxy.stats();
      expect(accountApiRequests(stats)).toBe(0);
      expect(stats.GetParameters?.received).toBe(1);
      expect(allRequests(stats)).toBe((stats.GetCallerIdentity?.received ?? 0) + 1);
      expect(proxy.ledger).toEqual([]);
    });
  });
});
