import { readPolicy } from '../policy/load.js';
import { validateOffline } from '../policy/resolve.js';
import type { Io } from './io.js';

/** Offline: the policy file alone, no AWS call. SSM values are checked at run time. */
export async function validateCommand(policyFile: string, io: Io): Promise<number> {
  const loaded = await readPolicy(policyFile);
  const unchecked = validateOffline(loaded);
  const note =
    unchecked.length === 0
      ? ''
      : ` (${unchecked.length} value${unchecked.length === 1 ? '' : 's'} from SSM, checked at run time: ${unchecked.join(', ')})`;
  io.stdout(`${loaded.file}: valid${note}\n`);
  return 0;
}
