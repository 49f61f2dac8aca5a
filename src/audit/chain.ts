import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { AuditLogError } from '../errors.js';
import { chainLine, GENESIS_PREV, hashLine, readChainFields } from './chain-format.js';

/** The last chained line: what the next line links to, and what an anchor records. */
export interface ChainHead {
  seq: number;
  /** SHA-256 (hex) of the line's bytes without its "\n". */
  sha256: string;
}

/**
 * An audit destination pino can write to: each `write` gets one complete JSON line ending in "\n" and
 * stores it with `seq` and `prev` in front (format in chain-format.ts), synchronously, under a lock shared
 * with every other process appending to the same file.
 */
export interface ChainedDestination {
  readonly file: string;
  /** Throws AuditLogError (with the file-system error as cause) when the line cannot be stored. */
  write(line: string): void;
  /** The last line this destination stored, or null before its first write. */
  head(): ChainHead | null;
  close(): void;
}

export interface ChainOptions {
  /** How long a write waits for another appender's lock before it fails. */
  lockTimeoutMs?: number;
  /** A lock older than this is left over from a dead process and is broken. */
  staleLockMs?: number;
}

/** A write holds the lock for microseconds; seconds of waiting mean a stuck or dead holder. */
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_LOCK_MS = 30_000;
const TAIL_CHUNK = 64 * 1024;

/**
 * Opens `file` for appending (creating it and its directory) and checks that its chain can be continued.
 * Fails with an AuditLogError naming the path when it cannot be opened, or when its last line is
 * incomplete (a write was cut short: `enforce audit verify` shows where; a person must decide).
 */
