import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAlternateContactCommand, PutAlternateContactCommand } from '@aws-sdk/client-account';
import { ListAccountsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-organizations';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Clock } from '../../src/engine/clock.js';
import { GuardError, PolicyError, PreflightError, UsageError } from '../../src/errors.js';
import { renderJson } from '../../src/render/json.js';
import { OPERATIONS, SECURITY } from '../support/builders.js';
import { type FakeOrgSpec, fakeAws, memoryAuditLog } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';
import { type EngineContext, type EngineOptions, runEngine } from '../support/run-engine.js';

const MGMT = '999999999999';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';

const SECURITY_YAML = `
version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: security@example.com
    phone: "+1-555-0142"
`;

/** Instant clock: read-back delays cost no real time. */
const instantClock: Clock = { now: () => 0, sleep: async () => {} };

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => fake?.restore());

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function writePolicy(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'enforce-run-'));
  const file = join(dir, 'contacts.yaml');
  writeFileSync(file, text);
  return file;
}

/** A run against an organization the test has already prepared (and perhaps re-programmed). */
function runWith(
  f: ReturnType<typeof fakeAws>,
  options: Partial<EngineOptions> & { policyFile: string },
  audit: ReturnType<typeof memoryAuditLog>,
  extra: Partial<EngineContext> = {},
) {
  return runEngine(
    { mode: 'apply', redact: false, toolVersion: 't', ...options },
    { clients: f.clients, clock: instantClock, destination: audit.destination, ...extra },
  );
}

async function run(spec: FakeOrgSpec, policyText: string, options: Partial<EngineOptions> = {}) {
  fake = fakeAws(spec);
  const audit = memoryAuditLog();
  const outcome = await runWith(
    fake,
    { mode: 'dry-run', policyFile: writePolicy(policyText), toolVersion: '0.0.0-test', ...options },
    audit,
    { runId: 'run-1' },
  );
  const items = outcome.plan.accounts.flatMap((a) => a.items);
  const item = (accountId: string, type = 'SECURITY') =>
    items.find((i) => i.accountId === accountId && i.type === type);
  return { outcome, audit: audit.lines, fake, items, item };
}

const org = (extra: Partial<FakeOrgSpec> = {}): FakeOrgSpec => ({
  managementAccountId: MGMT,
  accounts: [
    { id: MGMT, name: 'management' },
    { id: A, name: 'prod' },
    { id: B, name: 'dev' },
    { id: C, name: 'sandbox' },
  ],
  contacts: {
    [A]: { SECURITY: { ...SECURITY, email: 'departed.person@example.com' } },
    [B]: { SECURITY: { ...SECURITY, email: 'SECURITY@EXAMPLE.COM', phone: '+1 555 0142' } },
  },
  ...extra,
});

