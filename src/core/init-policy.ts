import { normaliseField } from './normalise.js';
import { normalisePrimaryField, PRIMARY_FIELDS, type PrimaryContact } from './primary.js';
import {
  type Account,
  CONTACT_FIELDS,
  CONTACT_TYPES,
  type Contact,
  type ContactType,
  POLICY_KEY_BY_TYPE,
  type PolicyContactKey,
} from './types.js';

/**
 * `enforce init`: a starting policy that says what the organization already has, so that adopting it is
 * a review of a short file rather than of hundreds of planned updates. Pure: the caller has read every
 * account's contacts (with the engine's preflight, pacing and audit log) and its OU path.
 */

/** What `--types` can name. */
export type InitType = PolicyContactKey | 'primary';
export const INIT_TYPES: readonly InitType[] = ['security', 'operations', 'billing', 'primary'];

/** One account as read: a type that could not be read is left out of `contacts` (or `primary` undefined). */
export interface ObservedAccount {
  account: Account;
  /** `null`: the account has no contact of that type. */
  contacts: Partial<Record<ContactType, Contact | null>>;
  primary?: PrimaryContact | null;
}

/** A value the starting policy writes for one type: `absent`, or every field the account has. */
export type InitValue = { kind: 'absent' } | { kind: 'contact'; fields: Readonly<Record<string, string>> };

export interface InitDefault {
  type: InitType;
  value: InitValue;
  /** Accounts whose current value this default is. */
  covers: number;
  /** Accounts of this type that were read. */
  of: number;
}

export type InitMatch = { by: 'ous'; ous: string[] } | { by: 'accounts'; accounts: string[] };

export interface InitOverride {
  match: InitMatch;
  contacts: { type: InitType; value: InitValue; covers: number }[];
  /** Accounts read that the match selects. */
  covers: number;
}

export interface InitPolicy {
  /** Accounts read, of every managed type. */
  accounts: number;
  defaults: InitDefault[];
  overrides: InitOverride[];
  /** Types not written at all, and why (e.g. no account had a primary contact to copy). */
  omitted: { type: InitType; reason: string }[];
}

// An OU is written as one override only when it holds at least this many accounts: one account says
// nothing about what the OU's next account should get.
const MIN_ACCOUNTS_PER_OU = 2;

interface Sample {
  account: Account;
  key: string;
  value: InitValue;
}

const ABSENT_KEY = '';

function alternateSample(contact: Contact | null): Pick<Sample, 'key' | 'value'> {
  if (contact === null) return { key: ABSENT_KEY, value: { kind: 'absent' } };
  const key = JSON.stringify(CONTACT_FIELDS.map((field) => normaliseField(field, contact[field])));
  const fields = Object.fromEntries(CONTACT_FIELDS.map((field) => [field, contact[field]]));
  return { key, value: { kind: 'contact', fields } };
}

function primarySample(contact: PrimaryContact): Pick<Sample, 'key' | 'value'> {
  const key = JSON.stringify(PRIMARY_FIELDS.map((field) => normalisePrimaryField(field, contact[field])));
  const fields = Object.fromEntries(PRIMARY_FIELDS.flatMap((f) => (contact[f] ? [[f, contact[f]]] : [])));
  return { key, value: { kind: 'contact', fields } };
}

function samplesOf(observed: readonly ObservedAccount[], type: InitType): Sample[] {
  return observed.flatMap(({ account, contacts, primary }): Sample[] => {
    if (type === 'primary') {
      // The primary contact cannot be absent: an account without one is created from the default.
      return primary ? [{ account, ...primarySample(primary) }] : [];
    }
    const contact = contacts[typeOfKey(type)];
    return contact === undefined ? [] : [{ account, ...alternateSample(contact) }];
  });
}

function typeOfKey(key: PolicyContactKey): ContactType {
  return CONTACT_TYPES.find((type) => POLICY_KEY_BY_TYPE[type] === key)!;
}

/** The most common key; a tie goes to the key seen first (accounts are sorted by id). */
function mostCommon(samples: readonly Sample[]): string {
  const counts = new Map<string, number>();
  for (const { key } of samples) counts.set(key, (counts.get(key) ?? 0) + 1);
  let best = samples[0]!.key;
  for (const [key, count] of counts) if (count > counts.get(best)!) best = key;
  return best;
}

/**
 * The OUs to write as one override each: those whose accounts all have the same non-default value and
 * whose parent OU does not (the parent's override then says it for both).
 */
