// How a run ends, with mocked clients (issue 8, "Behaviour" 3, 5b, 7, 10, 11): non-ACTIVE accounts are
// decided from the listing alone, a write that timed out is read back, an audit log that fails mid-run
// stops every later write, `__proto__` is an ordinary tag key, and oversized inputs are refused.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAlternateContactCommand, PutAlternateContactCommand } from '@aws-sdk/client-account';
import { ListTagsForResourceCommand } from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ReportItem, RunReport } from '../../src/core/types.js';
import type { Clock } from '../../src/engine/clock.js';
import { AuditLogError } from '../../src/errors.js';
import { MAX_POLICY_BYTES } from '../../src/policy/load.js';
import { type FakeOrgSpec, fakeAws } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';
import { runEngine } from '../support/run-engine.js';

const MGMT = '999999999999';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const D = '444444444444';
const E = '555555555555';
const F = '666666666666';

const SECURITY_YAML = `version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: security@example.com
    phone: "+1-555-0142"
`;

/** A stack frame, as Node prints them: stderr must never show one for a problem of the environment. */
const STACK_FRAME = /\n\s+at /;

const instantClock: Clock = { now: () => 0, sleep: async () => {} };

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => {
  fake?.restore();
  fake = undefined;
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'enforce-lifecycle-'));
}

function writePolicy(text: string): string {
  const file = join(tempDir(), 'contacts.yaml');
  writeFileSync(file, text);
  return file;
}

/** Parsed lines kept in memory, like memoryAuditLog, with a hook that may refuse a line. */
function recordingDestination(refuse: (line: Record<string, unknown>, index: number) => boolean) {
  const lines: Record<string, unknown>[] = [];
  const attempted: Record<string, unknown>[] = [];
  const destination = {
    write(text: string) {
      const line = JSON.parse(text) as Record<string, unknown>;
      attempted.push(line);
      if (refuse(line, attempted.length)) {
        throw new AuditLogError(
          'audit.ndjson',
          'cannot write the audit log audit.ndjson: ENOSPC (no space left on device)',
        );
      }
      lines.push(line);
    },
  };
  return { lines, attempted, destination };
}

const items = (run: { plan: RunReport }): ReportItem[] =>
  run.plan.accounts.flatMap((account) => account.items);

describe('non-ACTIVE accounts are decided from the listing alone', () => {
  const spec = (): FakeOrgSpec => ({
    managementAccountId: MGMT,
    accounts: [
      { id: MGMT, name: 'management', tags: { team: 'core' } },
      { id: A, name: 'active-core', tags: { team: 'core' } },
      // They carry tags that would put them in scope (and one that would exclude it): the state decides first.
      { id: B, name: 'gone', state: 'SUSPENDED', tags: { team: 'core' } },
      { id: C, name: 'closed', state: 'CLOSED', tags: { team: 'core', 'contact-policy': 'exempt' } },
      { id: D, name: 'closing', state: 'PENDING_CLOSURE', tags: { team: 'core' } },
      { id: E, name: 'new', state: 'PENDING_ACTIVATION', tags: { team: 'core' } },
      { id: F, name: 'active-other', tags: { team: 'other' } },
    ],
  });
  const TAG_POLICY = `${SECURITY_YAML}scope:
  include:
    tags: { team: core }
  exclude:
    tags: { contact-policy: exempt }
`;
  const NOT_ACTIVE = [B, C, D, E];

  for (const limited of [false, true]) {
    it(`reason suspended/closed/pending-*, no ListTagsForResource and no GetAlternateContact for them${limited ? ' (--accounts)' : ''}`, async () => {
      fake = fakeAws(spec());
      const run = await runEngine(
        {
          mode: 'apply',
          policyFile: writePolicy(TAG_POLICY),
          redact: false,
          ...(limited ? { accounts: [A, B, C, D, E, F] } : {}),
        },
        { clients: fake.clients, clock: instantClock, destination: { write() {} } },
      );
      const byAccount = new Map(items(run).map((item) => [item.accountId, item]));
      expect(byAccount.get(B)).toMatchObject({ action: 'skip', reason: 'suspended' });
      expect(byAccount.get(C)).toMatchObject({ action: 'skip', reason: 'closed' });
      expect(byAccount.get(D)).toMatchObject({ action: 'skip', reason: 'pending-closure' });
      expect(byAccount.get(E)).toMatchObject({ action: 'skip', reason: 'pending-activation' });
      // The tag-based scope was really used for the ACTIVE ones (their tags were read).
      expect(byAccount.get(A)).toMatchObject({ action: 'create', result: 'applied' });
      expect(byAccount.get(F)).toMatchObject({ action: 'skip', reason: 'out-of-scope' });

      const tagReads = fake.mocks.organizations
        .commandCalls(ListTagsForResourceCommand)
        .map((call) => call.args[0].input.ResourceId);
      expect(tagReads).toContain(A);
      expect(tagReads.filter((id) => NOT_ACTIVE.includes(id!))).toEqual([]);
      const contactReads = fake.mocks.account
        .commandCalls(GetAlternateContactCommand)
        .map((call) => call.args[0].input.AccountId);
      expect(contactReads).toContain(A);
      expect(contactReads.filter((id) => NOT_ACTIVE.includes(id!))).toEqual([]);
      expect(fake.puts.filter((put) => NOT_ACTIVE.includes(put.accountId))).toEqual([]);
    });
  }
});

