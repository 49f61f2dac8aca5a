import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

/**
 * Writes the snapshot whole or not at all: into a temporary file beside the target (same file system, so
 * the rename is atomic), flushed to disk, then renamed over the target. A run killed half way leaves the
 * previous snapshot intact, never a truncated one that the next pull request would plan from.
 */
export async function writeSnapshotFile(path: string, snapshot: Snapshot): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // `wx`: never follow or reuse a file someone else placed at the temporary name.
    const handle = await open(temp, 'wx', STATE_FILE_MODE);
    try {
      await handle.writeFile(serialiseSnapshot(snapshot), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
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
