import type { ContactType } from '../core/types.js';
import type { ContactsGateway } from './contacts-gateway.js';

/** Told when each contact read answered: the report's `readAt` (the plan itself records no times). */
export type ContactReadListener = (accountId: string, type: ContactType, readAt: Date) => void;

/** The gateway, telling `onRead` when each read answered (errors included: the attempt is evidence too). */
export function timeReads(
  gateway: ContactsGateway,
  onRead: ContactReadListener | undefined,
): ContactsGateway {
  if (onRead === undefined) return gateway;
  return {
    async read(accountId, type) {
      const observed = await gateway.read(accountId, type);
      onRead(accountId, type, new Date());
      return observed;
    },
    write: (accountId, type, contact) => gateway.write(accountId, type, contact),
    delete: (accountId, type) => gateway.delete(accountId, type),
    // The compliance report covers the alternate contacts (the controls' subject): primary reads untimed.
    readPrimary: (accountId) => gateway.readPrimary(accountId),
    writePrimary: (accountId, contact) => gateway.writePrimary(accountId, contact),
  };
}
