import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutAlternateContactCommand } from '@aws-sdk/client-account';
import { afterEach, describe, expect, it } from 'vitest';
import { reportLint } from '../../src/cli/lint-report.js';
import { main } from '../../src/cli/main.js';
import { PolicyError } from '../../src/errors.js';
import type { LintWarning } from '../../src/policy/lint.js';
import { type FakeOrgSpec, fakeAws, memoryAuditLog } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';
import { TEST_REDACT_KEY, testMask } from '../support/redact.js';
import { runEngine } from '../support/run-engine.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'enforce-lint-'));
}

function writePolicy(text: string): string {
  const file = join(tempDir(), 'contacts.yaml');
  writeFileSync(file, text);
  return file;
}

const policyWith = (email: string) => `version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: ${email}
    phone: "+44 20 7946 0958"
`;

const PLACEHOLDER = 'reserved placeholder domain: mail there reaches no one';

describe('enforce validate reports contact-quality warnings', () => {
  it('warns on stderr with file, path, message and rule, and still exits 0', async () => {
    const file = writePolicy(policyWith('security@example.com'));
    const io = captureIo();
    expect(await main(['validate', '--policy', file], io)).toBe(0);
    expect(io.err).toBe(
      `warning: ${file}:6: contacts.security.email: "security@example.com" is on a ${PLACEHOLDER} [placeholder-domain]\n`,
    );
    expect(io.out).toBe(`${file}: valid\n`);
  });

  it('with --strict rejects the policy (exit 65), naming file, path and rule', async () => {
    const file = writePolicy(policyWith('security@example.com'));
    const io = captureIo();
    expect(await main(['validate', '--policy', file, '--strict'], io)).toBe(65);
    expect(io.err).toBe(
      `error: invalid policy\n${file}:6: contacts.security.email: "security@example.com" is on a ${PLACEHOLDER} [placeholder-domain, --strict]\n`,
    );
    expect(io.out).toBe('');
  });

  it('says nothing about a value that comes from SSM, even with --strict: offline it is unknown', async () => {
    const file = writePolicy(policyWith('{ ssm: /org/example.com/security-email }'));
    for (const extra of [[], ['--strict']]) {
      const io = captureIo();
      expect(await main(['validate', '--policy', file, ...extra], io)).toBe(0);
      expect(io.err).toBe('');
      expect(io.out).toBe(
        `${file}: valid (1 value from SSM, checked at run time: /org/example.com/security-email)\n`,
      );
    }
  });

  it('is silent for a policy of team addresses on a real domain', async () => {
    const io = captureIo();
    expect(await main(['validate', '--policy', writePolicy(policyWith('security@acme.internal'))], io)).toBe(
      0,
    );
    expect(io.err).toBe('');
  });
});

