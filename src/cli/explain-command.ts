import { randomBytes } from 'node:crypto';
import { createClients } from '../aws/clients.js';
import { listAccounts, listAccountTags, walkOuTree } from '../aws/organizations.js';
import { getCaller } from '../aws/sts.js';
import { decideAccount, desiredContacts, desiredPrimary } from '../core/desired.js';
import { createRedactor, makeRunKey } from '../core/redact.js';
import { CONTACT_TYPES, type ContactType, type ObservedContact } from '../core/types.js';
import { createContactsGateway } from '../engine/contacts-gateway.js';
import { preflight } from '../engine/observe.js';
import { resolveSsmValues } from '../engine/prepare.js';
import { readPolicy } from '../policy/load.js';
import { type Explanation, renderExplanation, renderExplanationJson } from '../render/explain.js';
import { colorEnabled, createStyle } from '../render/style.js';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';
import type { ExplainCliOptions } from './program.js';

/** Read-only: explains one account's desired contacts layer by layer next to its current values. */
export async function explainCommand(accountId: string, options: ExplainCliOptions, io: Io): Promise<number> {
  const loaded = await readPolicy(options.policy);
  const clients = createClients({ region: options.region, profile: options.profile });
  try {
    const caller = await getCaller(clients.sts);
    const policy = await resolveSsmValues(loaded, clients, options.redact);
    const organization = await preflight(clients.organizations);
    const listed = (await listAccounts(clients.organizations)).find((a) => a.id === accountId);
    if (listed === undefined) {
      // Its own exit code: a script explaining a list of ids can tell "not ours" from a failed call (1).
      io.stderr(`error: ${accountId} is not an account of organization ${organization.id}\n`);
      return EXIT.notInOrganization;
    }
    // OUs and tags always, whether the policy uses them or not: they are what a new rule would match on,
    // and for one account they cost a tree walk and one call.
    const [tree, tags] = await Promise.all([
      walkOuTree(clients.organizations),
      listAccountTags(clients.organizations, accountId),
    ]);
    const account = { ...listed, ous: tree.accountOus.get(accountId) ?? [], tags };
    const ctx = { managementAccountId: organization.managementAccountId, callerAccountId: caller.accountId };
    const decision = decideAccount(account, policy, ctx);
    const desired = desiredContacts(account, policy);
    const primary = desiredPrimary(account, policy);

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
    const currentPrimary =
      primary !== undefined && readable ? await gateway.readPrimary(account.id) : undefined;
    const redactor = createRedactor({
      key: makeRunKey(io.env, randomBytes).key,
      fields: options.redact,
      secretValues: policy.secretValues,
    });
    const explanation: Explanation = {
      account,
      decision,
      desired,
      current,
      ouNames: tree.ouNames,
      ...(primary === undefined
        ? {}
        : {
            primary: {
              desired: primary,
              ...(currentPrimary === undefined ? {} : { current: currentPrimary }),
            },
          }),
    };
    if (options.output === 'json') {
      io.stdout(renderExplanationJson(explanation, redactor));
    } else {
      const color = colorEnabled({ stdoutIsTTY: io.stdoutIsTTY, env: io.env, noColorFlag: !options.color });
      io.stdout(renderExplanation(explanation, redactor, createStyle(color)));
    }
    return 0;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}
