import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AccountClient,
  DeleteAlternateContactCommand,
  GetContactInformationCommand,
  PutContactInformationCommand,
} from '@aws-sdk/client-account';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/core/redact.js';
import type { PrimaryContact } from '../../src/core/types.js';
import type { Clock } from '../../src/engine/clock.js';
import { paceRunClients } from '../../src/engine/pacing.js';
import { createRunStop } from '../../src/engine/stop.js';
import { renderJson } from '../../src/render/json.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { OPERATIONS, SECURITY } from '../support/builders.js';
import { type FakeOrgSpec, fakeAws, memoryAuditLog } from '../support/fake-aws.js';
import { TEST_REDACT_KEY } from '../support/redact.js';
import { type EngineOptions, runEngine } from '../support/run-engine.js';

const MGMT = '999999999999';
const A = '111111111111';
const B = '222222222222';

const instantClock: Clock = { now: () => 0, sleep: async () => {} };

const HQ: PrimaryContact = {
  fullName: 'Example Corp Accounts',
  addressLine1: '1 Example Street',
  city: 'Springfield',
  postalCode: '12345',
  countryCode: 'US',
  stateOrRegion: 'IL',
  phone: '+1 555 0100',
};

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => fake?.restore());

function writeFile(text: string, name = 'contacts.yaml'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'enforce-kinds-')), name);
  writeFileSync(file, text);
  return file;
}

const org = (extra: Partial<FakeOrgSpec> = {}): FakeOrgSpec => ({
  managementAccountId: MGMT,
  accounts: [
    { id: MGMT, name: 'management' },
    { id: A, name: 'prod' },
    { id: B, name: 'dev' },
  ],
  ...extra,
});

async function run(spec: FakeOrgSpec, policy: string, options: Partial<EngineOptions> = {}) {
  fake = fakeAws(spec);
  const audit = memoryAuditLog();
  const outcome = await runEngine(
    { mode: 'dry-run', redact: false, policyFile: writeFile(policy), ...options },
    { clients: fake.clients, clock: instantClock, destination: audit.destination },
  );
  const items = outcome.plan.accounts.flatMap((a) => a.items);
  const item = (accountId: string, type: string) =>
    items.find((i) => i.accountId === accountId && i.type === type);
  return { outcome, audit: audit.lines, fake, item };
}

const BILLING_ABSENT = `
version: 1
contacts:
  billing: absent
`;

describe('billing: absent', () => {
  const spec = () => org({ contacts: { [A]: { BILLING: OPERATIONS }, [MGMT]: { BILLING: OPERATIONS } } });

  it('plans a delete where the account has one and noop where it has none; dry-run sends nothing', async () => {
    const { item, outcome, fake } = await run(spec(), BILLING_ABSENT);
    expect(item(A, 'BILLING')).toMatchObject({
      action: 'delete',
      result: 'planned',
      before: OPERATIONS,
      after: null,
      changedFields: [],
    });
    expect(item(B, 'BILLING')).toMatchObject({ action: 'noop', result: 'unchanged', before: null });
    expect(outcome.plan.summary).toMatchObject({ delete: 2, inSync: 1 });
    expect(fake.mocks.account.commandCalls(DeleteAlternateContactCommand)).toHaveLength(0);
    expect(renderText(outcome.plan, outcome.redactor)).toContain(
      `  # ${A} (prod)\n  - billing contact will be deleted\n      - name:  "${OPERATIONS.name}"`,
    );
    expect(renderText(outcome.plan, outcome.redactor)).toContain('- delete');
    expect(renderText(outcome.plan, outcome.redactor)).toContain(
      'Plan: 0 to create, 0 to update, 2 to delete',
    );
    expect(renderMarkdown(outcome.plan, outcome.redactor)).toContain('| delete | planned |');
  });

  it('applies with DeleteAlternateContact (no AccountId for the management account) and reads back', async () => {
    const { item, audit, fake, outcome } = await run(spec(), BILLING_ABSENT, { mode: 'apply' });
    expect(fake.writes).toEqual(
      expect.arrayContaining([
        { operation: 'DeleteAlternateContact', accountId: A, type: 'BILLING', hadAccountId: true },
        { operation: 'DeleteAlternateContact', accountId: MGMT, type: 'BILLING', hadAccountId: false },
      ]),
    );
    expect(fake.writes).toHaveLength(2);
    expect(fake.contacts.has(`${A}/BILLING`)).toBe(false);
    expect(item(A, 'BILLING')).toMatchObject({ action: 'delete', result: 'applied' });
    expect(outcome.plan.summary).toMatchObject({ applied: 2 });
    const applied = audit.find((l) => l.event === 'change.applied' && l.accountId === A);
    expect(applied).toMatchObject({ action: 'delete', before: OPERATIONS, after: null, type: 'BILLING' });
    expect(outcome.exitCode()).toBe(0);
  });

  it('a delete the read-back still finds is failed, written: true', async () => {
    const { item, audit } = await run({ ...spec(), lostWrites: [A] }, BILLING_ABSENT, { mode: 'apply' });
    expect(item(A, 'BILLING')).toMatchObject({ result: 'failed', error: { code: 'ReadBackMismatch' } });
    expect(audit.find((l) => l.event === 'change.failed')).toMatchObject({ accountId: A, written: true });
  });

  it('max-changes counts deletes', async () => {
    const { outcome, fake } = await run(spec(), BILLING_ABSENT, { mode: 'apply', maxChanges: 1 });
    expect(outcome.refusal).toMatchObject({ writes: 2, maxChanges: 1 });
    expect(fake.writes).toHaveLength(0);
    expect(outcome.plan.summary.notWritten['max-changes']).toBe(2);
  });

  it('an override may set a contact for some accounts while the default is absent', async () => {
    const policy = `${BILLING_ABSENT}overrides:
  - match: { accounts: ["${B}"] }
    contacts:
      billing: { name: Billing Team, title: Billing, email: billing@example.com, phone: "+1 555 0101" }
`;
    const { item } = await run(spec(), policy);
    expect(item(A, 'BILLING')).toMatchObject({ action: 'delete' });
    expect(item(B, 'BILLING')).toMatchObject({ action: 'create', after: { email: 'billing@example.com' } });
  });
});

