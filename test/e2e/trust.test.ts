// End to end (the built CLI against moto, behind the AWS-faithful proxy): can a reviewer trust what the
// plan says? Selectors that match nothing are named in every output and refused with --strict; masks are
// keyed (no plain hash of a contact value anywhere) and a redacted saved plan applies only with its key;
// a member-controlled contact is inert in the step summary; and every count in the text, JSON and
// Markdown views adds up, for runs with every kind of skip and of write not made.

import { createHash, createHmac } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AccountClient, PutAlternateContactCommand } from '@aws-sdk/client-account';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact, ContactField, Reason, ReportItem, RunReport } from '../../src/core/types.js';
import { describeReason } from '../../src/render/reasons.js';
import { eventsOf, lastRun, readAudit } from '../support/audit.js';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import {
  type CliResult,
  cliEnv,
  describeResult,
  makeTempDir,
  parseJsonOutput,
  pollUntil,
  removeDir,
  runCli,
  spawnCli,
} from '../support/cli.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  type ContactSpec,
  type ContactType,
  contactsYaml,
  fakeAwsEnv,
  type OrgSpec,
  type SeededOrg,
  seedOrganization,
  TEST_CREDENTIALS,
  TEST_REGION,
} from '../support/seed.js';
import {
  allItems,
  jsonCountProblems,
  markdownCountProblems,
  parseMarkdownView,
  parseTextView,
  type SummaryLineCounts,
  textCountProblems,
  unescapeMarkdown,
} from '../support/trust-views.js';

// Contacts that pass every lint rule (no placeholder domain or fiction-range phone, no shared details), so
// that an exit 65 under --strict can only come from the selectors.
const SECURITY: ContactSpec = {
  name: 'Security Operations',
  title: 'Security Team',
  email: 'security@corp.internal',
  phone: '+1 206 555 0300',
};
const OPERATIONS: ContactSpec = {
  name: 'Platform On-Call',
  title: 'Operations',
  email: 'ops-oncall@corp.internal',
  phone: '+1 206 555 0400',
};
/** Differs from SECURITY in every field, and in case and punctuation from its own normalised form. */
const FORMER: ContactSpec = {
  name: ' Jordan Example ',
  title: 'Security Engineer',
  email: 'Jordan.Former@Corp.Internal',
  phone: '+1 (206) 555-0199',
};
const THIRD: ContactSpec = {
  name: 'Someone Else',
  title: 'Security Engineer',
  email: 'someone.else@corp.internal',
  phone: '+1 206 555 0111',
};

/** The proxy does not throttle here: the client's pacing is raised so tag and OU reads do not take seconds. */
const FAST = `  rateLimits:
    organizations: { perSecond: 100, burst: 100 }
    getAlternateContact: { perSecond: 100, burst: 100 }
    putAlternateContact: { perSecond: 100, burst: 100 }
`;

const KEY = 'trust-e2e-redact-key-0123456789abcdef';
const OTHER_KEY = 'another-redact-key-fedcba9876543210xyz';

const MASK = /\[redacted:([0-9a-f]{8})\]/g;
const FIELDS: readonly ContactField[] = ['name', 'title', 'email', 'phone'];
const specFields = (c: ContactSpec) => FIELDS.map((f) => [f, c[f]] as const);

/** The brief's normalisation: trim; email lower-case; phone without spaces, hyphens, dots, parentheses. */
function normalise(field: ContactField, value: string): string {
  const trimmed = value.trim();
  if (field === 'email') return trimmed.toLowerCase();
  if (field === 'phone') return trimmed.replace(/[\s\-.()]/g, '');
  return trimmed;
}
const sha8 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
const hmac8 = (key: string, text: string) =>
  createHmac('sha256', key).update(text, 'utf8').digest('hex').slice(0, 8);

