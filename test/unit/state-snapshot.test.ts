import { describe, expect, it } from 'vitest';
import { planItem } from '../../src/core/plan.js';
import type { Contact } from '../../src/core/types.js';
import { StateFileError } from '../../src/errors.js';
import {
  accountFromSnapshot,
  createStoredContactComparer,
  indexSnapshotAccounts,
  missingSelectorData,
  type ObservationInput,
  observedContactFromSnapshot,
  parseSnapshot,
  type Snapshot,
  serialiseSnapshot,
  snapshotAge,
  snapshotFromObservation,
} from '../../src/state/snapshot.js';
import { hashContactValue, keyFingerprint } from '../../src/state/value-hash.js';
import { OPERATIONS, SECURITY } from '../support/builders.js';

const FILE = 'state/enforce-state.json';
const KEY = 'test-redact-key-0001';
const OBSERVED_AT = new Date('2026-03-01T02:00:00.000Z');
const READ_AT = new Date('2026-03-01T02:00:05.000Z');

const STALE: Contact = { ...SECURITY, email: 'old-security@example.com' };

function observation(valueKey?: string): ObservationInput {
  return {
    observedAt: OBSERVED_AT,
    toolVersion: '0.1.0',
    organization: { id: 'o-exampleorg1', managementAccountId: '999999999999' },
    valueKey,
    accounts: [
      {
        id: '222222222222',
        name: 'payments',
        state: 'ACTIVE',
        ous: ['ou-ab12-payments1'],
        ouNames: ['Payments'],
        tags: new Map([
          ['__proto__', 'polluted?'],
          ['team', 'payments'],
        ]),
        contacts: {
          SECURITY: { observed: { kind: 'present', contact: STALE }, readAt: READ_AT },
          OPERATIONS: { observed: { kind: 'missing' }, readAt: READ_AT },
        },
      },
      {
        id: '111111111111',
        name: 'sandbox',
        state: 'ACTIVE',
        ous: [],
        tags: {},
        contacts: {
          SECURITY: {
            observed: { kind: 'error', error: { code: 'AccessDeniedException', message: 'denied' } },
            readAt: READ_AT,
          },
        },
      },
      { id: '333333333333', name: 'closed-one', state: 'SUSPENDED', contacts: {} },
    ],
  };
}

function roundTrip(snapshot: Snapshot): Snapshot {
  return parseSnapshot(serialiseSnapshot(snapshot), FILE);
}

function parseError(text: string): StateFileError {
  try {
    parseSnapshot(text, FILE);
  } catch (error) {
    if (error instanceof StateFileError) return error;
    throw error;
  }
  throw new Error('parseSnapshot accepted the document');
}

describe('snapshotFromObservation', () => {
  it('records the organization, accounts sorted by id, and each contact with when it was read', () => {
    const snapshot = snapshotFromObservation(observation());
    expect(snapshot).toMatchObject({
      version: 1,
      kind: 'enforce-state',
      observedAt: '2026-03-01T02:00:00.000Z',
      toolVersion: '0.1.0',
      organization: { id: 'o-exampleorg1', managementAccountId: '999999999999' },
      valueEncoding: 'clear',
    });
    expect(snapshot.accounts.map((a) => a.id)).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(snapshot.accounts[1]).toMatchObject({
      ouPath: ['ou-ab12-payments1'],
      ouNames: ['Payments'],
      contacts: {
        SECURITY: { kind: 'present', contact: STALE, readAt: '2026-03-01T02:00:05.000Z' },
        OPERATIONS: { kind: 'missing', readAt: '2026-03-01T02:00:05.000Z' },
      },
    });
    expect(snapshot.accounts[0]!.contacts.SECURITY).toEqual({
      kind: 'error',
      error: { code: 'AccessDeniedException', message: 'denied' },
      readAt: '2026-03-01T02:00:05.000Z',
    });
    // What was not read stays absent, so a later policy that needs it can tell.
    expect(snapshot.accounts[2]).toEqual({
      id: '333333333333',
      name: 'closed-one',
      state: 'SUSPENDED',
      contacts: {},
    });
  });

  it('stores HMAC-SHA256 hex of the normalised values and the key fingerprint when a key is given', () => {
    const snapshot = snapshotFromObservation(observation(KEY));
    expect(snapshot.valueEncoding).toEqual({ hmac: keyFingerprint(KEY) });
    const stored = snapshot.accounts[1]!.contacts.SECURITY;
    expect(stored?.kind).toBe('present');
    if (stored?.kind !== 'present') return;
    expect(stored.contact.email).toBe(hashContactValue(KEY, 'email', 'OLD-Security@Example.com '));
    expect(stored.contact.email).toMatch(/^[0-9a-f]{64}$/);
    const text = serialiseSnapshot(snapshot);
    for (const value of Object.values(STALE)) expect(text).not.toContain(value);
    expect(text).not.toContain(KEY);
  });
});

