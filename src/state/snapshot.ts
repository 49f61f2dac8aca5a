import { z } from 'zod';
import { normaliseField } from '../core/normalise.js';
import {
  type Account,
  type AccountState,
  CONTACT_FIELDS,
  CONTACT_TYPES,
  type Contact,
  type ContactField,
  type ContactType,
  type ItemError,
  type ObservedContact,
} from '../core/types.js';
import { StateFileError } from '../errors.js';
import { hashContactValue, keyFingerprint } from './value-hash.js';

/**
 * An observation snapshot: what one run saw of the organization (`--state-out`), so that a later dry-run can
 * plan a policy change without reading a single contact again (`--from-state`). As sensitive as a terraform
 * state: contact values are stored as keyed hashes when a key is given, in clear otherwise.
 */

export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_KIND = 'enforce-state';

/** One contact type of one account as it was read. `readAt` is an ISO 8601 timestamp. */
export type StoredContact =
  | { kind: 'present'; contact: Contact; readAt: string }
  | { kind: 'missing'; readAt: string }
  | { kind: 'error'; error: ItemError; readAt: string };

export interface SnapshotAccount {
  id: string;
  name: string;
  state: AccountState;
  /**
   * OU ids from the root's first child down to the account's parent. Absent when the run did not read OUs
   * (its policy used none, or the account is not ACTIVE): an absent path is unknown, not empty.
   */
  ouPath?: string[];
  ouNames?: string[];
  /** Organizations tags, as a null-prototype object (a `__proto__` key is a tag like any other). */
  tags?: Record<string, string>;
  /** Only the types that were read: a type absent here was not managed (or not reached) by that run. */
  contacts: Partial<Record<ContactType, StoredContact>>;
}

/** `clear`: values as AWS returned them. `hmac`: HMAC-SHA256 hex of the normalised value, see value-hash.ts. */
export type ValueEncoding = 'clear' | { hmac: string };

export interface Snapshot {
  version: typeof SNAPSHOT_VERSION;
  kind: typeof SNAPSHOT_KIND;
  /** When the run started observing: every read is younger, so ages measured from here are upper bounds. */
  observedAt: string;
  toolVersion: string;
  organization: { id: string; managementAccountId: string };
  /**
   * Who observed: decides the management-account rule when a later `--offline` plan cannot ask STS (it plans
   * what the run that saved the snapshot — usually the scheduled apply — would do).
   */
  caller?: { accountId: string; arn: string };
  accounts: SnapshotAccount[];
  valueEncoding: ValueEncoding;
}

export type TagSet = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/** A contact read and when. */
export interface TimedObservation {
  observed: ObservedContact;
  readAt: Date;
}

/** One account as a run observed it: an `Account` plus the contacts read for it. */
export interface ObservedAccount {
  id: string;
  name: string;
  state: AccountState;
  ous?: readonly string[];
  ouNames?: readonly string[];
  tags?: TagSet;
  contacts: Partial<Record<ContactType, TimedObservation>>;
}

export interface ObservationInput {
  observedAt: Date;
  toolVersion: string;
  organization: { id: string; managementAccountId: string };
  caller?: { accountId: string; arn: string };
  accounts: Iterable<ObservedAccount>;
  /** ENFORCE_REDACT_KEY, injected by the caller: values are hashed with it when given, in clear otherwise. */
  valueKey?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Writing

function toTagObject(tags: TagSet): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const entries = tags instanceof Map ? tags.entries() : Object.entries(tags);
  // On a null-prototype object `out['__proto__'] = v` creates an own property: there is no setter to hit.
  for (const [key, value] of entries) out[key] = value;
  return out;
}

function storeContact(
  { observed, readAt }: TimedObservation,
  hash: ((field: ContactField, value: string) => string) | null,
): StoredContact {
  const at = readAt.toISOString();
  switch (observed.kind) {
    case 'present': {
      const c = observed.contact;
      const contact =
        hash === null
          ? { name: c.name, title: c.title, email: c.email, phone: c.phone }
          : {
              name: hash('name', c.name),
              title: hash('title', c.title),
              email: hash('email', c.email),
              phone: hash('phone', c.phone),
            };
      return { kind: 'present', contact, readAt: at };
    }
    case 'missing':
      return { kind: 'missing', readAt: at };
    case 'error':
      return {
        kind: 'error',
        error: { code: observed.error.code, message: observed.error.message },
        readAt: at,
      };
  }
}

