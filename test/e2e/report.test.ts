// End to end: `enforce report` of a seeded organization (the built CLI against moto, behind the proxy).
// The CSV, the OCSF findings and the HTML page must agree with each other and with the truth of the seed,
// and the HTML is opened (and screenshotted) in headless Chromium, offline.

import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../support/audit.js';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import { findChromium, runChromium } from '../support/chromium.js';
import { type CliResult, cliEnv, describeResult, makeTempDir, removeDir, runCli } from '../support/cli.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  type ContactSpec,
  type ContactType,
  contactsYaml,
  fakeAwsEnv,
  type OrgSpec,
  type SeededOrg,
  seedOrganization,
} from '../support/seed.js';

const SECURITY: ContactSpec = {
  name: 'Security Operations',
  title: 'Security Team',
  email: 'security@example.com',
  phone: '+1-206-555-7100',
};
const OPERATIONS: ContactSpec = {
  name: 'Platform On-Call',
  title: 'Operations',
  email: 'ops-oncall@example.com',
  phone: '+1-206-555-7200',
};
const FORMER: ContactSpec = {
  name: 'Jordan Example',
  title: 'Former Engineer',
  email: 'jordan.former@example.com',
  phone: '+1-206-555-7300',
};

const ORG: OrgSpec = {
  ous: [{ name: 'Workloads', children: [{ name: 'Prod' }] }, { name: 'Sandbox' }],
  managementContacts: { SECURITY },
  accounts: [
    { name: 'prod-a', email: 'aws+prod-a@example.com', ou: 'Prod', contacts: { SECURITY, OPERATIONS } },
    {
      name: 'prod-b',
      email: 'aws+prod-b@example.com',
      ou: 'Prod',
      contacts: { SECURITY: FORMER, OPERATIONS },
    },
    { name: 'work', email: 'aws+work@example.com', ou: 'Workloads', contacts: { SECURITY } },
    { name: 'sbx', email: 'aws+sbx@example.com', ou: 'Sandbox', contacts: { OPERATIONS: FORMER } },
    { name: 'root-level', email: 'aws+root-level@example.com' },
    {
      name: 'closed',
      email: 'aws+closed@example.com',
      ou: 'Sandbox',
      suspended: true,
      contacts: { SECURITY },
    },
  ],
};
const TYPES: ContactType[] = ['SECURITY', 'OPERATIONS'];
const DESIRED: Record<string, ContactSpec> = { SECURITY, OPERATIONS };

const POLICY = `version: 1
${contactsYaml({ security: SECURITY, operations: OPERATIONS })}settings:
  managementAccount: manage
`;

/** The truth of the seed: each account × type's status, from what was put, not from what enforce says. */
function seedTruth(org: SeededOrg): Map<string, string> {
  const truth = new Map<string, string>();
  const judge = (put: ContactSpec | undefined, type: ContactType) =>
    put === undefined
      ? 'missing'
      : JSON.stringify(put) === JSON.stringify(DESIRED[type])
        ? 'compliant'
        : 'drift';
  for (const type of TYPES) {
    truth.set(`${org.managementAccountId}/${type}`, judge(ORG.managementContacts?.[type], type));
    for (const account of ORG.accounts!) {
      const id = org.accounts[account.name]!;
      truth.set(`${id}/${type}`, account.suspended ? 'skipped' : judge(account.contacts?.[type], type));
    }
  }
  return truth;
}

const OU_PATHS: Record<string, string> = {
  'prod-a': 'Workloads/Prod',
  'prod-b': 'Workloads/Prod',
  work: 'Workloads',
  sbx: 'Sandbox',
  'root-level': '',
  closed: 'Sandbox',
};

function parseCsv(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trimEnd().split('\r\n');
  const columns = header!.split(',');
  return lines.map((line) => {
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.slice(0, columns.length);
    const values = cells.map((c) =>
      c
        .replace(/,$/, '')
        .replace(/^"(.*)"$/, '$1')
        .replaceAll('""', '"'),
    );
    return Object.fromEntries(columns.map((column, i) => [column, values[i] ?? '']));
  });
}

const OCSF_STATUS: Record<string, string> = {
  compliant: 'Pass',
  drift: 'Fail',
  missing: 'Fail',
  error: 'Warning',
  skipped: 'Skipped',
};

