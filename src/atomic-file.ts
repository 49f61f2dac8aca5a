import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file whole or not at all: into a temporary file beside the target (same file system, so the
 * rename is atomic), flushed to disk, then renamed over it. A run killed half way leaves the previous file
 * intact, never a truncated one. Saved plans, reports and snapshots hold personal data (or keyed hashes of
 * it): readable by their owner only. Throws the file system's error; callers say which file it was.
 */
export async function writeFileAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // `wx`: never follow or reuse a file someone else placed at the temporary name.
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
