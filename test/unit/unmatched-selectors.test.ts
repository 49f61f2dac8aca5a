import { describe, expect, it } from 'vitest';
import type { Selector } from '../../src/core/policy.js';
import type { Account } from '../../src/core/types.js';
import {
  createSeenOrganization,
  findUnmatchedSelectors,
  type SeenOrganization,
} from '../../src/core/unmatched-selectors.js';
import { account, policy, selector } from '../support/builders.js';

const A = '111111111111';
const B = '222222222222';
const GHOST = '333333333333';
const OU_PROD = 'ou-ab12-prod0001';
const OU_PAYMENTS = 'ou-ab12-payments1';
const OU_GONE = 'ou-ab12-gone0001';

const ORG: Account[] = [
  account(A, { ous: [OU_PROD, OU_PAYMENTS], tags: { 'contact-policy': 'exempt', team: 'payments' } }),
  account(B, { ous: [OU_PROD], tags: { team: 'platform' } }),
];

function seenOf(accounts: readonly Account[], complete = true): SeenOrganization {
  const builder = createSeenOrganization();
  for (const a of accounts) builder.add(a);
  return builder.seen(complete);
}

function withSelectors(parts: { include?: Selector; exclude?: Selector; matches?: Selector[] }) {
  return policy({
    scope: { include: parts.include ?? null, exclude: parts.exclude ?? null },
    overrides: (parts.matches ?? []).map((match) => ({ match, contacts: { SECURITY: { name: 'X' } } })),
  });
}

