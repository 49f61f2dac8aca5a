import type { Redactor } from '../core/redact.js';
import type { RunReport } from '../core/types.js';

/** The SPEC JSON document, with contact values masked as the redactor says. */
export function reportToJson(report: RunReport, redactor: Redactor): RunReport {
  return {
    ...report,
    accounts: report.accounts.map((account) => ({
      ...account,
      items: account.items.map((item) => ({
        ...item,
        before: redactor.contact(item.before),
        after: redactor.contact(item.after),
      })),
    })),
  };
}

export function renderJson(report: RunReport, redactor: Redactor): string {
  return `${JSON.stringify(reportToJson(report, redactor), null, 2)}\n`;
}