export function openChainedAuditFile(file: string, options: ChainOptions = {}): ChainedDestination {
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleLockMs = options.staleLockMs ?? DEFAULT_STALE_LOCK_MS;
  const lockPath = `${file}.lock`;
  let fd: number;
  try {
    mkdirSync(dirname(file), { recursive: true });
    // a+: appends go to the end whatever the position, and the tail can still be read under the lock.
    fd = openSync(file, 'a+');
  } catch (error) {
    throw new AuditLogError(file, `cannot open the audit log ${file} for appending: ${describe(error)}`, {
      cause: error,
    });
  }

  // What this process wrote last; reused while the file has not grown since, which saves re-reading the
  // tail on every line of a run nobody else appends to.
  let known: { size: number; head: ChainHead } | null = null;
  let written: ChainHead | null = null;
  let open = true;

  const withLock = <T>(action: () => T): T => {
    acquireLock(file, lockPath, lockTimeoutMs, staleLockMs);
    try {
      return action();
    } finally {
      releaseLock(lockPath);
    }
  };

  const currentHead = (): ChainHead => {
    const size = fstatSync(fd).size;
    if (known !== null && known.size === size) return known.head;
    return readTailHead(file, fd, size);
  };

  try {
    withLock(currentHead);
  } catch (error) {
    closeSync(fd);
    throw error;
  }

  return {
    file,
    write(line: string): void {
      if (!open) throw new AuditLogError(file, `the audit log ${file} is already closed`);
      const body = line.endsWith('\n') ? line.slice(0, -1) : line;
      if (!body.startsWith('{') || body.includes('\n')) {
        throw new Error(`audit destination ${file}: expected one JSON object line, got ${body.slice(0, 40)}`);
      }
      withLock(() => {
        try {
          const previous = currentHead();
          const stored = chainLine(body, previous.seq + 1, previous.sha256);
          const bytes = Buffer.from(`${stored}\n`, 'utf8');
          const sizeBefore = fstatSync(fd).size;
          writeFully(fd, bytes);
          written = { seq: previous.seq + 1, sha256: hashLine(stored) };
          known = { size: sizeBefore + bytes.length, head: written };
        } catch (error) {
          known = null;
          if (error instanceof AuditLogError) throw error;
          throw new AuditLogError(file, `cannot write the audit log ${file}: ${describe(error)}`, {
            cause: error,
          });
        }
      });
    },
    head: () => written,
    close(): void {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

function writeFully(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** The head of the chain stored in the file: its last line's seq (0 if unchained) and hash. */
function readTailHead(file: string, fd: number, size: number): ChainHead {
  if (size === 0) return { seq: 0, sha256: GENESIS_PREV };
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) {
    throw new AuditLogError(
      file,
      `the audit log ${file} ends with an incomplete line (a write was cut short): the chain cannot be continued; run \`enforce audit verify ${file}\` and repair or move the file`,
    );
  }
  // Read backwards until the newline that ends the line before the last one, or the start of the file.
  const end = size - 1;
  let start = end;
  const chunks: Buffer[] = [];
  while (start > 0) {
    const from = Math.max(0, start - TAIL_CHUNK);
    const chunk = Buffer.alloc(start - from);
    readSync(fd, chunk, 0, chunk.length, from);
    const newline = chunk.lastIndexOf(0x0a);
    if (newline >= 0) {
      chunks.unshift(chunk.subarray(newline + 1));
      start = from + newline + 1;
      break;
    }
    chunks.unshift(chunk);
    start = from;
  }
  const line = Buffer.concat(chunks);
  // An unchained last line (a log written before chaining existed) starts a new chain linked to it.
  const fields = readChainFields(line.toString('utf8'));
  return { seq: fields?.seq ?? 0, sha256: hashLine(line) };
}

function acquireLock(file: string, lockPath: string, timeoutMs: number, staleMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const lockFd = openSync(lockPath, 'wx');
      try {
        writeSync(lockFd, `${process.pid} ${hostname()} ${Date.now()}\n`);
      } finally {
        closeSync(lockFd);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AuditLogError(file, `cannot create the audit log lock ${lockPath}: ${describe(error)}`, {
          cause: error,
        });
      }
    }
    if (breakStaleLock(lockPath, staleMs)) continue;
    if (Date.now() >= deadline) {
      throw new AuditLogError(
        file,
        `timed out after ${timeoutMs} ms waiting for the audit log lock ${lockPath} (held by ${readLockHolder(lockPath)}); if no enforce run is writing ${file}, remove the lock file`,
      );
    }
    sleepSync(Math.min(1 + attempt, 20));
  }
}

function releaseLock(lockPath: string): void {
  try {
    unlinkSync(lockPath);
  } catch {
    // Already broken as stale by another process: nothing left to release.
  }
}

interface LockHolder {
  pid: number;
  host: string;
  since: number;
}

function parseLock(text: string, mtimeMs: number): LockHolder {
  const [pid, host, since] = text.trim().split(' ');
  const sinceMs = Number(since);
  return {
    pid: Number(pid),
    host: host ?? '',
    // A holder that died between creating the lock and writing its content leaves it empty.
    since: Number.isFinite(sinceMs) ? sinceMs : mtimeMs,
  };
}

function readLockHolder(lockPath: string): string {
  try {
    return readFileSync(lockPath, 'utf8').trim() || 'an unknown process';
  } catch {
    return 'a process that has since released it';
  }
}

/**
 * Breaks the lock when its holder is dead (same host, no such pid) or it is older than `staleMs`.
 * The lock is renamed away rather than deleted, then its content compared with what was judged stale:
 * if another process had replaced it in between, it is linked back, so a live holder keeps its lock.
 * Returns true when the caller should try to take the lock again at once.
 */
function breakStaleLock(lockPath: string, staleMs: number): boolean {
  let text: string;
  let holder: LockHolder;
  try {
    text = readFileSync(lockPath, 'utf8');
    holder = parseLock(text, statSync(lockPath).mtimeMs);
  } catch {
    return true; // released while we looked
  }
  const dead = holder.host === hostname() && Number.isSafeInteger(holder.pid) && !isAlive(holder.pid);
  if (!dead && Date.now() - holder.since < staleMs) return false;
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return true;
  }
  try {
    if (readFileSync(aside, 'utf8') !== text) {
      try {
        linkSync(aside, lockPath);
      } catch {
        // Someone took the lock meanwhile; the holder we moved aside still finishes its one write.
      }
    }
  } finally {
    try {
      unlinkSync(aside);
    } catch {}
  }
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Writes are synchronous (SIGKILL guarantee), so waiting for the lock is too. */
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

// Node's file-system messages already start with the code: "ENOSPC: no space left on device, write".
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
