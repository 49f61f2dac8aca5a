// `--from-state` input cost: build an N-account snapshot (default 10,000 × 3 contact types), then time what
// a dry-run from it does before rendering — parse the file's text, then decide and plan every account
// against it. Clear and HMAC-hashed snapshots both. Run: npx tsx scripts/bench/from-state.ts [accounts]
// The target (issue 13) is the whole `--from-state` run well under 2 s; these are its input figures.

import { pathToFileURL } from 'node:url';
import { decideAccount } from '../../src/core/desired.js';
import { planItem } from '../../src/core/plan.js';
import type { DesiredPolicy } from '../../src/core/policy.js';
import { CONTACT_TYPES, type Contact, type ContactType, type PlannedItem } from '../../src/core/types.js';
import {
  accountFromSnapshot,
  createStoredContactComparer,
  type ObservedAccount,
  observedContactFromSnapshot,
  parseSnapshot,
  serialiseSnapshot,
  snapshotFromObservation,
} from '../../src/state/snapshot.js';

const BENCH_KEY = 'bench-redact-key';

const CONTACTS: Record<ContactType, Contact> = {
  SECURITY: {
    name: 'Security Operations',
    title: 'Security Team',
    email: 'security@example.com',
    phone: '+1-555-0142',
  },
  OPERATIONS: {
    name: 'Platform On-Call',
    title: 'Operations',
    email: 'ops@example.com',
    phone: '+1-555-0100',
  },
  BILLING: { name: 'Finance', title: 'Billing', email: 'billing@example.com', phone: '+1-555-0199' },
};

function syntheticAccounts(count: number, readAt: Date): ObservedAccount[] {
  return Array.from({ length: count }, (_, i) => {
    const id = String(100_000_000_000 + i);
    const ou = `ou-ab12-${String(i % 50).padStart(8, '0')}`;
    const contacts: ObservedAccount['contacts'] = {};
    for (const type of CONTACT_TYPES) {
      // A realistic mix: most in sync, some stale, some missing.
      const contact = i % 10 === 0 ? { ...CONTACTS[type], email: `old-${i}@example.com` } : CONTACTS[type];
      contacts[type] = {
        observed: i % 17 === 0 ? { kind: 'missing' } : { kind: 'present', contact },
        readAt,
      };
    }
    return {
      id,
      name: `account-${i}`,
      state: i % 97 === 0 ? 'SUSPENDED' : 'ACTIVE',
      ous: ['ou-ab12-root0000', ou],
      tags: { team: `team-${i % 20}`, env: i % 2 === 0 ? 'prod' : 'dev' },
      contacts,
    };
  });
}

const POLICY: DesiredPolicy = {
  contacts: Object.fromEntries(
    CONTACT_TYPES.map((type) => [type, { kind: 'fields', fields: CONTACTS[type] }]),
  ) as DesiredPolicy['contacts'],
  scope: {
    include: null,
    exclude: { accounts: [], ous: [], tags: { env: 'sandbox' } },
  },
  overrides: [
    {
      match: { accounts: [], ous: ['ou-ab12-00000007'], tags: {} },
      contacts: { SECURITY: { kind: 'fields', fields: { email: 'payments-security@example.com' } } },
    },
  ],
  settings: { managementAccount: 'manage' },
  secretValues: [],
};

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

export interface FromStateFigures {
  accounts: number;
  encoding: 'clear' | 'hmac';
  fileMb: number;
  parseMs: number;
  planMs: number;
  items: number;
}

function planFromSnapshotText(text: string, key: string | undefined) {
  const parse = timed(() => parseSnapshot(text, 'bench-state.json'));
  const plan = timed(() => {
    const snapshot = parse.value;
    const comparer = createStoredContactComparer(snapshot, 'bench-state.json', key);
    const ctx = { managementAccountId: '999999999999', callerAccountId: '999999999999' };
    const items: PlannedItem[] = [];
    for (const stored of snapshot.accounts) {
      const decision = decideAccount(accountFromSnapshot(stored), POLICY, ctx);
      if (decision.kind === 'skip') continue;
      for (const type of CONTACT_TYPES) {
        // The bench policy lists every field of every type: the desired contact is whole.
        const rule = decision.contacts[type];
        if (rule?.kind !== 'fields') continue;
        const desired = rule.fields as Contact;
        const reading = observedContactFromSnapshot(stored, type, desired, comparer);
        if (reading !== undefined) items.push(planItem(stored.id, type, desired, reading.observed));
      }
    }
    return items;
  });
  return { parseMs: parse.ms, planMs: plan.ms, items: plan.value.length };
}

export function fromStateFigures(accounts: number): FromStateFigures[] {
  const now = new Date();
  const observed = syntheticAccounts(accounts, now);
  const base = {
    observedAt: now,
    toolVersion: 'bench',
    organization: { id: 'o-bench', managementAccountId: '999999999999' },
  };
  return (['clear', 'hmac'] as const).map((encoding) => {
    const key = encoding === 'hmac' ? BENCH_KEY : undefined;
    const text = serialiseSnapshot(snapshotFromObservation({ ...base, accounts: observed, valueKey: key }));
    // One untimed pass first: the figures are for a warm process, as in the CLI after its imports.
    planFromSnapshotText(text, key);
    const run = planFromSnapshotText(text, key);
    return { accounts, encoding, fileMb: Buffer.byteLength(text) / 1e6, ...run };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const accounts = Number(process.argv[2] ?? 10_000);
  for (const f of fromStateFigures(accounts)) {
    console.log(
      `${f.accounts} accounts, ${f.encoding}: file ${f.fileMb.toFixed(1)} MB, parse ${f.parseMs.toFixed(0)} ms, ` +
        `decide + plan ${f.planMs.toFixed(0)} ms (${f.items} items), total ${(f.parseMs + f.planMs).toFixed(0)} ms`,
    );
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
