import { renderCsv } from './csv.js';
import type { ReportFormat } from './formats.js';
import { renderHtml } from './html.js';
import { renderOcsf } from './ocsf.js';
import { buildComplianceRows, type RedactField, type ReportInput } from './rows.js';

export { REPORT_FORMATS, type ReportFormat } from './formats.js';

export interface RenderReportInput {
  report: ReportInput;
  /** A Redactor's `field`: --redact and SecureString values mask contact values in every format. */
  redact: RedactField;
  toolVersion: string;
}

/** The entry the `enforce report` command calls: rows built once, then formatted. */
export function renderReport(format: ReportFormat, input: RenderReportInput): string {
  const rows = buildComplianceRows(input.report, input.redact);
  switch (format) {
    case 'csv':
      return renderCsv(rows);
    case 'ocsf':
      return renderOcsf(rows, input.report, input.toolVersion);
    case 'html':
      return renderHtml(rows, input.report, input.toolVersion);
  }
}