describe('some fields only', () => {
  const POLICY = `
version: 1
contacts:
  security:
    email: security@example.com
    phone: "+1 555 0142"
`;

  it("updates the listed fields and sends the account's own name and title back", async () => {
    const own = { name: 'Own Name', title: 'Own Title', email: 'old@example.com', phone: '+1 555 0142' };
    const { item, fake } = await run(org({ contacts: { [A]: { SECURITY: own } } }), POLICY, {
      mode: 'apply',
    });
    expect(item(A, 'SECURITY')).toMatchObject({
      action: 'update',
      result: 'applied',
      changedFields: ['email'],
      after: { ...own, email: 'security@example.com' },
    });
    expect(fake.contacts.get(`${A}/SECURITY`)).toEqual({ ...own, email: 'security@example.com' });
  });

  it('an account with no contact is an error naming the missing fields, unless createWith supplies them', async () => {
    const { item } = await run(org(), POLICY);
    expect(item(B, 'SECURITY')).toMatchObject({
      action: 'error',
      result: 'failed',
      error: { code: 'IncompleteContact', message: expect.stringContaining('set name, title in') },
    });
    const withCreate = `${POLICY}settings:
  createWith:
    security: { name: Security Team, title: Security }
`;
    const created = await run(org(), withCreate);
    expect(created.item(B, 'SECURITY')).toMatchObject({
      action: 'create',
      after: { name: 'Security Team', title: 'Security', email: 'security@example.com' },
    });
  });

  it('createWith is used only to create: an existing contact keeps its own name', async () => {
    const own = { ...SECURITY, name: 'Own Name' };
    const policy = `${POLICY}settings:
  createWith:
    security: { name: Security Team, title: Security }
`;
    const { item } = await run(org({ contacts: { [A]: { SECURITY: own } } }), policy);
    expect(item(A, 'SECURITY')).toMatchObject({ action: 'noop', before: { name: 'Own Name' } });
  });
});

const PRIMARY_POLICY = `
version: 1
contacts:
  primary:
    fullName: Example Corp Accounts
    addressLine1: 1 Example Street
    city: Springfield
    stateOrRegion: IL
    postalCode: "12345"
    countryCode: us
    phone: "+1 555 0100"
`;