describe('a write that timed out', () => {
  const spec = (): FakeOrgSpec => ({
    managementAccountId: MGMT,
    accounts: [
      { id: MGMT, name: 'management' },
      { id: A, name: 'prod' },
    ],
  });
  const timedOut = () =>
    Object.assign(new Error('Request did not complete within 1000 ms'), {
      name: 'TimeoutError',
      $metadata: {},
    });

  it('is read back, and applied when the read-back shows the contact', async () => {
    fake = fakeAws(spec());
    const { contacts } = fake;
    fake.mocks.account.on(PutAlternateContactCommand).callsFake((input) => {
      // AWS applied it; only the answer never came.
      contacts.set(`${input.AccountId ?? MGMT}/${input.AlternateContactType}`, {
        name: input.Name,
        title: input.Title,
        email: input.EmailAddress,
        phone: input.PhoneNumber,
      });
      throw timedOut();
    });
    const audit = recordingDestination(() => false);
    const run = await runEngine(
      { mode: 'apply', policyFile: writePolicy(SECURITY_YAML), redact: false, concurrency: 1 },
      { clients: fake.clients, clock: instantClock, destination: audit.destination },
    );
    expect(Object.fromEntries(items(run).map((item) => [item.accountId, item.result]))).toEqual({
      [MGMT]: 'applied',
      [A]: 'applied',
    });
    // Each timed-out write was followed by a read of the same item.
    const reads = fake.mocks.account.commandCalls(GetAlternateContactCommand);
    expect(reads.length).toBe(4); // one read to plan, one read-back, per account
    expect(audit.lines.filter((line) => line.event === 'change.applied')).toHaveLength(2);
    expect(audit.lines.filter((line) => line.event === 'change.failed')).toEqual([]);
    expect(run.exitCode()).toBe(0);
  });

  it('is failed, not written, when the read-back does not show the contact', async () => {
    fake = fakeAws(spec());
    fake.mocks.account.on(PutAlternateContactCommand).callsFake(() => {
      throw timedOut();
    });
    const audit = recordingDestination(() => false);
    const run = await runEngine(
      { mode: 'apply', policyFile: writePolicy(SECURITY_YAML), redact: false },
      { clients: fake.clients, clock: instantClock, destination: audit.destination },
    );
    for (const item of items(run)) {
      expect(item).toMatchObject({ result: 'failed', error: { code: 'TimeoutError' } });
    }
    expect(audit.lines.filter((line) => line.event === 'change.failed')).toMatchObject([
      { written: false, error: { code: 'TimeoutError' } },
      { written: false, error: { code: 'TimeoutError' } },
    ]);
    // More reads than the two that planned: the writes were read back.
    expect(fake.mocks.account.commandCalls(GetAlternateContactCommand).length).toBeGreaterThan(2);
    expect(run.exitCode()).toBe(1);
  });
});