describe('a run lints the policy once SSM values are known', () => {
  const MGMT = '999999999999';
  const A = '111111111111';
  const SSM_POLICY = policyWith('{ ssm: /org/contacts/security/email }');
  // A personal address on a reserved TLD: two rules fire, but only once the value is read.
  const RESOLVED = 'jane.doe@corp.test';
  const spec = (secure = false): FakeOrgSpec => ({
    managementAccountId: MGMT,
    accounts: [
      { id: MGMT, name: 'management' },
      { id: A, name: 'prod' },
    ],
    parameters: { '/org/contacts/security/email': { value: RESOLVED, secure } },
  });

  let fake: ReturnType<typeof fakeAws> | undefined;
  afterEach(() => fake?.restore());

  async function run(policyFile: string, onLint: (w: LintWarning[]) => void, secure = false) {
    fake = fakeAws(spec(secure));
    const audit = memoryAuditLog();
    const result = runEngine(
      { mode: 'apply', policyFile, redact: false, toolVersion: 't' },
      {
        clients: fake.clients,
        clock: { now: () => 0, sleep: async () => {} },
        destination: audit.destination,
        onLint,
      },
    );
    return { result, audit: audit.lines };
  }

  it('passes onLint the warnings computed from the resolved values (validate saw none)', async () => {
    const policyFile = writePolicy(SSM_POLICY);
    const offline = captureIo();
    expect(await main(['validate', '--policy', policyFile, '--strict'], offline)).toBe(0);

    const seen: LintWarning[][] = [];
    const { result } = await run(policyFile, (w) => seen.push(w));
    const outcome = await result;
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map(({ file, path, rule }) => ({ file, path, rule }))).toEqual([
      { file: policyFile, path: 'contacts.security.email', rule: 'placeholder-domain' },
      { file: policyFile, path: 'contacts.security.email', rule: 'personal-address' },
    ]);
    expect(seen[0]![0]!.message).toBe(`"${RESOLVED}" is on a ${PLACEHOLDER}`);
    // A warning does not stop the run.
    expect(outcome.plan.summary.applied).toBe(2);
  });

  it('never quotes a SecureString value in a warning', async () => {
    const seen: LintWarning[] = [];
    const { result } = await run(writePolicy(SSM_POLICY), (w) => seen.push(...w), true);
    await result;
    expect(seen.map((w) => w.rule)).toEqual(['placeholder-domain', 'personal-address']);
    for (const w of seen) {
      expect(w.message).not.toContain(RESOLVED);
      expect(w.message).not.toContain('corp.test');
      expect(w.message).toContain('the address (value from SSM SecureString)');
    }
  });

  it('when onLint throws (--strict) rejects with PolicyError before any Account API call or audit line', async () => {
    const policyFile = writePolicy(SSM_POLICY);
    const io = captureIo();
    const { result, audit } = await run(policyFile, (w) => reportLint(w, true, io));
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).message).toBe(
      [
        `${policyFile}:6: contacts.security.email: "${RESOLVED}" is on a ${PLACEHOLDER} [placeholder-domain, --strict]`,
        `${policyFile}:6: contacts.security.email: "${RESOLVED}" looks like a personal address: use a monitored distribution list so AWS still reaches the team when this person leaves [personal-address, --strict]`,
      ].join('\n'),
    );
    expect(fake!.mocks.account.calls()).toHaveLength(0);
    expect(fake!.mocks.organizations.calls()).toHaveLength(0);
    expect(audit).toEqual([]);
    expect(io.err).toBe('');
  });

  describe('through the command line', () => {
    async function cli(extra: string[]) {
      fake = fakeAws(spec());
      const dir = tempDir();
      const policyFile = join(dir, 'contacts.yaml');
      writeFileSync(policyFile, SSM_POLICY);
      const logFile = join(dir, 'audit.ndjson');
      const io = captureIo({ env: { ENFORCE_REDACT_KEY: TEST_REDACT_KEY } });
      const code = await main(['--apply', '--policy', policyFile, '--log-file', logFile, ...extra], io);
      return { code, io, policyFile, logFile };
    }

    it('--strict exits 65, writes nothing, and its audit log holds only run.start and run.end', async () => {
      const { code, io, policyFile, logFile } = await cli(['--strict']);
      expect(code).toBe(65);
      expect(io.err).toContain(
        `${policyFile}:6: contacts.security.email: "${RESOLVED}" is on a ${PLACEHOLDER} [placeholder-domain, --strict]\n`,
      );
      expect(io.err.startsWith('error: invalid policy\n')).toBe(true);
      expect(io.out).toBe('');
      expect(fake!.mocks.account.calls()).toHaveLength(0);
      // The audit log is opened before the policy is read (SPEC round 2: an unopenable log is refused
      // before any AWS call), so the refusal is itself audited: run.start, then run.end with exit 65.
      const lines = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { event: string; exitCode?: number });
      expect(lines.map((l) => l.event)).toEqual(['run.start', 'run.end']);
      expect(lines[1]).toMatchObject({ event: 'run.end', exitCode: 65 });
      expect(lines.filter((l) => l.event.startsWith('change.'))).toEqual([]);
    });

    it('without --strict warns on stderr and applies', async () => {
      const { code, io, policyFile } = await cli([]);
      expect(code).toBe(0);
      expect(io.err).toContain(
        `warning: ${policyFile}:6: contacts.security.email: "${RESOLVED}" is on a ${PLACEHOLDER} [placeholder-domain]\n`,
      );
      expect(fake!.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(2);
    });

    it('with --redact masks the address a warning quotes', async () => {
      const { code, io, policyFile } = await cli(['--redact']);
      expect(code).toBe(0);
      expect(io.err).not.toContain(RESOLVED);
      expect(io.err).toContain(
        `warning: ${policyFile}:6: contacts.security.email: ${testMask('email', RESOLVED)} is on a ${PLACEHOLDER} [placeholder-domain]\n`,
      );
      expect(io.out).not.toContain(RESOLVED);
    });
  });
});