/** The snapshot of what a run observed; accounts sorted by id so that two snapshots diff line by line. */
export function snapshotFromObservation(input: ObservationInput): Snapshot {
  const key = input.valueKey;
  const hash = key === undefined ? null : (field: ContactField, v: string) => hashContactValue(key, field, v);
  const accounts: SnapshotAccount[] = [];
  for (const a of input.accounts) {
    const contacts: Partial<Record<ContactType, StoredContact>> = {};
    for (const type of CONTACT_TYPES) {
      const timed = a.contacts[type];
      if (timed !== undefined) contacts[type] = storeContact(timed, hash);
    }
    accounts.push({
      id: a.id,
      name: a.name,
      state: a.state,
      ...(a.ous === undefined ? {} : { ouPath: [...a.ous] }),
      ...(a.ouNames === undefined ? {} : { ouNames: [...a.ouNames] }),
      ...(a.tags === undefined ? {} : { tags: toTagObject(a.tags) }),
      contacts,
    });
  }
  accounts.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return {
    version: SNAPSHOT_VERSION,
    kind: SNAPSHOT_KIND,
    observedAt: input.observedAt.toISOString(),
    toolVersion: input.toolVersion,
    organization: {
      id: input.organization.id,
      managementAccountId: input.organization.managementAccountId,
    },
    ...(input.caller === undefined
      ? {}
      : { caller: { accountId: input.caller.accountId, arn: input.caller.arn } }),
    accounts,
    valueEncoding: key === undefined ? 'clear' : { hmac: keyFingerprint(key) },
  };
}