describe('an audit log that fails mid-run', () => {
  const accounts = [
    { id: MGMT, name: 'management' },
    ...Array.from({ length: 6 }, (_, i) => ({ id: `10000000000${i}`, name: `member-${i}` })),
  ];

  /** Puts and audit lines in the order they happened. */
  async function runFailingAt(
    refuse: (line: Record<string, unknown>, index: number) => boolean,
  ): Promise<{ run: Awaited<ReturnType<typeof runEngine>>; order: string[]; started: Set<string> }> {
    fake = fakeAws({ managementAccountId: MGMT, accounts });
    const order: string[] = [];
    let failed = false;
    const audit = recordingDestination((line, index) => {
      const refused = failed || refuse(line, index);
      if (refused) failed = true;
      order.push(
        `${refused ? 'refused' : 'line'} ${line.event}${line.accountId === undefined ? '' : ` ${line.accountId}`}`,
      );
      return refused;
    });
    const originalSend = fake.clients.account.send.bind(fake.clients.account);
    fake.clients.account.send = ((
      command: { constructor: { name: string }; input: { AccountId?: string } },
      ...rest: unknown[]
    ) => {
      if (command.constructor.name === 'PutAlternateContactCommand')
        order.push(`put ${command.input.AccountId ?? MGMT}`);
      return (originalSend as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof fake.clients.account.send;
    const run = await runEngine(
      { mode: 'apply', policyFile: writePolicy(SECURITY_YAML), redact: false, concurrency: 1 },
      { clients: fake.clients, clock: instantClock, destination: audit.destination },
    );
    const started = new Set(
      audit.lines.filter((line) => line.event === 'change.started').map((line) => String(line.accountId)),
    );
    return { run, order, started };
  }

  const checkOutcome = (
    run: Awaited<ReturnType<typeof runEngine>>,
    order: string[],
    started: Set<string>,
  ) => {
    const firstRefusal = order.findIndex((entry) => entry.startsWith('refused'));
    expect(firstRefusal, 'the destination never refused a line').toBeGreaterThan(0);
    // Nothing is sent after the failure, not even a retry.
    expect(order.slice(firstRefusal).filter((entry) => entry.startsWith('put'))).toEqual([]);
    // Every Put has its change.started line, written before it.
    order.forEach((entry, index) => {
      if (!entry.startsWith('put ')) return;
      const accountId = entry.slice('put '.length);
      expect(order.slice(0, index), entry).toContain(`line change.started ${accountId}`);
      expect(started.has(accountId), entry).toBe(true);
    });
    expect(run.exitCode()).toBe(1);
    expect(run.stop.reason).toBe('audit-log-failed');
    const writes = items(run).filter((item) => item.action === 'create' || item.action === 'update');
    const notWritten = writes.filter((item) => item.result !== 'applied' && item.result !== 'failed');
    expect(notWritten.length).toBeGreaterThan(0);
    for (const item of notWritten)
      expect(item, JSON.stringify(item)).toMatchObject({ reason: 'audit-log-failed' });
    expect(run.plan.summary.notWritten['audit-log-failed']).toBe(notWritten.length);
  };

  it('from the second change.started on: one write was made, none after; the rest are audit-log-failed, exit 1', async () => {
    let startedSeen = 0;
    const { run, order, started } = await runFailingAt(
      (line) => line.event === 'change.started' && ++startedSeen === 2,
    );
    expect(fake!.puts).toHaveLength(1);
    expect(fake!.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(1);
    checkOutcome(run, order, started);
  });

  it('from the line after the first change.started (its outcome line): that write was made, none after, exit 1', async () => {
    let afterStarted = false;
    const { run, order, started } = await runFailingAt((line) => {
      if (afterStarted) return true;
      if (line.event === 'change.started') afterStarted = true;
      return false;
    });
    expect(fake!.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(1);
    checkOutcome(run, order, started);
  });

  it('through main(), --log-file /dev/full (opens, every write fails ENOSPC): exit 1, one error line naming it, zero Puts', async () => {
    fake = fakeAws({ managementAccountId: MGMT, accounts });
    const io = captureIo();
    const code = await main(
      ['--apply', '--policy', writePolicy(SECURITY_YAML), '--log-file', '/dev/full', '--no-progress'],
      io,
    );
    expect(code, io.err).toBe(1);
    const naming = io.err.split('\n').filter((line) => line.includes('/dev/full'));
    expect(naming, io.err).toHaveLength(1);
    expect(naming[0]).toMatch(/^error: /);
    expect(naming[0]).toMatch(/ENOSPC/);
    expect(io.err).not.toMatch(STACK_FRAME);
    expect(io.err).not.toContain('internal error');
    expect(fake.puts).toEqual([]);
    expect(fake.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(0);
  });
});

describe('__proto__ as a tag key', () => {
  it('scope.exclude.tags { __proto__: vendor } excludes exactly the account carrying that tag', async () => {
    // Computed keys: `{ __proto__: … }` would set the prototype instead of a tag.
    fake = fakeAws({
      managementAccountId: MGMT,
      accounts: [
        { id: MGMT, name: 'management' },
        { id: A, name: 'vendor-managed', tags: { ['__proto__']: 'vendor' } },
        { id: B, name: 'other-value', tags: { ['__proto__']: 'in-house' } },
        { id: C, name: 'untagged' },
        { id: D, name: 'other-key', tags: { owner: 'vendor' } },
      ],
    });
    const policy = `${SECURITY_YAML}scope:\n  exclude:\n    tags: { __proto__: vendor }\n`;
    const run = await runEngine(
      { mode: 'dry-run', policyFile: writePolicy(policy), redact: false },
      { clients: fake.clients, clock: instantClock, destination: { write() {} } },
    );
    const decided = Object.fromEntries(
      items(run).map((item) => {
        return [item.accountId, [item.action, item.reason]];
      }),
    );
    expect(decided).toEqual({
      [MGMT]: ['create', null],
      [A]: ['skip', 'excluded'],
      [B]: ['create', null],
      [C]: ['create', null],
      [D]: ['create', null],
    });
  });
});

describe('inputs refused by size', () => {
  it('a policy file over 1 MiB: exit 65, the limit named, no AWS call', async () => {
    fake = fakeAws({ managementAccountId: MGMT, accounts: [{ id: MGMT, name: 'management' }] });
    const padding = `# ${'x'.repeat(1022)}\n`.repeat(Math.ceil(MAX_POLICY_BYTES / 1024) + 1);
    const file = writePolicy(`${SECURITY_YAML}${padding}`);
    const io = captureIo();
    const code = await main(
      ['--dry-run', '--policy', file, '--log-file', join(tempDir(), 'audit.ndjson')],
      io,
    );
    expect(code, io.err).toBe(65);
    expect(io.err).toContain(file);
    expect(io.err).toMatch(/1 MiB|1048576/);
    expect(io.err).not.toMatch(STACK_FRAME);
    for (const mock of Object.values(fake.mocks)) expect(mock.calls()).toHaveLength(0);
  });

  it('--concurrency 65: exit 64 (64 is accepted)', async () => {
    fake = fakeAws({ managementAccountId: MGMT, accounts: [{ id: MGMT, name: 'management' }] });
    const policyFile = writePolicy(SECURITY_YAML);
    const logFile = join(tempDir(), 'audit.ndjson');
    const refused = captureIo();
    expect(
      await main(
        ['--dry-run', '--concurrency', '65', '--policy', policyFile, '--log-file', logFile],
        refused,
      ),
    ).toBe(64);
    expect(refused.err).toMatch(/--concurrency/);
    expect(refused.err).not.toMatch(STACK_FRAME);
    for (const mock of Object.values(fake.mocks)) expect(mock.calls()).toHaveLength(0);

    const accepted = captureIo();
    expect(
      await main(
        ['--dry-run', '--concurrency', '64', '--policy', policyFile, '--log-file', logFile],
        accepted,
      ),
      accepted.err,
    ).toBe(0);
  });
});