describe('parseSnapshot', () => {
  it('round-trips a clear snapshot exactly', () => {
    const snapshot = snapshotFromObservation(observation());
    expect(roundTrip(snapshot)).toEqual(snapshot);
  });

  it('round-trips a hashed snapshot exactly', () => {
    const snapshot = snapshotFromObservation(observation(KEY));
    expect(roundTrip(snapshot)).toEqual(snapshot);
  });

  it('keeps a __proto__ tag as an own key on a null-prototype object', () => {
    const parsed = roundTrip(snapshotFromObservation(observation()));
    const tags = parsed.accounts[1]!.tags!;
    expect(Object.getPrototypeOf(tags)).toBeNull();
    expect(Object.keys(tags)).toEqual(['__proto__', 'team']);
    expect(Object.getOwnPropertyDescriptor(tags, '__proto__')?.value).toBe('polluted?');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(accountFromSnapshot(parsed.accounts[1]!).tags?.team).toBe('payments');
  });

  it('names the file when the text is not JSON', () => {
    expect(parseError('{"version": 1,').message).toMatch(
      /^state\/enforce-state\.json: not a JSON state file/,
    );
  });

  it('refuses a document of another kind and a newer version', () => {
    expect(parseError(JSON.stringify({ version: 1, runId: 'x' })).message).toContain(
      'not an enforce state file',
    );
    const newer = { ...snapshotFromObservation(observation()), version: 2 };
    expect(parseError(JSON.stringify(newer)).message).toContain(
      'written by a newer enforce (state version 2)',
    );
  });

  it('names the path of an invalid field', () => {
    const doc = JSON.parse(serialiseSnapshot(snapshotFromObservation(observation())));
    doc.accounts[1].contacts.SECURITY.readAt = 'yesterday';
    doc.accounts[2].state = 'GONE';
    const message = parseError(JSON.stringify(doc)).message;
    expect(message).toContain(`${FILE}: invalid state file`);
    expect(message).toContain('accounts.1.contacts.SECURITY.readAt:');
    expect(message).toContain('accounts.2.state:');
  });

  it('refuses clear values in a snapshot that says they are hashed', () => {
    const doc = JSON.parse(serialiseSnapshot(snapshotFromObservation(observation())));
    doc.valueEncoding = { hmac: keyFingerprint(KEY) };
    const message = parseError(JSON.stringify(doc)).message;
    expect(message).toContain(
      'accounts.1.contacts.SECURITY.contact.email: must be a 64-digit hex HMAC-SHA256',
    );
  });

  it('refuses an account listed twice', () => {
    const doc = JSON.parse(serialiseSnapshot(snapshotFromObservation(observation())));
    doc.accounts[2].id = doc.accounts[1].id;
    expect(parseError(JSON.stringify(doc)).message).toContain('accounts.2.id: is listed twice');
  });
});

describe('snapshotAge', () => {
  it('measures from observedAt and words it for the plan header', () => {
    const snapshot = snapshotFromObservation(observation());
    const later = new Date(OBSERVED_AT.getTime() + (3 * 3600 + 12 * 60 + 7) * 1000);
    expect(snapshotAge(snapshot, later)).toEqual({
      observedAt: '2026-03-01T02:00:00.000Z',
      seconds: 3 * 3600 + 12 * 60 + 7,
      text: '3 h 12 min',
    });
    expect(snapshotAge(snapshot, new Date(OBSERVED_AT.getTime() + 50 * 3600_000)).text).toBe('2 d 2 h');
    expect(snapshotAge(snapshot, new Date(OBSERVED_AT.getTime() + 45_000)).text).toBe('45 s');
  });

  it('reports a snapshot from the future (clock skew) as 0 s old', () => {
    const snapshot = snapshotFromObservation(observation());
    expect(snapshotAge(snapshot, new Date(OBSERVED_AT.getTime() - 60_000)).seconds).toBe(0);
  });
});