/** The first 8 hex digits of an unkeyed SHA-256 of each value, raw and normalised: none may appear. */
function plainHashes(contacts: readonly ContactSpec[]): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const contact of contacts) {
    for (const [field, value] of specFields(contact)) {
      hashes.set(sha8(value), `sha256(${JSON.stringify(value)})`);
      hashes.set(sha8(normalise(field, value)), `sha256(normalised ${JSON.stringify(value)})`);
    }
  }
  return hashes;
}
function plainHashesIn(text: string, hashes: Map<string, string>): string[] {
  return [...hashes].filter(([hex]) => text.includes(hex)).map(([hex, what]) => `${hex} = ${what}`);
}

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)(
  'enforce: trust what the plan says',
  () => {
    let moto: MotoServer;
    let proxy: AwsProxy;
    let org: SeededOrg;
    let dir: string | undefined;
    let logFile: string;
    let runs = 0;

    interface Run extends CliResult {
      /** This run's step summary (GITHUB_STEP_SUMMARY of its own). */
      markdown: string;
    }

    const id = (name: string) => (name === 'master' ? org.managementAccountId : org.accounts[name]!);

    async function fresh(spec: OrgSpec, policy: (org: SeededOrg) => string): Promise<void> {
      await moto.reset();
      org = await seedOrganization(moto.endpoint, spec);
      proxy.reset();
      proxy.configure({ managementAccountId: org.managementAccountId, trustedAccess: true });
      await removeDir(dir);
      dir = await makeTempDir('enforce-e2e-trust-');
      logFile = join(dir, 'audit.ndjson');
      await writeFile(join(dir, 'contacts.yaml'), policy(org), 'utf8');
    }

    const runArgs = (args: readonly string[]) => [
      ...args,
      '--policy',
      'contacts.yaml',
      '--log-file',
      logFile,
      '--no-progress',
    ];
    function runEnv(summaryFile: string, env: Record<string, string>) {
      // No ENFORCE_REDACT_KEY of the machine running the tests: only the one a test gives.
      const base = cliEnv(fakeAwsEnv(proxy.endpoint), { GITHUB_STEP_SUMMARY: summaryFile, ...env });
      if (env.ENFORCE_REDACT_KEY === undefined) delete base.ENFORCE_REDACT_KEY;
      return base;
    }
    const readSummary = (file: string) => readFile(file, 'utf8').catch(() => '');

    async function cli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
      runs += 1;
      const summaryFile = join(dir!, `summary-${runs}.md`);
      const result = await runCli(runArgs(args), {
        env: runEnv(summaryFile, env),
        cwd: dir!,
        timeoutMs: 90_000,
      });
      return { ...result, markdown: await readSummary(summaryFile) };
    }

    /** Writes a contact straight into moto: someone editing an account behind the tool's back. */
    async function putContact(accountId: string, type: ContactType, c: ContactSpec): Promise<void> {
      const client = new AccountClient({
        endpoint: moto.endpoint,
        region: TEST_REGION,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      });
      try {
        await client.send(
          new PutAlternateContactCommand({
            AccountId: accountId,
            AlternateContactType: type,
            Name: c.name,
            Title: c.title,
            EmailAddress: c.email,
            PhoneNumber: c.phone,
          }),
        );
      } finally {
        client.destroy();
      }
    }

    const puts = () => proxy.stats().PutAlternateContact?.received ?? 0;

    beforeAll(async () => {
      moto = await startMoto();
      // Latency, when a test sets it, holds only the operations named in faultOperations (writes by default).
      proxy = await startAwsProxy({
        target: moto.endpoint,
        validate: true,
        trustedAccess: true,
        faultOperations: ['PutAlternateContact'],
      });
    });

    afterAll(async () => {
      await proxy?.stop();
      await moto?.stop();
      await removeDir(dir);
    });

    // --- 1. selectors that match nothing ----------------------------------------------------------------

    describe('selectors that match no account', () => {
      const UNKNOWN_OU = 'ou-zz99-zz99zz99';
      const NOT_A_MEMBER = '999999999999';
      const VENDOR_SECURITY: ContactSpec = {
        name: 'Vendor Security Desk',
        title: 'Vendor',
        email: 'security-desk@vendor.internal',
        phone: '+1 206 555 0700',
      };
      const SELECTOR_ORG: OrgSpec = {
        ous: [{ name: 'Workloads' }],
        accounts: [
          { name: 'member', email: 'aws+member@example.com', ou: 'Workloads', tags: { team: 'blue' } },
          // The account the policy means to exempt: its tag is right, the policy's value is misspelt.
          {
            name: 'vendor',
            email: 'aws+vendor@example.com',
            tags: { 'contact-policy': 'exempt' },
            contacts: { SECURITY: VENDOR_SECURITY },
          },
        ],
      };
      // Two selectors that match (no warning) next to three that match nothing.
      const selectorPolicy = (seeded: SeededOrg) => `version: 1
${contactsYaml({ security: SECURITY })}scope:
  exclude:
    tags: { contact-policy: exmept }
    ous: ["${UNKNOWN_OU}"]
overrides:
  - match: { ous: ["${seeded.ous.Workloads}"] }
    contacts:
      security: { title: Workloads Security }
  - match: { accounts: ["${NOT_A_MEMBER}"] }
    contacts:
      security: { title: Vendor Security }
  - match: { tags: { team: blue } }
    contacts:
      security: { name: Blue Team Security }
settings:
${FAST}`;
      const UNMATCHED = ['overrides.1.match.accounts', 'scope.exclude.ous', 'scope.exclude.tags'];
      /** What each unmatched selector's message must name. */
      const NAMES: Record<string, RegExp> = {
        'scope.exclude.tags': /contact-policy.*exmept/,
        'scope.exclude.ous': new RegExp(UNKNOWN_OU),
        'overrides.1.match.accounts': new RegExp(NOT_A_MEMBER),
      };

      beforeAll(async () => {
        await fresh(SELECTOR_ORG, selectorPolicy);
        expect(Object.values(org.accounts)).not.toContain(NOT_A_MEMBER);
        expect(org.managementAccountId).not.toBe(NOT_A_MEMBER);
        expect(Object.values(org.ous)).not.toContain(UNKNOWN_OU);
      }, 120_000);

      it('a dry-run names each one: stderr, the text Warnings: block, JSON warnings, step summary, audit policy.warning', async () => {
        const text = await cli(['--dry-run']);
        expect(text.code, describeResult(text)).toBe(0);

        // stderr: one `warning: … [unmatched-selector]` line per selector, naming it.
        const stderrWarnings = text.stderr.split('\n').filter((l) => l.includes('[unmatched-selector]'));
        expect(stderrWarnings.every((l) => l.startsWith('warning: '))).toBe(true);
        for (const path of UNMATCHED) {
          const line = stderrWarnings.find((l) => l.includes(`: ${path}: `));
          expect(line, `stderr has no warning for ${path}:\n${text.stderr}`).toBeDefined();
          expect(line).toMatch(NAMES[path]!);
        }
        expect(stderrWarnings).toHaveLength(3);

        // The text plan: a Warnings: block with each path, and the account meant to be exempt is updated.
        const view = parseTextView(text.stdout);
        expect(view.warnings.map((w) => w.slice(0, w.indexOf(':'))).sort()).toEqual(UNMATCHED);
        for (const path of UNMATCHED)
          expect(view.warnings.find((w) => w.startsWith(`${path}:`))).toMatch(NAMES[path]!);
        expect(text.stdout).toContain(`  # ${id('vendor')} (vendor)\n  ~ security contact will be updated`);

        // The step summary: a Warnings section with each path and what it names (Markdown-escaped).
        const markdown = parseMarkdownView(text.markdown);
        expect(markdown.warnings.map((w) => w.slice(0, w.indexOf(':'))).sort()).toEqual(UNMATCHED);
        for (const path of UNMATCHED)
          expect(markdown.warnings.find((w) => w.startsWith(`${path}:`))).toMatch(NAMES[path]!);

        // The audit log: one policy.warning line per selector, with its path and message.
        const audit = eventsOf(lastRun(await readAudit(logFile)), 'policy.warning');
        expect(audit.map((line) => line.path).sort()).toEqual(UNMATCHED);
        for (const line of audit) expect(line.message).toMatch(NAMES[line.path as string]!);

        // The JSON document: top-level warnings [{ path, message }], and nothing unchecked.
        const json = await cli(['--dry-run', '--output', 'json']);
        expect(json.code, describeResult(json)).toBe(0);
        const plan = parseJsonOutput<RunReport>(json);
        expect(plan.warnings.map((w) => w.path).sort()).toEqual(UNMATCHED);
        for (const w of plan.warnings) {
          expect(Object.keys(w).sort()).toEqual(['message', 'path']);
          expect(w.message).toMatch(NAMES[w.path]!);
        }
        expect(plan.notChecked).toEqual([]);
        expect(proxy.ledger).toEqual([]);
      });

      it('--apply --strict: exit 65 naming the paths, zero PutAlternateContact', async () => {
        // The policy passes every contact-quality rule: an exit 65 can only be the selectors'.
        const validate = await runCli(['validate', '--policy', 'contacts.yaml', '--strict'], {
          env: runEnv(join(dir!, 'validate.md'), {}),
          cwd: dir!,
        });
        expect(validate.code, describeResult(validate)).toBe(0);

        proxy.reset();
        const strict = await cli(['--apply', '--strict']);
        expect(strict.code, describeResult(strict)).toBe(65);
        for (const path of UNMATCHED) expect(strict.stderr).toContain(path);
        expect(strict.stderr).toMatch(/exmept/);
        expect(puts()).toBe(0);
        expect(proxy.ledger).toEqual([]);
        const run = lastRun(await readAudit(logFile));
        expect(eventsOf(run, 'change.started')).toEqual([]);
        expect(run.at(-1)).toMatchObject({ event: 'run.end', exitCode: 65 });
      });

      it('--apply --plan --strict of a plan made with those selectors: exit 65, zero PutAlternateContact', async () => {
        const made = await cli(['--dry-run', '--plan-out', 'selectors-plan.json']);
        expect(made.code, describeResult(made)).toBe(0);
        proxy.reset();
        const strict = await cli(['--apply', '--plan', 'selectors-plan.json', '--strict']);
        expect(strict.code, describeResult(strict)).toBe(65);
        for (const path of UNMATCHED) expect(strict.stderr).toContain(path);
        expect(puts()).toBe(0);
        expect(proxy.ledger).toEqual([]);
      });

      it('--apply --plan of a plan made with those selectors still names them (stderr, Warnings:, step summary)', async () => {
        const made = await cli(['--dry-run', '--plan-out', 'selectors-plan-2.json']);
        expect(made.code, describeResult(made)).toBe(0);
        const apply = await cli(['--apply', '--plan', 'selectors-plan-2.json']);
        expect(apply.code, describeResult(apply)).toBe(0);
        const stderrWarnings = apply.stderr.split('\n').filter((l) => l.includes('[unmatched-selector]'));
        expect(stderrWarnings.map((l) => UNMATCHED.find((p) => l.includes(`: ${p}: `))).sort()).toEqual(
          UNMATCHED,
        );
        expect(
          parseTextView(apply.stdout)
            .warnings.map((w) => w.slice(0, w.indexOf(':')))
            .sort(),
        ).toEqual(UNMATCHED);
        expect(
          parseMarkdownView(apply.markdown)
            .warnings.map((w) => w.slice(0, w.indexOf(':')))
            .sort(),
        ).toEqual(UNMATCHED);
      });

      it('under --accounts ONE, notChecked says which checks could not be made', async () => {
        const result = await cli(['--dry-run', '--output', 'json', '--accounts', id('member')]);
        expect(result.code, describeResult(result)).toBe(0);
        const plan = parseJsonOutput<RunReport>(result);
        expect(plan.accounts.map((a) => a.accountId)).toEqual([id('member')]);
        // Each unmatched selector is either reported unmatched or said to be unchecked; only one account was
        // listed, so none can be called unmatched for sure.
        const unchecked = plan.notChecked.flatMap((n) => n.paths);
        for (const path of UNMATCHED) expect(unchecked, JSON.stringify(plan.notChecked)).toContain(path);
        for (const note of plan.notChecked) expect(note.message).toMatch(/not checked/);
        expect(plan.warnings.map((w) => w.path).filter((p) => unchecked.includes(p))).toEqual([]);
        for (const path of UNMATCHED) expect(result.stderr).toContain(path);
      });
    });

    // --- 2. keyed masks ---------------------------------------------------------------------------------

    describe('redaction masks are keyed', () => {
      const SECRET_PARAMETER = '/org/contacts/operations/email';
      const MASK_ORG: OrgSpec = {
        accounts: [
          { name: 'first', email: 'aws+first@example.com' },
          { name: 'second', email: 'aws+second@example.com' },
          { name: 'former', email: 'aws+former@example.com', contacts: { SECURITY: FORMER } },
        ],
        // Masked in every output whatever --redact says: stored encrypted for a reason.
        parameters: [{ name: SECRET_PARAMETER, value: OPERATIONS.email, type: 'SecureString' }],
      };
      const maskPolicy = () => `version: 1
${contactsYaml({ security: SECURITY, operations: { ...OPERATIONS, email: `{ ssm: ${SECRET_PARAMETER} }` } })}settings:
${FAST}`;
      const VALUES = [SECURITY, OPERATIONS, FORMER];
      const HASHES = plainHashes(VALUES);

      beforeAll(async () => {
        await fresh(MASK_ORG, maskPolicy);
      }, 120_000);

      /** An alternate-contact item: its values are Contacts (this file manages no primary contact). */
      const item = (plan: RunReport, name: string, type: ContactType) =>
        plan.accounts
          .find((a) => a.accountId === id(name))!
          .items.find((i) => i.type === type)! as ReportItem & {
          before: Contact | null;
          after: Contact | null;
        };
      const masksOf = (text: string) => [...text.matchAll(MASK)].map((m) => m[1]!);

      async function redactedPlan(args: string[], env: Record<string, string>) {
        const run = await cli(['--dry-run', '--output', 'json', ...args], env);
        expect(run.code, describeResult(run)).toBe(0);
        expect(plainHashesIn(run.stdout, HASHES)).toEqual([]);
        expect(plainHashesIn(run.markdown, HASHES)).toEqual([]);
        expect(plainHashesIn(await readFile(logFile, 'utf8'), HASHES)).toEqual([]);
        return { run, plan: parseJsonOutput<RunReport>(run) };
      }

      it('without ENFORCE_REDACT_KEY masks differ between runs; with one they agree; none is a plain hash', async () => {
        const r1 = await redactedPlan(['--redact'], {});
        const r2 = await redactedPlan(['--redact'], {});
        const k1 = await redactedPlan(['--redact'], { ENFORCE_REDACT_KEY: KEY });
        const k2 = await redactedPlan(['--redact'], { ENFORCE_REDACT_KEY: KEY });

        for (const { plan } of [r1, r2, k1, k2]) {
          // Every field of every value shown is masked.
          for (const i of allItems(plan))
            for (const c of [i.before, i.after] as (Contact | null)[])
              if (c !== null)
                for (const f of FIELDS)
                  expect(c[f], `${i.accountId}/${i.type}.${f}`).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
          // One value, one mask, within a run.
          expect(item(plan, 'first', 'SECURITY').after).toEqual(item(plan, 'second', 'SECURITY').after);
        }

        // Without a key: a random key per run, so the same value gets another mask in the next run.
        const a = item(r1.plan, 'first', 'SECURITY').after!;
        const b = item(r2.plan, 'first', 'SECURITY').after!;
        for (const f of FIELDS) expect(a[f], f).not.toBe(b[f]);
        const formerA = item(r1.plan, 'former', 'SECURITY').before!;
        const formerB = item(r2.plan, 'former', 'SECURITY').before!;
        for (const f of FIELDS) expect(formerA[f], f).not.toBe(formerB[f]);

        // With ENFORCE_REDACT_KEY: the same masks in both runs, HMAC-SHA256(key, normalised value).
        expect(k2.plan.accounts).toEqual(k1.plan.accounts);
        const expected = (c: ContactSpec) =>
          Object.fromEntries(specFields(c).map(([f, v]) => [f, `[redacted:${hmac8(KEY, normalise(f, v))}]`]));
        expect(item(k1.plan, 'first', 'SECURITY').after).toEqual(expected(SECURITY));
        expect(item(k1.plan, 'first', 'OPERATIONS').after).toEqual(expected(OPERATIONS));
        expect(item(k1.plan, 'former', 'SECURITY').before).toEqual(expected(FORMER));

        // No mask of any run is the first 8 hex digits of a plain SHA-256 of a value, raw or normalised.
        const masks = [r1, r2, k1, k2].flatMap(({ run }) => masksOf(run.stdout));
        expect(masks.length).toBeGreaterThan(0);
        expect(masks.filter((m) => HASHES.has(m))).toEqual([]);
        // The step summary of a redacted run holds masks, not values.
        expect(masksOf(unescapeMarkdown(k1.run.markdown)).length).toBeGreaterThan(0);
        for (const c of VALUES) expect(k1.run.markdown).not.toContain(c.email.split('@')[0]);
      });

      it('the text view and the audit log use the same keyed masks as the JSON document', async () => {
        const env = { ENFORCE_REDACT_KEY: KEY };
        const { plan } = await redactedPlan(['--redact'], env);
        const text = await cli(['--dry-run', '--redact'], env);
        expect(text.code, describeResult(text)).toBe(0);
        expect(plainHashesIn(text.stdout, HASHES)).toEqual([]);
        const email = item(plan, 'first', 'SECURITY').after!.email;
        expect(email).toBe(`[redacted:${hmac8(KEY, normalise('email', SECURITY.email))}]`);
        expect(text.stdout).toContain(`+ email: "${email}"`);
        const drift = eventsOf(lastRun(await readAudit(logFile)), 'drift');
        expect(drift.length).toBeGreaterThan(0);
        const first = drift.find((l) => l.accountId === id('first') && l.type === 'SECURITY');
        expect(first?.after?.email).toBe(email);
        expect(plainHashesIn(await readFile(logFile, 'utf8'), HASHES)).toEqual([]);
      });

      it('a SecureString value is masked with the keyed hash even without --redact', async () => {
        const { plan, run } = await redactedPlan([], { ENFORCE_REDACT_KEY: KEY });
        const operations = item(plan, 'first', 'OPERATIONS').after!;
        expect(operations).toEqual({
          ...OPERATIONS,
          email: `[redacted:${hmac8(KEY, normalise('email', OPERATIONS.email))}]`,
        });
        expect(run.stdout).not.toContain(OPERATIONS.email);
        expect(run.markdown).not.toContain(OPERATIONS.email.split('@')[0]);
        expect(await readFile(logFile, 'utf8')).not.toContain(OPERATIONS.email);
      });

      it('--redact=email,phone masks only those fields', async () => {
        const { plan } = await redactedPlan(['--redact=email,phone'], { ENFORCE_REDACT_KEY: KEY });
        const security = item(plan, 'first', 'SECURITY').after!;
        expect(security).toEqual({
          name: SECURITY.name,
          title: SECURITY.title,
          email: `[redacted:${hmac8(KEY, normalise('email', SECURITY.email))}]`,
          phone: `[redacted:${hmac8(KEY, normalise('phone', SECURITY.phone))}]`,
        });
        const former = item(plan, 'former', 'SECURITY').before!;
        expect([former.name, former.title]).toEqual([FORMER.name, FORMER.title]);
        expect(former.email).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
        expect(former.phone).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
      });

      it('a redacted saved plan applies with its key and is refused with another (exit 1, zero Puts)', async () => {
        const made = await cli(['--dry-run', '--redact', '--plan-out', 'plan.json'], {
          ENFORCE_REDACT_KEY: KEY,
        });
        expect(made.code, describeResult(made)).toBe(0);
        const file = await readFile(join(dir!, 'plan.json'), 'utf8');
        expect(masksOf(file).length).toBeGreaterThan(0);
        expect(plainHashesIn(file, HASHES)).toEqual([]);
        for (const c of VALUES) expect(file).not.toContain(c.email);
        const saved = JSON.parse(file) as RunReport;
        const writes = allItems(saved).filter((i) => i.result === 'planned');
        expect(writes.length).toBeGreaterThan(0);

        proxy.reset();
        for (const env of [{ ENFORCE_REDACT_KEY: OTHER_KEY }, {}] as Record<string, string>[]) {
          const refused = await cli(['--apply', '--plan', 'plan.json'], env);
          expect(refused.code, describeResult(refused)).toBe(1);
          expect(refused.stderr).toMatch(/masks were made with another key/);
          expect(puts()).toBe(0);
        }
        expect(proxy.ledger).toEqual([]);

        const applied = await cli(['--apply', '--plan', 'plan.json', '--output', 'json'], {
          ENFORCE_REDACT_KEY: KEY,
        });
        expect(applied.code, describeResult(applied)).toBe(0);
        const report = parseJsonOutput<RunReport>(applied);
        expect(report.summary.applied).toBe(writes.length);
        expect(report.summary.notWritten.stale).toBe(0);
        const key = (i: { accountId: string; type: string }) => `${i.accountId}/${i.type}`;
        expect(proxy.ledger.map(key).sort()).toEqual(writes.map(key).sort());
        // What reached AWS is the policy in clear, not a mask.
        for (const entry of proxy.ledger) {
          const want = entry.type === 'SECURITY' ? SECURITY : OPERATIONS;
          expect({ name: entry.name, title: entry.title, email: entry.email, phone: entry.phone }).toEqual(
            want,
          );
        }
      });
    });

    // --- 3. an inert step summary -----------------------------------------------------------------------

    describe('member-controlled values in the step summary', () => {
      const EVIL_NAME = '[Approve](https://evil.example/x) <img src=x onerror=alert(1)>';
      const EVIL_ACCOUNT = 'team <b>x</b> [y](https://evil.example/y) | *z*';
      beforeAll(async () => {
        await fresh(
          {
            accounts: [
              {
                name: 'evil',
                email: 'aws+evil@example.com',
                contacts: { SECURITY: { ...SECURITY, name: EVIL_NAME } },
              },
              { name: EVIL_ACCOUNT, email: 'aws+evil-name@example.com', contacts: { SECURITY: FORMER } },
            ],
          },
          () => `version: 1\n${contactsYaml({ security: SECURITY })}settings:\n${FAST}`,
        );
      }, 120_000);

      it('a contact name with a Markdown link and an HTML tag renders as text: no link, no tag', async () => {
        const run = await cli(['--dry-run', '--output', 'json']);
        expect(run.code, describeResult(run)).toBe(0);
        // The precondition: the name is the `before` of an update, and so is in the drift table.
        const evil = parseJsonOutput<RunReport>(run).accounts.find((a) => a.accountId === id('evil'))!;
        expect(evil.items[0]).toMatchObject({ action: 'update', before: { name: EVIL_NAME } });

        const md = run.markdown;
        expect(md).toContain('&lt;img');
        expect(md).not.toContain('<img');
        expect(md).not.toContain('](http');
        expect(md).not.toContain('<b>');
        expect(md).not.toContain('://'); // GFM would link a bare https:// address too
        // The only `<` left is the renderer's own line break inside a table cell.
        expect(md.replaceAll('<br>', '')).not.toContain('<');
        // …and a reader still sees the values as they are.
        const shown = unescapeMarkdown(md);
        expect(shown).toContain(EVIL_NAME);
        expect(shown).toContain(EVIL_ACCOUNT);
      });
    });

    // --- 4. counts that add up --------------------------------------------------------------------------

    describe('counts that add up', () => {
      // Accounts are listed (and, at concurrency 1, scanned) in this order: the ones decided without a
      // contact read come first, so an interrupt during the reads finds their skips already decided.
      const COUNT_ORG: OrgSpec = {
        ous: [{ name: 'Workloads' }, { name: 'Other' }],
        accounts: [
          {
            name: 'retired',
            email: 'aws+retired@example.com',
            ou: 'Workloads',
            suspended: true,
            contacts: { SECURITY: FORMER },
          },
          {
            name: 'exempt-1',
            email: 'aws+exempt-1@example.com',
            ou: 'Workloads',
            tags: { 'contact-policy': 'exempt' },
          },
          {
            name: 'exempt-2',
            email: 'aws+exempt-2@example.com',
            ou: 'Workloads',
            tags: { 'contact-policy': 'exempt' },
            contacts: { SECURITY: FORMER },
          },
          { name: 'elsewhere', email: 'aws+elsewhere@example.com', ou: 'Other' },
          {
            name: 'in-sync',
            email: 'aws+in-sync@example.com',
            ou: 'Workloads',
            contacts: { SECURITY, OPERATIONS },
          },
          {
            name: 'update',
            email: 'aws+update@example.com',
            ou: 'Workloads',
            contacts: { SECURITY: FORMER },
          },
          { name: 'create', email: 'aws+create@example.com', ou: 'Workloads' },
        ],
      };
      // The management account is included by id so that it reaches `managementAccount: skip`.
      const countPolicy = (seeded: SeededOrg) => `version: 1
${contactsYaml({ security: SECURITY, operations: OPERATIONS })}scope:
  include:
    ous: ["${seeded.ous.Workloads}"]
    accounts: ["${seeded.managementAccountId}"]
  exclude:
    tags: { contact-policy: exempt }
settings:
  managementAccount: skip
${FAST}`;

      /** Decided skips of COUNT_ORG: reason → [contacts, accounts]. */
      const NOT_MANAGED: [Reason, number, number][] = [
        ['suspended', 2, 1],
        ['out-of-scope', 2, 1],
        ['excluded', 4, 2],
        ['management-account', 2, 1],
      ];
      const breakdownOf = (entries: readonly [Reason, number, number][]) =>
        entries
          .map(([reason, contacts, accounts]) => ({ contacts, accounts, reason: describeReason(reason) }))
          .sort((x, y) => x.reason.localeCompare(y.reason));
      const sortLines = <T extends { reason: string }>(lines: readonly T[]) =>
        [...lines].sort((x, y) => x.reason.localeCompare(y.reason));

      /** The summary line's numbers, as the JSON document's summary gives them. */
      function lineCountsOf(report: RunReport): SummaryLineCounts {
        const s = report.summary;
        const notWritten =
          s.notWritten.stale +
          s.notWritten['max-changes'] +
          s.notWritten.interrupted +
          s.notWritten['audit-log-failed'];
        // The JSON summary's `skipped` counts every item reported skipped, planned writes not made too;
        // the summary line counts those apart, as not written.
        const common = {
          inSync: s.inSync,
          skipped: s.skipped - notWritten,
          failed: s.failed,
          contacts: s.items,
          accounts: s.accounts,
        };
        return report.mode === 'apply'
          ? { mode: 'apply', applied: s.applied, notWritten, ...common }
          : { mode: 'dry-run', create: s.create, update: s.update, ...common };
      }

      /** Every view of a text run adds up, and its step summary says what its text says. */
      function expectTextRunAddsUp(run: Run, expected: SummaryLineCounts) {
        expect(textCountProblems(run.stdout)).toEqual([]);
        expect(markdownCountProblems(run.markdown)).toEqual([]);
        const text = parseTextView(run.stdout);
        expect(text.summary, text.summaryLine).toEqual(expected);
        expect(parseMarkdownView(run.markdown).summaryLine).toBe(text.summaryLine);
        const notManaged = text.breakdowns.find((b) => b.title === 'Not managed');
        expect(sortLines(notManaged?.lines ?? [])).toEqual(breakdownOf(NOT_MANAGED));
        return text;
      }

      /** Every view of a JSON run adds up, and its step summary agrees with the document's summary. */
      function expectJsonRunAddsUp(run: Run) {
        const report = parseJsonOutput<RunReport>(run);
        expect(jsonCountProblems(report)).toEqual([]);
        expect(markdownCountProblems(run.markdown)).toEqual([]);
        expect(parseMarkdownView(run.markdown).summary).toEqual(lineCountsOf(report));
        // Decided skips keep their reasons, whatever else happened in the run.
        const decided = allItems(report).filter((i) => i.action === 'skip');
        const byReason = (items: readonly ReportItem[]) =>
          Object.fromEntries(
            [...new Set(items.map((i) => i.reason))].map((r) => [
              r,
              items.filter((i) => i.reason === r).length,
            ]),
          );
        expect(byReason(decided)).toEqual(Object.fromEntries(NOT_MANAGED.map(([r, n]) => [r, n])));
        return report;
      }

      const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

      it('a dry-run, a max-changes refusal and an apply: every skip reason, counted in contacts', async () => {
        await fresh(COUNT_ORG, countPolicy);

        const planText = await cli(['--dry-run']);
        expect(planText.code, describeResult(planText)).toBe(0);
        expectTextRunAddsUp(planText, {
          mode: 'dry-run',
          create: 3,
          update: 1,
          inSync: 2,
          skipped: 10,
          failed: 0,
          contacts: 16,
          accounts: 8,
        });
        const planJson = await cli(['--dry-run', '--output', 'json']);
        expect(planJson.code, describeResult(planJson)).toBe(0);
        expect(expectJsonRunAddsUp(planJson).summary).toMatchObject({
          items: 16,
          skipped: 10,
          create: 3,
          update: 1,
        });

        // max-changes refusal: 4 writes, 1 allowed; nothing written, the 4 counted apart as not written.
        const refusedText = await cli(['--apply', '--max-changes', '1']);
        expect(refusedText.code, describeResult(refusedText)).toBe(1);
        expect(errorLines(refusedText.stderr).join('\n')).toMatch(/max-changes/);
        const refused = expectTextRunAddsUp(refusedText, {
          mode: 'apply',
          applied: 0,
          notWritten: 4,
          inSync: 2,
          skipped: 10,
          failed: 0,
          contacts: 16,
          accounts: 8,
        });
        expect(refused.breakdowns.find((b) => b.title === 'Not written')?.lines).toEqual([
          { contacts: 4, accounts: 2, reason: describeReason('max-changes') },
        ]);
        const refusedJson = await cli(['--apply', '--max-changes', '1', '--output', 'json']);
        expect(refusedJson.code, describeResult(refusedJson)).toBe(1);
        expect(errorLines(refusedJson.stderr)).not.toEqual([]);
        expect(expectJsonRunAddsUp(refusedJson).summary.notWritten['max-changes']).toBe(4);
        expect(puts()).toBe(0);

        const applyText = await cli(['--apply']);
        expect(applyText.code, describeResult(applyText)).toBe(0);
        expectTextRunAddsUp(applyText, {
          mode: 'apply',
          applied: 4,
          notWritten: 0,
          inSync: 2,
          skipped: 10,
          failed: 0,
          contacts: 16,
          accounts: 8,
        });
        expect(proxy.ledger).toHaveLength(4);

        // The same apply, seen as JSON: a fresh organization in the same state.
        await fresh(COUNT_ORG, countPolicy);
        const applyJson = await cli(['--apply', '--output', 'json']);
        expect(applyJson.code, describeResult(applyJson)).toBe(0);
        expect(expectJsonRunAddsUp(applyJson).summary).toMatchObject({
          applied: 4,
          inSync: 2,
          skipped: 10,
          failed: 0,
        });
      }, 300_000);

      it('an apply whose writes fail for one account: failed counted once, and exit 1 says why', async () => {
        const failing = async (output: string[]) => {
          await fresh(COUNT_ORG, countPolicy);
          // Every write to `update` fails (500, not applied); one attempt, so the run does not back off.
          proxy.configure({ failPutFor: [id('update')] });
          const run = await cli(['--apply', ...output], { AWS_MAX_ATTEMPTS: '1' });
          expect(run.code, describeResult(run)).toBe(1);
          expect(errorLines(run.stderr).join('\n')).toMatch(/2 contacts failed/);
          expect(proxy.ledger.map((e) => e.accountId)).toEqual([id('create'), id('create')]);
          return run;
        };
        expectTextRunAddsUp(await failing([]), {
          mode: 'apply',
          applied: 2,
          notWritten: 0,
          inSync: 2,
          skipped: 10,
          failed: 2,
          contacts: 16,
          accounts: 8,
        });
        const report = expectJsonRunAddsUp(await failing(['--output', 'json']));
        expect(report.summary).toMatchObject({ applied: 2, failed: 2, inSync: 2, skipped: 10 });
      }, 300_000);

      it('--apply --plan after the organization changed: stale and already-in-sync counted apart', async () => {
        // Make a plan, then edit the organization: `create` gets the policy's security contact (already in
        // sync), `update` a third one (stale: neither the plan's before nor its after).
        const planThenEdit = async () => {
          await fresh(COUNT_ORG, countPolicy);
          const made = await cli(['--dry-run', '--plan-out', 'plan.json']);
          expect(made.code, describeResult(made)).toBe(0);
          await putContact(id('create'), 'SECURITY', SECURITY);
          await putContact(id('update'), 'SECURITY', THIRD);
          proxy.reset();
        };

        await planThenEdit();
        const text = await cli(['--apply', '--plan', 'plan.json']);
        expect(text.code, describeResult(text)).toBe(1);
        expect(errorLines(text.stderr).join('\n')).toMatch(/stale/);
        const view = expectTextRunAddsUp(text, {
          mode: 'apply',
          applied: 2,
          notWritten: 1,
          inSync: 3,
          skipped: 10,
          failed: 0,
          contacts: 16,
          accounts: 8,
        });
        expect(view.breakdowns.find((b) => b.title === 'Not written')?.lines).toEqual([
          { contacts: 1, accounts: 1, reason: describeReason('stale') },
        ]);
        expect(view.breakdowns.find((b) => b.title.startsWith('Already in sync'))?.lines).toEqual([
          { contacts: 1, accounts: 1, reason: describeReason('already-in-sync') },
        ]);
        expect(proxy.ledger.map((e) => `${e.accountId}/${e.type}`).sort()).toEqual(
          [`${id('create')}/OPERATIONS`, `${id('update')}/OPERATIONS`].sort(),
        );

        await planThenEdit();
        const json = await cli(['--apply', '--plan', 'plan.json', '--output', 'json']);
        expect(json.code, describeResult(json)).toBe(1);
        expect(errorLines(json.stderr).join('\n')).toMatch(/stale/);
        const report = expectJsonRunAddsUp(json);
        expect(report.summary).toMatchObject({ applied: 2, inSync: 3, failed: 0 });
        expect(report.summary.notWritten).toMatchObject({ stale: 1, 'already-in-sync': 1, 'max-changes': 0 });
        const sec = (name: string) =>
          report.accounts.find((a) => a.accountId === id(name))!.items.find((i) => i.type === 'SECURITY')!;
        expect(sec('create')).toMatchObject({ result: 'unchanged', reason: 'already-in-sync' });
        expect(sec('update')).toMatchObject({ result: 'skipped', reason: 'stale' });
      }, 300_000);

      /**
       * Starts an apply at concurrency 1 whose requests of `operation` each take 1.5 s, and sends SIGINT as
       * soon as the first of them has reached the proxy.
       */
      async function interrupted(operation: string, args: readonly string[]): Promise<Run> {
        await fresh(COUNT_ORG, countPolicy);
        proxy.configure({ faultOperations: [operation], latencyMs: 1_500 });
        runs += 1;
        const summaryFile = join(dir!, `summary-${runs}.md`);
        const child = spawnCli(runArgs(['--apply', '--concurrency', '1', ...args]), {
          env: runEnv(summaryFile, {}),
          cwd: dir!,
          timeoutMs: 90_000,
        });
        const reached = await pollUntil(() => (proxy.stats()[operation]?.received ?? 0) > 0, {
          attempts: 1_200,
          intervalMs: 25,
        });
        if (!reached) child.child.kill('SIGKILL');
        expect(reached, `no ${operation} reached the proxy within 30 s`).toBe(true);
        child.child.kill('SIGINT');
        const result = await child.done;
        return { ...result, markdown: await readSummary(summaryFile) };
      }

      it('SIGINT during the writes: writes not made counted as interrupted, decided skips keep their reasons', async () => {
        // --max-changes: no write starts before every account was planned, so every skip is decided.
        const args = ['--max-changes', '100'];
        const text = await interrupted('PutAlternateContact', args);
        expect(text.code, describeResult(text)).toBe(130);
        expect(textCountProblems(text.stdout)).toEqual([]);
        expect(markdownCountProblems(text.markdown)).toEqual([]);
        const view = parseTextView(text.stdout);
        expect(view.summary).toMatchObject({ skipped: 10, inSync: 2, failed: 0, contacts: 16, accounts: 8 });
        expect(view.summary!.applied! + view.summary!.notWritten!).toBe(4);
        expect(view.summary!.notWritten).toBeGreaterThan(0);
        expect(view.breakdowns.find((b) => b.title === 'Not written')?.lines.map((l) => l.reason)).toEqual([
          describeReason('interrupted'),
        ]);
        expect(sortLines(view.breakdowns.find((b) => b.title === 'Not managed')?.lines ?? [])).toEqual(
          breakdownOf(NOT_MANAGED),
        );
        expect(parseMarkdownView(text.markdown).summaryLine).toBe(view.summaryLine);

        const json = await interrupted('PutAlternateContact', [...args, '--output', 'json']);
        expect(json.code, describeResult(json)).toBe(130);
        const report = expectJsonRunAddsUp(json);
        expect(report.summary.notWritten.interrupted).toBeGreaterThan(0);
        expect(report.summary.applied + report.summary.notWritten.interrupted).toBe(4);
        expect(report.summary.applied).toBe(proxy.ledger.length);
      }, 300_000);

      it('SIGINT during the contact reads: skips decided before it keep their reasons, the rest is not read', async () => {
        const text = await interrupted('GetAlternateContact', []);
        expect(text.code, describeResult(text)).toBe(130);
        expect(textCountProblems(text.stdout)).toEqual([]);
        expect(markdownCountProblems(text.markdown)).toEqual([]);
        const view = parseTextView(text.stdout);
        expect(view.summary).toMatchObject({ failed: 0, contacts: 16, accounts: 8, applied: 0 });
        const notManaged = view.breakdowns.find((b) => b.title === 'Not managed')?.lines ?? [];
        const notRead = notManaged.filter((l) => l.reason === describeReason('not-read'));
        // `update` and `create` come after the account being read when the signal came: never read.
        expect(notRead.map((l) => l.contacts)[0]).toBeGreaterThanOrEqual(4);
        expect(sortLines(notManaged.filter((l) => l.reason !== describeReason('not-read')))).toEqual(
          breakdownOf(NOT_MANAGED),
        );
        expect(parseMarkdownView(text.markdown).summaryLine).toBe(view.summaryLine);

        const json = await interrupted('GetAlternateContact', ['--output', 'json']);
        expect(json.code, describeResult(json)).toBe(130);
        const report = parseJsonOutput<RunReport>(json);
        expect(jsonCountProblems(report)).toEqual([]);
        expect(markdownCountProblems(json.markdown)).toEqual([]);
        expect(parseMarkdownView(json.markdown).summary).toEqual(lineCountsOf(report));
        const reasons = (name: string) =>
          report.accounts.find((a) => a.accountId === id(name))!.items.map((i) => i.reason);
        expect(reasons('master')).toEqual(['management-account', 'management-account']);
        expect(reasons('retired')).toEqual(['suspended', 'suspended']);
        expect(reasons('exempt-1')).toEqual(['excluded', 'excluded']);
        expect(reasons('exempt-2')).toEqual(['excluded', 'excluded']);
        expect(reasons('elsewhere')).toEqual(['out-of-scope', 'out-of-scope']);
        expect(reasons('update')).toEqual(['not-read', 'not-read']);
        expect(reasons('create')).toEqual(['not-read', 'not-read']);
        expect(proxy.ledger).toEqual([]);
      }, 300_000);
    });
  },
);
