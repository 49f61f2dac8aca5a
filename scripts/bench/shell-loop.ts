// Scenario 3: enforce versus the shell loop people use today (`aws organizations list-accounts`, then one
// `aws account put-alternate-contact` per account), both against the same moto through the proxy with
// throttling off, each starting from an organization where every member lacks its SECURITY contact.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AwsProxy, DEFAULT_QUOTAS, startAwsProxy } from '../../test/support/aws-proxy.js';
import type { MotoServer } from '../../test/support/moto.js';
import { fakeAwsEnv, TEST_CREDENTIALS, TEST_REGION } from '../../test/support/seed.js';
import { log, onCleanup, parseSummary, type Row, runChild, runCli, seconds } from './common.js';
import { BENCH_SECURITY, type BulkOrg, securityPolicy, seedBulkOrg } from './emulator.js';
import { idealTime } from './quota.js';
import { perSecondText, phaseText, sampleProxy } from './timeline.js';

const RATIO_TARGET = 20;

const LOOP = `set -eu
ids=$(aws organizations list-accounts --endpoint-url "$EP" --query 'Accounts[].Id' --output text)
for id in $ids; do
  [ "$id" = "$MGMT" ] && continue
  aws account put-alternate-contact --endpoint-url "$EP" --account-id "$id" \\
    --alternate-contact-type SECURITY --name "$NAME" --title "$TITLE" \\
    --email-address "$EMAIL" --phone-number "$PHONE"
done
`;

async function freshOrg(moto: MotoServer, proxy: AwsProxy | undefined, accounts: number): Promise<BulkOrg> {
  await moto.reset();
  proxy?.reset();
  return seedBulkOrg(moto.endpoint, {
    accounts,
    missing: () => true,
    concurrency: 8,
    managementInSync: true,
  });
}

export interface ShellReport {
  rows: Row[];
  details: string[];
}

