import { writeFile } from 'node:fs/promises';
import { INIT_TYPES, type InitType } from '../core/init-policy.js';
import { EnforceError, UsageError } from '../errors.js';

/**
 * Pieces of `enforce init` that need no AWS: the lead wires them to the engine's read path
 * (preflight, pacing, audit log), then `buildInitPolicy` and `renderInitPolicy`.
 */

/** `--types security,operations` → the types to write; default: the three alternate contact types. */
export function parseInitTypes(flag: string | undefined): InitType[] {
  if (flag === undefined) return ['security', 'operations', 'billing'];
  const names = flag
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !INIT_TYPES.includes(name as InitType));
  if (unknown.length > 0 || names.length === 0) {
    throw new UsageError(
      `--types: ${unknown.length > 0 ? `unknown type ${unknown.join(', ')}` : 'names no type'} (allowed: ${INIT_TYPES.join(', ')})`,
    );
  }
  return [...new Set(names as InitType[])];
}

/**
 * Writes the starting policy. An existing file is a reviewed policy someone may depend on: it is only
 * replaced with `--force`. `wx` makes the check and the creation one step, so no race can clobber it.
 */
export async function writeInitPolicyFile(
  path: string,
  text: string,
  options: { force: boolean },
): Promise<void> {
  try {
    await writeFile(path, text, { encoding: 'utf8', flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new UsageError(`${path} already exists: pass --force to overwrite it`, { cause: error });
    }
    const why =
      code === 'ENOENT'
        ? 'its directory does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (error as Error).message;
    throw new EnforceError(`cannot write the policy to ${path}: ${why}`, { cause: error });
  }
}
