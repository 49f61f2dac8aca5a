// End to end: every way a run ends (issue 8, "Behaviour" 1, 2, 4, 5, 6, 8, 9), with the built CLI against
// moto through the proxy. Outcomes only: what reached AWS (the proxy's ledger and stats), the audit lines,
// the exit code, and stderr without stack frames.

import { spawn } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunReport as Plan } from '../../src/core/types.js';
import { type AuditLine, auditLedgerProblems, eventsOf, lastRun, readAudit } from '../support/audit.js';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import {
  CLI_PATH,
  type CliResult,
  cliEnv,
  describeResult,
  makeTempDir,
  parseJsonOutput,
  pollUntil,
  removeDir,
  runCli,
  spawnCli,
} from '../support/cli.js';
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
  TEST_REGION,
} from '../support/seed.js';

/** A stack frame as Node prints it: never on stderr for a problem of the environment. */
const STACK_FRAME = /\n\s+at /;

const UNPACED = `settings:
  rateLimits:
    getAlternateContact: { perSecond: 200, burst: 200 }
    putAlternateContact: { perSecond: 200, burst: 200 }
    organizations: { perSecond: 200, burst: 200 }
`;
const SECURITY_POLICY = `version: 1
${contactsYaml({ security: SECURITY })}${UNPACED}`;

/** One Put per second: while one write is on the wire, the others wait for a token. */
const SLOW_PUT_POLICY = `version: 1
${contactsYaml({ security: SECURITY })}settings:
  rateLimits:
    getAlternateContact: { perSecond: 200, burst: 200 }
    putAlternateContact: { perSecond: 1, burst: 1 }
    organizations: { perSecond: 200, burst: 200 }
`;

const BILLING: ContactSpec = {
  name: 'Finance Accounts Payable Team',
  title: 'Accounts Payable',
  email: 'billing@example.com',
  phone: '+1-555-0123',
};

function members(count: number): AccountSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `member-${String(i + 1).padStart(3, '0')}`;
    return { name, email: `aws+${name}@example.com` };
  });
}

const stderrLines = (result: CliResult) => result.stderr.split('\n').filter((line) => line.trim() !== '');
const errorLines = (result: CliResult) => stderrLines(result).filter((line) => line.startsWith('error:'));
const allItems = (plan: Plan) => plan.accounts.flatMap((account) => account.items);
const totalRequests = (proxy: AwsProxy) => Object.values(proxy.stats()).reduce((n, s) => n + s.received, 0);

