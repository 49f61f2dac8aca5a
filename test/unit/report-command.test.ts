import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutAlternateContactCommand } from '@aws-sdk/client-account';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Contact } from '../../src/core/types.js';
import { CSV_COLUMNS } from '../../src/report/csv.js';
import { serialiseSnapshot, snapshotFromObservation } from '../../src/state/snapshot.js';
import { parseAudit } from '../support/audit.js';
import { type FakeOrgSpec, fakeAws } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';
import { WANT } from '../support/plans.js';

/**
 * `enforce report` through main(), against the in-memory organization (aws-sdk-client-mock patches the
 * client classes runCommand creates). Each status of the issue appears once: compliant, drift, missing,
 * skipped (suspended) and, where asked, error (reads denied by an SCP).
 */
const MGMT = '999999999999';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const D = '444444444444';
const E = '555555555555';

const OLD: Contact = {
  name: 'Former Owner',
  title: 'Former Head of Cloud',
  email: 'former.owner@example.com',
  phone: '+1-555-0199',
};

const POLICY = `version: 1
contacts:
  security:
    name: ${WANT.name}
    title: ${WANT.title}
    email: ${WANT.email}
    phone: "${WANT.phone}"
`;

function spec(extra: Partial<FakeOrgSpec> = {}): FakeOrgSpec {
  return {
    managementAccountId: MGMT,
    accounts: [
      { id: MGMT, name: 'management', ous: [] },
      { id: A, name: 'prod', ous: ['ou-work', 'ou-prod'] },
      { id: B, name: 'dev', ous: ['ou-work'] },
      { id: C, name: 'sandbox', ous: ['ou-sbx'] },
      { id: D, name: 'retired', state: 'SUSPENDED', ous: ['ou-sbx'] },
    ],
    ouNames: { 'ou-work': 'Workloads', 'ou-prod': 'Prod', 'ou-sbx': 'Sandbox' },
    contacts: { [MGMT]: { SECURITY: WANT }, [A]: { SECURITY: WANT }, [B]: { SECURITY: OLD } },
    ...extra,
  };
}

const EXPECTED = new Map([
  [MGMT, 'compliant'],
  [A, 'compliant'],
  [B, 'drift'],
  [C, 'missing'],
  [D, 'skipped'],
]);

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => {
  fake?.restore();
  fake = undefined;
});

function setup(policyText = POLICY) {
  const dir = mkdtempSync(join(tmpdir(), 'enforce-report-cmd-'));
  const policy = join(dir, 'contacts.yaml');
  writeFileSync(policy, policyText);
  return { dir, policy, log: join(dir, 'audit.ndjson') };
}

async function report(argv: string[], files: ReturnType<typeof setup>, env: Record<string, string> = {}) {
  const io = captureIo({ env });
  const code = await main(
    ['report', '--policy', files.policy, '--log-file', files.log, '--no-progress', ...argv],
    io,
  );
  return { code, io };
}

/** CSV rows as objects; RFC 4180 quoting undone (the values here hold no line breaks). */
function parseCsv(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trimEnd().split('\r\n');
  expect(header).toBe(CSV_COLUMNS.join(','));
  return lines.map((line) => {
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.slice(0, CSV_COLUMNS.length);
    const values = cells.map((c) =>
      c
        .replace(/,$/, '')
        .replace(/^"(.*)"$/, '$1')
        .replaceAll('""', '"'),
    );
    return Object.fromEntries(CSV_COLUMNS.map((column, i) => [column, values[i] ?? '']));
  });
}

const awsCalls = () => Object.values(fake!.mocks).reduce((n, mock) => n + mock.calls().length, 0);

