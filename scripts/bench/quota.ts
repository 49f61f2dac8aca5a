// Scenario 1: quota efficiency. The built CLI scans and applies a large organization in moto through the
// AWS-faithful proxy, whose token buckets run at the published quotas ×10; the CLI is told the same raised
// quotas through settings.rateLimits. Efficiency = the time the quotas allow / the time the run took.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AwsProxy,
  DEFAULT_ORGANIZATIONS_QUOTA,
  DEFAULT_QUOTAS,
  type ProxyStats,
  type Quota,
  startAwsProxy,
} from '../../test/support/aws-proxy.js';
import type { MotoServer } from '../../test/support/moto.js';
import { fakeAwsEnv } from '../../test/support/seed.js';
import {
  type ChildResult,
  type CliSummary,
  log,
  onCleanup,
  parseSummary,
  type Row,
  ratio,
  runCli,
  seconds,
} from './common.js';
import { type BulkOrg, securityPolicy, seedBulkOrg } from './emulator.js';
import { perSecondText, phaseText, sampleProxy, type Timeline } from './timeline.js';

export const TIME_SCALE = 10;
const EFFICIENCY_TARGET = 0.9;
const SEED_CONCURRENCY = 8;
const CLI_TIMEOUT_MS = 240_000;

// Organizations operations: the proxy gives each its own bucket at DEFAULT_ORGANIZATIONS_QUOTA.
const ORGANIZATIONS_OPERATIONS = new Set([
  'DescribeOrganization',
  'ListAWSServiceAccessForOrganization',
  'ListAccounts',
  'ListRoots',
  'ListOrganizationalUnitsForParent',
  'ListAccountsForParent',
  'ListTagsForResource',
  'ListParents',
]);

function quotaOf(operation: string): Quota | undefined {
  return (
    DEFAULT_QUOTAS[operation] ??
    (ORGANIZATIONS_OPERATIONS.has(operation) ? DEFAULT_ORGANIZATIONS_QUOTA : undefined)
  );
}

export interface Ideal {
  ms: number;
  /** The operation whose bucket bounds the run. */
  bound: string;
  /** Requests that passed each bucket (a throttled request takes no token). */
  counts: Record<string, number>;
}

/**
 * The least time the quotas allow for the requests the CLI actually got through: every bucket starts full
 * (burst), then refills at its rate; buckets run in parallel, so the slowest one bounds the run.
 */
export function idealTime(stats: ProxyStats, scale: number): Ideal {
  let ms = 0;
  let bound = 'none';
  const counts: Record<string, number> = {};
  for (const [operation, s] of Object.entries(stats)) {
    const n = s.received - s.throttled;
    counts[operation] = n;
    const quota = quotaOf(operation);
    if (quota === undefined) continue;
    const t = (Math.max(0, n - quota.burst * scale) / (quota.perSecond * scale)) * 1000;
    if (t > ms) {
      ms = t;
      bound = operation;
    }
  }
  return { ms, bound, counts };
}

const throttledIn = (stats: ProxyStats) => Object.values(stats).reduce((n, s) => n + s.throttled, 0);

interface Measured {
  result: ChildResult;
  summary: CliSummary;
  stats: ProxyStats;
  timeline: Timeline;
  writes: number;
}

async function measure(
  proxy: AwsProxy,
  args: string[],
  workdir: string,
  name: string,
  throttled: boolean,
): Promise<Measured> {
  // Fresh buckets (as after ≥ 1.5 s idle), empty stats and ledger.
  proxy.reset();
  if (!throttled) proxy.configure({ throttle: { enabled: false } });
  const sampler = sampleProxy(proxy);
  let result: ChildResult;
  try {
    result = await runCli(
      [...args, '--output', 'json', '--no-progress', '--log-file', join(workdir, `${name}.ndjson`)],
      { env: fakeAwsEnv(proxy.endpoint), cwd: workdir, timeoutMs: CLI_TIMEOUT_MS },
    );
  } catch (error) {
    sampler.stop(0);
    throw error;
  }
  const timeline = sampler.stop(result.ms);
  return {
    result,
    summary: parseSummary(result),
    stats: proxy.stats(),
    timeline,
    writes: proxy.ledger.length,
  };
}

