/** The report formats: a file of its own so that argv parsing does not load the renderers. */
export const REPORT_FORMATS = ['csv', 'ocsf', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