describe('enforce report (a dry-run whose output is the report)', () => {
  it('--format csv: one row per account × type, statuses, OU names, read times, controls; exit 0', async () => {
    fake = fakeAws(spec());
    const files = setup();
    const before = Date.now();
    const { code, io } = await report(['--format', 'csv'], files);
    // (stderr has the lint warning about the 555-01xx phone number of the test data)
    expect(io.err).not.toContain('error');
    expect(code).toBe(0);
    const rows = parseCsv(io.out);
    expect(new Map(rows.map((r) => [r.accountId, r.status]))).toEqual(EXPECTED);
    const byId = new Map(rows.map((r) => [r.accountId!, r]));
    expect(byId.get(A)).toMatchObject({
      accountName: 'prod',
      ouPath: 'Workloads/Prod',
      type: 'SECURITY',
      controls: 'CIS-1.2;SecurityHub-Account.1',
      contactEmail: WANT.email,
    });
    expect(byId.get(MGMT)!.ouPath).toBe('');
    expect(byId.get(B)).toMatchObject({ changedFields: 'name;title;email;phone', contactEmail: OLD.email });
    expect(byId.get(D)).toMatchObject({ reason: 'suspended', readAt: '', state: 'SUSPENDED' });
    for (const id of [MGMT, A, B, C]) {
      const at = Date.parse(byId.get(id)!.readAt!);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
    }
    const sha = rows[0]!.policySha256;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.every((r) => r.policySha256 === sha)).toBe(true);
    expect(fake.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(0);
  });

  it('audits like a dry-run: run.start says report, run.end carries the controls and the exit code', async () => {
    fake = fakeAws(spec());
    const files = setup();
    const { code } = await report(['--format', 'ocsf'], files);
    expect(code).toBe(0);
    const lines = parseAudit(readFileSync(files.log, 'utf8'));
    const start = lines.find((l) => l.event === 'run.start')!;
    expect(start).toMatchObject({ mode: 'dry-run', report: { format: 'ocsf' } });
    const end = lines.at(-1)!;
    expect(end).toMatchObject({
      event: 'run.end',
      exitCode: 0,
      controls: { SECURITY: ['CIS-1.2', 'SecurityHub-Account.1'] },
    });
    expect(lines.filter((l) => String(l.event).startsWith('change.'))).toEqual([]);
  });

  it('--format ocsf: one Compliance Finding per row, its status from the row', async () => {
    fake = fakeAws(spec());
    const { code, io } = await report(['--format', 'ocsf'], setup());
    expect(code).toBe(0);
    const events = io.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(EXPECTED.size);
    const statusOf = new Map(events.map((e) => [e.resources[0].uid, e.compliance.status]));
    expect(statusOf).toEqual(
      new Map([
        [MGMT, 'Pass'],
        [A, 'Pass'],
        [B, 'Fail'],
        [C, 'Fail'],
        [D, 'Skipped'],
      ]),
    );
    expect(events.every((e) => e.class_uid === 2003)).toBe(true);
    expect(events[0].compliance.control).toBe('CIS-1.2;SecurityHub-Account.1');
  });

  it('--format html --out FILE: the file whole, nothing on stdout, one line on stderr', async () => {
    fake = fakeAws(spec());
    const files = setup();
    const out = join(files.dir, 'report.html');
    const { code, io } = await report(['--format', 'html', '--out', out], files);
    expect(code).toBe(0);
    expect(io.out).toBe('');
    expect(io.err).toMatch(new RegExp(`\n?wrote the html report \\(5 rows\\) to ${out}\n$`));
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('2 of 5 accounts have a Security contact equal to the policy');
    expect(html).toContain('Workloads/Prod');
  });

  it('--redact: contact values are masked in the report', async () => {
    fake = fakeAws(spec());
    const { code, io } = await report(['--format', 'csv', '--redact'], setup());
    expect(code).toBe(0);
    expect(io.out).not.toContain(WANT.email);
    expect(io.out).not.toContain(OLD.email);
    const rows = parseCsv(io.out);
    expect(rows.find((r) => r.accountId === A)!.contactEmail).toMatch(/^\[redacted:[0-9a-f]+\]$/);
  });

  it('exits 1 naming the unreadable contacts, and still reports them as error', async () => {
    fake = fakeAws(spec({ accounts: [...spec().accounts, { id: E, name: 'locked' }], deniedAccounts: [E] }));
    const files = setup();
    const { code, io } = await report(['--format', 'csv'], files);
    expect(code).toBe(1);
    expect(io.err).toContain('error: 1 contact failed');
    const row = parseCsv(io.out).find((r) => r.accountId === E)!;
    expect(row.status).toBe('error');
    expect(row.reason).toMatch(/^AccessDeniedException: /);
    expect(parseAudit(readFileSync(files.log, 'utf8')).at(-1)).toMatchObject({
      event: 'run.end',
      exitCode: 1,
    });
  });

  it('refuses an --out whose directory does not exist before any AWS call (exit 64)', async () => {
    fake = fakeAws(spec());
    const files = setup();
    const { code, io } = await report(['--format', 'csv', '--out', join(files.dir, 'no', 'r.csv')], files);
    expect(code).toBe(64);
    expect(io.err).toMatch(/^error: --out .*does not exist\n$/);
    expect(awsCalls()).toBe(0);
  });

  it('needs --format, and only csv, ocsf or html (exit 64)', async () => {
    const files = setup();
    expect((await report([], files)).code).toBe(64);
    const { code, io } = await report(['--format', 'pdf'], files);
    expect(code).toBe(64);
    expect(io.err).toContain('csv, ocsf, html');
  });
});