function countsText(stats: ProxyStats): string {
  return Object.entries(stats)
    .map(([op, s]) => `${op} ${s.received}${s.throttled > 0 ? ` (${s.throttled} throttled)` : ''}`)
    .join(', ');
}

export interface QuotaReport {
  rows: Row[];
  details: string[];
}

export async function quotaScenario(
  moto: MotoServer,
  accounts: number,
  workdir: string,
  options: { withTags?: boolean } = {},
): Promise<QuotaReport> {
  const rows: Row[] = [];
  const details: string[] = [];
  const scenario = `1. quota ×${TIME_SCALE}, ${accounts.toLocaleString('en-US')} accounts`;

  await moto.reset();
  log(
    `quota: seeding ${accounts} accounts in moto (concurrency ${SEED_CONCURRENCY}), 50% without a SECURITY contact`,
  );
  const org: BulkOrg = await seedBulkOrg(moto.endpoint, {
    accounts,
    missing: (i) => i % 2 === 0,
    concurrency: SEED_CONCURRENCY,
    managementInSync: true,
  });
  const createRate = accounts / (org.createMs / 1000);
  rows.push({
    scenario,
    figure: `seed: CreateAccount ×${accounts} + PutAlternateContact ×${accounts - org.missing}`,
    value: `${seconds(org.createMs)} + ${seconds(org.contactsMs)}`,
    target: '',
    met: null,
    note: `${createRate.toFixed(0)} accounts/s at concurrency ${SEED_CONCURRENCY}`,
  });

  const proxy = await startAwsProxy({
    target: moto.endpoint,
    managementAccountId: org.managementAccountId,
    validate: true,
    // DEFAULT_ORGANIZATIONS_QUOTA (5/s, burst 10) ×10 = the 50/s, burst 100 the CLI is told below.
    throttle: { enabled: true, timeScale: TIME_SCALE },
  });
  onCleanup(() => proxy.stop());

  const scaled = (q: Quota): [number, number] => [q.perSecond * TIME_SCALE, q.burst * TIME_SCALE];
  const raisedLimits = {
    get: scaled(DEFAULT_QUOTAS.GetAlternateContact!),
    put: scaled(DEFAULT_QUOTAS.PutAlternateContact!),
    organizations: scaled(DEFAULT_ORGANIZATIONS_QUOTA),
  };
  const raised = join(workdir, 'quota-x10.yaml');
  await writeFile(raised, securityPolicy(raisedLimits));
  const unpaced = join(workdir, 'quota-unpaced.yaml');
  await writeFile(
    unpaced,
    securityPolicy({ get: [100_000, 100_000], put: [100_000, 100_000], organizations: [100_000, 100_000] }),
  );

  // Warm-up, which also measures the emulator: no throttling and no client pacing, so this dry-run goes as
  // fast as moto, the proxy and the CLI allow. moto creates each account's backend on first use: after
  // this, the timed runs do not pay for that.
  log('quota: warm-up dry-run, unthrottled and unpaced (emulator capacity)');
  const floor = await measure(proxy, ['--dry-run', '--policy', unpaced], workdir, 'warm-up', false);
  const floorReads = floor.stats.GetAlternateContact?.received ?? 0;
  const capacity = floor.timeline.phases
    ? floorReads / (floor.timeline.phases.contactsMs / 1000)
    : Number.NaN;
  rows.push({
    scenario,
    figure: 'emulator capacity: GetAlternateContact/s, unthrottled (warm-up run)',
    value: `${capacity.toFixed(0)}/s`,
    target: '',
    met: null,
    note: `precondition: above the ×${TIME_SCALE} Get quota (${DEFAULT_QUOTAS.GetAlternateContact!.perSecond * TIME_SCALE}/s), else moto is the bound; warm-up wall ${seconds(floor.result.ms)}`,
  });
  details.push(
    `  warm-up (unthrottled, unpaced dry-run): wall ${seconds(floor.result.ms)}; ${phaseText(floor.timeline.phases)}\n` +
      `         requests: ${countsText(floor.stats)}`,
  );

  for (const mode of ['dry-run', 'apply'] as const) {
    log(`quota: timed --${mode} through the proxy at quotas ×${TIME_SCALE}`);
    const m = await measure(proxy, [`--${mode}`, '--policy', raised], workdir, mode, true);
    const ideal = idealTime(m.stats, TIME_SCALE);
    const efficiency = ideal.ms / m.result.ms;
    const contactsEfficiency = m.timeline.phases ? ideal.ms / m.timeline.phases.contactsMs : Number.NaN;
    const throttled = throttledIn(m.stats);
    const failed = m.summary.failed;
    const expectedWrites = mode === 'apply' ? org.missing : 0;
    const complete =
      m.result.code === 0 &&
      failed === 0 &&
      (mode === 'apply' ? m.summary.applied === expectedWrites : m.summary.create === org.missing);
    rows.push(
      {
        scenario,
        figure: `enforce --${mode}: wall time (ideal ${seconds(ideal.ms)}, bound by ${ideal.bound})`,
        value: seconds(m.result.ms),
        target: '',
        met: null,
      },
      {
        scenario,
        figure: `enforce --${mode}: efficiency = ideal / wall`,
        value: ratio(efficiency),
        target: `≥ ${EFFICIENCY_TARGET.toFixed(2)}`,
        met: efficiency >= EFFICIENCY_TARGET,
        note: `contacts phase alone: ${ratio(contactsEfficiency)}`,
      },
      {
        scenario,
        figure: `enforce --${mode}: throttled requests / failed items`,
        value: `${throttled} / ${failed}`,
        target: '– / 0',
        met: failed === 0 && complete,
        ...(complete ? {} : { note: `exit ${m.result.code}, summary ${JSON.stringify(m.summary)}` }),
      },
    );
    details.push(
      `  --${mode}: wall ${seconds(m.result.ms)}, exit ${m.result.code}; ${phaseText(m.timeline.phases)}\n` +
        `         requests: ${countsText(m.stats)}\n` +
        `         summary: ${m.summary.create} create, ${m.summary.update} update, ${m.summary.inSync} in sync, ` +
        `${m.summary.applied} applied, ${m.summary.failed} failed; moto received ${m.writes} writes\n` +
        perSecondText(m.timeline),
    );
  }

  if (options.withTags) {
    // The same dry-run with `scope.exclude.tags`: one ListTagsForResource per account, before any contact read.
    const tagged = join(workdir, 'quota-x10-tags.yaml');
    await writeFile(tagged, securityPolicy(raisedLimits, { excludeTags: true }));
    log(`quota: timed --dry-run with scope.exclude.tags at quotas ×${TIME_SCALE}`);
    const m = await measure(proxy, ['--dry-run', '--policy', tagged], workdir, 'dry-run-tags', true);
    const ideal = idealTime(m.stats, TIME_SCALE);
    rows.push({
      scenario,
      figure: `enforce --dry-run with scope.exclude.tags: wall (ideal ${seconds(ideal.ms)}, bound by ${ideal.bound})`,
      value: seconds(m.result.ms),
      target: '',
      met: null,
      note: `efficiency ${ratio(ideal.ms / m.result.ms)}; ${throttledIn(m.stats)} throttled, ${m.summary.failed} failed`,
    });
    details.push(
      `  --dry-run with scope.exclude.tags: wall ${seconds(m.result.ms)}, exit ${m.result.code}; ${phaseText(m.timeline.phases)}\n` +
        `         requests: ${countsText(m.stats)}\n${perSecondText(m.timeline)}`,
    );
  }
  return { rows, details };
}
