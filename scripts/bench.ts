/**
 * `npm run bench`: performance figures of the built CLI, printed next to their targets (no assertions).
 *
 * 1. Quota efficiency: `enforce --dry-run` and `--apply` over 2,000 accounts in moto, through the
 *    AWS-faithful proxy at the Account API quotas ×10, compared with the least time those quotas allow.
 * 2. In-process overhead: the engine (plan + apply) over 10,000 in-memory accounts: wall, CPU, peak RSS.
 * 3. Versus the shell loop: `aws account put-alternate-contact` once per account against `enforce --apply`,
 *    200 accounts, same emulator.
 * 4. Member-role fan-out (issue 13): 1,000 accounts × 1 type read at the PUBLISHED quotas through the proxy,
 *    org mode vs --member-role, wall times and ratio (org mode alone is ≥ 100 s: the point of the figure).
 * 5. `--dry-run --from-state --offline` on a 10,000-account snapshot: wall and peak RSS of the built CLI.
 *
 * Options: --quick (500 / 2,000 / 50 accounts, for trying the bench itself), --only 1,3 (some scenarios),
 * --accounts N (scenario 1), --overhead-accounts N (scenario 2), --shell-accounts N (scenario 3),
 * --with-tags (scenario 1 also times a dry-run whose policy uses scope.exclude.tags; ~1 more minute),
 * --fan-out-accounts N (scenario 4), --state-accounts N (scenario 5).
 * ENFORCE_BENCH_CLI=path/to/bin.js runs another build of the CLI (to compare a change).
 * Every server and child process is stopped at the end, on error and on Ctrl-C.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMotoAvailable, type MotoServer } from '../test/support/moto.js';
import {
  CLI,
  cleanup,
  installSignalCleanup,
  interrupted,
  log,
  markdownTable,
  onCleanup,
  type Row,
  runChild,
  seconds,
} from './bench/common.js';
import { startBenchMoto } from './bench/emulator.js';
import { fanOutScenario, fromStateScenario } from './bench/fan-out.js';
import { cliBaselineRss, overheadScenario } from './bench/overhead.js';
import { quotaScenario, TIME_SCALE } from './bench/quota.js';
import { shellLoopScenario } from './bench/shell-loop.js';

interface Options {
  only: Set<number>;
  withTags: boolean;
  accounts: number;
  overheadAccounts: number;
  shellAccounts: number;
  fanOutAccounts: number;
  stateAccounts: number;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string, fallback: number) => {
    const index = argv.indexOf(flag);
    const parsed = index === -1 ? fallback : Number(argv[index + 1]);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} needs a positive integer`);
    return parsed;
  };
  const onlyIndex = argv.indexOf('--only');
  const only = new Set(
    onlyIndex === -1 ? [1, 2, 3, 4, 5] : (argv[onlyIndex + 1] ?? '').split(',').map((s) => Number(s.trim())),
  );
  return {
    only,
    withTags: argv.includes('--with-tags'),
    accounts: value('--accounts', quick ? 500 : 2_000),
    overheadAccounts: value('--overhead-accounts', quick ? 2_000 : 10_000),
    shellAccounts: value('--shell-accounts', quick ? 50 : 200),
    fanOutAccounts: value('--fan-out-accounts', quick ? 200 : 1_000),
    stateAccounts: value('--state-accounts', quick ? 2_000 : 10_000),
  };
}

async function commandWorks(command: string, args: string[]): Promise<boolean> {
  try {
    return (await runChild(command, args, { timeoutMs: 30_000 })).code === 0;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  installSignalCleanup();
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const rows: Row[] = [];
  const details: string[] = [];
  const workdir = mkdtempSync(join(tmpdir(), 'enforce-bench-'));
  onCleanup(() => rmSync(workdir, { recursive: true, force: true }));

  const needsMoto = options.only.has(1) || options.only.has(3) || options.only.has(4);
  if (needsMoto && !isMotoAvailable()) {
    process.stderr.write(
      "The bench needs moto's emulator: `moto_server` is not on PATH (pip install 'moto[server]').\n",
    );
    return 1;
  }
  if (options.only.has(3) && !(await commandWorks('aws', ['--version']))) {
    process.stderr.write('Scenario 3 needs the AWS CLI (`aws`) on PATH.\n');
    return 1;
  }

  let moto: MotoServer | undefined;
  if (needsMoto) {
    log(
      'starting moto_server (MOTO_ACCOUNT_ID set, per-request module listing memoised: see bench/emulator.ts)',
    );
    const server = await startBenchMoto();
    moto = server;
    onCleanup(() => server.stop());
  }

  if (options.only.has(1) && moto) {
    const report = await quotaScenario(moto, options.accounts, workdir, { withTags: options.withTags });
    rows.push(...report.rows);
    details.push(
      `Scenario 1: quota efficiency (SECURITY only = 1 Get per account; 50% of members lack it; proxy and CLI at quotas ×${TIME_SCALE}; CLI concurrency 8, the default)`,
      ...report.details,
    );
  }
  if (options.only.has(2)) {
    const baseline = await cliBaselineRss(CLI);
    const report = await overheadScenario(options.overheadAccounts, baseline);
    rows.push(...report.rows);
    details.push(
      'Scenario 2: in-process overhead (SECURITY + OPERATIONS = 2 Gets per account; 50% lack SECURITY, 25% have a stale OPERATIONS; audit log to /dev/null; each run in its own child process)',
      `  the built CLI's own baseline (\`enforce --version\`, /usr/bin/time): ${baseline.toFixed(0)} MB peak RSS`,
      ...report.details,
    );
  }
  if (options.only.has(3) && moto) {
    const report = await shellLoopScenario(moto, options.shellAccounts, workdir);
    rows.push(...report.rows);
    details.push(
      'Scenario 3: versus the shell loop (both through the proxy with throttling off, in front of the same moto; every member lacks SECURITY)',
      ...report.details,
    );
  }

  if (options.only.has(4) && moto) {
    const report = await fanOutScenario(moto, options.fanOutAccounts, workdir);
    rows.push(...report.rows);
    details.push(
      'Scenario 4: member-role fan-out (SECURITY only, every account in sync; proxy at the published quotas, timeScale 1, buckets per calling account; CLI at its default rate limits)',
      ...report.details,
    );
  }
  if (options.only.has(5)) {
    const report = await fromStateScenario(options.stateAccounts, workdir);
    rows.push(...report.rows);
    details.push(
      'Scenario 5: --from-state (synthetic snapshot; policy with 3 types and scope.exclude.tags; --offline, so no emulator in the figure)',
      ...report.details,
    );
  }

  const out = (text: string) => process.stdout.write(`${text}\n`);
  out('\n## Details\n');
  for (const line of details) out(line);
  out('\n## Figures\n');
  out(
    markdownTable(
      ['scenario', 'figure', 'value', 'target', 'met?', 'note'],
      rows.map((r) => [
        r.scenario,
        r.figure,
        r.value,
        r.target || '–',
        r.met === null ? '–' : r.met ? 'yes' : 'NO',
        r.note ?? '',
      ]),
    ),
  );
  out(`\nbench took ${seconds(performance.now() - started)} (${new Date().toISOString()})`);
  return 0;
}

main().then(
  async (code) => {
    await cleanup();
    process.exit(code);
  },
  async (error: unknown) => {
    if (interrupted() === undefined) {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    await cleanup();
    process.exit(interrupted() === undefined ? 1 : 130);
  },
);
