import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Contact } from '../../src/core/types.js';
import { escapeMarkdown } from '../../src/render/markdown-escape.js';
import { type FakeOrgSpec, fakeAws } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';
import { WANT } from '../support/plans.js';

/**
 * `$GITHUB_STEP_SUMMARY` through main(): aws-sdk-client-mock patches the SDK client classes, so the clients
 * runCommand creates for itself are answered by the in-memory organization (no network, no credentials).
 */
const MGMT = '999999999999';
const A = '111111111111';
const B = '222222222222';

const CURRENT: Contact = {
  name: 'Rosalind Featherstonehaugh',
  title: 'Former Head of Cloud',
  email: 'rosalind.f@acme.internal',
  phone: '+44 20 7946 0958',
};

const POLICY = `version: 1
contacts:
  security:
    name: ${WANT.name}
    title: ${WANT.title}
    email: ${WANT.email}
    phone: "${WANT.phone}"
`;

const spec: FakeOrgSpec = {
  managementAccountId: MGMT,
  accounts: [
    { id: MGMT, name: 'management' },
    { id: A, name: 'prod' },
    { id: B, name: 'dev' },
  ],
  contacts: { [A]: { SECURITY: CURRENT }, [B]: { SECURITY: WANT } },
};

const EXISTING = '# Earlier step\n\nsome text an earlier step wrote\n';

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => fake?.restore());

async function run(argv: string[], env: Record<string, string> = {}) {
  fake = fakeAws(spec);
  const dir = mkdtempSync(join(tmpdir(), 'enforce-summary-'));
  const policy = join(dir, 'contacts.yaml');
  writeFileSync(policy, POLICY);
  const summary = join(dir, 'step-summary.md');
  writeFileSync(summary, EXISTING);
  const io = captureIo({ env: { GITHUB_STEP_SUMMARY: summary, ...env } });
  const code = await main(['--policy', policy, '--log-file', join(dir, 'audit.ndjson'), ...argv], io);
  return { code, io, summary, read: () => readFileSync(summary, 'utf8'), dir };
}

describe('GITHUB_STEP_SUMMARY', () => {
  it('appends the dry-run plan as Markdown after what the file already held', async () => {
    const { code, read } = await run(['--dry-run']);
    expect(code).toBe(0);
    const content = read();
    expect(content.startsWith(EXISTING)).toBe(true);
    const added = content.slice(EXISTING.length).split('\n');
    expect(added.slice(0, 7)).toEqual([
      '## enforce dry-run: alternate contacts of o\\-exampleorg1',
      '',
      '**Plan\\: 1 to create\\, 1 to update\\, 1 in sync\\, 0 skipped\\, 0 failed \\(3 contacts in 3 accounts\\)\\.**',
      '',
      '| contacts | accounts | to create | to update | in sync | skipped | failed | applied | not written |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      '| 3 | 3 | 1 | 1 | 1 | 0 | 0 | 0 | 0 |',
    ]);
    // Values from AWS and the policy are escaped (no autolinked address, no mention, no Markdown).
    expect(added).toContain(
      '| 111111111111 \\(prod\\) | SECURITY | update | planned | name: Rosalind Featherstonehaugh → Security Operations<br>title: Former Head of Cloud → Security Team<br>email: rosalind\\.f@&#8203;acme\\.internal → security@&#8203;acme\\.internal<br>phone: \\+44 20 7946 0958 → \\+1\\-555\\-0142 |',
    );
    expect(added).toContain(
      '| 999999999999 \\(management\\) | SECURITY | create | planned | name: Security Operations<br>title: Security Team<br>email: security@&#8203;acme\\.internal<br>phone: \\+1\\-555\\-0142 |',
    );
  });

  it('appends once per run, never truncating', async () => {
    const first = await run(['--dry-run']);
    fake?.restore();
    // A second run in the same job step appends to the same file.
    fake = fakeAws(spec);
    const io = { ...first.io, env: { GITHUB_STEP_SUMMARY: first.summary } };
    expect(
      await main(
        ['--policy', join(first.dir, 'contacts.yaml'), '--log-file', join(first.dir, 'audit.ndjson')],
        io,
      ),
    ).toBe(0);
    const content = first.read();
    expect(content.startsWith(EXISTING)).toBe(true);
    expect(content.match(/^## enforce dry-run: /gm)).toHaveLength(2);
  });

  it('summarises an apply, with JSON on stdout unaffected', async () => {
    const { code, io, read } = await run(['--apply', '--output', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(io.out).summary.applied).toBe(2);
    const added = read().slice(EXISTING.length);
    expect(added).toContain('## enforce apply: alternate contacts of o\\-exampleorg1\n');
    expect(added).toContain(
      '**Apply\\: 2 applied\\, 0 not written\\, 1 in sync\\, 0 skipped\\, 0 failed \\(3 contacts in 3 accounts\\)\\.**',
    );
    expect(added).toContain('| 111111111111 \\(prod\\) | SECURITY | update | applied | ');
  });

  it('with --redact holds no contact value, only masks', async () => {
    const { code, read } = await run(['--apply', '--redact']);
    expect(code).toBe(0);
    const added = read().slice(EXISTING.length);
    expect(added).toContain('## enforce apply: ');
    // Escaping alone would hide most values from a plain search: look for them escaped too.
    for (const value of [...Object.values(WANT), ...Object.values(CURRENT)]) {
      expect(added).not.toContain(value);
      expect(added).not.toContain(escapeMarkdown(value));
    }
    expect(added).toMatch(/email: \\\[redacted\\:[0-9a-f]{8}\\\] → \\\[redacted\\:[0-9a-f]{8}\\\]/);
  });

  it('writes no summary when GITHUB_STEP_SUMMARY is empty', async () => {
    const { code, read } = await run(['--dry-run'], { GITHUB_STEP_SUMMARY: '' });
    expect(code).toBe(0);
    expect(read()).toBe(EXISTING);
  });
});
