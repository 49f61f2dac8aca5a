import { maskValue } from '../core/redact.js';
import { PolicyError } from '../errors.js';
import type { LintWarning } from '../policy/lint.js';
import type { Io } from './io.js';

/**
 * Contact-quality findings are warnings on stderr; with --strict they reject the policy (exit 65).
 * With --redact the addresses a warning quotes are masked like every other contact value.
 */
export function reportLint(warnings: readonly LintWarning[], strict: boolean, io: Io, redact = false): void {
  if (warnings.length === 0) return;
  const shown = redact ? warnings.map(redactWarning) : warnings;
  if (strict) {
    throw new PolicyError(
      shown.map((w) => ({ file: w.file, path: w.path, message: `${w.message} [${w.rule}, --strict]` })),
    );
  }
  for (const w of shown) io.stderr(`warning: ${w.file}: ${w.path}: ${w.message} [${w.rule}]\n`);
}

/** Lint messages quote addresses as JSON strings; AWS's email pattern allows neither quotes nor spaces. */
function redactWarning(w: LintWarning): LintWarning {
  return {
    ...w,
    message: w.message.replace(/"([^"\s]+@[^"\s]+)"/g, (_, email: string) => maskValue('email', email)),
  };
}
