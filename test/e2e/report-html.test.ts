import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.js';
import { findChromium, runChromium } from '../support/chromium.js';
import { issueOrganization, POLICY_SHA } from '../support/report.js';

/**
 * The HTML report in a real browser (Debian's chromium, headless, no network): it renders, its script
 * runs under its own CSP, and the numbers on the page equal the CSV's.
 */
const chromium = findChromium();
const required = process.env.ENFORCE_REQUIRE_E2E === '1';
if (!chromium && !required) {
  console.warn(
    'report-html e2e skipped: chromium not found (apt-get install -y chromium, or set ENFORCE_CHROMIUM)',
  );
}

const OUT = join(tmpdir(), 'enforce-report-e2e');
const input = { report: issueOrganization(), redact: (_f: string, v: string) => v, toolVersion: '0.1.0' };

function csvCounts(csv: string): Map<string, number> {
  const [header, ...lines] = csv.trimEnd().split('\r\n');
  const status = header!.split(',').indexOf('status');
  const counts = new Map<string, number>();
  // Every status is a bare word, so a split on commas outside quotes is exact for this column.
  for (const line of lines) {
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
    counts.set(cells[status]!, (counts.get(cells[status]!) ?? 0) + 1);
  }
  return counts;
}

describe.skipIf(!chromium && !required)('HTML report in headless Chromium', () => {
  mkdirSync(OUT, { recursive: true });
  const htmlFile = join(OUT, 'report.html');
  writeFileSync(htmlFile, renderReport('html', input));
  const counts = csvCounts(renderReport('csv', input));

  it('renders offline, runs its filter script, and shows the CSV’s numbers', async () => {
    if (!chromium)
      throw new Error('ENFORCE_REQUIRE_E2E=1 but chromium is not installed (apt-get install -y chromium)');
    const dom = await runChromium(chromium, ['--dump-dom', `${pathToFileURL(htmlFile).href}#status=drift`]);
    expect(dom).toContain('data-filters="ready"');
    const compliant = counts.get('compliant') ?? 0;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(dom).toContain(`${compliant} of ${total} accounts have a Security contact equal to the policy`);
    expect(dom).toContain('412 of 415 accounts');
    // The fragment's filter ran: only the drift rows are visible.
    expect(dom).toMatch(new RegExp(`<output id="shown">${counts.get('drift')}</output>`));
    expect(dom.match(/<tr data-status="[a-z]+" data-type="[A-Z]+" class="hidden">/g)).toHaveLength(
      total - counts.get('drift')!,
    );
    for (const [status, n] of counts) {
      expect(dom).toContain(`<td class="n" data-type="SECURITY" data-status="${status}">${n}</td>`);
    }
    expect(dom).toContain(POLICY_SHA);
  });

  it('screenshots the page', async () => {
    if (!chromium)
      throw new Error('ENFORCE_REQUIRE_E2E=1 but chromium is not installed (apt-get install -y chromium)');
    const png = join(OUT, 'report.png');
    await runChromium(chromium, [
      '--window-size=1280,1400',
      `--screenshot=${png}`,
      pathToFileURL(htmlFile).href,
    ]);
    expect(statSync(png).size).toBeGreaterThan(10_000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
