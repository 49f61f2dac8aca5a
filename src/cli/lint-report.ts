import type { Redactor } from '../core/redact.js';
import { PolicyError } from '../errors.js';
import type { LintWarning } from '../policy/lint.js';
import type { Io } from './io.js';

/**
 * Contact-quality findings are warnings on stderr (`warning: file:line: path: message [rule]`); with
 * --strict they reject the policy (exit 65). The values a warning quotes go through the redactor like every
 * other contact value (`--redact`, `--redact=phone`).
 */
export function reportLint(
  warnings: readonly LintWarning[],
  strict: boolean,
  io: Io,
  redactor: Pick<Redactor, 'field'> | null = null,
): void {
  if (warnings.length === 0) return;
  const shown = redactor === null ? warnings : warnings.map((w) => redactWarning(w, redactor));
  if (strict) {
    throw new PolicyError(
      shown.map((w) => ({
        file: w.file,
        path: w.path,
        ...(w.line === undefined ? {} : { line: w.line }),
        message: `${w.message} [${w.rule}, --strict]`,
      })),
    );
  }
  for (const w of shown) {
    const where = w.line === undefined ? w.file : `${w.file}:${w.line}`;
    io.stderr(`warning: ${where}: ${w.path}: ${w.message} [${w.rule}]\n`);
  }
}

function redactWarning(w: LintWarning, redactor: Pick<Redactor, 'field'>): LintWarning {
  const message = w.quoted.reduce((text, { field, value }) => {
    const shown = redactor.field(field, value);
    // A value the scope leaves in clear keeps its quotes; a mask replaces the quoted value.
    return shown === value ? text : text.replaceAll(JSON.stringify(value), shown);
  }, w.message);
  return { ...w, message };
}
