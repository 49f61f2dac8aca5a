import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAlternateContactCommand } from '@aws-sdk/client-account';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseInvocation } from '../../src/cli/program.js';
import { OPERATIONS, SECURITY } from '../support/builders.js';
import { fakeAws } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';

const MGMT = '999999999999';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const D = '444444444444';

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => fake?.restore());

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'enforce-kinds-cli-'));
}

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const NO_SECURITY = `version: 1
contacts:
  security: absent
`;

describe('policy errors before any AWS call', () => {
  it('validate: security absent is an error (65) unless --allow-no-security-contact', async () => {
    const file = join(dir(), 'p.yaml');
    writeFileSync(file, NO_SECURITY);
    const io = captureIo();
    expect(await main(['validate', '--policy', file], io)).toBe(65);
    expect(io.err).toContain(`${file}:3: contacts.security: deletes the Security contact`);
    expect(io.err).toContain('[no-security-contact]');
    expect(await main(['validate', '--policy', file, '--allow-no-security-contact'], captureIo())).toBe(0);
  });

  it('a run refuses it with 65 before calling AWS (run.start and run.end in the audit log)', async () => {
    fake = fakeAws({ managementAccountId: MGMT, accounts: [{ id: MGMT, name: 'm' }] });
    const d = dir();
    const file = join(d, 'p.yaml');
    writeFileSync(file, NO_SECURITY);
    const io = captureIo();
    expect(await main(['plan', '--policy', file, '--log-file', join(d, 'a.ndjson')], io)).toBe(65);
    expect(fake.mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
    expect(fake.mocks.account.commandCalls(GetAlternateContactCommand)).toHaveLength(0);
    expect(readLines(join(d, 'a.ndjson')).map((l) => l.event)).toEqual(['run.start', 'run.end']);
  });

  it('a primary phone without + is an error', async () => {
    const file = join(dir(), 'p.yaml');
    writeFileSync(file, 'version: 1\ncontacts:\n  primary:\n    phone: "555 0100"\n');
    const io = captureIo();
    expect(await main(['validate', '--policy', file], io)).toBe(65);
    expect(io.err).toContain('contacts.primary.phone: must start with +');
  });

  it('--allow-no-security-contact is a run option of every run command', () => {
    for (const argv of [['plan'], ['apply'], ['--dry-run']]) {
      const inv = parseInvocation([...argv, '--allow-no-security-contact'], { out: () => {}, err: () => {} });
      expect(inv).toMatchObject({ command: 'run', options: { allowNoSecurityContact: true } });
    }
  });
});

describe('enforce init', () => {
  const org = () =>
    fakeAws({
      managementAccountId: MGMT,
      accounts: [
        { id: MGMT, name: 'management' },
        { id: A, name: 'prod', ous: ['ou-ab12-cd34ef56'] },
        { id: B, name: 'prod-2', ous: ['ou-ab12-cd34ef56'] },
        { id: C, name: 'dev' },
        { id: D, name: 'sandbox' },
      ],
      contacts: {
        [MGMT]: { SECURITY, OPERATIONS },
        [A]: { SECURITY: { ...SECURITY, email: 'prod-security@example.com' }, OPERATIONS },
        [B]: { SECURITY: { ...SECURITY, email: 'prod-security@example.com' } },
        [C]: { SECURITY },
        [D]: { SECURITY },
      },
    });

  it('writes a policy the next dry-run finds no drift against, and audits the reads', async () => {
    fake = org();
    const d = dir();
    const policy = join(d, 'contacts.yaml');
    const log = join(d, 'audit.ndjson');
    const io = captureIo();
    expect(
      await main(['init', '--policy', policy, '--log-file', log, '--types', 'security,operations'], io),
    ).toBe(0);
    expect(io.out).toContain(`wrote ${policy}: 5 accounts`);
    const text = readFileSync(policy, 'utf8');
    expect(text).toContain('prod-security@example.com');
    expect(text).toContain('ou-ab12-cd34ef56');
    expect(text).not.toContain('billing');
    const lines = readLines(log);
    expect(lines[0]).toMatchObject({ event: 'run.start', mode: 'dry-run', callerAccountId: MGMT });
    expect(lines.at(-1)).toMatchObject({ event: 'run.end', exitCode: 0, organizationId: 'o-exampleorg1' });

    const plan = captureIo();
    const code = await main(['plan', '--policy', policy, '--log-file', log, '--detailed-exitcode'], plan);
    expect(plan.err).not.toContain('error');
    expect(plan.out).toContain('No drift');
    expect(code).toBe(0);
  });

  it('refuses to overwrite an existing file without --force (64), before any AWS call', async () => {
    fake = org();
    const policy = join(dir(), 'contacts.yaml');
    writeFileSync(policy, 'keep me');
    const io = captureIo();
    expect(await main(['init', '--policy', policy, '--log-file', join(dir(), 'a.ndjson')], io)).toBe(64);
    expect(io.err).toContain('already exists: pass --force');
    expect(readFileSync(policy, 'utf8')).toBe('keep me');
    expect(fake.mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
    expect(
      await main(['init', '--policy', policy, '--force', '--log-file', join(dir(), 'a.ndjson')], captureIo()),
    ).toBe(0);
    expect(readFileSync(policy, 'utf8')).toContain('version: 1');
  });

  it('rejects an unknown --types name (64)', async () => {
    const io = captureIo();
    expect(await main(['init', '--types', 'security,pager'], io)).toBe(64);
    expect(io.err).toContain('unknown type pager');
  });
});
