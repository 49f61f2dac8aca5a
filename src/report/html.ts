import { createHash } from 'node:crypto';
import { CONTACT_TYPES, type ContactType } from '../core/types.js';
import { CONTROLS_BY_TYPE } from './controls.js';
import {
  COMPLIANCE_STATUSES,
  type ComplianceRow,
  type ComplianceStatus,
  countByType,
  headline,
  type ReportInput,
  type StatusCounts,
} from './rows.js';

/**
 * One self-contained HTML file for an auditor: headline, chart of status by type, the rows with filters.
 * Nothing is loaded from anywhere: the CSS and the filter script are inline and allowed by their hashes
 * in a Content-Security-Policy that forbids everything else (no network, no other script, no forms).
 * Every value from AWS or the policy is HTML-escaped.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const COLORS: Record<ComplianceStatus, string> = {
  compliant: '#1a7f37',
  drift: '#bf8700',
  missing: '#cf222e',
  skipped: '#6e7781',
  error: '#8250df',
};

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:76rem;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}
.meta{color:#59636e;margin:0 0 1.2rem}
.meta code{font-size:12px;word-break:break-all}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d1d9e0;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.filters{display:flex;gap:1rem;align-items:center;margin:1.5rem 0 .6rem;flex-wrap:wrap}
.status{font-weight:600}
.s-compliant{color:#1a7f37}.s-drift{color:#9a6700}.s-missing{color:#cf222e}.s-skipped{color:#59636e}.s-error{color:#8250df}
tr.hidden{display:none}
svg text{font:12px system-ui,sans-serif}
`;

// Filters rows by status, type and text; reads an initial filter from the URL fragment
// (#status=drift&type=SECURITY&q=payments) so that a link can point at a view.
const SCRIPT = `
(function () {
  var status = document.getElementById('f-status');
  var type = document.getElementById('f-type');
  var text = document.getElementById('f-text');
  var shown = document.getElementById('shown');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#rows tbody tr'));
  var initial = new URLSearchParams(location.hash.slice(1));
  if (initial.get('status')) status.value = initial.get('status');
  if (initial.get('type')) type.value = initial.get('type');
  if (initial.get('q')) text.value = initial.get('q');
  function apply() {
    var q = text.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (row) {
      var visible = (!status.value || row.dataset.status === status.value) &&
        (!type.value || row.dataset.type === type.value) &&
        (!q || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.classList.toggle('hidden', !visible);
      if (visible) n++;
    });
    shown.textContent = String(n);
  }
  [status, type, text].forEach(function (el) { el.addEventListener('input', apply); });
  apply();
  document.body.setAttribute('data-filters', 'ready');
})();
`;

const sha256Base64 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

const total = (counts: StatusCounts) => COMPLIANCE_STATUSES.reduce((sum, s) => sum + counts[s], 0);

function chart(counts: Map<ContactType, StatusCounts>): string {
  const width = 640;
  const labelWidth = 110;
  const barHeight = 26;
  const gap = 12;
  const types = [...counts.keys()];
  const height = types.length * (barHeight + gap) + 30;
  const bars = types.map((type, index) => {
    const byStatus = counts.get(type)!;
    const all = total(byStatus);
    const y = index * (barHeight + gap);
    let x = labelWidth;
    const segments = COMPLIANCE_STATUSES.filter((s) => byStatus[s] > 0).map((s) => {
      const w = ((width - labelWidth) * byStatus[s]) / all;
      const rect = `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${barHeight}" fill="${COLORS[s]}" data-type="${type}" data-status="${s}" data-count="${byStatus[s]}"><title>${type} ${s}: ${byStatus[s]}</title></rect>`;
      x += w;
      return rect;
    });
    return `<text x="0" y="${y + 17}">${type}</text>${segments.join('')}`;
  });
  let lx = labelWidth;
  const legend = COMPLIANCE_STATUSES.map((s) => {
    const item = `<rect x="${lx}" y="${height - 16}" width="12" height="12" fill="${COLORS[s]}"/><text x="${lx + 16}" y="${height - 6}">${s}</text>`;
    lx += 100;
    return item;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Status by contact type" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars.join('')}${legend.join('')}</svg>`;
}

function countsTable(counts: Map<ContactType, StatusCounts>): string {
  const header = COMPLIANCE_STATUSES.map((s) => `<th class="n">${s}</th>`).join('');
  const body = [...counts].map(([type, byStatus]) => {
    const cells = COMPLIANCE_STATUSES.map(
      (s) => `<td class="n" data-type="${type}" data-status="${s}">${byStatus[s]}</td>`,
    ).join('');
    const controls = CONTROLS_BY_TYPE[type].map((c) => escapeHtml(`${c.id} (${c.title})`)).join('<br>');
    return `<tr><th>${type}</th>${cells}<td class="n" data-type="${type}" data-status="all">${total(byStatus)}</td><td>${controls || '—'}</td></tr>`;
  });
  return `<table id="counts"><thead><tr><th>type</th>${header}<th class="n">accounts</th><th>controls</th></tr></thead><tbody>${body.join('')}</tbody></table>`;
}

function rowHtml(row: ComplianceRow): string {
  const contact = row.contact
    ? [row.contact.name, row.contact.title, row.contact.email, row.contact.phone].map(escapeHtml).join('<br>')
    : '';
  const cells = [
    escapeHtml(row.accountId),
    escapeHtml(row.accountName),
    escapeHtml(row.ouPath),
    escapeHtml(row.state),
    escapeHtml(row.type),
    `<span class="status s-${row.status}">${row.status}</span>`,
    escapeHtml(row.reason),
    escapeHtml(row.changedFields.join(', ')),
    escapeHtml(row.readAt ?? ''),
    contact,
    escapeHtml(row.controls.join(';')),
  ];
  return `<tr data-status="${row.status}" data-type="${escapeHtml(row.type)}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

export function renderHtml(
  rows: readonly ComplianceRow[],
  run: Pick<ReportInput, 'runId' | 'runAt' | 'organizationId' | 'policy'>,
  toolVersion: string,
): string {
  const counts = countByType(rows);
  const headlines = [...counts].map(
    ([type, byStatus], i) =>
      `<${i === 0 ? 'h1' : 'p'} class="headline" data-type="${type}" data-compliant="${byStatus.compliant}" data-total="${total(byStatus)}">${escapeHtml(headline(type, byStatus))}</${i === 0 ? 'h1' : 'p'}>`,
  );
  const types = CONTACT_TYPES.filter((type) => counts.has(type));
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${sha256Base64(CSS)}'`,
    `script-src 'sha256-${sha256Base64(SCRIPT)}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Alternate contacts compliance report — ${escapeHtml(run.organizationId)}</title>
<style>${CSS}</style>
</head>
<body>
${headlines.length > 0 ? headlines.join('\n') : '<h1 class="headline">No managed contact types in this report</h1>'}
<p class="meta">Organization <code>${escapeHtml(run.organizationId)}</code> · run <code>${escapeHtml(run.runId)}</code> at <time datetime="${escapeHtml(run.runAt)}" id="run-at">${escapeHtml(run.runAt)}</time><br>
Policy <code>${escapeHtml(run.policy.file)}</code> sha256 <code id="policy-sha256">${escapeHtml(run.policy.sha256)}</code> · enforce ${escapeHtml(toolVersion)}</p>
${chart(counts)}
${countsTable(counts)}
<div class="filters">
<label>Status <select id="f-status"><option value="">all</option>${COMPLIANCE_STATUSES.map((s) => `<option value="${s}">${s}</option>`).join('')}</select></label>
<label>Type <select id="f-type"><option value="">all</option>${types.map((t) => `<option value="${t}">${t}</option>`).join('')}</select></label>
<label>Search <input id="f-text" type="search" placeholder="account, name, OU…"></label>
<span>Showing <output id="shown">${rows.length}</output> of <span id="row-count">${rows.length}</span> rows</span>
</div>
<table id="rows">
<thead><tr><th>account</th><th>name</th><th>OU path</th><th>state</th><th>type</th><th>status</th><th>reason</th><th>changed fields</th><th>read at</th><th>contact as read</th><th>controls</th></tr></thead>
<tbody>
${rows.map(rowHtml).join('\n')}
</tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