describe('the primary contact', () => {
  it('creates and updates it for members (AccountId) and the management account (standalone), with read-back', async () => {
    const spec = org({ primary: { [A]: { ...HQ, city: 'Shelbyville' }, [B]: HQ } });
    const { item, fake, audit, outcome } = await run(spec, PRIMARY_POLICY, { mode: 'apply' });
    expect(item(MGMT, 'PRIMARY')).toMatchObject({ action: 'create', result: 'applied', before: null });
    expect(item(A, 'PRIMARY')).toMatchObject({
      action: 'update',
      result: 'applied',
      changedFields: ['city'],
      before: { city: 'Shelbyville' },
      after: { city: 'Springfield' },
    });
    // countryCode is compared case-insensitively, the phone without punctuation.
    expect(item(B, 'PRIMARY')).toMatchObject({ action: 'noop', result: 'unchanged' });
    expect(fake.writes).toHaveLength(2);
    expect(fake.writes).toEqual(
      expect.arrayContaining([
        { operation: 'PutContactInformation', accountId: MGMT, type: 'PRIMARY', hadAccountId: false },
        { operation: 'PutContactInformation', accountId: A, type: 'PRIMARY', hadAccountId: true },
      ]),
    );
    expect(fake.primary.get(A)?.city).toBe('Springfield');
    expect(fake.mocks.account.commandCalls(GetContactInformationCommand).length).toBeGreaterThanOrEqual(5);
    expect(audit.find((l) => l.event === 'change.applied' && l.accountId === A)).toMatchObject({
      type: 'PRIMARY',
      before: { city: 'Shelbyville' },
      after: { city: 'Springfield' },
      changedFields: ['city'],
    });
    const text = renderText(outcome.plan, outcome.redactor);
    expect(text).toContain(
      `  ~ primary contact has been updated\n      ~ city:             "Shelbyville" → "Springfield"`,
    );
  });

  it('a primary contact that does not read back equal is failed', async () => {
    const spec = org({ primary: { [A]: { ...HQ, city: 'Shelbyville' } }, lostWrites: [A] });
    const { item } = await run(spec, PRIMARY_POLICY, { mode: 'apply', accounts: [A] });
    expect(item(A, 'PRIMARY')).toMatchObject({ result: 'failed', error: { code: 'ReadBackMismatch' } });
  });

  it('a partial primary policy keeps the other fields; no contact and a subset is IncompleteContact', async () => {
    const policy = `
version: 1
contacts:
  primary:
    phone: "+1 555 0199"
`;
    const { item } = await run(org({ primary: { [A]: HQ } }), policy);
    expect(item(A, 'PRIMARY')).toMatchObject({
      action: 'update',
      changedFields: ['phone'],
      after: { ...HQ, phone: '+1 555 0199' },
    });
    expect(item(B, 'PRIMARY')).toMatchObject({
      action: 'error',
      error: { code: 'IncompleteContact', message: expect.stringContaining('fullName, addressLine1, city') },
    });
  });

  it('max-changes counts primary writes; skipped accounts get a PRIMARY skip item', async () => {
    const { outcome, fake } = await run(org(), PRIMARY_POLICY, { mode: 'apply', maxChanges: 2 });
    expect(outcome.refusal).toMatchObject({ writes: 3 });
    expect(fake.mocks.account.commandCalls(PutContactInformationCommand)).toHaveLength(0);
    const skipped = await run(
      org({
        accounts: [
          { id: MGMT, name: 'management' },
          { id: A, name: 'gone', state: 'SUSPENDED' },
        ],
      }),
      PRIMARY_POLICY,
    );
    expect(skipped.item(A, 'PRIMARY')).toMatchObject({ action: 'skip', reason: 'suspended' });
  });

  it('--redact masks the primary fields in the audit log, the JSON and the text', async () => {
    const { audit, outcome } = await run(org({ accounts: [{ id: MGMT, name: 'm' }] }), PRIMARY_POLICY, {
      redact: true,
    });
    const drift = audit.find((l) => l.event === 'drift') as { after: Record<string, string> };
    expect(drift.after.fullName).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    expect(drift.after.city).toMatch(/^\[redacted:/);
    expect(JSON.stringify(audit)).not.toContain('Springfield');
    expect(renderJson(outcome.plan, outcome.redactor)).not.toContain('Springfield');
    expect(renderText(outcome.plan, outcome.redactor)).not.toContain('Springfield');
  });

  it('masks a SecureString value in any primary field, whatever the scope', () => {
    const redactor = createRedactor({
      key: TEST_REDACT_KEY,
      fields: 'none',
      secretValues: ['1 Secret Road'],
    });
    const masked = redactor.contact({ ...HQ, addressLine1: '1 Secret Road' });
    expect(masked.addressLine1).toMatch(/^\[redacted:/);
    expect(masked.city).toBe('Springfield');
    // `--redact=phone` masks the primary phone too.
    const phones = createRedactor({ key: TEST_REDACT_KEY, fields: ['phone'], secretValues: [] });
    expect(phones.contact(HQ).phone).toMatch(/^\[redacted:/);
    expect(phones.contact(HQ).fullName).toBe(HQ.fullName);
  });
});

describe('saved plans re-check deletes and primary writes', () => {
  const spec = () => org({ contacts: { [A]: { BILLING: OPERATIONS } }, primary: { [A]: HQ } });
  const POLICY = `${BILLING_ABSENT}  primary:
    phone: "+1 555 0199"
`;

  async function savePlan(policyFile: string) {
    const f = fakeAws(spec());
    try {
      const outcome = await runEngine(
        { mode: 'dry-run', redact: false, policyFile },
        { clients: f.clients, clock: instantClock, destination: memoryAuditLog().destination },
      );
      const planFile = join(mkdtempSync(join(tmpdir(), 'enforce-plan-')), 'plan.json');
      writeFileSync(planFile, renderJson(outcome.plan, outcome.redactor));
      return planFile;
    } finally {
      f.restore();
    }
  }

  async function applyPlan(
    policyFile: string,
    planFile: string,
    change?: (f: ReturnType<typeof fakeAws>) => void,
  ) {
    fake = fakeAws(spec());
    change?.(fake);
    const outcome = await runEngine(
      { mode: 'apply', redact: false, policyFile, planFile },
      { clients: fake.clients, clock: instantClock, destination: memoryAuditLog().destination },
    );
    const items = outcome.plan.accounts.flatMap((a) => a.items);
    return {
      item: (id: string, type: string) => items.find((i) => i.accountId === id && i.type === type),
      fake,
    };
  }

  it('writes the plan: the delete and the primary update', async () => {
    const policyFile = writeFile(POLICY);
    const planFile = await savePlan(policyFile);
    const { item, fake } = await applyPlan(policyFile, planFile);
    expect(item(A, 'BILLING')).toMatchObject({ action: 'delete', result: 'applied' });
    expect(item(A, 'PRIMARY')).toMatchObject({ action: 'update', result: 'applied' });
    expect(fake.contacts.has(`${A}/BILLING`)).toBe(false);
    expect(fake.primary.get(A)?.phone).toBe('+1 555 0199');
  });

  it('a contact deleted since is already in sync; a contact changed since is stale', async () => {
    const policyFile = writeFile(POLICY);
    const planFile = await savePlan(policyFile);
    const gone = await applyPlan(policyFile, planFile, (f) => {
      f.contacts.delete(`${A}/BILLING`);
      f.primary.set(A, { ...HQ, fullName: 'Someone Else' });
    });
    expect(gone.item(A, 'BILLING')).toMatchObject({ result: 'unchanged', reason: 'already-in-sync' });
    expect(gone.item(A, 'PRIMARY')).toMatchObject({ result: 'skipped', reason: 'stale' });
    expect(gone.fake.writes).toHaveLength(0);
    fake?.restore();
    const changed = await applyPlan(policyFile, planFile, (f) =>
      f.contacts.set(`${A}/BILLING`, { ...OPERATIONS, email: 'other@example.com' }),
    );
    expect(changed.item(A, 'BILLING')).toMatchObject({ result: 'skipped', reason: 'stale' });
  });
});

describe('pacing of the new operations', () => {
  function fakeClock(): Clock & { sleeps: number[] } {
    let now = 0;
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    };
    return { sleeps, now: () => now, sleep };
  }

  /** Real SDK clients (the middleware stack runs) whose requests are answered 200 without a network. */
  function answeringClients() {
    const requestHandler = {
      handle: async () => ({
        response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from('{}')]) },
      }),
    };
    const options = {
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's' },
    };
    return {
      account: new AccountClient({ ...options, requestHandler }),
      organizations: new OrganizationsClient({ ...options, requestHandler }),
    };
  }

  const del = () => new DeleteAlternateContactCommand({ AlternateContactType: 'BILLING', AccountId: A });

  it('DeleteAlternateContact 1/s burst 6, Get/PutContactInformation 10/s burst 15 and 5/s burst 8', async () => {
    const clients = answeringClients();
    const clock = fakeClock();
    paceRunClients(clients, undefined, clock, createRunStop());
    for (let i = 0; i < 6; i += 1) await clients.account.send(del());
    expect(clock.sleeps).toEqual([]);
    await clients.account.send(del());
    expect(clock.sleeps).toEqual([1000]);

    clock.sleeps.length = 0;
    for (let i = 0; i < 16; i += 1)
      await clients.account.send(new GetContactInformationCommand({ AccountId: A }));
    expect(clock.sleeps).toEqual([100]);

    clock.sleeps.length = 0;
    const put = () => new PutContactInformationCommand({ AccountId: A, ContactInformation: sdk(HQ) });
    for (let i = 0; i < 9; i += 1) await clients.account.send(put());
    expect(clock.sleeps).toEqual([200]);
  });

  it('settings.rateLimits can raise them', async () => {
    const clients = answeringClients();
    const clock = fakeClock();
    paceRunClients(clients, { deleteAlternateContact: { perSecond: 10, burst: 20 } }, clock, createRunStop());
    for (let i = 0; i < 20; i += 1) await clients.account.send(del());
    expect(clock.sleeps).toEqual([]);
  });
});

function sdk(c: PrimaryContact) {
  return {
    FullName: c.fullName,
    AddressLine1: c.addressLine1,
    City: c.city,
    PostalCode: c.postalCode,
    CountryCode: c.countryCode,
    PhoneNumber: c.phone,
  };
}