function countsOf(statuses: Iterable<[string, string]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [key, status] of statuses) {
    const k = `${key.split('/')[1]}/${status}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

const chromium = findChromium();
const required = process.env.ENFORCE_REQUIRE_E2E === '1';

describe.skipIf(!isMotoAvailable() && !required)('enforce report of a seeded organization', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let org: SeededOrg;
  let dir: string;
  let logFile: string;
  let truth: Map<string, string>;

  const cli = (...args: string[]): Promise<CliResult> =>
    runCli(['report', ...args, '--policy', 'contacts.yaml', '--log-file', logFile, '--no-progress'], {
      env: cliEnv(fakeAwsEnv(proxy.endpoint)),
      cwd: dir,
    });

  beforeAll(async () => {
    moto = await startMoto();
    org = await seedOrganization(moto.endpoint, ORG);
    proxy = await startAwsProxy({
      target: moto.endpoint,
      managementAccountId: org.managementAccountId,
      validate: true,
    });
    dir = await makeTempDir();
    logFile = join(dir, 'audit.ndjson');
    await writeFile(join(dir, 'contacts.yaml'), POLICY, 'utf8');
    truth = seedTruth(org);
  });

  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
    await removeDir(dir);
  });

  let csvRows: Record<string, string>[];

  it('CSV: every account × type, with the status the seed implies and the OU path by names', async () => {
    const result = await cli('--format', 'csv', '--out', 'report.csv');
    expect(result.code, describeResult(result)).toBe(0);
    csvRows = parseCsv(await readFile(join(dir, 'report.csv'), 'utf8'));
    const statuses = new Map(csvRows.map((r) => [`${r.accountId}/${r.type}`, r.status!]));
    expect(statuses).toEqual(truth);
    for (const account of ORG.accounts!) {
      const row = csvRows.find((r) => r.accountId === org.accounts[account.name]);
      expect(row?.ouPath, account.name).toBe(OU_PATHS[account.name]);
    }
    const security = csvRows.filter((r) => r.type === 'SECURITY');
    expect(security.every((r) => r.controls === 'CIS-1.2;SecurityHub-Account.1')).toBe(true);
    expect(csvRows.filter((r) => r.status !== 'skipped').every((r) => r.readAt !== '')).toBe(true);
  });

  it('OCSF: one finding per CSV row, with the same status', async () => {
    const result = await cli('--format', 'ocsf');
    expect(result.code, describeResult(result)).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    const ocsf = new Map(
      events.map((e) => [`${e.resources[0].uid}/${e.resources[0].data.contactType}`, e.compliance.status]),
    );
    expect(ocsf).toEqual(new Map([...truth].map(([key, status]) => [key, OCSF_STATUS[status]])));
    expect(events.every((e) => e.class_uid === 2003 && e.cloud.org.uid === org.organizationId)).toBe(true);
  });

  it('HTML: the counts per type and status are the CSV’s (and the seed’s)', async () => {
    const result = await cli('--format', 'html', '--out', 'report.html');
    expect(result.code, describeResult(result)).toBe(0);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    const counts = countsOf(csvRows.map((r) => [`${r.accountId}/${r.type}`, r.status!]));
    expect(counts).toEqual(countsOf(truth));
    for (const [key, n] of counts) {
      const [type, status] = key.split('/');
      expect(html).toContain(`<td class="n" data-type="${type}" data-status="${status}">${n}</td>`);
    }
    const accounts = ORG.accounts!.length + 1;
    const compliant = counts.get('SECURITY/compliant') ?? 0;
    expect(html).toContain(
      `${compliant} of ${accounts} accounts have a Security contact equal to the policy`,
    );
  });

  it('audits the report as a dry-run: run.start says report, run.end the controls; nothing written', async () => {
    const lines = await readAudit(logFile);
    const starts = lines.filter((l) => l.event === 'run.start');
    expect(starts.map((l) => (l.report as { format: string }).format)).toEqual(['csv', 'ocsf', 'html']);
    expect(starts.every((l) => l.mode === 'dry-run')).toBe(true);
    const ends = lines.filter((l) => l.event === 'run.end');
    expect(ends).toHaveLength(3);
    for (const end of ends) {
      expect(end).toMatchObject({
        exitCode: 0,
        controls: { SECURITY: ['CIS-1.2', 'SecurityHub-Account.1'], OPERATIONS: [] },
      });
    }
    expect(lines.filter((l) => l.event.startsWith('change.'))).toEqual([]);
    const verify = await runCli(['audit', 'verify', logFile], { env: cliEnv({}), cwd: dir });
    expect(verify.code, describeResult(verify)).toBe(0);
  });

  describe.skipIf(!chromium && !required)('in headless Chromium, offline', () => {
    it('renders with the CSV’s numbers, filters by the link’s fragment, and screenshots', async () => {
      if (!chromium)
        throw new Error('ENFORCE_REQUIRE_E2E=1 but chromium is not installed (apt-get install -y chromium)');
      const url = pathToFileURL(join(dir, 'report.html')).href;
      const dom = await runChromium(chromium, ['--dump-dom', `${url}#status=drift`]);
      expect(dom).toContain('data-filters="ready"');
      const drift = csvRows.filter((r) => r.status === 'drift').length;
      expect(drift).toBeGreaterThan(0);
      expect(dom).toContain(`<output id="shown">${drift}</output>`);
      const counts = countsOf(csvRows.map((r) => [`${r.accountId}/${r.type}`, r.status!]));
      for (const [key, n] of counts) {
        const [type, status] = key.split('/');
        expect(dom).toContain(`<td class="n" data-type="${type}" data-status="${status}">${n}</td>`);
      }
      const png = join(dir, 'report.png');
      await runChromium(chromium, ['--window-size=1280,1200', `--screenshot=${png}`, url]);
      expect((await stat(png)).size).toBeGreaterThan(10_000);
      expect((await readFile(png)).subarray(1, 4).toString()).toBe('PNG');
    });
  });
});