describe('dry-run', () => {
  it('plans create for a missing contact, update with changed fields, noop when equal after normalising', async () => {
    const { item, outcome } = await run(org(), SECURITY_YAML);
    expect(item(MGMT)).toMatchObject({ action: 'create', result: 'planned', before: null, after: SECURITY });
    expect(item(A)).toMatchObject({ action: 'update', result: 'planned', changedFields: ['email'] });
    expect(item(B)).toMatchObject({ action: 'noop', result: 'unchanged' });
    expect(item(C)).toMatchObject({ action: 'create' });
    expect(outcome.plan.summary).toEqual({
      accounts: 4,
      items: 4,
      inSync: 1,
      create: 2,
      update: 1,
      delete: 0,
      skipped: 0,
      failed: 0,
      applied: 0,
      notWritten: { stale: 0, 'already-in-sync': 0, 'max-changes': 0, interrupted: 0, 'audit-log-failed': 0 },
    });
  });

  it('sends zero PutAlternateContact calls', async () => {
    const { fake } = await run(org(), SECURITY_YAML);
    expect(fake.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(0);
  });

  it('reads every page of ListAccounts, including an empty one', async () => {
    const accounts = Array.from({ length: 7 }, (_, i) => ({ id: `10000000000${i}`, name: `a${i}` }));
    const { outcome } = await run({ managementAccountId: MGMT, accounts }, SECURITY_YAML);
    expect(outcome.plan.accounts.map((a) => a.accountId)).toEqual(accounts.map((a) => a.id));
  });

  it('writes one drift line per create/update, with before, after and changed fields', async () => {
    const { audit } = await run(org(), SECURITY_YAML);
    const drift = audit.filter((l) => l.event === 'drift');
    expect(drift).toHaveLength(3);
    expect(drift.find((l) => l.accountId === A)).toMatchObject({
      runId: 'run-1',
      type: 'SECURITY',
      action: 'update',
      changedFields: ['email'],
      before: { email: 'departed.person@example.com' },
      after: { email: 'security@example.com' },
    });
  });
});

describe('the management account', () => {
  it('is read and written without AccountId when the caller is the management account', async () => {
    const { fake, item } = await run(org(), SECURITY_YAML, { mode: 'apply' });
    const reads = fake.mocks.account.commandCalls(GetAlternateContactCommand).map((c) => c.args[0].input);
    expect(reads.filter((i) => !('AccountId' in i)).length).toBeGreaterThan(0);
    expect(reads.some((i) => i.AccountId === MGMT)).toBe(false);
    expect(fake.puts.find((p) => p.accountId === MGMT)).toEqual({
      accountId: MGMT,
      type: 'SECURITY',
      hadAccountId: false,
    });
    expect(item(MGMT)).toMatchObject({ action: 'create', result: 'applied' });
  });

  it('is skipped, never read, when the caller is a delegated administrator', async () => {
    const { fake, item } = await run(org({ callerAccountId: C }), SECURITY_YAML, { mode: 'apply' });
    expect(item(MGMT)).toMatchObject({
      action: 'skip',
      result: 'skipped',
      reason: 'management-account-delegated-admin',
    });
    const inputs = fake.mocks.account.commandCalls(GetAlternateContactCommand).map((c) => c.args[0].input);
    expect(inputs.some((i) => i.AccountId === MGMT)).toBe(false);
    // The delegated administrator's own account is addressed without AccountId (standalone context).
    expect(fake.puts.find((p) => p.accountId === C)?.hadAccountId).toBe(false);
    expect(item(A)).toMatchObject({ result: 'applied' });
  });

  it('is skipped when settings.managementAccount is skip', async () => {
    const { item } = await run(org(), `${SECURITY_YAML}settings:\n  managementAccount: skip\n`);
    expect(item(MGMT)).toMatchObject({ action: 'skip', reason: 'management-account' });
  });
});

describe('account state', () => {
  it('skips suspended, closed, pending-closure and pending-activation accounts without reading them', async () => {
    const spec = org({
      accounts: [
        { id: MGMT, name: 'management' },
        { id: A, name: 'gone', state: 'SUSPENDED' },
        { id: B, name: 'closing', state: 'PENDING_CLOSURE' },
        { id: C, name: 'closed', state: 'CLOSED' },
        { id: '444444444444', name: 'new', state: 'PENDING_ACTIVATION' },
      ],
    });
    const { fake, item } = await run(spec, SECURITY_YAML, { mode: 'apply' });
    expect(item(A)).toMatchObject({ action: 'skip', reason: 'suspended' });
    expect(item(B)).toMatchObject({ action: 'skip', reason: 'pending-closure' });
    expect(item(C)).toMatchObject({ action: 'skip', reason: 'closed' });
    expect(item('444444444444')).toMatchObject({ action: 'skip', reason: 'pending-activation' });
    const targeted = fake.mocks.account
      .commandCalls(GetAlternateContactCommand)
      .map((c) => c.args[0].input.AccountId);
    expect(targeted.filter((id) => id !== undefined)).toEqual([]);
    expect(fake.puts.map((p) => p.accountId)).toEqual([MGMT]);
  });
});

describe('scope and overrides', () => {
  const spec = org({
    accounts: [
      { id: MGMT, name: 'management' },
      { id: A, name: 'payments-prod', ous: ['ou-ab12-workload', 'ou-ab12-payments1'] },
      { id: B, name: 'lab', ous: ['ou-ab12-workload'], tags: { 'contact-policy': 'exempt' } },
      { id: C, name: 'sandbox', ous: ['ou-ab12-sandbox1'] },
    ],
  });

  it('includes by OU at any depth, excludes by tag, and applies overrides in order', async () => {
    const policy = `${SECURITY_YAML}
scope:
  include:
    ous: [ou-ab12-workload]
  exclude:
    tags: { contact-policy: exempt }
overrides:
  - match: { ous: [ou-ab12-payments1] }
    contacts:
      security: { email: payments-security@example.com, phone: "+1-555-0001" }
  - match: { accounts: ["${A}"] }
    contacts:
      security: { email: payments-prod-security@example.com }
`;
    const { item } = await run(spec, policy);
    expect(item(MGMT)).toMatchObject({ action: 'skip', reason: 'out-of-scope' });
    expect(item(C)).toMatchObject({ action: 'skip', reason: 'out-of-scope' });
    expect(item(B)).toMatchObject({ action: 'skip', reason: 'excluded' });
    expect(item(A)?.after).toEqual({
      ...SECURITY,
      email: 'payments-prod-security@example.com',
      phone: '+1-555-0001',
    });
  });

  it('limits the run to --accounts and rejects an account that is not in the organization', async () => {
    const { outcome } = await run(spec, SECURITY_YAML, { accounts: [A, C] });
    expect(outcome.plan.accounts.map((a) => a.accountId)).toEqual([A, C]);
    await expect(run(spec, SECURITY_YAML, { accounts: ['555555555555'] })).rejects.toBeInstanceOf(UsageError);
  });
});

describe('apply', () => {
  it('writes create/update items, reads them back and marks them applied', async () => {
    const { fake, outcome, item } = await run(org(), SECURITY_YAML, { mode: 'apply' });
    expect(fake.puts.map((p) => p.accountId).sort()).toEqual([MGMT, A, C].sort());
    expect(item(A)).toMatchObject({ action: 'update', result: 'applied' });
    expect(item(B)).toMatchObject({ action: 'noop', result: 'unchanged' });
    expect(fake.contacts.get(`${A}/SECURITY`)).toEqual(SECURITY);
    expect(outcome.plan.summary.applied).toBe(3);
    expect(outcome.exitCode()).toBe(0);
  });

  it('logs change.started before the write is sent and change.applied after', async () => {
    const audit = memoryAuditLog();
    const lines = audit.lines;
    fake = fakeAws(org());
    const seenAtPut: number[] = [];
    const originalSend = fake.clients.account.send.bind(fake.clients.account);
    // Record how many change.started lines existed when each Put reached "AWS".
    fake.clients.account.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
      if (command.constructor.name === 'PutAlternateContactCommand') {
        seenAtPut.push(lines.filter((l) => l.event === 'change.started').length);
      }
      return (originalSend as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof fake.clients.account.send;
    await runWith(fake, { policyFile: writePolicy(SECURITY_YAML), concurrency: 1 }, audit);
    expect(seenAtPut).toEqual([1, 2, 3]);
    const events = lines.map((l) => l.event);
    expect(events[0]).toBe('run.start');
    expect(events.filter((e) => e === 'change.applied')).toHaveLength(3);
    for (const l of lines) expect(l).toMatchObject({ runId: expect.any(String), time: expect.any(String) });
  });

  it('keeps going when one account denies access, and fails the run', async () => {
    const { item, outcome, audit } = await run(
      org({ deniedAccounts: [A], deniedWrites: [C] }),
      SECURITY_YAML,
      {
        mode: 'apply',
      },
    );
    expect(item(A)).toMatchObject({
      action: 'error',
      result: 'failed',
      error: { code: 'AccessDeniedException' },
    });
    expect(item(C)).toMatchObject({
      action: 'create',
      result: 'failed',
      error: { code: 'AccessDeniedException' },
    });
    expect(item(MGMT)).toMatchObject({ result: 'applied' });
    expect(audit.filter((l) => l.event === 'account.error')).toMatchObject([{ accountId: A }]);
    expect(audit.filter((l) => l.event === 'change.failed')).toMatchObject([
      { accountId: C, written: false },
    ]);
    expect(outcome.exitCode()).toBe(1);
  });

  it('marks a write whose read-back differs as failed', async () => {
    const { item, audit } = await run(org({ lostWrites: [A] }), SECURITY_YAML, { mode: 'apply' });
    expect(item(A)).toMatchObject({ result: 'failed', error: { code: 'ReadBackMismatch' } });
    expect(audit.find((l) => l.event === 'change.failed')).toMatchObject({ accountId: A, written: true });
  });

  it('refuses the whole apply when more than max-changes items would be written', async () => {
    const { fake, outcome, items, audit } = await run(org(), SECURITY_YAML, { mode: 'apply', maxChanges: 2 });
    expect(fake.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(0);
    expect(outcome.refusal?.message).toMatch(/3 contacts, more than max-changes 2/);
    expect(items.filter((i) => i.reason === 'max-changes')).toHaveLength(3);
    expect(audit.some((l) => String(l.event).startsWith('change.'))).toBe(false);
    expect(outcome.exitCode()).toBe(1);
  });

  it('takes maxChanges from settings when the flag is absent', async () => {
    const { fake, outcome } = await run(org(), `${SECURITY_YAML}settings:\n  maxChanges: 1\n`, {
      mode: 'apply',
    });
    expect(outcome.refusal).not.toBeNull();
    expect(fake.puts).toHaveLength(0);
  });

  it('applies when the plan is within max-changes', async () => {
    const { fake } = await run(org(), SECURITY_YAML, { mode: 'apply', maxChanges: 3 });
    expect(fake.puts).toHaveLength(3);
  });
});

describe('SSM values', () => {
  const ssmPolicy = `${SECURITY_YAML}  operations:
    name: Platform On-Call
    title: Operations
    email: { ssm: /org/contacts/operations/email }
    phone: "+1-555-0100"
`;

  it('reads parameters with decryption and never logs a SecureString value in clear', async () => {
    const { fake, item, audit } = await run(
      org({
        parameters: { '/org/contacts/operations/email': { value: 'ops-oncall@example.com', secure: true } },
      }),
      ssmPolicy,
      { mode: 'apply' },
    );
    const calls = fake.mocks.ssm.commandCalls(GetParametersCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({
      Names: ['/org/contacts/operations/email'],
      WithDecryption: true,
    });
    expect(item(A, 'OPERATIONS')).toMatchObject({ action: 'create', after: OPERATIONS, result: 'applied' });
    expect(JSON.stringify(audit)).not.toContain('ops-oncall@example.com');
  });

  it('rejects the policy when a parameter is missing, before any Account API call', async () => {
    const error = await run(org(), ssmPolicy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect(String((error as Error).message)).toContain('/org/contacts/operations/email');
    expect(fake!.mocks.account.calls()).toHaveLength(0);
  });
});

describe('bad input and preflight', () => {
  it('makes no AWS call at all for an invalid policy', async () => {
    const error = await run(org(), 'version: 2\ncontacts: {}\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    for (const mock of Object.values(fake!.mocks)) expect(mock.calls()).toHaveLength(0);
  });

  it('stops before reading accounts when trusted access is not enabled, naming the fix', async () => {
    const error = await run(org({ trustedAccess: false }), SECURITY_YAML).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as Error).message).toContain(
      'aws organizations enable-aws-service-access --service-principal account.amazonaws.com',
    );
    expect(fake!.mocks.account.calls()).toHaveLength(0);
  });
});

describe('saved plans', () => {
  async function savePlan(spec: FakeOrgSpec, policyFile: string, redact = false) {
    fake = fakeAws(spec);
    const outcome = await runWith(fake, { mode: 'dry-run', policyFile, redact }, memoryAuditLog());
    fake.restore();
    const planFile = join(mkdtempSync(join(tmpdir(), 'enforce-plan-')), 'plan.json');
    writeFileSync(planFile, renderJson(outcome.plan, outcome.redactor));
    return planFile;
  }

  async function applyPlan(
    spec: FakeOrgSpec,
    policyFile: string,
    planFile: string,
    edit?: (f: ReturnType<typeof fakeAws>) => void,
  ) {
    fake = fakeAws(spec);
    edit?.(fake);
    const audit = memoryAuditLog();
    const outcome = await runWith(fake, { policyFile, planFile }, audit);
    const items = outcome.plan.accounts.flatMap((a) => a.items);
    return {
      outcome,
      items,
      item: (id: string) => items.find((i) => i.accountId === id && i.type === 'SECURITY'),
    };
  }

  it('applies exactly the items of the plan', async () => {
    const policyFile = writePolicy(SECURITY_YAML);
    const planFile = await savePlan(org(), policyFile);
    const { item, outcome } = await applyPlan(org(), policyFile, planFile);
    expect(fake!.puts.map((p) => p.accountId).sort()).toEqual([MGMT, A, C].sort());
    expect(item(A)).toMatchObject({ action: 'update', result: 'applied' });
    expect(outcome.exitCode()).toBe(0);
  });

  it('does not write an item whose account changed since the plan, and reports it stale (exit 1)', async () => {
    const policyFile = writePolicy(SECURITY_YAML);
    const planFile = await savePlan(org(), policyFile);
    const { item, outcome } = await applyPlan(org(), policyFile, planFile, (f) => {
      f.contacts.set(`${A}/SECURITY`, { ...SECURITY, email: 'someone-else@example.com' });
      f.contacts.set(`${C}/SECURITY`, { ...SECURITY, name: 'Someone Else' }); // created since: also stale
    });
    expect(item(A)).toMatchObject({ result: 'skipped', reason: 'stale' });
    expect(item(C)).toMatchObject({ result: 'skipped', reason: 'stale' });
    expect(item(MGMT)).toMatchObject({ result: 'applied' });
    expect(fake!.puts.map((p) => p.accountId)).toEqual([MGMT]);
    expect(outcome.exitCode()).toBe(1);
  });

  it('reports an item whose account already holds the desired contact as in sync, not stale (exit 0)', async () => {
    const policyFile = writePolicy(SECURITY_YAML);
    const planFile = await savePlan(org(), policyFile);
    const { item, outcome } = await applyPlan(org(), policyFile, planFile, (f) => {
      f.contacts.set(`${A}/SECURITY`, SECURITY);
      f.contacts.set(`${C}/SECURITY`, SECURITY);
    });
    expect(item(A)).toMatchObject({ action: 'update', result: 'unchanged', reason: 'already-in-sync' });
    expect(item(C)).toMatchObject({ action: 'create', result: 'unchanged', reason: 'already-in-sync' });
    expect(fake!.puts.map((p) => p.accountId)).toEqual([MGMT]);
    expect(outcome.plan.summary).toMatchObject({ applied: 1, inSync: 3, failed: 0 });
    expect(outcome.plan.summary.notWritten).toMatchObject({ 'already-in-sync': 2, stale: 0 });
    expect(outcome.exitCode()).toBe(0);
  });

  it('writes only the accounts named with --accounts', async () => {
    const policyFile = writePolicy(SECURITY_YAML);
    const planFile = await savePlan(org(), policyFile);
    fake = fakeAws(org());
    const outcome = await runWith(fake, { policyFile, planFile, accounts: [A] }, memoryAuditLog());
    expect(fake.puts.map((p) => p.accountId)).toEqual([A]);
    expect(outcome.plan.accounts.map((a) => a.accountId)).toEqual([A]);
    expect(outcome.plan.summary).toMatchObject({ applied: 1, accounts: 1 });
  });

  it('refuses a plan made for another policy file before any AWS call', async () => {
    const planFile = await savePlan(org(), writePolicy(SECURITY_YAML));
    const other = writePolicy(`${SECURITY_YAML}settings:\n  concurrency: 2\n`);
    const error = await applyPlan(org(), other, planFile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardError);
    expect((error as Error).message).toMatch(/made for another policy/);
    for (const mock of Object.values(fake!.mocks)) expect(mock.calls()).toHaveLength(0);
  });

  it('refuses a plan made for another organization', async () => {
    const policyFile = writePolicy(SECURITY_YAML);
    const planFile = await savePlan(org(), policyFile);
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    plan.organization.id = 'o-otherorg99';
    writeFileSync(planFile, JSON.stringify(plan));
    const error = await applyPlan(org(), policyFile, planFile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardError);
    expect((error as Error).message).toMatch(/organization o-otherorg99/);
    expect(fake!.mocks.account.calls()).toHaveLength(0);
  });

  it('applies a redacted plan by comparing masked values', async () => {
    const policyFile = writePolicy(SECURITY_YAML);
    const planFile = await savePlan(org(), policyFile, true);
    expect(readFileSync(planFile, 'utf8')).not.toContain('departed.person@example.com');
    const { item } = await applyPlan(org(), policyFile, planFile);
    expect(item(A)).toMatchObject({ result: 'applied', after: SECURITY });
  });

  it('rejects a file that is not a plan', async () => {
    const policyFile = writePolicy(SECURITY_YAML);
    const planFile = join(mkdtempSync(join(tmpdir(), 'enforce-plan-')), 'plan.json');
    writeFileSync(planFile, '{"version": 1}');
    await expect(applyPlan(org(), policyFile, planFile)).rejects.toThrow(/is not an enforce plan/);
  });
});

describe('a write without a clear answer', () => {
  it('is read back: applied when AWS holds the value though the answer was lost', async () => {
    const spec = org({
      accounts: [
        { id: MGMT, name: 'management' },
        { id: A, name: 'prod' },
      ],
    });
    fake = fakeAws(spec);
    const stored = fake.contacts;
    fake.mocks.account.on(PutAlternateContactCommand).callsFake((input) => {
      stored.set(`${input.AccountId ?? MGMT}/${input.AlternateContactType}`, {
        name: input.Name,
        title: input.Title,
        email: input.EmailAddress,
        phone: input.PhoneNumber,
      });
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: { attempts: 3 } });
    });
    const audit = memoryAuditLog();
    const outcome = await runWith(fake, { policyFile: writePolicy(SECURITY_YAML) }, audit);
    expect(outcome.plan.accounts.flatMap((a) => a.items).map((i) => i.result)).toEqual([
      'applied',
      'applied',
    ]);
    expect(audit.lines.filter((l) => l.event === 'change.applied')).toHaveLength(2);
    expect(audit.lines.some((l) => l.event === 'change.failed')).toBe(false);
  });

  it('is reported not written when AWS answered 5xx and does not hold the value', async () => {
    fake = fakeAws(org({ accounts: [{ id: MGMT, name: 'management' }] }));
    fake.mocks.account.on(PutAlternateContactCommand).rejects(
      Object.assign(new Error('internal'), {
        name: 'InternalServerException',
        $metadata: { httpStatusCode: 500 },
      }),
    );
    const audit = memoryAuditLog();
    await runWith(fake, { policyFile: writePolicy(SECURITY_YAML) }, audit);
    expect(audit.lines.find((l) => l.event === 'change.failed')).toMatchObject({
      written: false,
      error: { code: 'InternalServerException' },
    });
    // One read for the plan, then the read-back attempts after the ambiguous failure.
    expect(fake.mocks.account.commandCalls(GetAlternateContactCommand).length).toBeGreaterThan(1);
  });

  it('is not read back after a 4xx refusal', async () => {
    fake = fakeAws(org({ accounts: [{ id: MGMT, name: 'management' }], deniedWrites: [MGMT] }));
    const audit = memoryAuditLog();
    await runWith(fake, { policyFile: writePolicy(SECURITY_YAML) }, audit);
    expect(fake.mocks.account.commandCalls(GetAlternateContactCommand)).toHaveLength(1);
    expect(audit.lines.find((l) => l.event === 'change.failed')).toMatchObject({ written: false });
  });
});

describe('the audit trail of a failed run', () => {
  it('records run.start and run.end (level error, with the reason) when the preflight fails', async () => {
    fake = fakeAws(org({ trustedAccess: false }));
    const logFile = join(mkdtempSync(join(tmpdir(), 'enforce-run-')), 'audit.ndjson');
    const io = captureIo();
    const code = await main(['--apply', '--policy', writePolicy(SECURITY_YAML), '--log-file', logFile], io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/^error: Trusted access for AWS Account Management/m);
    expect(io.err).not.toMatch(/\n\s+at /);
    const lines = readLines(logFile);
    expect(lines.map((l) => l.event)).toEqual(['run.start', 'run.end']);
    expect(lines[1]).toMatchObject({ level: 'error', exitCode: 1, summary: null, interrupted: false });
    expect(String(lines[1]!.reason)).toMatch(/Trusted access/);
  });
});

describe('accounts scanned while they are listed', () => {
  const accounts = Array.from({ length: 6 }, (_, i) => ({ id: `10000000000${i}`, name: `a${i}` }));

  it('writes nothing when the listing fails part-way, though the first accounts were already read', async () => {
    fake = fakeAws({ managementAccountId: MGMT, accounts });
    fake.mocks.organizations.on(ListAccountsCommand).callsFake((input) => {
      if (input.NextToken === undefined) {
        return {
          Accounts: accounts.slice(0, 2).map((a) => ({ Id: a.id, Name: a.name, State: 'ACTIVE' })),
          NextToken: 'p2',
        };
      }
      throw Object.assign(new Error('service unavailable'), {
        name: 'ServiceException',
        $metadata: { httpStatusCode: 500 },
      });
    });
    const logFile = join(mkdtempSync(join(tmpdir(), 'enforce-run-')), 'audit.ndjson');
    const io = captureIo();
    const code = await main(['--apply', '--policy', writePolicy(SECURITY_YAML), '--log-file', logFile], io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/AWS Organizations ListAccounts failed: ServiceException/);
    expect(fake.mocks.account.commandCalls(GetAlternateContactCommand).length).toBeGreaterThan(0);
    expect(fake.puts).toHaveLength(0);
    const lines = readLines(logFile);
    expect(lines.some((l) => String(l.event).startsWith('change.'))).toBe(false);
    expect(lines.at(-1)).toMatchObject({ event: 'run.end', exitCode: 1 });
  });

  it('reports an account whose tags cannot be read as an error, and applies the others', async () => {
    fake = fakeAws({ managementAccountId: MGMT, accounts });
    const broken = accounts[3]!.id;
    fake.mocks.organizations.on(ListTagsForResourceCommand).callsFake((input) => {
      if (input.ResourceId === broken) {
        throw Object.assign(new Error('denied'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 403 },
        });
      }
      return { Tags: [] };
    });
    const audit = memoryAuditLog();
    const outcome = await runWith(
      fake,
      {
        policyFile: writePolicy(`${SECURITY_YAML}scope:\n  exclude:\n    tags: { contact-policy: exempt }\n`),
      },
      audit,
    );
    const items = outcome.plan.accounts.flatMap((a) => a.items);
    expect(items.find((i) => i.accountId === broken)).toMatchObject({
      action: 'error',
      result: 'failed',
      error: { code: 'AccessDeniedException' },
    });
    expect(fake.puts.map((p) => p.accountId).sort()).toEqual(
      accounts.filter((a) => a.id !== broken).map((a) => a.id),
    );
    expect(outcome.exitCode()).toBe(1);
  });
});
