import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/engine/clock.js';
import { handler } from '../../src/lambda/handler.js';
import { type HandlerSettings, processBatch, type SqsEvent } from '../../src/lambda/process-batch.js';
import { SECURITY } from '../support/builders.js';
import { type FakeOrgSpec, fakeAws } from '../support/fake-aws.js';
import { TEST_REDACT_KEY } from '../support/redact.js';

const MGMT = '111111111111';
const NEW = '222222222222';
const MOVED = '333333333333';
const EDITED = '555555555555';
const FIXTURES = fileURLToPath(new URL('../fixtures/events/', import.meta.url));

const POLICY = `
version: 1
contacts:
  security:
    name: ${SECURITY.name}
    title: ${SECURITY.title}
    email: ${SECURITY.email}
    phone: "${SECURITY.phone}"
`;

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => {
  fake?.restore();
  vi.restoreAllMocks();
});

function writePolicy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'enforce-lambda-')), 'contacts.yaml');
  writeFileSync(file, text);
  return file;
}

function record(fixture: string, messageId = fixture) {
  return { messageId, body: readFileSync(`${FIXTURES}${fixture}.json`, 'utf8') };
}

/** A clock whose sleeps cost no real time but advance it, so the retry budget is exercised. */
function fakeClock(onSleep: () => void = () => {}) {
  let now = 0;
  const clock: Clock & { slept: number[] } = {
    slept: [],
    now: () => now,
    sleep: async (ms) => {
      clock.slept.push(ms);
      now += ms;
      onSleep();
    },
  };
  return clock;
}

const lambdaContext = (clock: Clock, budgetMs = 60_000) => ({
  getRemainingTimeInMillis: () => budgetMs - clock.now(),
});

function run(
  spec: FakeOrgSpec,
  event: SqsEvent,
  options: {
    settings?: Partial<HandlerSettings>;
    clock?: ReturnType<typeof fakeClock>;
    budgetMs?: number;
  } = {},
) {
  fake = fakeAws(spec);
  const lines: Record<string, unknown>[] = [];
  const clock = options.clock ?? fakeClock();
  const settings: HandlerSettings = {
    policyFile: writePolicy(POLICY),
    redact: false,
    redactKey: Buffer.from(TEST_REDACT_KEY),
    enforcerRoleArn: `arn:aws:iam::${MGMT}:role/enforce-EnforcerRole-EXAMPLE`,
    toolVersion: 't',
    logLevel: 'debug',
    ...options.settings,
  };
  const result = processBatch(event, lambdaContext(clock, options.budgetMs), settings, {
    clients: fake.clients,
    clock,
    writeLine: (line) => lines.push(JSON.parse(line)),
    newRunId: () => 'run-1',
  });
  return { result, lines, clock, fake };
}

const org = (extra: Partial<FakeOrgSpec> = {}): FakeOrgSpec => ({
  managementAccountId: MGMT,
  accounts: [
    { id: MGMT, name: 'management' },
    { id: NEW, name: 'new' },
    { id: MOVED, name: 'moved' },
    { id: EDITED, name: 'edited' },
  ],
  contacts: { [MGMT]: { SECURITY }, [MOVED]: { SECURITY } },
  ...extra,
});

const events = (lines: Record<string, unknown>[], name: string) => lines.filter((l) => l.event === name);

