import { PolicyError } from '../errors.js';
import type { LintWarning } from '../policy/lint.js';
import type { Io } from './io.js';

/** Contact-quality findings are warnings on stderr; with --strict they reject the policy (exit 65). */
export function reportLint(warnings: readonly LintWarning[], strict: boolean, io: Io): void {
  if (warnings.length === 0) return;
  if (strict) {
    throw new PolicyError(
      warnings.map((w) => ({ file: w.file, path: w.path, message: `${w.message} [${w.rule}, --strict]` })),
    );
  }
  for (const w of warnings) io.stderr(`warning: ${w.file}: ${w.path}: ${w.message} [${w.rule}]\n`);
}
