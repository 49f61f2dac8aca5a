// Scenarios 4 and 5 (issue 13): past one caller's quota.
// 4. Member-role fan-out: the built CLI reads N accounts × 1 type (SECURITY) through the proxy at the
//    PUBLISHED quotas (throttle on, timeScale 1) once from the management account (org mode: every read
//    shares its 10/s bucket) and once with --member-role (each member read from inside, with its own bucket).
//    Wall times and their ratio; target ≥ 5×. Org mode at 10/s for 1,000 reads is ≥ 100 s: that is the point.
// 5. `--dry-run --from-state FILE --offline` on a 10,000-account snapshot through the built CLI: wall and
//    peak RSS (/usr/bin/time). Offline, so the figure is enforce's own (no emulator in it); online adds
//    DescribeOrganization and the ListAccounts pages (Organizations paces those at a few per second).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTACT_TYPES, type ContactType } from '../../src/core/types.js';
import {
  type ObservedAccount,
  serialiseSnapshot,
  snapshotFromObservation,
} from '../../src/state/snapshot.js';
import { startAwsProxy } from '../../test/support/aws-proxy.js';
import type { MotoServer } from '../../test/support/moto.js';
import { fakeAwsEnv } from '../../test/support/seed.js';
import { CLI, log, onCleanup, parseSummary, type Row, ratio, runChild, runCli, seconds } from './common.js';
import { BENCH_SECURITY, securityPolicy, seedBulkOrg } from './emulator.js';

const FAN_OUT_TARGET = 5;
const FROM_STATE_TARGET_MS = 2_000;
const SEED_CONCURRENCY = 8;
const ROLE = 'EnforceContactsMember';
/** Org mode is bound by the caller's 10/s; more parallel accounts only help member-role mode. */
const CONCURRENCY = 64;
/** Org mode at 10/s: N/10 s plus margin. */
const cliTimeout = (accounts: number) => Math.max(120_000, (accounts / 10) * 1000 * 2);

export interface ScenarioReport {
  rows: Row[];
  details: string[];
}

export async function fanOutScenario(
  moto: MotoServer,
  accounts: number,
  workdir: string,
): Promise<ScenarioReport> {
  const scenario = `4. member roles, ${accounts.toLocaleString('en-US')} accounts × 1 type, published quotas`;
  await moto.reset();
  log(`fan-out: seeding ${accounts} accounts in moto, every one with SECURITY in sync`);
  const org = await seedBulkOrg(moto.endpoint, {
    accounts,
    missing: () => false,
    concurrency: SEED_CONCURRENCY,
    managementInSync: true,
  });
  const proxy = await startAwsProxy({
    target: moto.endpoint,
    managementAccountId: org.managementAccountId,
    validate: true,
    throttle: { enabled: true, timeScale: 1 },
  });
  onCleanup(() => proxy.stop());
  const policy = join(workdir, 'fan-out.yaml');
  await writeFile(policy, securityPolicy());

  const run = async (name: string, extra: string[]) => {
    proxy.reset();
    log(`fan-out: timed dry-run, ${name}`);
    const result = await runCli(
      [
        '--dry-run',
        '--policy',
        policy,
        '--concurrency',
        String(CONCURRENCY),
        '--output',
        'json',
        '--no-progress',
        '--log-file',
        join(workdir, `fan-out-${name}.ndjson`),
        ...extra,
      ],
      { env: fakeAwsEnv(proxy.endpoint), cwd: workdir, timeoutMs: cliTimeout(accounts) },
    );
    const summary = parseSummary(result);
    const stats = proxy.stats();
    const callers = Object.keys(proxy.statsByCaller()).length;
    return { result, summary, stats, callers };
  };

  // Member-role mode first: whatever moto pays on first use of a member's credentials lands on it, not on
  // the org-mode run it is compared with.
  const member = await run('member-role', ['--member-role', ROLE]);
  const central = await run('organization', []);
  const complete = (m: typeof member) =>
    m.result.code === 0 && m.summary.failed === 0 && m.summary.inSync === accounts + 1;
  const speedUp = central.result.ms / member.result.ms;
  const throttled = (m: typeof member) => Object.values(m.stats).reduce((n, s) => n + s.throttled, 0);
  return {
    rows: [
      {
        scenario,
        figure: 'org mode (one caller, 10/s): wall time',
        value: seconds(central.result.ms),
        target: '',
        met: complete(central) ? null : false,
        note: `GetAlternateContact ${central.stats.GetAlternateContact?.received ?? 0}, ${throttled(central)} throttled`,
      },
      {
        scenario,
        figure: `member-role mode (--member-role ${ROLE}): wall time`,
        value: seconds(member.result.ms),
        target: '',
        met: complete(member) ? null : false,
        note: `AssumeRole ${member.stats.AssumeRole?.received ?? 0}, ${member.callers} calling accounts, ${throttled(member)} throttled`,
      },
      {
        scenario,
        figure: 'speed-up = org wall / member-role wall',
        value: `${ratio(speedUp)}×`,
        target: `≥ ${FAN_OUT_TARGET}×`,
        met: speedUp >= FAN_OUT_TARGET && complete(member) && complete(central),
      },
    ],
    details: [
      `  seed: ${seconds(org.createMs)} CreateAccount + ${seconds(org.contactsMs)} PutAlternateContact; CLI --concurrency ${CONCURRENCY} in both modes`,
      `  org mode: exit ${central.result.code}, summary ${JSON.stringify(central.summary)}`,
      `  member-role mode: exit ${member.result.code}, summary ${JSON.stringify(member.summary)}`,
    ],
  };
}

