// End to end: SIGINT during an apply. The proxy holds every PutAlternateContact for a while (latencyMs), so
// the test can signal the CLI while a write is in flight: the first SIGINT lets writes in flight finish and
// be logged, starts no new one, writes run.end and exits 130; a second SIGINT exits 130 at once.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunReport as Plan } from '../../src/core/types.js';
import {
  type AuditLine,
  auditLedgerProblems,
  itemKey,
  linesOfRun,
  readAudit,
  runIds,
} from '../support/audit.js';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import {
  cliEnv,
  describeResult,
  makeTempDir,
  parseJsonOutput,
  pollUntil,
  removeDir,
  spawnCli,
} from '../support/cli.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  contactsYaml,
  fakeAwsEnv,
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
} from '../support/seed.js';

const MEMBERS = 20;

const POLICY = `version: 1
${contactsYaml({ security: SECURITY })}settings:
  rateLimits:
    getAlternateContact: { perSecond: 200, burst: 200 }
    putAlternateContact: { perSecond: 200, burst: 200 }
    organizations: { perSecond: 200, burst: 200 }
`;

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)('enforce: interrupted apply', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let org: SeededOrg;
  let dir: string;
  let logFile: string;

  const start = () =>
    spawnCli(
      [
        '--apply',
        '--concurrency',
        '2',
        '--output',
        'json',
        '--policy',
        'contacts.yaml',
        '--log-file',
        logFile,
        '--no-progress',
      ],
      { env: cliEnv(fakeAwsEnv(proxy.endpoint)), cwd: dir, timeoutMs: 60_000 },
    );

  /** Polls the audit log (bounded: 20 s) until a change.started line is there; returns it. */
  async function firstChangeStarted(): Promise<AuditLine> {
    let found: AuditLine | undefined;
    const seen = await pollUntil(
      async () => {
        found = (await readAudit(logFile)).find((line) => line.event === 'change.started');
        return found !== undefined;
      },
      { attempts: 800, intervalMs: 25 },
    );
    if (!seen || found === undefined) throw new Error('no change.started line within 20 s');
    return found;
  }

  /** Polls the proxy (bounded: 20 s) until a PutAlternateContact has reached it: a write is in flight. */
  async function putInFlight(): Promise<void> {
    const seen = await pollUntil(() => (proxy.stats().PutAlternateContact?.received ?? 0) > 0, {
      attempts: 800,
      intervalMs: 25,
    });
    if (!seen) throw new Error('no PutAlternateContact reached the proxy within 20 s');
  }

  /** Waits (bounded) until every Put the proxy received has been forwarded, answered by moto and recorded. */
  async function proxySettled(): Promise<void> {
    const settled = await pollUntil(
      () => {
        const put = proxy.stats().PutAlternateContact;
        if (put === undefined) return true;
        const answered = put.forwarded + put.throttled + put.faulted + put.rejected;
        return put.received === answered && proxy.ledger.length === put.forwarded;
      },
      { attempts: 200, intervalMs: 50 },
    );
    if (!settled) throw new Error('the proxy still has writes in flight after 10 s');
  }

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy({
      target: moto.endpoint,
      faultOperations: ['PutAlternateContact'],
      validate: true,
    });
  });

  beforeEach(async () => {
    await moto.reset();
    org = await seedOrganization(moto.endpoint, {
      managementContacts: { SECURITY },
      accounts: Array.from({ length: MEMBERS }, (_, i) => ({
        name: `member-${i + 1}`,
        email: `aws+member-${i + 1}@example.com`,
      })),
    });
    proxy.reset();
    proxy.configure({ managementAccountId: org.managementAccountId });
    await removeDir(dir);
    dir = await makeTempDir();
    logFile = join(dir, 'audit.ndjson');
    await writeFile(join(dir, 'contacts.yaml'), POLICY, 'utf8');
  });

  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
    await removeDir(dir);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s mid-apply: writes in flight finish and are logged, no new write starts, run.end, exit 130',
    async (signal) => {
      proxy.configure({ latencyMs: 300 });
      const cli = start();
      const inFlight = await firstChangeStarted();
      cli.child.kill(signal);
      const result = await cli.done;
      expect(result.code, describeResult(result)).toBe(130);
      expect(result.stderr).toContain(`${signal}: finishing writes in flight, starting no new ones`);

      // Nothing reaches AWS after the CLI has exited.
      const writesAtExit = proxy.ledger.length;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(proxy.ledger).toHaveLength(writesAtExit);
      expect(proxy.stats().PutAlternateContact?.received).toBe(writesAtExit);

      const lines = await readAudit(logFile);
      const run = linesOfRun(lines, runIds(lines)[0]!);
      expect(run).toHaveLength(lines.length);
      expect(lines.at(-1)).toMatchObject({ event: 'run.end', interrupted: true, exitCode: 130 });
      expect(auditLedgerProblems(run, proxy.ledger)).toEqual([]);

      // The write in flight when the signal came was finished, read back and logged.
      const key = itemKey(inFlight.accountId, inFlight.type);
      expect(
        run.filter((line) => line.event === 'change.applied' && itemKey(line.accountId, line.type) === key),
      ).toHaveLength(1);

      // The plan on stdout: what was applied, and the rest not written because of the interrupt.
      const plan = parseJsonOutput<Plan>(result);
      const items = plan.accounts.flatMap((account) => account.items);
      const applied = items.filter((item) => item.result === 'applied');
      const interrupted = items.filter((item) => item.reason === 'interrupted');
      expect(applied.length).toBeGreaterThanOrEqual(1);
      expect(applied.length).toBe(writesAtExit);
      expect(interrupted.length).toBeGreaterThan(0);
      expect(interrupted.every((item) => item.result === 'skipped')).toBe(true);
      // Every member's item is accounted for: applied, not written because of the interrupt, or (an
      // account the scan had not reached) not read.
      const members = items.filter((item) => item.accountId !== org.managementAccountId);
      const notRead = members.filter((item) => item.reason === 'not-read');
      expect(members).toHaveLength(MEMBERS);
      expect(
        members.filter(
          (item) => item.result !== 'applied' && item.reason !== 'interrupted' && item.reason !== 'not-read',
        ),
      ).toEqual([]);
      expect(plan.summary.applied + interrupted.length + notRead.length).toBe(MEMBERS);
    },
  );

  it('a second SIGINT exits 130 at once, logging every write in flight as outcome unknown, then run.end', async () => {
    // Long enough that the write seen reaching the proxy is still in flight when the second signal arrives.
    proxy.configure({ latencyMs: 2_000 });
    const cli = start();
    await putInFlight();
    cli.child.kill('SIGINT');
    // Signals are not queued: wait until the first one was handled before sending the second.
    const acknowledged = await pollUntil(() => cli.output().stderr.includes('SIGINT: finishing writes'), {
      attempts: 200,
      intervalMs: 10,
    });
    expect(acknowledged, 'the first SIGINT was not acknowledged on stderr within 2 s').toBe(true);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code, describeResult(result)).toBe(130);

    // The proxy still delivers what was in flight: AWS gets writes after the CLI exited.
    await proxySettled();
    const lines = await readAudit(logFile);
    // It did not wait for the writes in flight, but said so: each write still waiting for AWS's answer has a
    // change.failed line with written: null (outcome unknown), and run.end records the exit.
    expect(lines.at(-1)).toMatchObject({ event: 'run.end', exitCode: 130, interrupted: true });
    const unknown = lines.filter((line) => line.event === 'change.failed' && line.written === null);
    expect(unknown.length).toBeGreaterThan(0);
    for (const line of unknown) expect(line).toMatchObject({ error: { code: 'Interrupted' } });
    const logged = new Set(
      lines
        .filter((line) => line.event === 'change.applied' || line.event === 'change.failed')
        .map((line) => itemKey(line.accountId, line.type)),
    );
    const started = lines.filter((line) => line.event === 'change.started');
    expect(started.every((line) => logged.has(itemKey(line.accountId, line.type)))).toBe(true);
    // …but every write on AWS has at least its change.started line.
    expect(auditLedgerProblems(lines, proxy.ledger, { expect: 'started' })).toEqual([]);
  });

  it('SIGKILL mid-apply: no audit outcome can be written, but every write on AWS has its change.started line', async () => {
    proxy.configure({ latencyMs: 300 });
    const cli = start();
    await putInFlight();
    cli.child.kill('SIGKILL');
    const result = await cli.done;
    expect(result.signal, describeResult(result)).toBe('SIGKILL');
    await proxySettled();
    expect(proxy.ledger.length).toBeGreaterThan(0);
    const lines = await readAudit(logFile); // every line whole: written synchronously
    expect(lines.filter((line) => line.event === 'run.end')).toEqual([]);
    expect(auditLedgerProblems(lines, proxy.ledger, { expect: 'started' })).toEqual([]);
  });
});
