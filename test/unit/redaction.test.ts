import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normaliseField } from '../../src/core/normalise.js';
import { CONTACT_FIELDS, type Contact } from '../../src/core/types.js';
import { renderJson } from '../../src/render/json.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { escapeMarkdown } from '../../src/render/markdown-escape.js';
import { renderText } from '../../src/render/text.js';
import { type FakeOrgSpec, fakeAws, memoryAuditLog } from '../support/fake-aws.js';
import { TEST_REDACT_KEY, testMask } from '../support/redact.js';
import { runEngine } from '../support/run-engine.js';

const MGMT = '999999999999';
const A = '111111111111'; // update: every field differs
const B = '222222222222'; // create
const C = '333333333333'; // in sync after normalising
const D = '444444444444'; // the write is denied: change.failed
const E = '555555555555'; // reads denied: account.error
const F = '666666666666'; // the write is lost: read-back mismatch

/** Values chosen so that no other text of the outputs can contain them by accident. */
const SECURITY: Contact = {
  name: 'Sentinel Response Desk',
  title: 'Vigilance Unit',
  email: 'sentinel-desk@acme.internal',
  phone: '+1-555-0142',
};
const OPERATIONS: Contact = {
  name: 'Night Watch Rota',
  title: 'Watchkeepers',
  email: 'watch-rota@acme.internal',
  phone: '+1-555-0100',
};
const A_SECURITY: Contact = {
  name: 'Rosalind Featherstonehaugh',
  title: 'Former Head of Cloud',
  email: 'rosalind.f@acme.internal',
  phone: '+44 20 7946 0958',
};
const A_OPERATIONS: Contact = {
  name: 'Bartholomew Quince',
  title: 'Ex-SRE Lead',
  email: 'b.quince@acme.internal',
  phone: '+1 (555) 010-2000',
};
/** Equal to the policy after normalising, written differently. */
const C_SECURITY: Contact = { ...SECURITY, email: 'SENTINEL-DESK@ACME.INTERNAL', phone: '+1 555 0142' };

const POLICY = `version: 1
contacts:
  security:
    name: ${SECURITY.name}
    title: ${SECURITY.title}
    email: ${SECURITY.email}
    phone: "${SECURITY.phone}"
  operations:
    name: ${OPERATIONS.name}
    title: ${OPERATIONS.title}
    email: { ssm: /org/contacts/operations/email }
    phone: "${OPERATIONS.phone}"
`;

/** Virtual time: sleeping (rate limiter, read-back delays) advances it and costs no real time. */
function virtualClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => fake?.restore());

function writePolicy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'enforce-redact-')), 'contacts.yaml');
  writeFileSync(file, text);
  return file;
}

async function applyRun(spec: FakeOrgSpec, policyText: string, redact: boolean) {
  fake = fakeAws(spec);
  const audit = memoryAuditLog();
  const outcome = await runEngine(
    {
      mode: 'apply',
      policyFile: writePolicy(policyText),
      redact,
      redactKey: Buffer.from(TEST_REDACT_KEY),
      toolVersion: 't',
    },
    {
      clients: fake.clients,
      clock: virtualClock(),
      destination: audit.destination,
    },
  );
  const { plan, redactor } = outcome;
  return {
    outcome,
    audit: audit.lines,
    outputs: {
      text: renderText(plan, redactor),
      json: renderJson(plan, redactor),
      markdown: renderMarkdown(plan, redactor),
      audit: audit.lines.map((l) => JSON.stringify(l)).join('\n'),
    },
  };
}

const org = (parameters: FakeOrgSpec['parameters']): FakeOrgSpec => ({
  managementAccountId: MGMT,
  accounts: [A, B, C, D, E, F, MGMT].map((id) => ({ id, name: `acct-${id.slice(0, 1)}` })),
  contacts: {
    [A]: { SECURITY: A_SECURITY, OPERATIONS: A_OPERATIONS },
    [C]: { SECURITY: C_SECURITY, OPERATIONS },
  },
  parameters,
  deniedWrites: [D],
  deniedAccounts: [E],
  lostWrites: [F],
});

/**
 * Every way a value could leak: as written, and normalised (lower-case email, bare phone digits), each
 * also Markdown-escaped as the step summary would show it.
 */
function leaks(output: string, contacts: Contact[]): string[] {
  const found: string[] = [];
  const lower = output.toLowerCase();
  for (const contact of contacts) {
    for (const field of CONTACT_FIELDS) {
      const value = contact[field];
      const normal = normaliseField(field, value);
      const forms = [value, normal, escapeMarkdown(value), escapeMarkdown(normal)];
      if (forms.some((form) => output.includes(form) || lower.includes(form.toLowerCase())))
        found.push(`${field}: ${value}`);
    }
  }
  return found;
}

/** How a value appears in an output: the step summary escapes it, the others show it as it is. */
const shown = (name: string, value: string) => (name === 'markdown' ? escapeMarkdown(value) : value);