export async function shellLoopScenario(
  moto: MotoServer,
  accounts: number,
  workdir: string,
): Promise<ShellReport> {
  const rows: Row[] = [];
  const details: string[] = [];
  const scenario = `3. vs shell loop, ${accounts} accounts`;

  let org = await freshOrg(moto, undefined, accounts);
  const proxy = await startAwsProxy({
    target: moto.endpoint,
    managementAccountId: org.managementAccountId,
    validate: true,
    throttle: { enabled: false },
  });
  onCleanup(() => proxy.stop());

  // enforce as a user runs it: client-side pacing at AWS's published quotas (the default).
  const defaultPolicy = join(workdir, 'shell-default.yaml');
  await writeFile(defaultPolicy, securityPolicy());
  // And with the pacing out of the way (quotas ×100), to see what the tool itself costs.
  const unpacedPolicy = join(workdir, 'shell-unpaced.yaml');
  await writeFile(
    unpacedPolicy,
    securityPolicy({ get: [1_000, 1_500], put: [500, 800], organizations: [500, 1_000] }),
  );

  const enforce = async (policy: string, label: string) => {
    const sampler = sampleProxy(proxy);
    const result = await runCli(
      [
        '--apply',
        '--policy',
        policy,
        '--output',
        'json',
        '--no-progress',
        '--log-file',
        join(workdir, `${label}.ndjson`),
      ],
      { env: fakeAwsEnv(proxy.endpoint), cwd: workdir, timeoutMs: 240_000 },
    );
    const timeline = sampler.stop(result.ms);
    const summary = parseSummary(result);
    const writes = proxy.ledger.length;
    const ideal = idealTime(proxy.stats(), 1);
    return { result, summary, writes, ideal, timeline };
  };

  log(
    `shell loop: enforce --apply, ${accounts} missing contacts, default quotas (pacing at AWS's 5 writes/s)`,
  );
  proxy.reset();
  const paced = await enforce(defaultPolicy, 'shell-enforce-default');

  log('shell loop: enforce --apply with pacing ×100 (fresh organization)');
  org = await freshOrg(moto, proxy, accounts);
  const fast = await enforce(unpacedPolicy, 'shell-enforce-unpaced');

  log(`shell loop: bash + aws CLI, ${accounts} × put-alternate-contact (fresh organization)`);
  org = await freshOrg(moto, proxy, accounts);
  const loopFile = join(workdir, 'loop.sh');
  await writeFile(loopFile, LOOP);
  const shell = await runChild('bash', [loopFile], {
    cwd: workdir,
    timeoutMs: 600_000,
    env: {
      EP: proxy.endpoint,
      MGMT: org.managementAccountId,
      NAME: BENCH_SECURITY.name,
      TITLE: BENCH_SECURITY.title,
      EMAIL: BENCH_SECURITY.email,
      PHONE: BENCH_SECURITY.phone,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: TEST_REGION,
      // Nobody's own AWS configuration, and no endpoint but --endpoint-url.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_ENDPOINT_URL: undefined,
      AWS_PROFILE: undefined,
    },
  });
  const shellWrites = proxy.ledger.length;
  if (shell.code !== 0 || shellWrites !== accounts) {
    throw new Error(
      `the shell loop exited ${shell.code} after ${shellWrites} writes:\n${shell.stderr.slice(-2000)}`,
    );
  }

  const check = (r: typeof paced) =>
    r.result.code === 0 && r.summary.failed === 0 && r.summary.applied === accounts && r.writes === accounts;
  const pacedRatio = shell.ms / paced.result.ms;
  const fastRatio = shell.ms / fast.result.ms;
  // enforce writes, then reads back: 2 Gets + 1 Put per account, against 10 Get/s and 5 Put/s.
  const quotaFloorRatio = shell.ms / paced.ideal.ms;
  rows.push(
    {
      scenario,
      figure: `bash loop: list-accounts + ${accounts} × aws account put-alternate-contact`,
      value: seconds(shell.ms),
      target: '',
      met: null,
      note: `${(shell.ms / (accounts + 1)).toFixed(0)} ms per aws invocation`,
    },
    {
      scenario,
      figure: 'enforce --apply, default pacing (AWS quotas: Put 5/s, Get 10/s)',
      value: seconds(paced.result.ms),
      target: '',
      met: null,
      note: `quota floor ${seconds(paced.ideal.ms)} (${paced.ideal.bound}); applied ${paced.summary.applied}, failed ${paced.summary.failed}`,
    },
    {
      scenario,
      figure: 'speed-up, default pacing (shell / enforce)',
      value: `${pacedRatio.toFixed(1)}×`,
      target: `≥ ${RATIO_TARGET}×`,
      met: pacedRatio >= RATIO_TARGET && check(paced),
      note: `at AWS's quotas no tool can beat ${quotaFloorRatio.toFixed(1)}× here`,
    },
    {
      scenario,
      figure: 'enforce --apply, pacing ×100 (emulator speed)',
      value: seconds(fast.result.ms),
      target: '',
      met: null,
      note: `applied ${fast.summary.applied}, failed ${fast.summary.failed}`,
    },
    {
      scenario,
      figure: 'speed-up, pacing ×100 (shell / enforce)',
      value: `${fastRatio.toFixed(1)}×`,
      target: `≥ ${RATIO_TARGET}×`,
      met: fastRatio >= RATIO_TARGET && check(fast),
    },
  );
  const quotas = DEFAULT_QUOTAS;
  details.push(
    `  bash loop: ${seconds(shell.ms)}, ${shellWrites} writes reached moto (no read-back, no diff, no audit log)\n` +
      `  enforce (default pacing, Get ${quotas.GetAlternateContact!.perSecond}/s burst ${quotas.GetAlternateContact!.burst}, ` +
      `Put ${quotas.PutAlternateContact!.perSecond}/s burst ${quotas.PutAlternateContact!.burst}): ${seconds(paced.result.ms)}, ` +
      `requests ${JSON.stringify(paced.ideal.counts)}, exit ${paced.result.code}\n` +
      `         ${phaseText(paced.timeline.phases)}\n${perSecondText(paced.timeline)}\n` +
      `  enforce (pacing ×100): ${seconds(fast.result.ms)}, requests ${JSON.stringify(fast.ideal.counts)}, exit ${fast.result.code}`,
  );
  return { rows, details };
}
