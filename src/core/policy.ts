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

export interface Override {
  match: Selector;
  contacts: Partial<Record<ContactType, Partial<Contact>>>;
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
  rateLimits?: {
    getAlternateContact?: RateLimit;
    putAlternateContact?: RateLimit;
    organizations?: RateLimit;
  };
  auditAnchor?: AuditAnchor;
  memberRole?: MemberRoleSettings;
}

/**
 * The policy after every `{ ssm: NAME }` has been replaced by its value: what the pure core plans from.
 */
export interface DesiredPolicy {
  /** Default contact per managed type. A type that is absent is not managed (never read, never written). */
  contacts: Partial<Record<ContactType, Contact>>;
  scope: { include: Selector | null; exclude: Selector | null };
  overrides: readonly Override[];
  settings: Settings;
  /** Values that came from SSM SecureString parameters: never written to a log in clear. */
  secretValues: readonly string[];
}