describe('processBatch', () => {
  it('writes the contacts of every account the events concern and fails no message', async () => {
    const { result, fake, lines } = run(org(), {
      Records: [
        record('create-account-result-succeeded'),
        record('put-alternate-contact'),
        record('move-account'),
      ],
    });
    expect(await result).toEqual({ batchItemFailures: [] });
    expect(fake.contacts.get(`${NEW}/SECURITY`)).toEqual(SECURITY);
    expect(fake.contacts.get(`${EDITED}/SECURITY`)).toEqual(SECURITY);
    // Only the accounts of the events were read: the management account's contact was not.
    expect(fake.puts.map((p) => p.accountId).sort()).toEqual([NEW, EDITED]);
    expect(events(lines, 'change.applied')).toHaveLength(2);
  });

  it('writes one run.start and one run.end per batch, with the triggering event ids', async () => {
    const { result, lines } = run(org(), {
      Records: [record('create-account-result-succeeded'), record('tag-resource-ou'), record('move-account')],
    });
    await result;
    const ids = ['b1c2d3e4-0001-4000-8000-000000000001', 'b1c2d3e4-0007-4000-8000-000000000007'];
    expect(events(lines, 'run.start')).toEqual([expect.objectContaining({ runId: 'run-1', eventIds: ids })]);
    expect(events(lines, 'run.end')).toEqual([
      expect.objectContaining({ runId: 'run-1', eventIds: ids, exitCode: 0, summary: expect.anything() }),
    ]);
    expect(lines.at(-1)?.event).toBe('run.end');
    expect(events(lines, 'event.ignored')).toEqual([
      expect.objectContaining({ messageId: 'tag-resource-ou', reason: 'not-an-account', level: 'debug' }),
    ]);
  });

  it('writes once when two events concern one account', async () => {
    const { result, fake } = run(org(), {
      Records: [
        record('create-account-result-succeeded', 'm1'),
        record('create-account-result-succeeded', 'm2'),
      ],
    });
    expect(await result).toEqual({ batchItemFailures: [] });
    expect(fake.puts).toEqual([{ accountId: NEW, type: 'SECURITY', hadAccountId: true }]);
  });

  it('fails only the messages whose account could not be written', async () => {
    const { result, fake, lines } = run(org({ deniedWrites: [EDITED] }), {
      Records: [record('create-account-result-succeeded'), record('put-alternate-contact')],
    });
    expect(await result).toEqual({ batchItemFailures: [{ itemIdentifier: 'put-alternate-contact' }] });
    expect(fake.contacts.get(`${NEW}/SECURITY`)).toEqual(SECURITY);
    expect(events(lines, 'message.failed')).toEqual([
      expect.objectContaining({
        messageId: 'put-alternate-contact',
        accountIds: [EDITED],
        errors: [expect.objectContaining({ code: 'AccessDeniedException' })],
      }),
    ]);
    expect(events(lines, 'run.end')).toEqual([expect.objectContaining({ exitCode: 1 })]);
  });

  it('fails every message and calls no AWS API when the policy is invalid', async () => {
    const { result, fake, lines } = run(
      org(),
      {
        Records: [
          record('create-account-result-succeeded'),
          record('tag-resource-ou'),
          record('move-account'),
        ],
      },
      { settings: { policyFile: writePolicy('version: 1\ncontacts:\n  security:\n    pager: x\n') } },
    );
    expect((await result).batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      'create-account-result-succeeded',
      'move-account',
      'tag-resource-ou',
    ]);
    for (const mock of Object.values(fake.mocks)) expect(mock.calls()).toHaveLength(0);
    expect(events(lines, 'run.end')).toEqual([
      expect.objectContaining({ exitCode: 65, error: expect.objectContaining({ code: 'PolicyError' }) }),
    ]);
  });

  it('ignores the enforcer’s own write and writes nothing', async () => {
    const { result, fake, lines } = run(org(), { Records: [record('put-alternate-contact-by-enforcer')] });
    expect(await result).toEqual({ batchItemFailures: [] });
    expect(fake.mocks.account.calls()).toHaveLength(0);
    expect(events(lines, 'event.ignored')).toEqual([expect.objectContaining({ reason: 'own-change' })]);
    expect(events(lines, 'run.start')).toHaveLength(0);
  });

  it('returns a message whose body is not JSON to the queue', async () => {
    const { result } = run(org(), {
      Records: [{ messageId: 'junk', body: '{not json' }, record('move-account')],
    });
    expect(await result).toEqual({ batchItemFailures: [{ itemIdentifier: 'junk' }] });
  });

  it('refuses the whole batch over maxChanges and returns the messages that needed writes', async () => {
    const policy = writePolicy(`${POLICY}settings:\n  maxChanges: 1\n`);
    const { result, fake } = run(
      org(),
      {
        Records: [
          record('create-account-result-succeeded'),
          record('put-alternate-contact'),
          record('move-account'),
        ],
      },
      { settings: { policyFile: policy } },
    );
    expect((await result).batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      'create-account-result-succeeded',
      'put-alternate-contact',
    ]);
    expect(fake.puts).toEqual([]);
  });

  it('retries a just-created account until Organizations lists it, within one run.start/run.end', async () => {
    const spec = org();
    spec.accounts = spec.accounts.filter((a) => a.id !== NEW);
    const clock = fakeClock(() => {
      if (clock.slept.length === 2) spec.accounts.push({ id: NEW, name: 'new' });
    });
    const { result, fake, lines } = run(
      spec,
      { Records: [record('create-account-result-succeeded')] },
      { clock },
    );
    expect(await result).toEqual({ batchItemFailures: [] });
    expect(clock.slept).toEqual([2_000, 4_000]);
    expect(fake.contacts.get(`${NEW}/SECURITY`)).toEqual(SECURITY);
    expect(events(lines, 'retry.scheduled')).toHaveLength(2);
    expect(events(lines, 'run.start')).toHaveLength(1);
    expect(events(lines, 'run.end')).toEqual([expect.objectContaining({ exitCode: 0, durationMs: 6_000 })]);
  });

  it('retries AccessDenied on a new account with backoff until the batch time runs out, then fails it', async () => {
    const { result, clock, lines } = run(
      org({ deniedAccounts: [NEW] }),
      { Records: [record('create-account-result-succeeded'), record('move-account')] },
      { budgetMs: 40_000 },
    );
    expect(await result).toEqual({
      batchItemFailures: [{ itemIdentifier: 'create-account-result-succeeded' }],
    });
    // After 2 + 4 + 8 + 16 s, 10 s are left: not enough for the next 20 s wait and the 5 s reserve.
    expect(clock.slept).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(events(lines, 'run.start')).toHaveLength(1);
    expect(events(lines, 'run.end')).toEqual([expect.objectContaining({ exitCode: 1 })]);
  });

  it('does not retry an account that is not new', async () => {
    const { result, clock } = run(org({ deniedAccounts: [MOVED] }), { Records: [record('move-account')] });
    expect(await result).toEqual({ batchItemFailures: [{ itemIdentifier: 'move-account' }] });
    expect(clock.slept).toEqual([]);
  });

  it('masks contact values with redact', async () => {
    const { result, lines } = run(
      org(),
      { Records: [record('create-account-result-succeeded')] },
      { settings: { redact: true } },
    );
    await result;
    const text = JSON.stringify(lines);
    expect(text).not.toContain(SECURITY.email);
    expect(events(lines, 'change.applied')).toHaveLength(1);
  });
});

describe('handler', () => {
  it('reads its settings from the environment and writes the audit lines to stdout', async () => {
    fake = fakeAws(org());
    vi.stubEnv('ENFORCE_POLICY_FILE', writePolicy(POLICY));
    vi.stubEnv('ENFORCE_REDACT', '1');
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const result = await handler(
      { Records: [record('create-account-result-succeeded')] },
      { getRemainingTimeInMillis: () => 60_000 },
    );
    vi.unstubAllEnvs();
    expect(result).toEqual({ batchItemFailures: [] });
    const lines = written
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toContain('change.applied');
    expect(written.join('')).not.toContain(SECURITY.email);
    expect(fake.contacts.get(`${NEW}/SECURITY`)).toEqual(SECURITY);
  });
});
