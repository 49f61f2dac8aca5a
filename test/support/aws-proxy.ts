// An HTTP proxy on 127.0.0.1 in front of moto that adds what AWS does and moto does not: throttling with the
// published quotas per calling account, the Account API's authorization rules, field validation, the primary
// contact (GetContactInformation / PutContactInformation, which moto lacks), STS roles that cannot be assumed,
// and reproducible faults. Errors are sent in each service's own wire shape, so the AWS SDK turns them into the
// same exceptions as AWS's would.
//
// Imported by vitest tests and by `npx tsx` scripts: no vitest here. node:http only. The pieces live in
// ./aws-proxy/: wire shapes, validation, buckets, callers, the contact information, the proxy.
//
// What moto 5.2.1 does with member credentials (checked against moto_server): keys from STS AssumeRole belong to
// the role's account, so a standalone-context (no AccountId) alternate contact written with them is stored
// under that account and reads back with AccountId from the management account. The proxy therefore forwards
// such calls unchanged; it only needs to know the caller for quotas and the ledger.

import { FaultProxy } from './aws-proxy/proxy.js';
import type { AwsProxy, ProxyOptions } from './aws-proxy/types.js';

export { DEFAULT_ORGANIZATIONS_QUOTA, DEFAULT_QUOTAS, type Quota } from './aws-proxy/buckets.js';
export { parseAssumeRoleAnswer } from './aws-proxy/callers.js';
export type { ContactInformation, ContactInformationStore } from './aws-proxy/contact-information.js';
export type {
  AssumeRoleEntry,
  AwsProxy,
  FaultKind,
  LedgerEntry,
  LedgerOperation,
  OperationStats,
  ProxyOptions,
  ProxyStats,
  ScriptedFault,
  ThrottleOptions,
} from './aws-proxy/types.js';

export async function startAwsProxy(options: ProxyOptions): Promise<AwsProxy> {
  const proxy = new FaultProxy(options);
  await proxy.listen();
  return {
    endpoint: proxy.endpoint,
    ledger: proxy.ledger,
    assumeRoles: proxy.assumeRoles,
    contactInformation: proxy.contactInformation,
    stop: () => proxy.stop(),
    configure: (partial) => proxy.configure(partial),
    stats: () => proxy.snapshotStats(),
    statsByCaller: () => proxy.snapshotCallerStats(),
    tokens: (callerAccountId, operation) => proxy.tokens(callerAccountId, operation),
    reset: () => proxy.reset(),
  };
}
