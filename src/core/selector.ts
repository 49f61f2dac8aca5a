import type { Selector } from './policy.js';
import type { Account } from './types.js';

/** What made a selector match, so `explain` and the plan can say why. */
export type Match =
  | { by: 'account'; accountId: string }
  | { by: 'ou'; ouId: string }
  | { by: 'tags'; tags: Readonly<Record<string, string>> };

/**
 * An account matches when it is listed, lies anywhere below a listed OU, or carries every listed tag pair.
 * Returns the first reason found, or null.
 */
export function matchSelector(selector: Selector, account: Account): Match | null {
  if (selector.accounts.includes(account.id)) return { by: 'account', accountId: account.id };
  const ou = selector.ous.find((id) => account.ous?.includes(id));
  if (ou !== undefined) return { by: 'ou', ouId: ou };
  const pairs = Object.entries(selector.tags);
  if (pairs.length > 0 && pairs.every(([key, value]) => account.tags?.[key] === value)) {
    return { by: 'tags', tags: selector.tags };
  }
  return null;
}

export function describeMatch(match: Match): string {
  switch (match.by) {
    case 'account':
      return `account ${match.accountId}`;
    case 'ou':
      return `OU ${match.ouId}`;
    case 'tags':
      return `tags ${Object.entries(match.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`;
  }
}

export function selectorUsesOus(selector: Selector | null): boolean {
  return selector !== null && selector.ous.length > 0;
}

export function selectorUsesTags(selector: Selector | null): boolean {
  return selector !== null && Object.keys(selector.tags).length > 0;
}
