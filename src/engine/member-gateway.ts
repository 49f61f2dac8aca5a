import { getAlternateContact, putAlternateContact } from '../aws/account.js';
import type { MemberRoleAccess } from '../aws/member-role.js';
import type { AccountRoute, ReportAccount } from '../core/types.js';
import { AwsCallError } from '../errors.js';
import type { ContactsGateway } from './contacts-gateway.js';

/**
 * Member-role fan-out (`settings.memberRole`, `--member-role`) as a ContactsGateway, so scan and apply do not
 * know about it: a member account is read and written from inside it (its role's credentials, standalone
 * context — no AccountId — its own token buckets); the caller's own account with the caller's client; an
 * account whose role cannot be assumed through the organization path, and the route is kept for the report.
 */
export interface MemberRoutedGateway extends ContactsGateway {
  /** How each account was reached, for accounts the run read or wrote. */
  routes(): ReadonlyMap<string, AccountRoute>;
}

export function createMemberRoutedGateway(options: {
  access: Pick<MemberRoleAccess, 'accessFor'>;
  /** The run's own gateway: caller's credentials, AccountId for every account but the caller's. */
  organization: ContactsGateway;
  callerAccountId: string;
}): MemberRoutedGateway {
  const { access, organization, callerAccountId } = options;
  const routes = new Map<string, AccountRoute>();

  /** The member client, or null for the organization path (the route is recorded either way). */
  const memberClientFor = async (accountId: string) => {
    if (accountId === callerAccountId) {
      routes.set(accountId, {
        via: 'organization',
        reason: {
          code: 'caller-account',
          message: "the caller's own account: reached with the caller's credentials",
        },
      });
      return null;
    }
    const reached = await access.accessFor(accountId);
    if (reached.via === 'member') {
      routes.set(accountId, { via: 'member', roleArn: reached.roleArn });
      return reached.client;
    }
    routes.set(accountId, {
      via: 'organization',
      reason: { code: reached.reason, message: reached.error.message },
    });
    return null;
  };

  return {
    async read(accountId, type) {
      const client = await memberClientFor(accountId);
      if (client === null) return organization.read(accountId, type);
      try {
        const contact = await getAlternateContact(client, type);
        return contact === null ? { kind: 'missing' } : { kind: 'present', contact };
      } catch (error) {
        const e = AwsCallError.from('account:GetAlternateContact', error);
        return { kind: 'error', error: { code: e.code, message: e.message } };
      }
    },
    async write(accountId, type, contact) {
      const client = await memberClientFor(accountId);
      if (client === null) return organization.write(accountId, type, contact);
      return putAlternateContact(client, type, contact);
    },
    routes: () => routes,
  };
}

/** The report's accounts with the route each was reached by (accounts never read keep no `via`). */
export function withRoutes(
  accounts: ReportAccount[],
  routes: ReadonlyMap<string, AccountRoute>,
): ReportAccount[] {
  return accounts.map((account) => {
    const route = routes.get(account.accountId);
    if (route === undefined) return account;
    return route.via === 'member'
      ? { ...account, via: 'member' }
      : { ...account, via: 'organization', viaReason: route.reason };
  });
}