/** stderr says what went wrong in words: no stack, no "internal error". */
function expectCleanStderr(result: CliResult): void {
  expect(result.stderr, describeResult(result)).not.toMatch(STACK_FRAME);
  expect(result.stderr, describeResult(result)).not.toContain('internal error');
}

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)('enforce: how a run ends', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let org: SeededOrg;
  let dir: string;
  let logFile: string;
  let blackHole: net.Server | undefined;
  const blackHoleSockets = new Set<net.Socket>();

  /** The CLI with the policy, audit log and no progress display; `args` come first (and may override them). */
  const cli = (
    args: string[],
    options: { env?: Record<string, string>; aws?: Record<string, string>; timeoutMs?: number } = {},
  ) =>
    runCli(['--policy', 'contacts.yaml', '--log-file', logFile, '--no-progress', ...args], {
      env: cliEnv(options.aws ?? fakeAwsEnv(proxy.endpoint), options.env ?? {}),
      cwd: dir,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  const writePolicy = (text: string) => writeFile(join(dir, 'contacts.yaml'), text, 'utf8');

  async function seed(spec: OrgSpec): Promise<void> {
    await moto.reset();
    org = await seedOrganization(moto.endpoint, spec);
    proxy.reset();
    proxy.configure({ managementAccountId: org.managementAccountId });
  }

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy({ target: moto.endpoint, validate: true });
  }, 60_000);

  beforeEach(async () => {
    await removeDir(dir);
    dir = await makeTempDir();
    logFile = join(dir, 'audit.ndjson');
    await writePolicy(SECURITY_POLICY);
  });

  afterAll(async () => {
    for (const socket of blackHoleSockets) socket.destroy();
    await new Promise<void>((resolve) =>
      blackHole === undefined ? resolve() : blackHole.close(() => resolve()),
    );
    await proxy?.stop();
    await moto?.stop();
    await removeDir(dir);
  });

  describe('saved plans', () => {
    it('--apply --plan p.json --accounts A,B writes only A’s and B’s items, exit 0', async () => {
      await seed({ accounts: members(4) });
      const dryRun = await cli(['--dry-run', '--plan-out', 'p.json']);
      expect(dryRun.code, describeResult(dryRun)).toBe(0);
      expect(proxy.ledger).toEqual([]);

      const a = org.accounts['member-002']!;
      const b = org.accounts['member-004']!;
      const apply = await cli(['--apply', '--plan', 'p.json', '--accounts', `${a},${b}`, '--output', 'json']);
      expect(apply.code, describeResult(apply)).toBe(0);
      expect(proxy.ledger.map((entry) => `${entry.accountId}/${entry.type}`).sort()).toEqual(
        [`${a}/SECURITY`, `${b}/SECURITY`].sort(),
      );
      expect(auditLedgerProblems(lastRun(await readAudit(logFile)), proxy.ledger)).toEqual([]);
    }, 120_000);

    it('re-applying a plan whose items already hold: every item unchanged, already-in-sync, exit 0, no write', async () => {
      await seed({ accounts: members(3) });
      const dryRun = await cli(['--dry-run', '--plan-out', 'p.json']);
      expect(dryRun.code, describeResult(dryRun)).toBe(0);
      const first = await cli(['--apply', '--plan', 'p.json']);
      expect(first.code, describeResult(first)).toBe(0);
      expect(proxy.ledger).toHaveLength(4); // the management account and 3 members
      const writesBefore = proxy.ledger.length;

      const again = await cli(['--apply', '--plan', 'p.json', '--output', 'json']);
      expect(again.code, describeResult(again)).toBe(0);
      const items = allItems(parseJsonOutput<Plan>(again));
      expect(items).toHaveLength(4);
      for (const item of items) {
        expect(item, JSON.stringify(item)).toMatchObject({ result: 'unchanged', reason: 'already-in-sync' });
      }
      expect(proxy.ledger).toHaveLength(writesBefore);
      expect(proxy.stats().PutAlternateContact?.received ?? 0).toBe(writesBefore);
      const run = lastRun(await readAudit(logFile));
      expect(run.filter((line) => line.event.startsWith('change.'))).toEqual([]);
      expect(run.at(-1)).toMatchObject({ event: 'run.end', exitCode: 0 });
    }, 120_000);
  });

  describe('signals', () => {
    it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
      '%s while writes wait for a token: none of them is sent; exit 130, run.end last (interrupted)',
      async (signal) => {
        await seed({ accounts: members(8) });
        await writePolicy(SLOW_PUT_POLICY);
        const child = spawnCli(
          [
            '--apply',
            '--concurrency',
            '4',
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
        // Several writes started (logged) and one of them reached AWS: the others wait for their token.
        let started = 0;
        const waiting = await pollUntil(
          async () => {
            started = eventsOf(await readAudit(logFile), 'change.started').length;
            return started >= 3 && (proxy.stats().PutAlternateContact?.received ?? 0) >= 1;
          },
          { attempts: 600, intervalMs: 50 },
        );
        expect(waiting, `no writes waiting within 30 s (${started} started)\n${child.output().stderr}`).toBe(
          true,
        );
        child.child.kill(signal);
        const result = await child.done;
        expect(result.code, describeResult(result)).toBe(130);
        expectCleanStderr(result);

        const lines = await readAudit(logFile);
        const changeStarted = eventsOf(lines, 'change.started');
        const notSent = eventsOf(lines, 'change.failed').filter((line) => line.error?.code === 'NotSent');
        expect(notSent.length, 'no write was waiting for its token when the signal came').toBeGreaterThan(0);
        for (const line of notSent) expect(line.written).toBe(false);
        expect(proxy.stats().PutAlternateContact?.received).toBe(changeStarted.length - notSent.length);
        expect(auditLedgerProblems(lines, proxy.ledger)).toEqual([]);
        expect(lines.at(-1)).toMatchObject({ event: 'run.end', interrupted: true, exitCode: 130 });
      },
      120_000,
    );
  });

  describe('--request-timeout', () => {
    it('a black-holed Account endpoint: the run ends by itself, every item failed saying it timed out, exit 1', async () => {
      blackHole = net.createServer((socket) => {
        // Accepts, reads, never answers.
        blackHoleSockets.add(socket);
        socket.on('close', () => blackHoleSockets.delete(socket));
        socket.resume();
      });
      await new Promise<void>((resolve) => blackHole!.listen(0, '127.0.0.1', resolve));
      const port = (blackHole.address() as net.AddressInfo).port;

      await seed({ accounts: members(3) });
      const result = await cli(['--apply', '--output', 'json', '--request-timeout', '1'], {
        env: { AWS_ENDPOINT_URL_ACCOUNT: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: '2' },
        // 4 reads at once, 2 attempts of 1 s each and a backoff: a few seconds. Killed (and failed) if it hangs.
        timeoutMs: 30_000,
      });
      expect(result.code, describeResult(result)).toBe(1);
      expectCleanStderr(result);
      const items = allItems(parseJsonOutput<Plan>(result));
      expect(items).toHaveLength(4);
      for (const item of items) {
        expect(item.result, JSON.stringify(item)).toBe('failed');
        expect(`${item.error?.code} ${item.error?.message}`, JSON.stringify(item)).toMatch(
          /time[ds]?[ -]?out/i,
        );
      }
      // Nothing of the Account API went anywhere else.
      expect(proxy.stats().GetAlternateContact).toBeUndefined();
      expect(proxy.ledger).toEqual([]);
      const run = lastRun(await readAudit(logFile));
      expect(run.at(-1)).toMatchObject({ event: 'run.end', exitCode: 1 });
    }, 60_000);
  });

  describe('unusable paths are refused before any AWS call', () => {
    beforeEach(() => proxy.reset());

    it('--log-file "": exit 64', async () => {
      const result = await cli(['--dry-run', '--log-file', '']);
      expect(result.code, describeResult(result)).toBe(64);
      expect(result.stderr).toContain('--log-file');
      expectCleanStderr(result);
      expect(proxy.stats()).toEqual({});
    });

    it('a log file under a regular file, and a log file that is a directory: exit 1, one line naming it', async () => {
      await writeFile(join(dir, 'plain'), 'not a directory\n', 'utf8');
      await mkdir(join(dir, 'a-directory'));
      for (const log of [join(dir, 'plain', 'audit.ndjson'), join(dir, 'a-directory')]) {
        const result = await cli(['--dry-run', '--log-file', log]);
        expect(result.code, describeResult(result)).toBe(1);
        expect(stderrLines(result), describeResult(result)).toHaveLength(1);
        expect(result.stderr).toContain(log);
        expectCleanStderr(result);
      }
      expect(proxy.stats()).toEqual({});
    });

    it('--plan-out into a missing directory: exit 64, naming it', async () => {
      const result = await cli(['--dry-run', '--plan-out', join('missing', 'p.json')]);
      expect(result.code, describeResult(result)).toBe(64);
      expect(result.stderr).toContain(join('missing', 'p.json'));
      expectCleanStderr(result);
      expect(proxy.stats()).toEqual({});
    });

    // Root may write into any directory, whatever its mode: the case cannot be made here as root.
    it.skipIf(process.getuid?.() === 0)('--plan-out into an unwritable directory: exit 64', async () => {
      const locked = join(dir, 'locked');
      await mkdir(locked, { mode: 0o500 });
      const result = await cli(['--dry-run', '--plan-out', join(locked, 'p.json')]);
      expect(result.code, describeResult(result)).toBe(64);
      expect(result.stderr).toContain(locked);
      expectCleanStderr(result);
      expect(proxy.stats()).toEqual({});
    });
  });

  describe('outputs that fail after the run', () => {
    it('an unwritable step summary after an apply: one line naming it, exit 1, run.end (exit 1) last, writes logged', async () => {
      await seed({ accounts: members(2) });
      const summary = join(dir, 'missing', 'summary.md');
      const result = await cli(['--apply'], { env: { GITHUB_STEP_SUMMARY: summary } });
      expect(result.code, describeResult(result)).toBe(1);
      expectCleanStderr(result);
      const naming = stderrLines(result).filter((line) => line.includes(summary));
      expect(naming, describeResult(result)).toHaveLength(1);
      expect(naming[0]).toMatch(/^error: /);
      expect(errorLines(result), describeResult(result)).toEqual(naming);

      expect(proxy.ledger).toHaveLength(3);
      const run = lastRun(await readAudit(logFile));
      expect(auditLedgerProblems(run, proxy.ledger)).toEqual([]);
      expect(run.at(-1)).toMatchObject({ event: 'run.end', exitCode: 1 });
    }, 90_000);

    it('stdout closed by its reader (EPIPE) with a plan larger than a pipe buffer: exit 1, one line, run.end, p.json whole', async () => {
      await seed({ accounts: members(100) });
      await writePolicy(
        `version: 1\n${contactsYaml({ security: SECURITY, operations: OPERATIONS, billing: BILLING })}${UNPACED}`,
      );
      // A real pipe, as in a shell: Node's own 'pipe' stdio is a socketpair whose buffers hold the whole
      // document, so the reader closing it early would not fail the writer. The CLI's exit code goes to a file.
      const result = await new Promise<CliResult>((resolve, reject) => {
        const child = spawn(
          'sh',
          [
            '-c',
            '{ "$@"; echo "$?" > exit-code; } | head -1 > first-line',
            'sh',
            process.execPath,
            CLI_PATH,
            '--dry-run',
            '--output',
            'json',
            '--plan-out',
            'p.json',
            '--policy',
            'contacts.yaml',
            '--log-file',
            logFile,
            '--no-progress',
          ],
          { cwd: dir, env: cliEnv(fakeAwsEnv(proxy.endpoint)), stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
        });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the CLI did not exit within 90 s\n${stderr}`));
        }, 90_000);
        child.once('error', reject);
        child.once('close', async () => {
          clearTimeout(timer);
          try {
            const code = Number((await readFile(join(dir, 'exit-code'), 'utf8')).trim());
            resolve({ code, signal: null, stdout: await readFile(join(dir, 'first-line'), 'utf8'), stderr });
          } catch (error) {
            reject(error);
          }
        });
      });
      const planText = await readFile(join(dir, 'p.json'), 'utf8');
      // The premise: the JSON does not fit in a pipe buffer, so the reader leaves most of it unread.
      expect((await stat(join(dir, 'p.json'))).size).toBeGreaterThan(64 * 1024);
      expect(result.stdout).toBe('{\n');

      expect(result.code, describeResult(result)).toBe(1);
      expectCleanStderr(result);
      const naming = stderrLines(result).filter((line) => line.includes('stdout'));
      expect(naming, describeResult(result)).toHaveLength(1);
      expect(naming[0]).toMatch(/^error: .*EPIPE/);
      const run = lastRun(await readAudit(logFile));
      expect(run.at(-1)).toMatchObject({ event: 'run.end', exitCode: 1 });
      const plan = JSON.parse(planText) as Plan;
      expect(plan.accounts).toHaveLength(101);
      expect(plan.summary.items).toBe(303);
    }, 180_000);
  });

  describe('problems of the environment: a message, no stack, no "internal error"', () => {
    beforeEach(() => proxy.reset());

    it('--region "": exit 64', async () => {
      const result = await cli(['--dry-run', '--region', '']);
      expect(result.code, describeResult(result)).toBe(64);
      expect(result.stderr).toContain('--region');
      expectCleanStderr(result);
      expect(proxy.stats()).toEqual({});
    });

    it('a missing profile (empty HOME): the message names it', async () => {
      const home = join(dir, 'home');
      await mkdir(home);
      const result = await cli(['--dry-run', '--profile', 'nope'], {
        aws: { AWS_REGION: TEST_REGION, AWS_ENDPOINT_URL: proxy.endpoint },
        env: { HOME: home },
      });
      expect(result.code, describeResult(result)).toBe(1);
      expect(errorLines(result).join('\n'), describeResult(result)).toContain('nope');
      expectCleanStderr(result);
      expect(totalRequests(proxy)).toBe(0);
    });

    it('an unreachable endpoint: names the service and AWS_ENDPOINT_URL', async () => {
      const result = await cli(['--dry-run'], {
        aws: { ...fakeAwsEnv('http://127.0.0.1:1') },
        env: { AWS_MAX_ATTEMPTS: '1' },
      });
      expect(result.code, describeResult(result)).toBe(1);
      const error = errorLines(result).join('\n');
      expect(error, describeResult(result)).toMatch(/STS/);
      expect(error).toContain('AWS_ENDPOINT_URL');
      expectCleanStderr(result);
    });

    it('SSM throttled: names SSM and GetParameters', async () => {
      await seed({ accounts: members(1) });
      await writePolicy(
        `version: 1\n${contactsYaml({ security: { ...SECURITY, email: '{ ssm: /org/contacts/security/email }' } })}${UNPACED}`,
      );
      proxy.configure({ scriptedFaults: [{ fault: 'throttle', operation: 'GetParameters', times: 5 }] });
      const result = await cli(['--dry-run'], { env: { AWS_MAX_ATTEMPTS: '1' } });
      expect(result.code, describeResult(result)).toBe(1);
      const error = errorLines(result).join('\n');
      expect(error, describeResult(result)).toMatch(/SSM/);
      expect(error).toContain('GetParameters');
      expectCleanStderr(result);
      expect(proxy.stats().GetParameters?.faulted).toBeGreaterThan(0);
      expect(proxy.stats().GetAlternateContact).toBeUndefined();
    }, 90_000);

    it('a failed preflight (trusted access off): run.end at level error with the reason', async () => {
      await seed({ trustedAccess: false, accounts: members(1) });
      const result = await cli(['--apply']);
      expect(result.code, describeResult(result)).toBe(1);
      expect(errorLines(result).join('\n'), describeResult(result)).toMatch(/Trusted access/);
      expectCleanStderr(result);
      const run = lastRun(await readAudit(logFile));
      const end = run.at(-1) as AuditLine;
      expect(end).toMatchObject({ event: 'run.end', level: 'error', exitCode: 1 });
      expect(String(end.reason)).toMatch(/Trusted access/);
      expect(proxy.ledger).toEqual([]);
    }, 90_000);
  });
});
