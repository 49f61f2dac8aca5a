import { randomBytes } from 'node:crypto';
import { createClients } from '../aws/clients.js';
import { getCaller } from '../aws/sts.js';
import { decideAccount, desiredContacts } from '../core/desired.js';
import { createRedactor, makeRunKey, type RedactFields } from '../core/redact.js';
import { CONTACT_TYPES, type ContactType, type ObservedContact } from '../core/types.js';
import { createContactsGateway } from '../engine/contacts-gateway.js';
import { listRunAccounts, preflight } from '../engine/observe.js';
import { resolveSsmValues } from '../engine/prepare.js';
import { readPolicy } from '../policy/load.js';
import { renderExplanation } from '../render/explain.js';
import type { Io } from './io.js';
import type { AwsOptions } from './program.js';

/** Read-only: explains one account's desired contacts layer by layer next to its current values. */
export async function explainCommand(
  accountId: string,
  options: AwsOptions & { policy: string; redact: RedactFields },
  io: Io,
): Promise<number> {
  const loaded = await readPolicy(options.policy);
  const clients = createClients({ region: options.region, profile: options.profile });
  try {
    const caller = await getCaller(clients.sts);
    const policy = await resolveSsmValues(loaded, clients, options.redact);
    const organization = await preflight(clients.organizations);
    const [account] = await listRunAccounts(clients.organizations, policy, [accountId]);
    if (account === undefined) throw new Error(`account ${accountId} was not listed`);
    const ctx = { managementAccountId: organization.managementAccountId, callerAccountId: caller.accountId };
    const decision = decideAccount(account, policy, ctx);
    const desired = desiredContacts(account, policy);

    // Read current values unless AWS would refuse: a closed account, or the management account from a
    // delegated administrator.
    const readable =
      account.state === 'ACTIVE' &&
      !(decision.kind === 'skip' && decision.reason === 'management-account-delegated-admin');
    const gateway = createContactsGateway(clients.account, caller.accountId);
    const current: Partial<Record<ContactType, ObservedContact>> = {};
    if (readable) {
      for (const type of CONTACT_TYPES)
        if (desired[type]) current[type] = await gateway.read(account.id, type);
    }
    const redactor = createRedactor({
      key: makeRunKey(io.env, randomBytes).key,
      fields: options.redact,
      secretValues: policy.secretValues,
    });
    io.stdout(renderExplanation({ account, decision, desired, current }, redactor));
    return 0;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}
