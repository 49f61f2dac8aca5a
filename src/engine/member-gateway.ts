import type { AccountRoute, ReportAccount } from '../core/types.js';
import { type ContactsGateway, createContactsGateway } from './contacts-gateway.js';
import type { MemberRoleAccess } from './member-role.js';

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

  // Inside the member account the target is the caller itself: the gateway sends no AccountId (the same
  // rule, aws/account.ts accountIdParam, that addresses the management account in standalone context).
  const memberGateways = new Map<string, ContactsGateway>();

  /** The member gateway, or the organization's (the route is recorded either way). */
  const gatewayFor = async (accountId: string): Promise<ContactsGateway> => {
    const known = memberGateways.get(accountId);
    if (known !== undefined) return known;
    const client = await memberClientFor(accountId);
    if (client === null) return organization;
    const gateway = createContactsGateway(client, accountId);
    memberGateways.set(accountId, gateway);
    return gateway;
  };

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
    read: async (accountId, type) => (await gatewayFor(accountId)).read(accountId, type),
    write: async (accountId, type, contact) => (await gatewayFor(accountId)).write(accountId, type, contact),
    delete: async (accountId, type) => (await gatewayFor(accountId)).delete(accountId, type),
    readPrimary: async (accountId) => (await gatewayFor(accountId)).readPrimary(accountId),
    writePrimary: async (accountId, contact) =>
      (await gatewayFor(accountId)).writePrimary(accountId, contact),
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
