// The proxy's public types: its options, what it records, and its handle.

import type { Quota } from './buckets.js';
import type { ContactInformation, ContactInformationStore } from './contact-information.js';

export interface ThrottleOptions {
  enabled: boolean;
  /** Multiplies every rate and burst, so tests can run at ×10 speed (default 1 = AWS's real numbers). */
  timeScale?: number;
  /** Per operation name (`GetAlternateContact`, `ListAccounts`, `AssumeRole`, …); merged over DEFAULT_QUOTAS. */
  quotas?: Record<string, Quota>;
}

export type FaultKind = 'throttle' | 'drop' | 'internal' | 'accessDenied';

/** A fault for the next matching request(s), whatever the seed: for tests that need exactly one throttle. */
export interface ScriptedFault {
  fault: FaultKind;
  /** Operation name; absent = any operation. */
  operation?: string;
  /** Account API target (AccountId, or the caller when absent), or AssumeRole's role account; absent = any. */
  accountId?: string;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

export interface ProxyOptions {
  /** moto's endpoint, `http://127.0.0.1:PORT`. */
  target: string;
  throttle?: ThrottleOptions;
  /** Enables AWS's rule that the management account can't name itself in AccountId (403). */
  managementAccountId?: string;
  /** false: Account API calls with an AccountId get 403 as when trusted access is not enabled. */
  trustedAccess?: boolean;
  /** Check Account API input against the API's limits, as AWS does (moto stores anything). */
  validate?: boolean;
  /** PRNG seed for dropRate and internalErrorRate (default 1). */
  seed?: number;
  /** Probability of HTTP 500 in the service's own shape. */
  internalErrorRate?: number;
  /** Probability that the connection is destroyed without an answer. */
  dropRate?: number;
  /** Added before forwarding (or answering) each request the faults apply to. */
  latencyMs?: number;
  /** Operations the random faults and latency apply to; absent = all. */
  faultOperations?: string[];
  /** Account API calls targeting these accounts get 403 (an explicit deny in an SCP). */
  accessDeniedAccounts?: string[];
  /**
   * STS AssumeRole into a role of these accounts gets 403 AccessDenied in STS's XML shape and is not forwarded:
   * what AWS answers when the role is missing or does not trust the caller (moto assumes any role).
   */
  assumeRoleDeniedAccounts?: string[];
  /**
   * Writes (PutAlternateContact, DeleteAlternateContact, PutContactInformation) for these accounts fail with
   * 500 and are not applied.
   */
  failPutFor?: string[];
  /**
   * Reads (GetAlternateContact, GetContactInformation) for these accounts fail with 500 once a write for the
   * same account and type (`PRIMARY` for the contact information) has gone through this proxy.
   */
  failReadBackFor?: string[];
  /** Writes for these accounts are applied, then the connection is dropped (lost answer). */
  losePutResponseFor?: string[];
  scriptedFaults?: ScriptedFault[];
  /** Clock for the token buckets, in milliseconds (default performance.now): tests can stop time. */
  now?: () => number;
  /**
   * The calling account of credentials the proxy did not see STS hand out, for quotas, the ledger and error
   * messages. Default: asked from moto (STS GetCallerIdentity with the request's access key).
   */
  callerAccountId?: string;
}

export type LedgerOperation = 'PutAlternateContact' | 'DeleteAlternateContact' | 'PutContactInformation';

/** A write AWS (moto, or the proxy for the contact information) applied. */
export interface LedgerEntry {
  seq: number;
  /** Epoch milliseconds when the write was applied. */
  time: number;
  operation: LedgerOperation;
  /** The account written: AccountId from the body, or the caller's account when absent. */
  accountId: string;
  /** The account of the credentials that sent the write (from AssumeRole answers, or moto). */
  callerAccountId: string;
  /** Whether the request carried AccountId (false = standalone context). */
  hadAccountId: boolean;
  /** SECURITY | OPERATIONS | BILLING, or PRIMARY for PutContactInformation. */
  type: string;
  /** PutAlternateContact's values; '' for the other operations. */
  name: string;
  title: string;
  email: string;
  phone: string;
  /** PutContactInformation only: what was stored. */
  contactInformation?: ContactInformation;
}

/** An AssumeRole the proxy decided: granted by moto, or refused by `assumeRoleDeniedAccounts`. */
export interface AssumeRoleEntry {
  seq: number;
  time: number;
  /** The account of the credentials that asked. */
  callerAccountId: string;
  roleArn: string;
  /** The role's account ('' when RoleArn is not an IAM role ARN). */
  accountId: string;
  sessionName: string;
  outcome: 'assumed' | 'denied';
  /** The AccessKeyId STS handed out, when assumed. */
  accessKeyId?: string;
}

export interface OperationStats {
  received: number;
  forwarded: number;
  /** Answered by the proxy itself: the contact information, and DeleteAlternateContact of a missing contact. */
  emulated: number;
  throttled: number;
  /** Injected: drops, 500s, SCP denials, scripted and targeted failures. */
  faulted: number;
  /** Refused by an AWS rule: management-account, trusted-access, validation, denied AssumeRole. */
  rejected: number;
}

export type ProxyStats = Record<string, OperationStats>;

export interface AwsProxy {
  /** `http://127.0.0.1:PORT`: use as AWS_ENDPOINT_URL. */
  endpoint: string;
  stop(): Promise<void>;
  /** Changes options from now on; `throttle` or `now` refill the buckets, `seed` restarts the fault sequence. */
  configure(partial: Partial<ProxyOptions>): void;
  /** Writes that were applied, in order. */
  ledger: LedgerEntry[];
  /** AssumeRole calls decided, in order (throttled or faulted ones are only in stats()). */
  assumeRoles: AssumeRoleEntry[];
  /**
   * The primary contact of each account, held by the proxy in place of moto. Tests seed it directly
   * (`contactInformation.set(id, {...})`: no validation, no ledger entry) and read it back. Like moto's state it
   * survives reset(); clear() it when moto is reset.
   */
  contactInformation: ContactInformationStore;
  /** Per operation, all callers together. */
  stats(): ProxyStats;
  /** Per calling account, then per operation. */
  statsByCaller(): Record<string, ProxyStats>;
  /**
   * Whole tokens left now in the bucket of (calling account, operation), by the proxy's clock; the burst when
   * the bucket has not been used yet; undefined when throttling is off or the operation has no quota (the
   * Organizations default applies only once a bucket exists, as the proxy cannot tell the service by name).
   */
  tokens(callerAccountId: string, operation: string): number | undefined;
  /**
   * Back to the options given at start; empties ledger, AssumeRole log, stats, buckets, scripted faults and the
   * fault sequence. Keeps the contact information and the credentials learned from AssumeRole answers.
   */
  reset(): void;
}