describe('enforce report --from FILE (no AWS call)', () => {
  it('a saved plan: the same statuses as the live report, the plan’s run and policy', async () => {
    fake = fakeAws(spec());
    const files = setup();
    const planFile = join(files.dir, 'plan.json');
    const io = captureIo();
    expect(
      await main(['plan', '--policy', files.policy, '--log-file', files.log, '--plan-out', planFile], io),
    ).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    fake.restore();
    fake = fakeAws(spec());
    const logBefore = readFileSync(files.log, 'utf8');

    const { code, io: out } = await report(['--format', 'csv', '--from', planFile], files);
    expect(out.err).toBe('');
    expect(code).toBe(0);
    expect(awsCalls()).toBe(0);
    expect(readFileSync(files.log, 'utf8')).toBe(logBefore);
    const rows = parseCsv(out.out);
    expect(new Map(rows.map((r) => [r.accountId, r.status]))).toEqual(EXPECTED);
    expect(rows.every((r) => r.policySha256 === plan.policy.sha256)).toBe(true);
    // A plan records when it was made, not when each contact was read.
    expect(rows.find((r) => r.accountId === A)!.readAt).toBe(plan.createdAt);
    expect(rows.find((r) => r.accountId === A)!.ouPath).toBe('');
  });

  it('a saved plan with --redact, --accounts and --out', async () => {
    fake = fakeAws(spec());
    const files = setup();
    const planFile = join(files.dir, 'plan.json');
    await main(
      ['plan', '--policy', files.policy, '--log-file', files.log, '--plan-out', planFile],
      captureIo(),
    );
    const out = join(files.dir, 'r.csv');
    const { code } = await report(
      ['--format', 'csv', '--from', planFile, '--redact=email', '--accounts', `${A},${B}`, '--out', out],
      files,
    );
    expect(code).toBe(0);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows.map((r) => r.accountId)).toEqual([A, B]);
    expect(rows[0]!.contactEmail).toMatch(/^\[redacted:/);
    expect(rows[0]!.contactName).toBe(WANT.name);
  });

  function snapshotFile(dir: string, valueKey?: string): string {
    const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, s));
    const snapshot = snapshotFromObservation({
      observedAt: at(0),
      toolVersion: '0.1.0',
      organization: { id: 'o-exampleorg1', managementAccountId: MGMT },
      ...(valueKey === undefined ? {} : { valueKey }),
      accounts: [
        {
          id: A,
          name: 'prod',
          state: 'ACTIVE',
          ouNames: ['Workloads', 'Prod'],
          contacts: { SECURITY: { observed: { kind: 'present', contact: WANT }, readAt: at(1) } },
        },
        {
          id: B,
          name: 'dev',
          state: 'ACTIVE',
          contacts: {
            SECURITY: {
              observed: { kind: 'present', contact: { ...WANT, email: OLD.email } },
              readAt: at(2),
            },
          },
        },
        {
          id: C,
          name: 'sandbox',
          state: 'ACTIVE',
          contacts: { SECURITY: { observed: { kind: 'missing' }, readAt: at(3) } },
        },
        { id: D, name: 'retired', state: 'SUSPENDED', contacts: {} },
        {
          id: E,
          name: 'locked',
          state: 'ACTIVE',
          contacts: {
            SECURITY: {
              observed: { kind: 'error', error: { code: 'AccessDeniedException', message: 'denied' } },
              readAt: at(4),
            },
          },
        },
        { id: MGMT, name: 'management', state: 'ACTIVE', contacts: {} },
      ],
    });
    const file = join(dir, 'state.json');
    writeFileSync(file, serialiseSnapshot(snapshot));
    return file;
  }

  const SNAPSHOT_STATUSES = new Map([
    [MGMT, 'skipped'],
    [A, 'compliant'],
    [B, 'drift'],
    [C, 'missing'],
    [D, 'skipped'],
    [E, 'error'],
  ]);

  it('a snapshot: planned against the policy, read times and OU names as stored', async () => {
    fake = fakeAws(spec());
    const files = setup();
    const { code, io } = await report(['--format', 'csv', '--from', snapshotFile(files.dir)], files);
    expect(awsCalls()).toBe(0);
    // The snapshot holds an unreadable contact: reported, and the exit code says so.
    expect(code).toBe(1);
    expect(io.err).toBe('error: 1 contact could not be read (status error in the report)\n');
    const rows = parseCsv(io.out);
    expect(new Map(rows.map((r) => [r.accountId, r.status]))).toEqual(SNAPSHOT_STATUSES);
    const byId = new Map(rows.map((r) => [r.accountId!, r]));
    expect(byId.get(A)).toMatchObject({ readAt: '2026-03-01T10:00:01.000Z', ouPath: 'Workloads/Prod' });
    expect(byId.get(B)).toMatchObject({ changedFields: 'email', readAt: '2026-03-01T10:00:02.000Z' });
    expect(byId.get(MGMT)!.reason).toBe('not-read');
    expect(byId.get(E)!.reason).toBe('AccessDeniedException: denied');
    expect(byId.get(A)!.policySha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a hashed snapshot: compared with ENFORCE_REDACT_KEY, differing values shown as masks', async () => {
    fake = fakeAws(spec());
    const files = setup();
    const key = 'k'.repeat(40);
    const file = snapshotFile(files.dir, key);
    const { io } = await report(['--format', 'csv', '--from', file], files, { ENFORCE_REDACT_KEY: key });
    const rows = parseCsv(io.out);
    expect(new Map(rows.map((r) => [r.accountId, r.status]))).toEqual(SNAPSHOT_STATUSES);
    const b = rows.find((r) => r.accountId === B)!;
    expect(b.contactName).toBe(WANT.name);
    expect(b.contactEmail).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);

    const without = await report(['--format', 'csv', '--from', file], files);
    expect(without.code).toBe(1);
    expect(without.io.err).toContain('set ENFORCE_REDACT_KEY');
    expect(without.io.out).toBe('');
  });

  it('a file that is neither: one error naming it (exit 1)', async () => {
    const files = setup();
    const bad = join(files.dir, 'x.json');
    writeFileSync(bad, '{"hello":1}');
    const { code, io } = await report(['--format', 'csv', '--from', bad], files);
    expect(code).toBe(1);
    expect(io.err).toMatch(/^error: .*x\.json is not an enforce plan/);
    const missing = await report(['--format', 'csv', '--from', join(files.dir, 'nope.json')], files);
    expect(missing.code).toBe(64);
    expect(missing.io.err).toContain('cannot read the file');
  });
});
