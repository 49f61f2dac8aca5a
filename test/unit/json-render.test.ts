import { describe, expect, it } from 'vitest';
import type { Contact } from '../../src/core/types.js';
import { reportToJson as planToJson, renderJson } from '../../src/render/json.js';
import {
  account,
  applied,
  create,
  failed,
  noop,
  notWritten,
  planOf,
  readError,
  skip,
  update,
  WANT,
} from '../support/plans.js';
import { testMask, testRedactor } from '../support/redact.js';

const clear = testRedactor('none');

const OLD: Contact = { ...WANT, email: 'departed.person@acme.internal' };

const plan = planOf('dry-run', [
  account('111111111111', 'prod', [update('111111111111', OLD, WANT)]),
  account('222222222222', 'dev', [create('222222222222', WANT)]),
  account('333333333333', 'sandbox', [noop('333333333333', WANT)]),
  account('444444444444', 'locked', [
    readError('444444444444', { code: 'AccessDeniedException', message: 'explicit deny' }),
  ]),
  account('555555555555', 'gone', [skip('555555555555', 'suspended')], 'SUSPENDED'),
]);

// SPEC "Output": the keys of the JSON document. The additions are deliberate and nothing else may appear:
// `policy` {file, sha256} ties a saved plan to its policy, `accountId` on items lets `--plan` apply an item
// on its own; round 2 adds `createdAt` (how old a saved plan is), `caller`, `redaction` (the mask key's
// fingerprint), `warnings` (SPEC round 2, "Deciding an item" 3), `notChecked` (checks a partial run could
// not make) and `summary.notWritten` (planned writes not made, by reason).
const SPEC_TOP = ['version', 'runId', 'mode', 'organization', 'summary', 'accounts', 'warnings'];
const EXTRA_TOP = ['policy', 'createdAt', 'caller', 'redaction', 'notChecked'];
const SPEC_SUMMARY = [
  'accounts',
  'items',
  'inSync',
  'create',
  'update',
  'delete',
  'skipped',
  'failed',
  'applied',
];
const EXTRA_SUMMARY = ['notWritten'];
const SPEC_ACCOUNT = ['accountId', 'accountName', 'state', 'items'];
const SPEC_ITEM = ['type', 'action', 'result', 'before', 'after', 'changedFields', 'reason', 'error'];
const EXTRA_ITEM = ['accountId'];
const sorted = (keys: string[]) => [...keys].sort();

type Json = Record<string, unknown>;
interface JsonDoc extends Json {
  organization: Json;
  summary: Json;
  accounts: (Json & { items: Json[] })[];
}

function parsed() {
  const text = renderJson(plan, clear);
  return { text, doc: JSON.parse(text) as JsonDoc };
}