describe('planning from a snapshot', () => {
  const desiredFor = (contact: Contact) => contact;

  function planFrom(snapshot: Snapshot, key: string | undefined, desired: Contact) {
    const comparer = createStoredContactComparer(snapshot, FILE, key);
    const account = indexSnapshotAccounts(snapshot).get('222222222222')!;
    const reading = observedContactFromSnapshot(account, 'SECURITY', desired, comparer)!;
    return { comparer, reading, item: planItem('222222222222', 'SECURITY', desired, reading.observed) };
  }

  it('plans an update against a clear snapshot with the stored values as before', () => {
    const { item, reading } = planFrom(snapshotFromObservation(observation()), undefined, SECURITY);
    expect(reading.readAt).toBe('2026-03-01T02:00:05.000Z');
    expect(item).toMatchObject({
      action: 'update',
      before: STALE,
      after: SECURITY,
      changedFields: ['email'],
    });
  });

  it('plans the same actions against a hashed snapshot, masking the values that differ', () => {
    const hashed = roundTrip(snapshotFromObservation(observation(KEY)));
    const { item, comparer } = planFrom(hashed, KEY, SECURITY);
    const storedEmail = (hashed.accounts[1]!.contacts.SECURITY as { contact: Contact }).contact.email;
    expect(comparer.encoding).toBe('hmac');
    expect(item).toMatchObject({
      action: 'update',
      changedFields: ['email'],
      before: { ...SECURITY, email: `[redacted:${storedEmail.slice(0, 8)}]` },
      after: SECURITY,
    });
  });

  it('finds a hashed contact in sync after normalising (email case, phone punctuation)', () => {
    const hashed = snapshotFromObservation(observation(KEY));
    const desired = desiredFor({ ...STALE, email: 'Old-Security@EXAMPLE.com', phone: '+1 555 0142' });
    const { item } = planFrom(hashed, KEY, desired);
    expect(item.action).toBe('noop');
  });

  it('compares field by field in clear and hashed snapshots alike', () => {
    const desired = { ...SECURITY, name: 'Other Name', phone: '+1-555-9999' };
    const clear = createStoredContactComparer(snapshotFromObservation(observation()), FILE, undefined);
    const hashedSnapshot = snapshotFromObservation(observation(KEY));
    const hashed = createStoredContactComparer(hashedSnapshot, FILE, KEY);
    const storedHashed = (hashedSnapshot.accounts[1]!.contacts.SECURITY as { contact: Contact }).contact;
    expect(clear.changedFields(desired, STALE)).toEqual(['name', 'email', 'phone']);
    expect(hashed.changedFields(desired, storedHashed)).toEqual(['name', 'email', 'phone']);
  });

  it('refuses a hashed snapshot without a key or with another key, naming the file', () => {
    const hashed = snapshotFromObservation(observation(KEY));
    expect(() => createStoredContactComparer(hashed, FILE, undefined)).toThrow(
      /^state\/enforce-state\.json: contact values are hashed .*set ENFORCE_REDACT_KEY/,
    );
    expect(() => createStoredContactComparer(hashed, FILE, 'another-key')).toThrow(StateFileError);
    expect(() => createStoredContactComparer(hashed, FILE, 'another-key')).toThrow(
      `hashed with another key (${keyFingerprint(KEY)}); ENFORCE_REDACT_KEY is ${keyFingerprint('another-key')}`,
    );
  });

  it('gives missing and unreadable contacts to the planner as such, and nothing for a type never read', () => {
    const snapshot = snapshotFromObservation(observation());
    const comparer = createStoredContactComparer(snapshot, FILE, undefined);
    const byId = indexSnapshotAccounts(snapshot);
    const payments = byId.get('222222222222')!;
    expect(observedContactFromSnapshot(payments, 'OPERATIONS', OPERATIONS, comparer)?.observed).toEqual({
      kind: 'missing',
    });
    expect(observedContactFromSnapshot(payments, 'BILLING', OPERATIONS, comparer)).toBeUndefined();
    expect(
      observedContactFromSnapshot(byId.get('111111111111')!, 'SECURITY', SECURITY, comparer)?.observed,
    ).toEqual({ kind: 'error', error: { code: 'AccessDeniedException', message: 'denied' } });
  });

  it('says when a policy needs OU paths or tags the snapshot did not read', () => {
    const snapshot = snapshotFromObservation(observation());
    expect(missingSelectorData(snapshot, { ous: true, tags: true })).toEqual([]);
    const withoutOus = snapshotFromObservation({
      ...observation(),
      accounts: [{ id: '444444444444', name: 'new', state: 'ACTIVE', contacts: {} }],
    });
    expect(missingSelectorData(withoutOus, { ous: true, tags: false })).toEqual(['ouPath']);
    expect(missingSelectorData(withoutOus, { ous: false, tags: true })).toEqual(['tags']);
    expect(missingSelectorData(withoutOus, { ous: false, tags: false })).toEqual([]);
  });
});