/** The file's text: compact JSON (a 10,000-account snapshot stays a few MB), newline-terminated. */
export function serialiseSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot)}\n`;
}

// ---------------------------------------------------------------------------------------------------------
// Reading

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const ACCOUNT_STATES = ['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED', 'PENDING_ACTIVATION'] as const;
const timestamp = z.iso.datetime({ offset: true });

/**
 * zod's record rebuilds the object with plain assignment, which turns a `__proto__` key into a prototype
 * change and drops it; tags are copied by hand into a null-prototype object instead.
 */
const TagsSchema = z.custom<Record<string, string>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string'),
  { error: 'must be an object of string tag values' },
);

const ContactSchema = z.strictObject({
  name: z.string(),
  title: z.string(),
  email: z.string(),
  phone: z.string(),
});

const StoredContactSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('present'), contact: ContactSchema, readAt: timestamp }),
  z.strictObject({ kind: z.literal('missing'), readAt: timestamp }),
  z.strictObject({
    kind: z.literal('error'),
    error: z.strictObject({ code: z.string(), message: z.string() }),
    readAt: timestamp,
  }),
]);

const SnapshotAccountSchema = z.strictObject({
  id: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit account id' }),
  name: z.string(),
  state: z.enum(ACCOUNT_STATES),
  ouPath: z.array(z.string()).optional(),
  ouNames: z.array(z.string()).optional(),
  tags: TagsSchema.optional(),
  contacts: z.strictObject({
    SECURITY: StoredContactSchema.optional(),
    OPERATIONS: StoredContactSchema.optional(),
    BILLING: StoredContactSchema.optional(),
  }),
});

const SnapshotSchema = z
  .strictObject({
    version: z.literal(SNAPSHOT_VERSION),
    kind: z.literal(SNAPSHOT_KIND),
    observedAt: timestamp,
    toolVersion: z.string(),
    organization: z.strictObject({ id: z.string(), managementAccountId: z.string() }),
    caller: z.strictObject({ accountId: z.string(), arn: z.string() }).optional(),
    accounts: z.array(SnapshotAccountSchema),
    valueEncoding: z.union([z.literal('clear'), z.strictObject({ hmac: z.string().min(1) })]),
  })
  .superRefine((snapshot, ctx) => {
    const seen = new Set<string>();
    snapshot.accounts.forEach((account, index) => {
      if (seen.has(account.id)) {
        ctx.addIssue({ code: 'custom', path: ['accounts', index, 'id'], message: 'is listed twice' });
      }
      seen.add(account.id);
      if (snapshot.valueEncoding === 'clear') return;
      for (const type of CONTACT_TYPES) {
        const stored = account.contacts[type];
        if (stored?.kind !== 'present') continue;
        for (const field of CONTACT_FIELDS) {
          if (!HEX_SHA256.test(stored.contact[field])) {
            ctx.addIssue({
              code: 'custom',
              path: ['accounts', index, 'contacts', type, 'contact', field],
              message: 'must be a 64-digit hex HMAC-SHA256 (valueEncoding is hmac)',
            });
          }
        }
      }
    });
  });

/** How many zod issues an error lists: enough to fix a file, not a wall of text for a truncated one. */
const MAX_LISTED_ISSUES = 5;

/** Keeps `__proto__` as an own key wherever it appears; JSON.parse already does, this only copies tags. */
function withNullPrototypeTags(accounts: SnapshotAccount[], raw: unknown): void {
  const rawAccounts = (raw as { accounts: { tags?: Record<string, string> }[] }).accounts;
  accounts.forEach((account, index) => {
    const tags = rawAccounts[index]?.tags;
    if (tags !== undefined) account.tags = toTagObject(tags);
  });
}

/** Parses and checks a snapshot; errors name the file and the path in the document. */
export function parseSnapshot(text: string, file: string): Snapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(file, `not a JSON state file: ${(error as Error).message}`, { cause: error });
  }
  const header = data as { kind?: unknown; version?: unknown } | null;
  if (typeof header !== 'object' || header === null || header.kind !== SNAPSHOT_KIND) {
    throw new StateFileError(file, `not an enforce state file (expected "kind": "${SNAPSHOT_KIND}")`);
  }
  if (typeof header.version === 'number' && header.version > SNAPSHOT_VERSION) {
    throw new StateFileError(
      file,
      `written by a newer enforce (state version ${header.version}); this version reads version ${SNAPSHOT_VERSION}`,
    );
  }
  const parsed = SnapshotSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const listed = issues
      .slice(0, MAX_LISTED_ISSUES)
      .map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`);
    const more = issues.length > MAX_LISTED_ISSUES ? [`… and ${issues.length - MAX_LISTED_ISSUES} more`] : [];
    throw new StateFileError(file, `invalid state file:\n  ${[...listed, ...more].join('\n  ')}`);
  }
  const snapshot = parsed.data as Snapshot;
  withNullPrototypeTags(snapshot.accounts, data);
  return snapshot;
}

export interface SnapshotAge {
  observedAt: string;
  /** Whole seconds since `observedAt`; 0 when the snapshot claims to be from the future (clock skew). */
  seconds: number;
  /** `3 h 12 min`, `2 d 4 h`: for the plan header and step summary. */
  text: string;
}

export function describeAgeSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

export function snapshotAge(snapshot: Snapshot, now: Date): SnapshotAge {
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(snapshot.observedAt)) / 1000));
  return { observedAt: snapshot.observedAt, seconds, text: describeAgeSeconds(seconds) };
}

// ---------------------------------------------------------------------------------------------------------
// Planning from a snapshot

/** The account as the pure core plans it: OU path and tags exactly as observed (absent when not read). */
export function accountFromSnapshot(account: SnapshotAccount): Account {
  return {
    id: account.id,
    name: account.name,
    state: account.state,
    ...(account.ouPath === undefined ? {} : { ous: account.ouPath }),
    ...(account.tags === undefined ? {} : { tags: account.tags }),
  };
}

/** Looks accounts up by id (planning 10,000 accounts must not scan the list per account). */
export function indexSnapshotAccounts(snapshot: Snapshot): Map<string, SnapshotAccount> {
  return new Map(snapshot.accounts.map((account) => [account.id, account]));
}

/**
 * What the snapshot lacks to decide scope for a policy: OU paths or tags of ACTIVE accounts that the run
 * that wrote it did not read (its policy used none). Planning without them would put accounts in or out of
 * scope wrongly, so the caller must read fresh instead.
 */
