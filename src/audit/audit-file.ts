import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuditLogError } from '../errors.js';

/** Where audit lines go: pino writes each complete NDJSON line with one synchronous `write`. */
export interface AuditDestination {
  /** Throws AuditLogError when the line could not be written whole. */
  write(line: string): void;
  close(): void;
}

/**
 * Opens the audit log for appending (never truncated), creating its directory if needed. Writes are
 * synchronous (fs.writeSync) so that a run killed at any moment, even with SIGKILL, never leaves a write
 * on AWS without its `change.started` line; a failed write (disk full) throws instead of being lost.
 */
export function openAuditFile(file: string): AuditDestination {
  let fd: number;
  try {
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(file, 'a');
  } catch (error) {
    throw new AuditLogError(file, `cannot open the audit log ${file}: ${describeFsError(error)}`, {
      cause: error,
    });
  }
  return {
    write(line) {
      try {
        const bytes = Buffer.from(line);
        let written = 0;
        while (written < bytes.length) written += writeSync(fd, bytes, written);
      } catch (error) {
        throw new AuditLogError(file, `cannot write the audit log ${file}: ${describeFsError(error)}`, {
          cause: error,
        });
      }
    },
    close() {
      try {
        closeSync(fd);
      } catch {
        // Closing after a failed write may fail too; the failure was reported then.
      }
    },
  };
}

function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code ? `${e.code} (${e.message.replace(/^\w+: /, '')})` : String(error);
}
