import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAlternateContactCommand, PutAlternateContactCommand } from '@aws-sdk/client-account';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { SECURITY } from '../support/builders.js';
import { type FakeOrgSpec, fakeAws } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';

/** `enforce explain` through main(): the clients it creates are answered by the in-memory organization. */
const MGMT = '999999999999';
const PAYMENTS = '111111111111';
const EXEMPT = '222222222222';

const POLICY = `version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: security@example.com
    phone: "+1-555-0142"
scope:
  exclude:
    tags: { contact-policy: exempt }
overrides:
  - match: { ous: [ou-ab12-payments1] }
    contacts:
      security: { email: payments-security@example.com }
`;

const spec: FakeOrgSpec = {
  managementAccountId: MGMT,
  accounts: [
    { id: MGMT, name: 'management' },
    { id: PAYMENTS, name: 'payments-prod', ous: ['ou-ab12-workload', 'ou-ab12-payments1'] },
    { id: EXEMPT, name: 'lab', tags: { 'contact-policy': 'exempt' } },
  ],
  contacts: { [PAYMENTS]: { SECURITY: { ...SECURITY, email: 'old-team@example.com' } } },
  ouNames: { 'ou-ab12-workload': 'Workloads', 'ou-ab12-payments1': 'Payments' },
};

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => fake?.restore());

async function explain(accountId: string, extra: string[] = []) {
  fake = fakeAws(spec);
  const dir = mkdtempSync(join(tmpdir(), 'enforce-explain-'));
  const policy = join(dir, 'contacts.yaml');
  writeFileSync(policy, POLICY);
  const io = captureIo();
  const code = await main(['explain', accountId, '--policy', policy, ...extra], io);
  return { code, out: io.out, err: io.err };
}

describe('enforce explain', () => {
  it('names the layer that decided each field and compares with the current value, writing nothing', async () => {
    const { code, out, err } = await explain(PAYMENTS);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`Account ${PAYMENTS} (payments-prod) — ACTIVE`);
    expect(out).toContain('  OUs:  Workloads (ou-ab12-workload) / Payments (ou-ab12-payments1)');
    expect(out).toContain('  Decision: managed');
    expect(out).toContain('security contact: would be updated (email)');
    expect(out).toMatch(
      /email {2}desired "payments-security@example\.com" {2}from overrides\.0 \(matched OU ou-ab12-payments1\)/,
    );
    expect(out).toMatch(/current "old-team@example\.com" {2}differs/);
    expect(out).toMatch(/name {3}desired "Security Operations" {2}from contacts\.security/);
    expect(fake!.mocks.account.commandCalls(GetAlternateContactCommand)[0]?.args[0].input).toEqual({
      AlternateContactType: 'SECURITY',
      AccountId: PAYMENTS,
    });
    expect(fake!.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(0);
  });

  it('says which exclusion skips an account', async () => {
    const { code, out } = await explain(EXEMPT);
    expect(code).toBe(0);
    expect(out).toContain('  tags: contact-policy=exempt');
    expect(out).toContain(
      '  Decision: skipped: excluded by scope.exclude (matched tags contact-policy=exempt)',
    );
  });

  it('reads the management account without AccountId and masks values with --redact', async () => {
    const { code, out } = await explain(MGMT, ['--redact']);
    expect(code).toBe(0);
    expect(out).toContain('security contact: none set — would be created');
    expect(out).not.toContain('security@example.com');
    expect(out).toMatch(/desired "\[redacted:[0-9a-f]{8}\]"/);
    expect(fake!.mocks.account.commandCalls(GetAlternateContactCommand)[0]?.args[0].input).toEqual({
      AlternateContactType: 'SECURITY',
    });
  });

  it('exits 3 for an account that is not in the organization, saying which organization, reading nothing', async () => {
    const { code, out, err } = await explain('333333333333');
    expect(code).toBe(3);
    expect(err).toBe('error: 333333333333 is not an account of organization o-exampleorg1\n');
    expect(out).toBe('');
    expect(fake!.mocks.account.commandCalls(GetAlternateContactCommand)).toHaveLength(0);
  });

  it('shows OU names next to their ids', async () => {
    const { out } = await explain(PAYMENTS);
    expect(out).toContain('  OUs:  Workloads (ou-ab12-workload) / Payments (ou-ab12-payments1)\n');
  });

  it('--output json prints the documented shape, with OU names and masked values under --redact', async () => {
    const { code, out, err } = await explain(PAYMENTS, ['--output', 'json', '--redact']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({
      version: 1,
      account: {
        id: PAYMENTS,
        name: 'payments-prod',
        state: 'ACTIVE',
        ous: [
          { id: 'ou-ab12-workload', name: 'Workloads' },
          { id: 'ou-ab12-payments1', name: 'Payments' },
        ],
        tags: {},
      },
      decision: { managed: true },
      contacts: [
        {
          type: 'SECURITY',
          policyKey: 'security',
          verdict: 'would-update',
          changedFields: ['email'],
          error: null,
        },
      ],
    });
    const email = doc.contacts[0].fields.find((f: { field: string }) => f.field === 'email');
    expect(email).toMatchObject({ source: 'overrides.0', matched: 'OU ou-ab12-payments1', inSync: false });
    expect(email.desired).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    expect(out).not.toContain('@example.com');
  });

  it('colours the text view on a terminal, and not with --no-color or into a pipe', async () => {
    fake = fakeAws(spec);
    const dir = mkdtempSync(join(tmpdir(), 'enforce-explain-'));
    const policy = join(dir, 'contacts.yaml');
    writeFileSync(policy, POLICY);
    const tty = captureIo({ stdoutIsTTY: true });
    expect(await main(['explain', PAYMENTS, '--policy', policy], tty)).toBe(0);
    expect(tty.out).toContain('\x1b[33mwould be updated (email)\x1b[39m');
    expect(tty.out).toContain('\x1b[1msecurity contact\x1b[22m');

    for (const [io, argv] of [
      [captureIo({ stdoutIsTTY: true }), ['--no-color']],
      [captureIo({ stdoutIsTTY: true, env: { NO_COLOR: '1' } }), []],
      [captureIo({ stdoutIsTTY: false }), []],
    ] as const) {
      expect(await main(['explain', PAYMENTS, '--policy', policy, ...argv], io)).toBe(0);
      expect(io.out).toContain('would be updated (email)');
      expect(io.out).not.toContain('\x1b');
    }
  });
});