describe('findUnmatchedSelectors', () => {
  it('is silent when every criterion matches an account', () => {
    const desired = withSelectors({
      include: selector({ ous: [OU_PROD] }),
      exclude: selector({ accounts: [B], tags: { 'contact-policy': 'exempt' } }),
      matches: [selector({ ous: [OU_PAYMENTS], tags: { team: 'platform' } })],
    });
    expect(findUnmatchedSelectors(desired, seenOf(ORG))).toEqual({ warnings: [], notes: [] });
  });

  it('names a misspelt exclude tag, what accounts carry instead, and that exclude will exempt nothing', () => {
    const desired = withSelectors({ exclude: selector({ tags: { 'contact-policy': 'exmept' } }) });
    expect(findUnmatchedSelectors(desired, seenOf(ORG)).warnings).toEqual([
      {
        path: 'scope.exclude.tags',
        message:
          'no account carries the tag contact-policy="exmept" (accounts carry contact-policy with "exempt"): exclude will exempt nothing by it',
      },
    ]);
  });

  it('names a tag key no account carries', () => {
    const desired = withSelectors({ exclude: selector({ tags: { contactpolicy: 'exempt' } }) });
    expect(findUnmatchedSelectors(desired, seenOf(ORG)).warnings[0]?.message).toBe(
      'no account carries the tag contactpolicy="exempt" (no account carries the tag key contactpolicy): exclude will exempt nothing by it',
    );
  });

  it('names an OU that holds no account, in include', () => {
    const desired = withSelectors({ include: selector({ ous: [OU_PROD, OU_GONE] }) });
    expect(findUnmatchedSelectors(desired, seenOf(ORG)).warnings).toEqual([
      {
        path: 'scope.include.ous',
        message: `no account is below OU ${OU_GONE} (it is not in the organization, or empty): include will take in no account by it`,
      },
    ]);
  });

  it('names an account id that is not a member, in an override, at its index', () => {
    const desired = withSelectors({
      matches: [selector({ accounts: [A] }), selector({ accounts: [B] }), selector({ accounts: [GHOST, A] })],
    });
    expect(findUnmatchedSelectors(desired, seenOf(ORG)).warnings).toEqual([
      {
        path: 'overrides.2.match.accounts',
        message: `account ${GHOST} is not a member of the organization: override 2 will apply to no account by it`,
      },
    ]);
  });

  it('reports every unmatched value of every selector, in policy order', () => {
    const desired = withSelectors({
      include: selector({ accounts: [GHOST] }),
      exclude: selector({ ous: [OU_GONE], tags: { team: 'nobody', other: 'x' } }),
      matches: [selector({ tags: { team: 'payments' } }), selector({ ous: [OU_GONE] })],
    });
    expect(findUnmatchedSelectors(desired, seenOf(ORG)).warnings.map((w) => w.path)).toEqual([
      'scope.include.accounts',
      'scope.exclude.ous',
      'scope.exclude.tags',
      'scope.exclude.tags',
      'overrides.1.match.ous',
    ]);
  });

  it('counts a suspended account as a member, but not its OUs or tags (they are never read)', () => {
    const suspended = account(GHOST, { state: 'SUSPENDED' });
    const desired = withSelectors({ exclude: selector({ accounts: [GHOST] }) });
    expect(findUnmatchedSelectors(desired, seenOf([...ORG, suspended]))).toEqual({ warnings: [], notes: [] });
  });

  it('under --accounts says which checks could not be made instead of warning', () => {
    const desired = withSelectors({
      include: selector({ accounts: [A, GHOST] }),
      exclude: selector({ ous: [OU_GONE], tags: { 'contact-policy': 'exmept' } }),
      matches: [selector({ accounts: [GHOST] })],
    });
    expect(findUnmatchedSelectors(desired, seenOf([ORG[0]!], false))).toEqual({
      warnings: [],
      notes: [
        {
          kind: 'accounts',
          paths: ['scope.include.accounts', 'overrides.0.match.accounts'],
          message:
            'not checked whether the account ids in scope.include.accounts, overrides.0.match.accounts match any account of the organization: this run listed only some accounts (--accounts, or the listing was interrupted)',
        },
        {
          kind: 'ous',
          paths: ['scope.exclude.ous'],
          message:
            'not checked whether the OU ids in scope.exclude.ous match any account of the organization: this run listed only some accounts (--accounts, or the listing was interrupted)',
        },
        {
          kind: 'tags',
          paths: ['scope.exclude.tags'],
          message:
            'not checked whether the tag pairs in scope.exclude.tags match any account of the organization: this run listed only some accounts (--accounts, or the listing was interrupted)',
        },
      ],
    });
  });

  it('under --accounts still confirms what it saw: no note for a value that matched a listed account', () => {
    const desired = withSelectors({ exclude: selector({ accounts: [A], tags: { team: 'payments' } }) });
    expect(findUnmatchedSelectors(desired, seenOf([ORG[0]!], false))).toEqual({ warnings: [], notes: [] });
  });

  it('notes tags that were not read for every active account', () => {
    const untagged = account(GHOST, { ous: [OU_PROD] });
    const desired = withSelectors({ exclude: selector({ tags: { team: 'nobody' } }) });
    expect(findUnmatchedSelectors(desired, seenOf([...ORG, untagged]))).toEqual({
      warnings: [],
      notes: [
        {
          kind: 'tags',
          paths: ['scope.exclude.tags'],
          message:
            'not checked whether the tag pairs in scope.exclude.tags match any account of the organization: tags were not read for every account',
        },
      ],
    });
  });
});

describe('createSeenOrganization', () => {
  it('accumulates ids, OUs at every depth and tag values per key from the listed accounts', () => {
    const seen = seenOf(ORG);
    expect(seen.accountIds).toEqual(new Set([A, B]));
    expect(seen.ouIds).toEqual(new Set([OU_PROD, OU_PAYMENTS]));
    expect(seen.tagPairs).toEqual(
      new Map([
        ['contact-policy', new Set(['exempt'])],
        ['team', new Set(['payments', 'platform'])],
      ]),
    );
    expect(seen.checked).toEqual({ ous: true, tags: true });
    expect(seen.complete).toBe(true);
  });

  it('marks OUs and tags unchecked when an active account came without them', () => {
    const builder = createSeenOrganization();
    builder.add(account(A));
    builder.add(account(B, { state: 'SUSPENDED' }));
    expect(builder.seen(false)).toMatchObject({ complete: false, checked: { ous: false, tags: false } });
  });
});
