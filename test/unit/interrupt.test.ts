import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AccountClient, PutAlternateContactCommand } from '@aws-sdk/client-account';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { installSignalHandlers } from '../../src/cli/signals.js';
import { createRedactor } from '../../src/core/redact.js';
import { paceClient } from '../../src/engine/pacing.js';
import { createRunStop } from '../../src/engine/stop.js';
import { WriteNotSentError } from '../../src/errors.js';
import { SECURITY } from '../support/builders.js';
import { fakeAws, memoryAuditLog } from '../support/fake-aws.js';
import { runEngine } from '../support/run-engine.js';

const POLICY = `version: 1
contacts:
  security: { name: Security Operations, title: Security Team, email: security@example.com, phone: "+1-555-0142" }
`;

describe('signal handlers', () => {
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`asks the run to stop on the first ${signal} and forces the exit (130) on the second`, () => {
      const exit = vi.fn();
      const onFirst = vi.fn();
      const onForcedExit = vi.fn();
      const stop = createRunStop();
      dispose = installSignalHandlers(stop, { onFirst, onForcedExit }, exit).dispose;
      process.emit(signal, signal);
      expect(stop.reason).toBe('interrupted');
      expect(onFirst).toHaveBeenCalledWith(signal);
      expect(exit).not.toHaveBeenCalled();
      process.emit(signal, signal);
      expect(onForcedExit).toHaveBeenCalledOnce();
      expect(exit).toHaveBeenCalledWith(130);
    });
  }
});

describe('an interrupted apply', () => {
  it('finishes the write in flight, starts no new one, reports the rest interrupted and exits 130', async () => {
    const accounts = Array.from({ length: 6 }, (_, i) => ({ id: `10000000000${i}`, name: `a${i}` }));
    const fake = fakeAws({ managementAccountId: '999999999999', callerAccountId: '999999999999', accounts });
    const stop = createRunStop();
    // The signal arrives while the first write is on the wire.
    fake.mocks.account.on(PutAlternateContactCommand).callsFake(() => {
      stop.stop('interrupted');
      return { $metadata: { attempts: 1 } };
    });
    const audit = memoryAuditLog();
    const file = join(mkdtempSync(join(tmpdir(), 'enforce-int-')), 'p.yaml');
    writeFileSync(file, POLICY);
    try {
      const run = await runEngine(
        { mode: 'apply', policyFile: file, redact: false, concurrency: 1 },
        {
          clients: fake.clients,
          clock: { now: () => 0, sleep: async () => {} },
          stop,
          destination: audit.destination,
        },
      );
      expect(run.exitCode()).toBe(130);
      expect(fake.mocks.account.commandCalls(PutAlternateContactCommand)).toHaveLength(1);
      const events = audit.lines.map((l) => l.event);
      expect(events.filter((e) => e === 'change.started')).toHaveLength(1);
      // The write in flight got its outcome line (the fake does not store it, so the read-back fails).
      expect(events.filter((e) => e === 'change.applied' || e === 'change.failed')).toHaveLength(1);
      const items = run.plan.accounts.flatMap((a) => a.items);
      // Planned writes not started are `interrupted`; accounts not yet read when the signal came, `not-read`.
      const interrupted = items.filter((i) => i.reason === 'interrupted').length;
      const notRead = items.filter((i) => i.reason === 'not-read').length;
      expect(interrupted + notRead).toBe(5);
      expect(run.plan.summary.notWritten.interrupted).toBe(interrupted);
    } finally {
      fake.restore();
    }
  });
});

describe('the last gate before a write leaves the process', () => {
  /** An Account client whose HTTP layer records requests and answers from a script (middleware runs). */
  function recordingClient(answers: number[]) {
    const sent: string[] = [];
    const client = new AccountClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 3,
      retryStrategy: undefined,
      requestHandler: {
        handle: async (request: { path: string }) => {
          sent.push(request.path);
          const status = answers.shift() ?? 200;
          const body = status === 200 ? '{}' : JSON.stringify({ message: 'Rate exceeded' });
          return {
            response: {
              statusCode: status,
              headers: status === 200 ? {} : { 'x-amzn-errortype': 'TooManyRequestsException' },
              body: Readable.from([Buffer.from(body)]),
            },
          };
        },
      },
    });
    return { client, sent };
  }
  const put = () =>
    new PutAlternateContactCommand({
      AlternateContactType: 'SECURITY',
      Name: SECURITY.name,
      Title: SECURITY.title,
      EmailAddress: SECURITY.email,
      PhoneNumber: SECURITY.phone,
      AccountId: '111111111111',
    });

  it('does not send a write that was still waiting for its token when the run was stopped', async () => {
    const stop = createRunStop();
    const { client, sent } = recordingClient([]);
    // The token is granted only after the signal arrived.
    paceClient(client, () => ({ acquire: async () => stop.stop('interrupted') }), stop);
    await expect(client.send(put())).rejects.toBeInstanceOf(WriteNotSentError);
    expect(sent).toEqual([]);
    client.destroy();
  });

  it('still sends the retry of a write already sent before the signal', async () => {
    const stop = createRunStop();
    const { client, sent } = recordingClient([429]);
    let calls = 0;
    paceClient(
      client,
      () => ({ acquire: async () => void (++calls === 2 && stop.stop('interrupted')) }),
      stop,
    );
    await client.send(put());
    expect(sent).toHaveLength(2);
    client.destroy();
  });

  it('sends nothing more, not even a retry, once the audit log failed', async () => {
    const stop = createRunStop();
    const { client, sent } = recordingClient([429]);
    let calls = 0;
    paceClient(
      client,
      () => ({ acquire: async () => void (++calls === 2 && stop.stop('audit-log-failed')) }),
      stop,
    );
    await expect(client.send(put())).rejects.toBeInstanceOf(WriteNotSentError);
    expect(sent).toHaveLength(1);
    client.destroy();
  });
});

describe('a forced exit (second signal)', () => {
  it('logs an unknown outcome for every write still in flight', () => {
    const audit = memoryAuditLog();
    const log = createAuditLog(audit.destination, 'run-1', {
      redactor: createRedactor({ key: 'k'.repeat(32), fields: 'none', secretValues: [] }),
    });
    const item = {
      accountId: '100000000001',
      type: 'SECURITY',
      action: 'create',
      after: SECURITY,
      changedFields: [],
    } as const;
    const done = { ...item, accountId: '100000000002' };
    log.changeStarted({ ...item, changedFields: [] }, 'a1');
    log.changeStarted({ ...done, changedFields: [] }, 'a2');
    log.changeApplied({ ...done, changedFields: [] }, 'a2', 1);
    log.abandonInFlight();
    expect(audit.lines.filter((l) => l.event === 'change.failed')).toMatchObject([
      { accountId: '100000000001', accountName: 'a1', written: null, error: { code: 'Interrupted' } },
    ]);
  });
});
