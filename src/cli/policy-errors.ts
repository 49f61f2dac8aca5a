import type { DesiredPolicy } from '../core/policy.js';
import { PolicyError } from '../errors.js';
import { type LintErrorOptions, lintPolicyErrors } from '../policy/lint.js';
import type { LoadedPolicy } from '../policy/load.js';
import { resolvePolicy } from '../policy/resolve.js';

/**
 * Rules that reject a policy outright (exit 65), unlike contact-quality warnings: an `absent` Security
 * contact (unless `--allow-no-security-contact`) and a primary phone AWS would refuse. Checked offline,
 * before any AWS call; `policy` (the SSM values resolved) checks values that came from SSM once more.
 */
export function checkPolicyErrors(
  loaded: LoadedPolicy,
  options: LintErrorOptions,
  policy: DesiredPolicy = resolvePolicy(loaded, 'offline'),
): void {
  const errors = lintPolicyErrors(policy, loaded.file, options);
  if (errors.length === 0) return;
  throw new PolicyError(
    errors.map((e) => {
      const line = loaded.lineOf(e.path);
      return {
        file: e.file,
        path: e.path,
        ...(line === undefined ? {} : { line }),
        message: `${e.message} [${e.rule}]`,
      };
    }),
  );
}
