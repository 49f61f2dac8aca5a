import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-file.js';
import { StateFileError } from '../errors.js';
import { parseSnapshot, type Snapshot, serialiseSnapshot } from './snapshot.js';

/** The snapshot holds personal data (or keyed hashes of it): readable by its owner only. */
const STATE_FILE_MODE = 0o600;

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return (error as Error).message;
  }
}

/** Written whole or not at all (atomic-file.ts): a pull request never plans from a truncated snapshot. */
export async function writeSnapshotFile(path: string, snapshot: Snapshot): Promise<void> {
  try {
    await writeFileAtomic(path, serialiseSnapshot(snapshot), STATE_FILE_MODE);
  } catch (error) {
    throw new StateFileError(path, `cannot write the state file: ${describeFsError(error)}`, {
      cause: error,
    });
  }
}

/** Reads and checks a snapshot; every problem is a StateFileError naming the file. */
export async function readSnapshotFile(path: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StateFileError(path, `cannot read the state file: ${describeFsError(error)}`, { cause: error });
  }
  return parseSnapshot(text, path);
}