export function missingSelectorData(
  snapshot: Snapshot,
  needs: { ous: boolean; tags: boolean },
): ('ouPath' | 'tags')[] {
  const active = snapshot.accounts.filter((a) => a.state === 'ACTIVE');
  const missing: ('ouPath' | 'tags')[] = [];
  if (needs.ous && active.some((a) => a.ouPath === undefined)) missing.push('ouPath');
  if (needs.tags && active.some((a) => a.tags === undefined)) missing.push('tags');
  return missing;
}

/** Compares desired contacts with stored ones, whichever way the snapshot stores values. */
export interface StoredContactComparer {
  readonly encoding: 'clear' | 'hmac';
  /** The fields where `desired` differs from `stored` after normalising, in the fixed field order. */
  changedFields(desired: Contact, stored: Contact): ContactField[];
  /**
   * The stored contact as a plan may show it, built so that the planner's own comparison gives the same
   * answer as `changedFields`: clear values as stored; for hashed values, the desired value where the
   * hashes agree and a `[redacted:…]` mask (the hash's first 8 hex digits) where they differ.
   */
  viewOf(stored: Contact, desired: Contact): Contact;
}

/**
 * The comparer for a snapshot. A hashed snapshot needs the key it was hashed with: without one, or with
 * another (its fingerprint differs), nothing could be compared, and that is a clear error rather than a plan
 * in which everything differs.
 */
export function createStoredContactComparer(
  snapshot: Snapshot,
  file: string,
  key: string | undefined,
): StoredContactComparer {
  const encoding = snapshot.valueEncoding;
  if (encoding === 'clear') {
    return {
      encoding: 'clear',
      changedFields: (desired, stored) =>
        CONTACT_FIELDS.filter(
          (field) => normaliseField(field, desired[field]) !== normaliseField(field, stored[field]),
        ),
      viewOf: (stored) => stored,
    };
  }
  if (key === undefined) {
    throw new StateFileError(
      file,
      `contact values are hashed (key ${encoding.hmac}): set ENFORCE_REDACT_KEY to the key the snapshot was written with`,
    );
  }
  const fingerprint = keyFingerprint(key);
  if (fingerprint !== encoding.hmac) {
    throw new StateFileError(
      file,
      `contact values were hashed with another key (${encoding.hmac}); ENFORCE_REDACT_KEY is ${fingerprint}. ` +
        'Use the key the snapshot was written with, or read the organization afresh without --from-state',
    );
  }
  // Desired values repeat across thousands of accounts: hash each distinct one once.
  const cache = new Map<ContactField, Map<string, string>>(CONTACT_FIELDS.map((f) => [f, new Map()]));
  const hashOf = (field: ContactField, value: string) => {
    const byValue = cache.get(field)!;
    let hex = byValue.get(value);
    if (hex === undefined) {
      hex = hashContactValue(key, field, value);
      byValue.set(value, hex);
    }
    return hex;
  };
  const same = (field: ContactField, desired: Contact, stored: Contact) =>
    hashOf(field, desired[field]) === stored[field];
  return {
    encoding: 'hmac',
    changedFields: (desired, stored) => CONTACT_FIELDS.filter((field) => !same(field, desired, stored)),
    viewOf(stored, desired) {
      const view = (field: ContactField) =>
        same(field, desired, stored) ? desired[field] : `[redacted:${stored[field].slice(0, 8)}]`;
      return { name: view('name'), title: view('title'), email: view('email'), phone: view('phone') };
    },
  };
}

/**
 * The observation the planner (core/plan.ts `planItem`) takes for one account and type, or `undefined` when
 * the snapshot holds no reading of that type for the account (the type was not managed then, or the
 * account was out of scope or not ACTIVE): the caller reports it as not in the snapshot.
 */
export function observedContactFromSnapshot(
  account: SnapshotAccount,
  type: ContactType,
  desired: Contact,
  comparer: StoredContactComparer,
): { observed: ObservedContact; readAt: string } | undefined {
  const stored = account.contacts[type];
  if (stored === undefined) return undefined;
  switch (stored.kind) {
    case 'present':
      return {
        observed: { kind: 'present', contact: comparer.viewOf(stored.contact, desired) },
        readAt: stored.readAt,
      };
    case 'missing':
      return { observed: { kind: 'missing' }, readAt: stored.readAt };
    case 'error':
      return { observed: { kind: 'error', error: stored.error }, readAt: stored.readAt };
  }
}
