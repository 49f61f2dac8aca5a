import pLimit from 'p-limit';
import type { AuditLog } from '../audit/audit-log.js';
import type { AwsClients } from '../aws/clients.js';
import { listAccountOus, listAccounts } from '../aws/organizations.js';
import { decideAccount } from '../core/desired.js';
import type { InitType, ObservedAccount } from '../core/init-policy.js';
import type { DesiredPolicy } from '../core/policy.js';
import { type Caller, CONTACT_TYPES, type Organization, POLICY_KEY_BY_TYPE } from '../core/types.js';
import type { Clock } from './clock.js';
import { createContactsGateway } from './contacts-gateway.js';
import { preflight } from './observe.js';
import { paceRunClients } from './pacing.js';
import { DEFAULT_CONCURRENCY } from './run.js';
import type { RunStop } from './stop.js';

export interface ObserveDeps {
  clients: AwsClients;
  caller: Caller;
  clock: Clock;
  stop: RunStop;
  audit: AuditLog;
  concurrency?: number;
}

/**
 * What `enforce init` reads: every account a dry-run would manage (ACTIVE, and the management account
 * only when the caller is it), with its OU path and the contacts of `types`, through the same preflight,
 * pacing and management-account rule as a run. A contact that cannot be read is audited
 * (`account.error`) and left out, so the starting policy says nothing about it.
 */
export async function observeOrganization(
  types: readonly InitType[],
  deps: ObserveDeps,
): Promise<{ organization: Organization; accounts: ObservedAccount[] }> {
  const { clients, caller, stop, audit } = deps;
  paceRunClients(clients, undefined, deps.clock, stop);
  const organization = await preflight(clients.organizations);
  const ous = await listAccountOus(clients.organizations);
  const listed = (await listAccounts(clients.organizations)).map((a) => ({ ...a, ous: ous.get(a.id) ?? [] }));
  // The policy a dry-run of the written file will apply the same skips with: nothing but the defaults.
  const empty: DesiredPolicy = {
    contacts: {},
    scope: { include: null, exclude: null },
    overrides: [],
    settings: { managementAccount: 'manage' },
    secretValues: [],
  };
  const ctx = { managementAccountId: organization.managementAccountId, callerAccountId: caller.accountId };
  const managed = listed.filter((a) => decideAccount(a, empty, ctx).kind === 'manage');
  const gateway = createContactsGateway(clients.account, caller.accountId);
  const alternate = CONTACT_TYPES.filter((type) => types.includes(POLICY_KEY_BY_TYPE[type]));
  const limit = pLimit(deps.concurrency ?? DEFAULT_CONCURRENCY);

  const accounts = await Promise.all(
    managed.map((account) =>
      limit(async (): Promise<ObservedAccount | null> => {
        if (stop.reason !== null) return null;
        const observed: ObservedAccount = { account, contacts: {} };
        for (const type of alternate) {
          const read = await gateway.read(account.id, type);
          if (read.kind === 'error') audit.accountError(account.id, account.name, type, read.error);
          else observed.contacts[type] = read.kind === 'present' ? read.contact : null;
        }
        if (types.includes('primary')) {
          const read = await gateway.readPrimary(account.id);
          if (read.kind === 'error') audit.accountError(account.id, account.name, 'PRIMARY', read.error);
          else observed.primary = read.kind === 'present' ? read.contact : null;
        }
        return observed;
      }),
    ),
  );
  return { organization, accounts: accounts.filter((a): a is ObservedAccount => a !== null) };
}
