import { readFile } from 'node:fs/promises';
import { verifyAuditChain } from '../audit/verify.js';
import { AuditLogError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';

/**
 * `enforce audit verify FILE [--since RUN_ID]`: 0 when the chain is intact, 1 with one `error:` line
 * naming the first bad line. An unreadable file is an AuditLogError (one line, exit 1, via main).
 */
export async function auditVerifyCommand(file: string, options: { since?: string }, io: Io): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AuditLogError(file, `cannot read the audit log ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const result = verifyAuditChain(text, options.since === undefined ? {} : { sinceRunId: options.since });
  if (!result.ok) {
    io.stderr(`error: ${file}: chain broken (${result.problem}): ${result.message}\n`);
    return EXIT.failure;
  }
  const from = options.since === undefined ? '' : ` from run ${options.since} (line ${result.fromLine})`;
  const unchained =
    result.unchained === 0
      ? ''
      : `; ${result.unchained} earlier line(s) predate the chain and are not covered`;
  const head = result.head === null ? 'empty' : `head seq ${result.head.seq} sha256 ${result.head.sha256}`;
  io.stdout(
    `${file}: chain intact${from}: ${result.checked} line(s) in ${result.runs} run(s), ${head}${unchained}\n`,
  );
  return EXIT.ok;
}
