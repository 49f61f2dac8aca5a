import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { renderReport } from '../../src/report/index.js';
import { buildComplianceRows } from '../../src/report/rows.js';
import { issueOrganization, mixedOrganization, POLICY_SHA, RUN_AT } from '../support/report.js';

const identity = (_field: string, value: string) => value;
const html = (input = mixedOrganization()) =>
  renderHtml(buildComplianceRows(input, identity), input, '0.1.0');

describe('renderHtml', () => {
  it('leads with the headline, and shows the policy digest and the run time', () => {
    const page = html(issueOrganization());
    expect(page).toContain(
      '<h1 class="headline" data-type="SECURITY" data-compliant="412" data-total="415">412 of 415 accounts have a Security contact equal to the policy</h1>',
    );
    expect(page).toContain(`<code id="policy-sha256">${POLICY_SHA}</code>`);
    expect(page).toContain(`<time datetime="${RUN_AT}" id="run-at">${RUN_AT}</time>`);
  });

  it('shows counts by type and status that add up to the rows', () => {
    const page = html(issueOrganization());
    const cell = (status: string) =>
      page.match(new RegExp(`<td class="n" data-type="SECURITY" data-status="${status}">(\\d+)</td>`))?.[1];
    expect(['compliant', 'drift', 'missing', 'skipped', 'error', 'all'].map(cell)).toEqual([
      '412',
      '1',
      '1',
      '1',
      '0',
      '415',
    ]);
    expect(page.match(/<tr data-status=/g)).toHaveLength(415);
    expect(page).toContain('data-type="SECURITY" data-status="compliant" data-count="412"');
  });

  it('escapes every value from AWS or the policy', () => {
    const page = html();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page).toContain('payments, &#34;prod&#34;');
  });

  it('is self-contained: no external reference, a CSP allowing only its own style and script', () => {
    const page = html();
    expect(page).not.toMatch(/\s(src|href)=/);
    expect(page).not.toMatch(/url\(/);
    const csp = page.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1] ?? '';
    expect(csp).toMatch(/^default-src 'none'; /);
    const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const style = page.match(/<style>([\s\S]*?)<\/style>/)![1]!;
    const script = page.match(/<script>([\s\S]*?)<\/script>/)![1]!;
    expect(csp).toContain(`style-src ${hashOf(style)}`);
    expect(csp).toContain(`script-src ${hashOf(script)}`);
    expect(page.match(/<script/g)).toHaveLength(1);
  });
});

describe('renderReport', () => {
  it('renders the same rows in every format', () => {
    const input = { report: mixedOrganization(), redact: identity, toolVersion: '0.1.0' };
    expect(renderReport('csv', input).split('\r\n')).toHaveLength(10);
    expect(renderReport('ocsf', input).trimEnd().split('\n')).toHaveLength(8);
    expect(renderReport('html', input).match(/<tr data-status=/g)).toHaveLength(8);
  });
});