describe('renderJson', () => {
  it('is one JSON document ending in a newline', () => {
    const { text } = parsed();
    expect(text.endsWith('}\n')).toBe(true);
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it('has exactly the SPEC keys at every level', () => {
    const { doc } = parsed();
    expect(sorted(Object.keys(doc))).toEqual(sorted([...SPEC_TOP, ...EXTRA_TOP]));
    expect(doc).toMatchObject({
      version: 1,
      runId: 'run-0001',
      mode: 'dry-run',
      createdAt: '2026-12-01T00:00:00.000Z',
      caller: { accountId: '999999999999', arn: 'arn:aws:iam::999999999999:role/enforce' },
      redaction: null,
      warnings: [],
      notChecked: [],
    });
    expect(doc.organization).toEqual({ id: 'o-exampleorg1', managementAccountId: '999999999999' });
    expect(sorted(Object.keys(doc.summary))).toEqual(sorted([...SPEC_SUMMARY, ...EXTRA_SUMMARY]));
    expect(doc.summary).toEqual({
      accounts: 5,
      items: 5,
      inSync: 1,
      create: 1,
      update: 1,
      delete: 0,
      skipped: 1,
      failed: 1,
      applied: 0,
      notWritten: { stale: 0, 'already-in-sync': 0, 'max-changes': 0, interrupted: 0, 'audit-log-failed': 0 },
    });
    for (const acc of doc.accounts) {
      expect(sorted(Object.keys(acc))).toEqual(sorted(SPEC_ACCOUNT));
      for (const item of acc.items)
        expect(sorted(Object.keys(item))).toEqual(sorted([...SPEC_ITEM, ...EXTRA_ITEM]));
    }
    expect(doc.accounts.map((a) => [a.accountId, a.state])).toEqual([
      ['111111111111', 'ACTIVE'],
      ['222222222222', 'ACTIVE'],
      ['333333333333', 'ACTIVE'],
      ['444444444444', 'ACTIVE'],
      ['555555555555', 'SUSPENDED'],
    ]);
  });

  it('gives each action its SPEC values: before null for create, error object, reason', () => {
    const { doc } = parsed();
    const [upd, crt, nop, err, skp] = doc.accounts.map((a) => a.items[0]);
    expect(upd).toEqual({
      accountId: '111111111111',
      type: 'SECURITY',
      action: 'update',
      result: 'planned',
      before: OLD,
      after: WANT,
      changedFields: ['email'],
      reason: null,
      error: null,
    });
    expect(crt).toMatchObject({
      action: 'create',
      result: 'planned',
      before: null,
      after: WANT,
      changedFields: ['name', 'title', 'email', 'phone'],
    });
    expect(nop).toMatchObject({
      action: 'noop',
      result: 'unchanged',
      before: WANT,
      after: WANT,
      changedFields: [],
    });
    expect(err).toMatchObject({
      action: 'error',
      result: 'failed',
      before: null,
      after: null,
      reason: null,
      error: { code: 'AccessDeniedException', message: 'explicit deny' },
    });
    expect(skp).toMatchObject({ action: 'skip', result: 'skipped', reason: 'suspended', error: null });
  });

  it('counts writes not made by reason, apart from the decided skips, and every item once', () => {
    const applyPlan = planOf('apply', [
      account('111111111111', 'prod', [applied(create('111111111111', WANT))]),
      account('222222222222', 'dev', [notWritten(update('222222222222', OLD, WANT), 'stale')]),
      account('333333333333', 'sandbox', [notWritten(create('333333333333', WANT), 'max-changes')]),
      account('444444444444', 'shared', [notWritten(create('444444444444', WANT), 'already-in-sync')]),
      account('555555555555', 'lab', [skip('555555555555', 'excluded')]),
    ]);
    const doc = JSON.parse(renderJson(applyPlan, clear)) as JsonDoc;
    expect(doc.summary).toEqual({
      accounts: 5,
      items: 5,
      inSync: 1,
      create: 3,
      update: 1,
      delete: 0,
      skipped: 3,
      failed: 0,
      applied: 1,
      notWritten: { stale: 1, 'already-in-sync': 1, 'max-changes': 1, interrupted: 0, 'audit-log-failed': 0 },
    });
    expect(doc.accounts.map((a) => [a.items[0]!.result, a.items[0]!.reason])).toEqual([
      ['applied', null],
      ['skipped', 'stale'],
      ['skipped', 'max-changes'],
      ['unchanged', 'already-in-sync'],
      ['skipped', 'excluded'],
    ]);
  });

  it('keeps a failed write’s error and masks before/after with --redact, leaving the plan itself untouched', () => {
    const applyPlan = planOf('apply', [
      account('111111111111', 'prod', [
        failed(update('111111111111', OLD, WANT), { code: 'ReadBackMismatch', message: 'differs' }),
      ]),
    ]);
    const redacting = testRedactor('all');
    const doc = JSON.parse(renderJson(applyPlan, redacting));
    const item = doc.accounts[0].items[0];
    expect(doc.mode).toBe('apply');
    expect(item.error).toEqual({ code: 'ReadBackMismatch', message: 'differs' });
    expect(item.before.email).toBe(testMask('email', OLD.email));
    expect(item.after.email).toBe(testMask('email', WANT.email));
    expect(item.before.email).not.toBe(item.after.email);
    expect(item.before.name).toBe(item.after.name); // same value, same mask
    expect(item.changedFields).toEqual(['email']);
    // planToJson copies: the outcome's plan still holds the real values for the exit code and the log.
    planToJson(applyPlan, redacting);
    expect(applyPlan.accounts[0]!.items[0]!.before).toEqual(OLD);
  });
});
