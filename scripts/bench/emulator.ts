// moto tuned for thousands of accounts, and a bulk organization seeder.
//
// Two moto 5.2.1 costs grow with the size of the organization or with every request, and would otherwise
// make the emulator, not the CLI, the bottleneck of the benchmark (measured, see the bench's report):
// - Without MOTO_ACCOUNT_ID, moto finds the calling account for every request by searching the access key
//   in the IAM backend of every account it has ever seen (moto/iam/models.py get_account_id_from): with 2,000
//   accounts that is ~6,000 dictionary lookups per request and ~25 ms. MOTO_ACCOUNT_ID=123456789012 (the
//   account the fake `testing` keys map to anyway) skips the search.
// - moto's dispatcher lists its own package directory (listdir + ~180 stat calls) on every request to route
//   it; memoised here.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountClient, PutAlternateContactCommand } from '@aws-sdk/client-account';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  EnableAWSServiceAccessCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { MOTO_PATCHES, type MotoServer, startMoto } from '../../test/support/moto.js';
import { ACCOUNT_SERVICE_PRINCIPAL, TEST_CREDENTIALS, TEST_REGION } from '../../test/support/seed.js';
import { forEachLimited } from './common.js';

export const MANAGEMENT_ACCOUNT_ID = '123456789012';

const SPEED_PATCHES = `
# Written by enforce's scripts/bench/emulator.ts: memoise moto's per-request listing of its own modules.
try:
    from moto import backends as _bench_backends
    _bench_modules = tuple(_bench_backends.list_of_moto_modules())
    _bench_backends.list_of_moto_modules = lambda: _bench_modules
except Exception as error:
    print("enforce bench moto speed-ups not applied: %r" % (error,), file=sys.stderr)
`;

/** moto_server with the test harness's patches plus the speed-ups above. */
export async function startBenchMoto(): Promise<MotoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'enforce-bench-moto-'));
  writeFileSync(join(dir, 'sitecustomize.py'), `${MOTO_PATCHES}\n${SPEED_PATCHES}`, 'utf8');
  try {
    const moto = await startMoto({
      patches: false,
      env: { MOTO_ACCOUNT_ID: MANAGEMENT_ACCOUNT_ID, PYTHONPATH: dir },
    });
    return {
      ...moto,
      stop: async () => {
        await moto.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface BenchContact {
  name: string;
  title: string;
  email: string;
  phone: string;
}

export const BENCH_SECURITY: BenchContact = {
  name: 'Security Operations',
  title: 'Security Team',
  email: 'security@example.com',
  phone: '+1-555-0142',
};

export interface BulkOrgOptions {
  accounts: number;
  /** Member account i has no SECURITY contact when `missing(i)`; the others hold BENCH_SECURITY. */
  missing: (index: number) => boolean;
  concurrency: number;
  /** Management account's SECURITY contact: in sync (true) or absent. */
  managementInSync: boolean;
}

export interface BulkOrg {
  managementAccountId: string;
  accountIds: string[];
  missing: number;
  createMs: number;
  contactsMs: number;
}

/** An organization (ALL features, trusted access) of `accounts` members created in parallel. */
export async function seedBulkOrg(endpoint: string, options: BulkOrgOptions): Promise<BulkOrg> {
  const config = { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 3 };
  const organizations = new OrganizationsClient(config);
  const account = new AccountClient(config);
  try {
    const created = await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const managementAccountId = created.Organization?.MasterAccountId ?? MANAGEMENT_ACCOUNT_ID;
    await organizations.send(
      new EnableAWSServiceAccessCommand({ ServicePrincipal: ACCOUNT_SERVICE_PRINCIPAL }),
    );

    let t0 = performance.now();
    const accountIds: string[] = new Array(options.accounts);
    await forEachLimited(
      Array.from({ length: options.accounts }, (_, i) => i),
      options.concurrency,
      async (i) => {
        const name = `bench-${String(i).padStart(5, '0')}`;
        const answer = await organizations.send(
          new CreateAccountCommand({ AccountName: name, Email: `aws+${name}@example.com` }),
        );
        const id = answer.CreateAccountStatus?.AccountId;
        if (!id) throw new Error(`moto did not return an id for account ${name}`);
        accountIds[i] = id;
      },
    );
    const createMs = performance.now() - t0;

    t0 = performance.now();
    const put = (accountId: string | undefined) =>
      account.send(
        new PutAlternateContactCommand({
          ...(accountId === undefined ? {} : { AccountId: accountId }),
          AlternateContactType: 'SECURITY',
          Name: BENCH_SECURITY.name,
          Title: BENCH_SECURITY.title,
          EmailAddress: BENCH_SECURITY.email,
          PhoneNumber: BENCH_SECURITY.phone,
        }),
      );
    if (options.managementInSync) await put(undefined);
    const present = accountIds.filter((_, i) => !options.missing(i));
    await forEachLimited(present, options.concurrency, async (id) => {
      await put(id);
    });
    return {
      managementAccountId,
      accountIds,
      missing: accountIds.length - present.length,
      createMs,
      contactsMs: performance.now() - t0,
    };
  } finally {
    organizations.destroy();
    account.destroy();
  }
}

export interface BenchRateLimits {
  get: [number, number];
  put: [number, number];
  organizations: [number, number];
}

/**
 * A policy managing the SECURITY contact only, optionally with client-side rate limits and with
 * `scope.exclude.tags` (which makes the CLI read every account's tags).
 */
export function securityPolicy(
  rateLimits?: BenchRateLimits,
  options: { excludeTags?: boolean } = {},
): string {
  const lines = [
    'version: 1',
    'contacts:',
    '  security:',
    `    name: ${BENCH_SECURITY.name}`,
    `    title: ${BENCH_SECURITY.title}`,
    `    email: ${BENCH_SECURITY.email}`,
    `    phone: "${BENCH_SECURITY.phone}"`,
  ];
  if (options.excludeTags) lines.push('scope:', '  exclude:', '    tags: { contact-policy: exempt }');
  if (rateLimits !== undefined) {
    const limit = (key: string, [perSecond, burst]: [number, number]) =>
      `    ${key}: { perSecond: ${perSecond}, burst: ${burst} }`;
    lines.push(
      'settings:',
      '  rateLimits:',
      limit('getAlternateContact', rateLimits.get),
      limit('putAlternateContact', rateLimits.put),
      limit('organizations', rateLimits.organizations),
    );
  }
  return `${lines.join('\n')}\n`;
}
