import { accessSync, constants, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Output paths are checked before any AWS call (SPEC round 2, "Failure and signals"): a run that reads
 * the whole organization and then cannot save its plan wasted everyone's time.
 */
export function checkOutputPaths(options: { logFile: string; planOut?: string }): void {
  if (options.logFile.trim() === '') throw new UsageError('--log-file must name a file (it was empty)');
  if (options.planOut !== undefined) checkOutputFile('--plan-out', options.planOut);
}

/** A file an option names, to be written at the end of the run: its directory exists and is writable. */
export function checkOutputFile(flag: string, path: string): void {
  if (path.trim() === '') throw new UsageError(`${flag} must name a file (it was empty)`);
  const dir = dirname(resolve(path));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`${flag} ${path}: the directory ${dir} does not exist`);
  }
  if (!isDir) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: the directory ${dir} is not writable`);
  }
}

export async function appendStepSummary(file: string, markdown: string): Promise<void> {
  await appendFile(file, markdown);
}

export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message.replace(/^\w+: /, '')}` : String(error);
}
