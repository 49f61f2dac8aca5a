import type { PrimaryContact } from './primary.js';
import type { Contact, ContactType } from './types.js';

/**
 * Selects accounts. An account matches when it is listed in `accounts`, OR lies anywhere below one of
 * `ous`, OR carries every tag pair in `tags` (each criterion that is present is one way in).
 */
export interface Selector {
  accounts: readonly string[];
  ous: readonly string[];
  tags: Readonly<Record<string, string>>;
}

/**
 * What one layer of the policy (the defaults or one override) says about an alternate contact type:
 * - `absent`: the account must have no contact of this type (DeleteAlternateContact where it has one);
 * - `fields`: the listed fields must have these values. Fields that are not listed are kept from the
 *   account (sent back unchanged) and never count as drift; a default that lists all four is the
 *   round-1 "whole contact".
 */
export type ContactRule = { kind: 'absent' } | { kind: 'fields'; fields: Partial<Contact> };

/** The primary contact cannot be deleted (the Account API has no such call): it only has fields. */
export interface PrimaryRule {
  fields: Partial<PrimaryContact>;
}

/**
 * Fields to use only when an account has no contact of a type yet and the policy lists a subset: a
 * contact is created whole (PutAlternateContact needs all four fields), so the rest comes from here.
 * The policy's own fields win over these.
 */
export interface CreateWith {
  contacts: Partial<Record<ContactType, Partial<Contact>>>;
  primary?: Partial<PrimaryContact>;
}

export interface Override {
  match: Selector;
  contacts: Partial<Record<ContactType, ContactRule>>;
  primary?: PrimaryRule;
  createWith?: CreateWith;
}

export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests that may be sent at once after an idle period. */
  burst: number;
}

/**
 * Where each run's audit chain head is also written: an SSM parameter's version history, or one line in
 * the CI log.
 */
export type AuditAnchor = 'stdout' | { ssmParameter: string };
/** The role assumed in each member account (`settings.memberRole`), see aws/member-credentials.ts. */
export interface MemberRoleSettings {
  name: string;
  externalId?: string;
  /** Seconds, 900–43200. */
  sessionDuration?: number;
}

export interface Settings {
  concurrency?: number;
  maxChanges?: number;
  managementAccount: 'manage' | 'skip';
  requestTimeoutSeconds?: number;
  allowedEmailDomains?: readonly string[];
  createWith?: CreateWith;
  rateLimits?: {
    getAlternateContact?: RateLimit;
    putAlternateContact?: RateLimit;
    deleteAlternateContact?: RateLimit;
    getContactInformation?: RateLimit;
    putContactInformation?: RateLimit;
    organizations?: RateLimit;
  };
  auditAnchor?: AuditAnchor;
  memberRole?: MemberRoleSettings;
}

/**
 * The policy after every `{ ssm: NAME }` has been replaced by its value: what the pure core plans from.
 */
export interface DesiredPolicy {
  /**
   * Default rule per managed alternate type. A type the policy does not mention is not managed (never
   * read, never written); that is different from `{ kind: 'absent' }`, which is managed and deleted.
   */
  contacts: Partial<Record<ContactType, ContactRule>>;
  /** The primary contact, when the policy manages it. */
  primary?: PrimaryRule;
  scope: { include: Selector | null; exclude: Selector | null };
  overrides: readonly Override[];
  settings: Settings;
  /** Values that came from SSM SecureString parameters: never written to a log in clear. */
  secretValues: readonly string[];
}