function agreeingOus(differing: readonly Sample[], all: readonly Sample[]): Map<string, Sample[]> {
  const under = new Map<string, Sample[]>();
  for (const sample of all)
    for (const ou of sample.account.ous ?? []) under.set(ou, [...(under.get(ou) ?? []), sample]);
  const agrees = (ou: string) => {
    const samples = under.get(ou)!;
    return samples.length >= MIN_ACCOUNTS_PER_OU && samples.every((s) => s.key === samples[0]!.key);
  };
  const chosen = new Map<string, Sample[]>();
  for (const sample of differing) {
    // The shallowest agreeing OU on the account's path: its parent is either root or does not agree.
    // It agrees on this account's value, which is not the default.
    const ou = (sample.account.ous ?? []).find(agrees);
    if (ou !== undefined) chosen.set(ou, under.get(ou)!);
  }
  return chosen;
}

interface TypeGroups {
  fallback: InitDefault;
  overrides: { match: InitMatch; value: InitValue; samples: Sample[] }[];
}

function groupType(type: InitType, samples: readonly Sample[]): TypeGroups {
  const defaultKey = mostCommon(samples);
  const byKey = (key: string) => samples.filter((s) => s.key === key);
  const fallback: InitDefault = {
    type,
    value: byKey(defaultKey)[0]!.value,
    covers: byKey(defaultKey).length,
    of: samples.length,
  };
  const differing = samples.filter((s) => s.key !== defaultKey);
  const ous = agreeingOus(differing, samples);
  const inOu = new Set([...ous.values()].flat().map((s) => s.account.id));
  const overrides: TypeGroups['overrides'] = [...ous].map(([ou, members]) => ({
    match: { by: 'ous', ous: [ou] },
    value: members[0]!.value,
    samples: members,
  }));
  const rest = differing.filter((s) => !inOu.has(s.account.id));
  for (const key of [...new Set(rest.map((s) => s.key))]) {
    const members = rest.filter((s) => s.key === key);
    overrides.push({
      match: { by: 'accounts', accounts: members.map((s) => s.account.id) },
      value: members[0]!.value,
      samples: members,
    });
  }
  return { fallback, overrides };
}

function matchKey(match: InitMatch): string {
  return match.by === 'ous' ? `ous:${match.ous.join(',')}` : `accounts:${match.accounts.join(',')}`;
}

function matchDepth(match: InitMatch, observed: readonly ObservedAccount[]): number {
  if (match.by === 'accounts') return Number.POSITIVE_INFINITY;
  const [ou] = match.ous;
  for (const { account } of observed) {
    const index = account.ous?.indexOf(ou!) ?? -1;
    if (index >= 0) return index;
  }
  return 0;
}

/**
 * Per type: the most common current value as the default, then one override per group of accounts that
 * differs, by OU where every account below an OU agrees and otherwise by account. Overrides of different
 * types with the same match are written as one. Every account then plans `noop`.
 */
export function buildInitPolicy(
  observed: readonly ObservedAccount[],
  types: readonly InitType[],
): InitPolicy {
  const sorted = [...observed].sort((a, b) => a.account.id.localeCompare(b.account.id));
  const defaults: InitDefault[] = [];
  const omitted: InitPolicy['omitted'] = [];
  const merged = new Map<string, InitOverride>();
  for (const type of INIT_TYPES.filter((t) => types.includes(t))) {
    const samples = samplesOf(sorted, type);
    if (samples.length === 0) {
      omitted.push({
        type,
        reason:
          type === 'primary'
            ? 'no account had a primary contact to copy'
            : 'no account’s contact could be read',
      });
      continue;
    }
    const { fallback, overrides } = groupType(type, samples);
    defaults.push(fallback);
    for (const { match, value, samples: members } of overrides) {
      const key = matchKey(match);
      const entry = merged.get(key) ?? { match, contacts: [], covers: 0 };
      entry.contacts.push({ type, value, covers: members.length });
      entry.covers = Math.max(entry.covers, members.length);
      merged.set(key, entry);
    }
  }
  const overrides = [...merged.values()].sort(
    (a, b) =>
      matchDepth(a.match, sorted) - matchDepth(b.match, sorted) ||
      matchKey(a.match).localeCompare(matchKey(b.match)),
  );
  return { accounts: sorted.length, defaults, overrides, omitted };
}
