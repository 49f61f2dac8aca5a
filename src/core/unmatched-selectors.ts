import type { DesiredPolicy, Selector } from './policy.js';
import type { Account, PolicyWarning } from './types.js';

/**
 * Selectors that match no account are silent mistakes: an exclude tag with a typo exempts nothing, and the
 * account it meant to protect is overwritten. Each criterion of `scope.include`, `scope.exclude` and every
 * override's `match` is checked against what the run saw of the organization.
 */

export type { PolicyWarning };

const SELECTOR_KINDS = ['accounts', 'ous', 'tags'] as const;
export type SelectorKind = (typeof SELECTOR_KINDS)[number];
const SUBJECT: Record<SelectorKind, string> = { accounts: 'account ids', ous: 'OU ids', tags: 'tag pairs' };

/** A check that could not be made, and which selectors it leaves unchecked. */
export interface SelectorNote {
  kind: SelectorKind;
  paths: readonly string[];
  message: string;
}

/** What the run saw of the organization. */
export interface SeenOrganization {
  accountIds: ReadonlySet<string>;
  /** Every OU that has at least one seen account at any depth below it. */
  ouIds: ReadonlySet<string>;
  /** Tag values seen per tag key. */
  tagPairs: ReadonlyMap<string, ReadonlySet<string>>;
  /** Whether every account of the organization was listed (not under --accounts, not interrupted). */
  complete: boolean;
  /** Whether OU paths and tags were read for every account that can match (every ACTIVE one). */
  checked: { ous: boolean; tags: boolean };
}

export interface SelectorCheck {
  warnings: PolicyWarning[];
  notes: SelectorNote[];
}

interface PlacedSelector {
  path: string;
  selector: Selector;
  /** What a criterion that matches nothing means here. */
  effect: string;
}

function placedSelectors(policy: DesiredPolicy): PlacedSelector[] {
  const { include, exclude } = policy.scope;
  return [
    ...(include
      ? [{ path: 'scope.include', selector: include, effect: 'include will take in no account by it' }]
      : []),
    ...(exclude
      ? [{ path: 'scope.exclude', selector: exclude, effect: 'exclude will exempt nothing by it' }]
      : []),
    ...policy.overrides.map((override, index) => ({
      path: `overrides.${index}.match`,
      selector: override.match,
      effect: `override ${index} will apply to no account by it`,
    })),
  ];
}

const MAX_VALUES_SHOWN = 5;

function describeSeenValues(key: string, values: ReadonlySet<string> | undefined): string {
  if (values === undefined || values.size === 0) return `no account carries the tag key ${key}`;
  const shown = [...values].sort().slice(0, MAX_VALUES_SHOWN);
  const more = values.size > MAX_VALUES_SHOWN ? `, … ${values.size - MAX_VALUES_SHOWN} more` : '';
  return `accounts carry ${key} with ${shown.map((v) => JSON.stringify(v)).join(', ')}${more}`;
}

/**
 * Every account id, OU id and tag pair of the policy's selectors that no seen account matches, and a note
 * for each kind of check the run could not make: under `--accounts` only some accounts were listed, so an
 * id or a tag may still match an account that was not.
 */
export function findUnmatchedSelectors(policy: DesiredPolicy, seen: SeenOrganization): SelectorCheck {
  const warnings: PolicyWarning[] = [];
  const unchecked: Record<SelectorKind, string[]> = { accounts: [], ous: [], tags: [] };
  const can: Record<SelectorKind, boolean> = {
    accounts: seen.complete,
    ous: seen.complete && seen.checked.ous,
    tags: seen.complete && seen.checked.tags,
  };

  for (const { path, selector, effect } of placedSelectors(policy)) {
    const check = (kind: SelectorKind, findings: string[]) => {
      if (findings.length === 0) return;
      if (!can[kind]) {
        unchecked[kind].push(`${path}.${kind}`);
        return;
      }
      for (const finding of findings)
        warnings.push({ path: `${path}.${kind}`, message: `${finding}: ${effect}` });
    };
    check(
      'accounts',
      selector.accounts
        .filter((id) => !seen.accountIds.has(id))
        .map((id) => `account ${id} is not a member of the organization`),
    );
    check(
      'ous',
      selector.ous
        .filter((id) => !seen.ouIds.has(id))
        .map((id) => `no account is below OU ${id} (it is not in the organization, or empty)`),
    );
    check(
      'tags',
      Object.entries(selector.tags)
        .filter(([key, value]) => !seen.tagPairs.get(key)?.has(value))
        .map(
          ([key, value]) =>
            `no account carries the tag ${key}=${JSON.stringify(value)} (${describeSeenValues(key, seen.tagPairs.get(key))})`,
        ),
    );
  }

  const notes = SELECTOR_KINDS.flatMap((kind): SelectorNote[] => {
    const paths = [...new Set(unchecked[kind])];
    if (paths.length === 0) return [];
    const why = seen.complete
      ? `${kind === 'ous' ? 'OU paths' : 'tags'} were not read for every account`
      : 'this run listed only some accounts (--accounts, or the listing was interrupted)';
    return [
      {
        kind,
        paths,
        message: `not checked whether the ${SUBJECT[kind]} in ${paths.join(', ')} match any account of the organization: ${why}`,
      },
    ];
  });
  return { warnings, notes };
}

/**
 * Accumulates what the run saw, account by account, as the listing and the scan deliver them. `complete`
 * is the caller's to say: only it knows whether the listing was limited or cut short.
 */
export function createSeenOrganization(): {
  add(account: Account): void;
  seen(complete: boolean): SeenOrganization;
} {
  const accountIds = new Set<string>();
  const ouIds = new Set<string>();
  const tagPairs = new Map<string, Set<string>>();
  const checked = { ous: true, tags: true };
  return {
    add(account) {
      accountIds.add(account.id);
      // Only an ACTIVE account is read for OUs and tags (SPEC round 2); the others are skipped anyway.
      if (account.state !== 'ACTIVE') return;
      if (account.ous === undefined) checked.ous = false;
      else for (const ou of account.ous) ouIds.add(ou);
      if (account.tags === undefined) checked.tags = false;
      else {
        for (const [key, value] of Object.entries(account.tags)) {
          const values = tagPairs.get(key) ?? new Set<string>();
          values.add(value);
          tagPairs.set(key, values);
        }
      }
    },
    seen: (complete) => ({ accountIds, ouIds, tagPairs, complete, checked: { ...checked } }),
  };
}