/** A synthetic snapshot: most accounts in sync, some stale, some missing, a few suspended. */
function syntheticSnapshot(accounts: number): string {
  const readAt = new Date();
  const observed: ObservedAccount[] = Array.from({ length: accounts }, (_, i) => {
    const contacts: ObservedAccount['contacts'] = {};
    for (const type of CONTACT_TYPES as readonly ContactType[]) {
      const contact = i % 10 === 0 ? { ...BENCH_SECURITY, email: `old-${i}@example.com` } : BENCH_SECURITY;
      contacts[type] = {
        observed: i % 17 === 0 ? { kind: 'missing' } : { kind: 'present', contact },
        readAt,
      };
    }
    return {
      id: String(100_000_000_000 + i),
      name: `account-${i}`,
      state: i % 97 === 0 ? 'SUSPENDED' : 'ACTIVE',
      ous: ['ou-ab12-root0000', `ou-ab12-${String(i % 50).padStart(8, '0')}`],
      tags: { team: `team-${i % 20}`, env: i % 2 === 0 ? 'prod' : 'dev' },
      contacts,
    };
  });
  return serialiseSnapshot(
    snapshotFromObservation({
      observedAt: readAt,
      toolVersion: 'bench',
      organization: { id: 'o-bench00000', managementAccountId: '999999999999' },
      caller: { accountId: '999999999999', arn: 'arn:aws:iam::999999999999:role/enforce-apply' },
      accounts: observed,
    }),
  );
}

export async function fromStateScenario(accounts: number, workdir: string): Promise<ScenarioReport> {
  const scenario = `5. --from-state, ${accounts.toLocaleString('en-US')} accounts × 3 types`;
  const state = join(workdir, 'from-state.json');
  const text = syntheticSnapshot(accounts);
  await writeFile(state, text, { mode: 0o600 });
  const policy = join(workdir, 'from-state.yaml');
  await writeFile(
    policy,
    `version: 1
contacts:
${['security', 'operations', 'billing']
  .map(
    (key) => `  ${key}:
    name: ${BENCH_SECURITY.name}
    title: ${BENCH_SECURITY.title}
    email: ${BENCH_SECURITY.email}
    phone: "${BENCH_SECURITY.phone}"`,
  )
  .join('\n')}
scope:
  exclude:
    tags: { env: sandbox }
`,
  );
  log(
    `from-state: ${accounts} accounts, ${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB snapshot, built CLI, offline`,
  );
  const args = [
    CLI,
    '--dry-run',
    '--policy',
    policy,
    '--from-state',
    state,
    '--offline',
    '--output',
    'json',
    '--no-progress',
    '--log-file',
    join(workdir, 'from-state.ndjson'),
  ];
  // One untimed run first (the OS file cache), then the timed one.
  await runChild(process.execPath, args, { cwd: workdir, timeoutMs: 60_000 });
  const result = await runChild('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, ...args], {
    cwd: workdir,
    timeoutMs: 60_000,
  });
  const rssKb = Number(/maxrss_kb=(\d+)/.exec(result.stderr)?.[1] ?? Number.NaN);
  const summary = result.code === 0 ? JSON.parse(result.stdout).summary : result.stderr.slice(-500);
  return {
    rows: [
      {
        scenario,
        figure: 'enforce --dry-run --from-state --offline: wall time (process start to exit)',
        value: seconds(result.ms),
        target: `< ${seconds(FROM_STATE_TARGET_MS)}`,
        met: result.code === 0 && result.ms < FROM_STATE_TARGET_MS,
      },
      {
        scenario,
        figure: 'peak RSS of the CLI',
        value: `${(rssKb / 1024).toFixed(0)} MB`,
        target: '',
        met: null,
        note: `snapshot ${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB, clear values`,
      },
    ],
    details: [`  from-state: exit ${result.code}, summary ${JSON.stringify(summary)}`],
  };
}
