import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutAlternateContactCommand } from '@aws-sdk/client-account';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitCodeForOutcome } from '../../src/cli/exit-codes.js';
import { installInterruptHandlers } from '../../src/cli/signals.js';
import { runEnforce } from '../../src/engine/run.js';
import { fakeAws, memoryAuditLog } from '../support/fake-aws.js';

const POLICY = `version: 1
contacts:
  security: { name: Security Operations, title: Security Team, email: security@example.com, phone: "+1-555-0142" }
`;

describe('signal handlers', () => {
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  it('asks the run to stop on the first SIGINT and exits 130 on the second', () => {
    const exit = vi.fn();
    const onFirst = vi.fn();
    const handlers = installInterruptHandlers(onFirst, exit);
    dispose = handlers.dispose;
    process.emit('SIGINT', 'SIGINT');
    expect(handlers.interrupt.requested).toBe(true);
    expect(onFirst).toHaveBeenCalledWith('SIGINT');
    expect(exit).not.toHaveBeenCalled();
    process.emit('SIGINT', 'SIGINT');
    expect(exit).toHaveBeenCalledWith(130);
  });

  it('treats SIGTERM like SIGINT', () => {
    const handlers = installInterruptHandlers(() => {}, vi.fn());
    dispose = handlers.dispose;
    process.emit('SIGTERM', 'SIGTERM');
    expect(handlers.interrupt.requested).toBe(true);
  });
});

describe('an interrupted apply', () => {
  it('finishes the write in flight, starts no new one, logs every outcome and exits 130', async () => {
    const accounts = Array.from({ length: 6 }, (_, i) => ({ id: `10000000000${i}`, name: `a${i}` }));
    const fake = fakeAws({ managementAccountId: '999999999999', callerAccountId: '999999999999', accounts });
    const interrupt = { requested: false };
    // The signal arrives while the first write is on the wire.
    fake.mocks.account.on(PutAlternateContactCommand).callsFake(() => {
      interrupt.requested = true;
      return { $metadata: { attempts: 1 } };
    });
    const audit = memoryAuditLog();
    const file = join(mkdtempSync(join(tmpdir(), 'enforce-int-')), 'p.yaml');
    writeFileSync(file, POLICY);
    try {
      const outcome = await runEnforce(
        { mode: 'apply', policyFile: file, redact: false, toolVersion: 't', concurrency: 1 },
        {
          clients: fake.clients,
          clock: { now: () => 0, sleep: async () => {} },
          interrupt,
          openAuditLog: () => audit.destination,
        },
      );
      const code = exitCodeForOutcome(outcome, false);
      outcome.finish(code);
      expect(code).toBe(130);
      expect(fake.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(1);
      const events = audit.lines.map((l) => l.event);
      expect(events.filter((e) => e === 'change.started')).toHaveLength(1);
      // The write in flight got its outcome line (the fake does not store it, so the read-back fails).
      expect(events.filter((e) => e === 'change.applied' || e === 'change.failed')).toHaveLength(1);
      expect(audit.lines.at(-1)).toMatchObject({ event: 'run.end', interrupted: true, exitCode: 130 });
      const items = outcome.plan.accounts.flatMap((a) => a.items);
      expect(items.filter((i) => i.reason === 'interrupted').length).toBe(5);
    } finally {
      fake.restore();
    }
  });
});

describe('a forced exit (second signal)', () => {
  it('logs an unknown outcome for every write still in flight, then run.end with 130', async () => {
    const accounts = [{ id: '100000000001', name: 'a1' }];
    const fake = fakeAws({ managementAccountId: '999999999999', accounts });
    let lastWords: (() => void) | undefined;
    const audit = memoryAuditLog();
    // The second signal arrives while the write waits for AWS: call the registered last words then.
    fake.mocks.account.on(PutAlternateContactCommand).callsFake(() => {
      lastWords?.();
      return { $metadata: {} };
    });
    const file = join(mkdtempSync(join(tmpdir(), 'enforce-int-')), 'p.yaml');
    writeFileSync(file, POLICY);
    try {
      await runEnforce(
        { mode: 'apply', policyFile: file, redact: false, toolVersion: 't' },
        {
          clients: fake.clients,
          clock: { now: () => 0, sleep: async () => {} },
          interrupt: { requested: false },
          openAuditLog: () => audit.destination,
          onForcedExit: (fn) => {
            lastWords = fn;
          },
        },
      );
      const forced = audit.lines.slice(audit.lines.findIndex((l) => l.event === 'change.started') + 1);
      expect(forced.slice(0, 2)).toMatchObject([
        { event: 'change.failed', accountId: '100000000001', written: null, error: { code: 'Interrupted' } },
        { event: 'run.end', exitCode: 130, summary: null },
      ]);
    } finally {
      fake.restore();
    }
  });
});