describe('--redact masks contact values in every output of one run', () => {
  const everyValue = [SECURITY, OPERATIONS, A_SECURITY, A_OPERATIONS, C_SECURITY];

  it('text, JSON, Markdown and every audit line hold masks and no contact value', async () => {
    const { outputs, audit, outcome } = await applyRun(
      org({ '/org/contacts/operations/email': { value: OPERATIONS.email } }),
      POLICY,
      true,
    );
    // The run did everything an apply can: creates, updates, a no-op, failures of each kind. (run.end is
    // the CLI's line, written in its `finally`, and carries counts only: runEngine stops before it.)
    const events = new Set(audit.map((l) => l.event));
    for (const event of [
      'run.start',
      'drift',
      'change.started',
      'change.applied',
      'change.failed',
      'account.error',
    ])
      expect(events).toContain(event);
    expect(outcome.plan.summary).toMatchObject({ create: 8, update: 2, inSync: 2, applied: 6, failed: 6 });

    for (const [name, output] of Object.entries(outputs)) {
      expect({ name, leaks: leaks(output, everyValue) }).toEqual({ name, leaks: [] });
      expect(output, name).toMatch(
        name === 'markdown' ? /\\\[redacted\\:[0-9a-f]{8}\\\]/ : /\[redacted:[0-9a-f]{8}\]/,
      );
    }
    for (const line of audit.filter((l) => l.event === 'drift' || String(l.event).startsWith('change.'))) {
      for (const contact of [line.before, line.after].filter((c) => c !== null) as Contact[])
        for (const value of Object.values(contact)) expect(value).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    }
  });

  it('gives different values different masks and equal values (after normalising) the same mask', async () => {
    const { outputs } = await applyRun(
      org({ '/org/contacts/operations/email': { value: OPERATIONS.email } }),
      POLICY,
      true,
    );
    const doc = JSON.parse(outputs.json);
    const item = (id: string, type: string) =>
      doc.accounts
        .find((a: { accountId: string }) => a.accountId === id)
        .items.find((i: { type: string }) => i.type === type);
    const updated = item(A, 'SECURITY');
    expect(updated.changedFields).toEqual(['name', 'title', 'email', 'phone']);
    for (const field of CONTACT_FIELDS) {
      expect(updated.before[field]).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
      expect(updated.before[field]).not.toBe(updated.after[field]);
    }
    expect(updated.after.email).toBe(testMask('email', SECURITY.email));
    expect(item(A, 'OPERATIONS').after.email).not.toBe(updated.after.email);
    // C holds the policy's email in capitals: same normalised value, same mask as the policy's.
    expect(item(C, 'SECURITY').before.email).toBe(item(B, 'SECURITY').after.email);
    expect(item(C, 'SECURITY').before.phone).toBe(item(B, 'SECURITY').after.phone);
  });
});

describe('without --redact', () => {
  const SECRET = 'sentinel-desk@acme.internal';
  const PLAIN = 'watch-rota@acme.internal';
  const SSM_POLICY = POLICY.replace(
    `email: ${SECURITY.email}`,
    'email: { ssm: /org/contacts/security/email }',
  );

  async function ssmRun() {
    return applyRun(
      {
        ...org({
          '/org/contacts/security/email': { value: SECRET, secure: true },
          '/org/contacts/operations/email': { value: PLAIN },
        }),
        // C holds the secret address written differently: it must be masked too.
        contacts: {
          [A]: { SECURITY: A_SECURITY, OPERATIONS: A_OPERATIONS },
          [C]: { SECURITY: { ...SECURITY, email: 'Sentinel-Desk@Acme.INTERNAL' }, OPERATIONS },
        },
      },
      SSM_POLICY,
      false,
    );
  }

  it('never shows a SecureString value, in any case, in any output or audit line', async () => {
    const { outputs, outcome } = await ssmRun();
    expect(outcome.plan.summary.applied).toBe(6);
    for (const [name, output] of Object.entries(outputs)) {
      expect(output.toLowerCase(), name).not.toContain(SECRET);
      expect(output.toLowerCase(), name).not.toContain(escapeMarkdown(SECRET));
      expect(output, name).toContain(shown(name, testMask('email', SECRET)));
    }
  });

  it('shows plain String SSM values, literals and current values in clear', async () => {
    const { outputs } = await ssmRun();
    for (const [name, output] of Object.entries(outputs)) {
      expect(output, name).toContain(shown(name, PLAIN));
      expect(output, name).toContain(shown(name, SECURITY.name));
      expect(output, name).toContain(shown(name, OPERATIONS.phone));
      expect(output, name).toContain(shown(name, A_SECURITY.email));
    }
    // Only the secret is masked.
    expect(outputs.text).toContain(`      ~ email: "${A_SECURITY.email}" → "${testMask('email', SECRET)}"`);
    expect(outputs.text).toContain(`      ~ email: "${A_OPERATIONS.email}" → "${PLAIN}"`);
  });
});
