import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type FakeOrgSpec, fakeAws } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';
import { WANT } from '../support/plans.js';

/**
 * settings.auditAnchor wired into the run (run-command.ts): the head of the line before run.end is
 * anchored, run.end records it and stays the last line with the exit code the process returns.
 */
const MGMT = '999999999999';
const A = '111111111111';

const spec: FakeOrgSpec = {
  managementAccountId: MGMT,
  accounts: [
    { id: MGMT, name: 'management' },
    { id: A, name: 'prod' },
  ],
  contacts: { [MGMT]: { SECURITY: WANT }, [A]: { SECURITY: WANT } },
};

function policy(settings: string): string {
  return `version: 1
contacts:
  security:
    name: ${WANT.name}
    title: ${WANT.title}
    email: ${WANT.email}
    phone: "${WANT.phone}"
  operations:
    name: ${WANT.name}
    title: ${WANT.title}
    email: ${WANT.email}
    phone: "${WANT.phone}"
${settings}`;
}

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => {
  fake?.restore();
  fake = undefined;
});

async function run(settings: string, argv: string[] = []) {
  fake = fakeAws(spec);
  const dir = mkdtempSync(join(tmpdir(), 'enforce-anchor-'));
  const file = join(dir, 'contacts.yaml');
  writeFileSync(file, policy(settings));
  const log = join(dir, 'audit.ndjson');
  const io = captureIo();
  const code = await main(['plan', '--policy', file, '--log-file', log, '--no-progress', ...argv], io);
  const raw = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { code, io, raw, lines: raw.map((l) => JSON.parse(l)), log };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const anchorLine = (text: string) => text.split('\n').find((l) => l.includes('"audit.anchor"'));

describe('settings.auditAnchor in a run', () => {
  it('ssmParameter: PutParameter with the head of the line before run.end; run.end records it', async () => {
    const { code, raw, lines, log } = await run(
      'settings:\n  auditAnchor: { ssmParameter: /org/enforce/audit-head }\n',
    );
    expect(code).toBe(0);
    const puts = fake!.mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    const end = lines.at(-1);
    expect(end.event).toBe('run.end');
    const anchored = raw.at(-2)!;
    const head = { seq: lines.at(-2).seq, sha256: sha256(anchored) };
    expect(puts[0]).toEqual({
      Name: '/org/enforce/audit-head',
      Type: 'String',
      Overwrite: true,
      Value: JSON.stringify({ event: 'audit.anchor', runId: end.runId, file: log, ...head }),
    });
    expect(end.anchor).toEqual(head);
    expect(end.exitCode).toBe(0);
  });

  it('stdout: one line on stdout after the plan; on stderr with --output json', async () => {
    const text = await run('settings:\n  auditAnchor: stdout\n');
    expect(text.code).toBe(0);
    expect(text.io.out.trimEnd().split('\n').at(-1)).toBe(anchorLine(text.io.out));
    expect(JSON.parse(anchorLine(text.io.out)!)).toMatchObject({
      event: 'audit.anchor',
      seq: text.lines.at(-2).seq,
      sha256: sha256(text.raw.at(-2)!),
    });
    expect(fake!.mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(0);

    const json = await run('settings:\n  auditAnchor: stdout\n', ['--output', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.io.out).version).toBe(1);
    expect(anchorLine(json.io.out)).toBeUndefined();
    expect(JSON.parse(anchorLine(json.io.err)!)).toMatchObject({
      event: 'audit.anchor',
      seq: json.lines.at(-2).seq,
    });
  });

  it('a failed anchor: one error line, exit 1, and run.end says 1 and why', async () => {
    fake = undefined;
    const dir = mkdtempSync(join(tmpdir(), 'enforce-anchor-'));
    const file = join(dir, 'contacts.yaml');
    writeFileSync(file, policy('settings:\n  auditAnchor: { ssmParameter: /org/enforce/audit-head }\n'));
    fake = fakeAws(spec);
    fake.mocks.ssm
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('not allowed to write'), { name: 'AccessDeniedException' }));
    const log = join(dir, 'audit.ndjson');
    const io = captureIo();
    const code = await main(['plan', '--policy', file, '--log-file', log, '--no-progress'], io);
    expect(code).toBe(1);
    const errors = io.err.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: cannot anchor the audit chain head: .*AccessDenied/);
    const end = JSON.parse(readFileSync(log, 'utf8').trimEnd().split('\n').at(-1)!);
    expect(end).toMatchObject({ event: 'run.end', exitCode: 1 });
    expect(end.reason).toMatch(/cannot anchor the audit chain head/);
    expect(end.anchor).toBeUndefined();
  });

  it('without settings.auditAnchor nothing is anchored', async () => {
    const { code, io, lines } = await run('');
    expect(code).toBe(0);
    expect(fake!.mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(anchorLine(io.out)).toBeUndefined();
    expect(lines.at(-1).anchor).toBeUndefined();
  });
});

describe('run.end carries the controls', () => {
  it('of each managed type, from the one table (report/controls.ts)', async () => {
    const { lines } = await run('');
    expect(lines.at(-1)).toMatchObject({
      event: 'run.end',
      controls: { SECURITY: ['CIS-1.2', 'SecurityHub-Account.1'], OPERATIONS: [] },
    });
  });
});
