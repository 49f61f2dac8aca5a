import { type LintErrorOptions, lintPolicy } from '../policy/lint.js';
import { readPolicy } from '../policy/load.js';
import { resolvePolicy, validateOffline } from '../policy/resolve.js';
import type { Io } from './io.js';
import { reportLint } from './lint-report.js';
import { checkPolicyErrors } from './policy-errors.js';

/** Offline: the policy file alone, no AWS call. SSM values are checked (and linted) at run time. */
export async function validateCommand(
  policyFile: string,
  strict: boolean,
  io: Io,
  options: LintErrorOptions = {},
): Promise<number> {
  const loaded = await readPolicy(policyFile);
  const offline = resolvePolicy(loaded, 'offline');
  checkPolicyErrors(loaded, options, offline);
  reportLint(lintPolicy(offline, loaded.file, loaded.lineOf), strict, io);
  const unchecked = validateOffline(loaded);
  const note =
    unchecked.length === 0
      ? ''
      : ` (${unchecked.length} value${unchecked.length === 1 ? '' : 's'} from SSM, checked at run time: ${unchecked.join(', ')})`;
  io.stdout(`${loaded.file}: valid${note}\n`);
  return 0;
}
