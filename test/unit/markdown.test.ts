import { describe, expect, it } from 'vitest';
import type { Contact } from '../../src/core/types.js';
import { summaryLine } from '../../src/render/breakdown.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { escapeMarkdown } from '../../src/render/markdown-escape.js';
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

const OLD: Contact = {
  name: 'Dana Whitfield',
  title: 'Cloud Lead',
  email: 'dana.whitfield@acme.internal',
  phone: '+1-555-0999',
};

/** dry-run: an update, a create, a no-op, a read error and a suspended account. */
function dryRunPlan() {
  return planOf('dry-run', [
    account('555555555555', 'closed', [skip('555555555555', 'suspended')], 'SUSPENDED'),
    account('111111111111', 'prod | payments', [update('111111111111', { ...WANT, email: OLD.email }, WANT)]),
    account('222222222222', 'dev', [create('222222222222', WANT)]),
    account('333333333333', 'sandbox', [noop('333333333333', WANT)]),
    account('444444444444', 'locked', [
      readError('444444444444', { code: 'AccessDeniedException', message: 'explicit deny | by SCP\nsecond' }),
    ]),
  ]);
}

const lines = (markdown: string) => markdown.split('\n');

describe('renderMarkdown', () => {
  it('renders the title, summary line and counts table', () => {
    const md = renderMarkdown(dryRunPlan(), clear);
    // The organization id comes from AWS and the summary line is escaped whole: inert, reads the same.
    expect(lines(md).slice(0, 8)).toEqual([
      '## enforce dry-run: alternate contacts of o\\-exampleorg1',
      '',
      '**Plan\\: 1 to create\\, 1 to update\\, 1 in sync\\, 1 skipped\\, 1 failed \\(5 contacts in 5 accounts\\)\\.**',
      '',
      '| contacts | accounts | to create | to update | in sync | skipped | failed | applied | not written |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      '| 5 | 5 | 1 | 1 | 1 | 1 | 1 | 0 | 0 |',
      '',
    ]);
  });

  it('lists drift in account order: update shows `field: old → new`, create shows every field', () => {
    const md = renderMarkdown(dryRunPlan(), clear);
    const start = lines(md).indexOf('### Drift');
    expect(start).toBeGreaterThan(0);
    expect(lines(md).slice(start, start + 6)).toEqual([
      '### Drift',
      '',
      '| account | type | action | result | changes |',
      '|---|---|---|---|---|',
      '| 111111111111 \\(prod \\| payments\\) | SECURITY | update | planned | email: dana\\.whitfield@&#8203;acme\\.internal → security@&#8203;acme\\.internal |',
      '| 222222222222 \\(dev\\) | SECURITY | create | planned | name: Security Operations<br>title: Security Team<br>email: security@&#8203;acme\\.internal<br>phone: \\+1\\-555\\-0142 |',
    ]);
    // No-ops, skips and read errors are not drift.
    expect(md).not.toMatch(/\| 333333333333/);
    expect(md).not.toMatch(/\| 555555555555/);
    expect(md).not.toContain('No drift');
  });

  it('lists every changed field of an update, and only those', () => {
    const plan = planOf('dry-run', [account('111111111111', 'prod', [update('111111111111', OLD, WANT)])]);
    expect(renderMarkdown(plan, clear)).toContain(
      '| 111111111111 \\(prod\\) | SECURITY | update | planned | name: Dana Whitfield → Security Operations<br>title: Cloud Lead → Security Team<br>email: dana\\.whitfield@&#8203;acme\\.internal → security@&#8203;acme\\.internal<br>phone: \\+1\\-555\\-0999 → \\+1\\-555\\-0142 |',
    );
    const phoneOnly = planOf('dry-run', [
      account('111111111111', 'prod', [update('111111111111', { ...WANT, phone: '+1-555-0000' }, WANT)]),
    ]);
    expect(renderMarkdown(phoneOnly, clear)).toContain(
      '| planned | phone: \\+1\\-555\\-0000 → \\+1\\-555\\-0142 |',
    );
  });

  it('lists failures with the error code and message, escaping pipes and newlines', () => {
    const md = renderMarkdown(dryRunPlan(), clear);
    const start = lines(md).indexOf('### Failures');
    expect(start).toBeGreaterThan(0);
    expect(lines(md).slice(start)).toEqual([
      '### Failures',
      '',
      '| account | type | error |',
      '|---|---|---|',
      '| 444444444444 \\(locked\\) | SECURITY | AccessDeniedException\\: explicit deny \\| by SCP second |',
      '',
      '### Not managed (1 contact)',
      '',
      '- 1 contact in 1 account: account is SUSPENDED',
      '',
      '',
    ]);
  });

  it('in apply mode shows results, failed writes and stale items, and the apply summary', () => {
    const plan = planOf('apply', [
      account('111111111111', 'prod', [applied(update('111111111111', { ...WANT, email: OLD.email }, WANT))]),
      account('222222222222', 'dev', [
        failed(create('222222222222', WANT), {
          code: 'AccessDeniedException',
          message: 'explicit deny on PutAlternateContact',
        }),
      ]),
      account('333333333333', 'sandbox', [notWritten(create('333333333333', WANT), 'stale')]),
    ]);
    const md = renderMarkdown(plan, clear);
    expect(md.startsWith('## enforce apply: alternate contacts of o\\-exampleorg1\n')).toBe(true);
    expect(md).toContain(
      '**Apply\\: 1 applied\\, 1 not written\\, 0 in sync\\, 0 skipped\\, 1 failed \\(3 contacts in 3 accounts\\)\\.**',
    );
    expect(md).toContain('| 111111111111 \\(prod\\) | SECURITY | update | applied | email: ');
    expect(md).toContain('| 222222222222 \\(dev\\) | SECURITY | create | failed | name: ');
    expect(md).toContain('| 333333333333 \\(sandbox\\) | SECURITY | create | skipped | name: ');
    // Failures are writes that failed; a stale item was not written, and is listed with its reason.
    const failures = lines(md).slice(lines(md).indexOf('### Failures'));
    expect(failures.slice(0, 6)).toEqual([
      '### Failures',
      '',
      '| account | type | error |',
      '|---|---|---|',
      '| 222222222222 \\(dev\\) | SECURITY | AccessDeniedException\\: explicit deny on PutAlternateContact |',
      '',
    ]);
    const notWrittenAt = lines(md).indexOf('### Not written (1 contact)');
    expect(notWrittenAt).toBeGreaterThan(lines(md).indexOf('### Failures'));
    expect(lines(md).slice(notWrittenAt)).toEqual([
      '### Not written (1 contact)',
      '',
      '- 1 contact in 1 account: the account changed since the plan was made \\(stale\\)',
      '',
      '| account | type | reason |',
      '|---|---|---|',
      '| 333333333333 \\(sandbox\\) | SECURITY | the account changed since the plan was made \\(stale\\) |',
      '',
      '',
    ]);
  });

  it('has a counts table that agrees with the summary line above it (issue 9: counts that add up)', () => {
    // An apply with one of each: applied, failed, stale, max-changes, already in sync, a decided skip.
    const plan = planOf('apply', [
      account('111111111111', 'prod', [applied(create('111111111111', WANT))]),
      account('222222222222', 'dev', [
        failed(create('222222222222', WANT), { code: 'AccessDeniedException', message: 'explicit deny' }),
      ]),
      account('333333333333', 'sandbox', [notWritten(update('333333333333', OLD, WANT), 'stale')]),
      account('444444444444', 'staging', [notWritten(create('444444444444', WANT), 'max-changes')]),
      account('555555555555', 'shared', [notWritten(create('555555555555', WANT), 'already-in-sync')]),
      account('666666666666', 'lab', [skip('666666666666', 'excluded')]),
    ]);
    const said = new Map(
      [
        ...summaryLine(plan).matchAll(
          /(\d+) (applied|not written|in sync|skipped|failed|contacts|accounts)/g,
        ),
      ].map((m) => [m[2]!, Number(m[1])]),
    );
    expect(Object.fromEntries(said)).toEqual({
      applied: 1,
      'not written': 2,
      'in sync': 1,
      skipped: 1,
      failed: 1,
      contacts: 6,
      accounts: 6,
    });
    const md = lines(renderMarkdown(plan, clear));
    const header = md.findIndex((l) => l.startsWith('| contacts |'));
    const cells = (line: string) =>
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
    const table = new Map(cells(md[header]!).map((name, i) => [name, Number(cells(md[header + 2]!)[i])]));
    // Every column the summary line also counts holds the same number.
    for (const [name, n] of said)
      if (table.has(name)) expect({ [name]: table.get(name) }).toEqual({ [name]: n });
  });

  it('has section totals that agree with the summary line (issue 9: counts that add up)', () => {
    const plan = planOf('apply', [
      account('111111111111', 'prod', [notWritten(update('111111111111', OLD, WANT), 'stale')]),
      account('222222222222', 'shared', [notWritten(create('222222222222', WANT), 'already-in-sync')]),
      account('333333333333', 'lab', [skip('333333333333', 'excluded')]),
    ]);
    const md = lines(renderMarkdown(plan, clear));
    expect(md).toContain(
      '**Apply\\: 0 applied\\, 1 not written\\, 1 in sync\\, 1 skipped\\, 0 failed \\(3 contacts in 3 accounts\\)\\.**',
    );
    expect(md).toContain('### Not managed (1 contact)');
    // The already-in-sync item is in sync (summary line), not a write that was not made.
    expect(md).toContain('### Not written (1 contact)');
  });

  it('lists writes that were not made, with the reason (max-changes, interrupted)', () => {
    const plan = planOf('apply', [
      account('111111111111', 'prod', [notWritten(create('111111111111', WANT), 'max-changes')]),
      account('222222222222', 'dev', [notWritten(create('222222222222', WANT), 'interrupted')]),
    ]);
    const md = lines(renderMarkdown(plan, clear));
    expect(md).not.toContain('### Failures');
    const start = md.indexOf('### Not written (2 contacts)');
    expect(start).toBeGreaterThan(0);
    expect(md.slice(start)).toEqual([
      '### Not written (2 contacts)',
      '',
      '- 1 contact in 1 account: not written\\: the plan exceeds max\\-changes',
      '- 1 contact in 1 account: not written\\: the run was interrupted',
      '',
      '| account | type | reason |',
      '|---|---|---|',
      '| 111111111111 \\(prod\\) | SECURITY | not written\\: the plan exceeds max\\-changes |',
      '| 222222222222 \\(dev\\) | SECURITY | not written\\: the run was interrupted |',
      '',
      '',
    ]);
  });

  it('says "No drift" and has no drift or failure table when everything is in sync', () => {
    const plan = planOf('dry-run', [
      account('111111111111', 'prod', [noop('111111111111', WANT)]),
      account('222222222222', 'lab', [skip('222222222222', 'excluded')]),
    ]);
    const md = renderMarkdown(plan, clear);
    expect(lines(md)).toContain('No drift: every managed contact matches the policy.');
    expect(md).not.toContain('### Drift');
    expect(md).not.toContain('### Failures');
    expect(md).toContain(
      '**Plan\\: 0 to create\\, 0 to update\\, 1 in sync\\, 1 skipped\\, 0 failed \\(2 contacts in 2 accounts\\)\\.**',
    );
    expect(lines(md)).toContain('### Not managed (1 contact)');
    expect(lines(md)).toContain('- 1 contact in 1 account: excluded by scope\\.exclude');
  });

  it('escapes a pipe inside a contact value so the table keeps its columns', () => {
    const piped = { ...WANT, title: 'Security | Ops' };
    const plan = planOf('dry-run', [account('111111111111', 'prod', [update('111111111111', WANT, piped)])]);
    const row = lines(renderMarkdown(plan, clear)).find((l) => l.startsWith('| 111111111111'))!;
    expect(row).toBe(
      '| 111111111111 \\(prod\\) | SECURITY | update | planned | title: Security Team → Security \\| Ops |',
    );
    // Six unescaped pipes: five columns.
    expect(row.split(/(?<!\\)\|/)).toHaveLength(7);
  });

  it('with --redact shows no contact value, only masks that still tell values apart', () => {
    const redacting = testRedactor('all');
    const plan = planOf('dry-run', [
      account('111111111111', 'prod', [update('111111111111', OLD, WANT)]),
      account('222222222222', 'dev', [create('222222222222', WANT)]),
    ]);
    const md = renderMarkdown(plan, redacting);
    // Escaping alone would hide most values from a plain search: look for them escaped too.
    for (const value of [...Object.values(WANT), ...Object.values(OLD)]) {
      expect(md).not.toContain(value);
      expect(md).not.toContain(escapeMarkdown(value));
    }
    const mask = (value: string) => escapeMarkdown(testMask('email', value));
    expect(md).toContain(`email: ${mask(OLD.email)} → ${mask(WANT.email)}`);
    expect(testMask('email', OLD.email)).not.toBe(testMask('email', WANT.email));
    const create222 = lines(md).find((l) => l.startsWith('| 222222222222'))!;
    expect(create222).toMatch(
      /\| name: \\\[redacted\\:[0-9a-f]{8}\\\]<br>title: \\\[redacted\\:[0-9a-f]{8}\\\]<br>email: \\\[redacted\\:[0-9a-f]{8}\\\]<br>phone: \\\[redacted\\:[0-9a-f]{8}\\\] \|$/,
    );
  });
});
