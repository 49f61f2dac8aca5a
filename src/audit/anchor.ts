import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AuditAnchor } from '../core/policy.js';
import { AwsCallError } from '../errors.js';
import type { ChainHead } from './chain.js';

/**
 * A run's chain head, kept outside the log file (settings.auditAnchor). The verifier cannot see lines
 * removed from the end of a log, or a last line edited; comparing the file with the anchored heads can:
 * the line with `seq` must still hash to `sha256`.
 */
export interface AnchorRecord {
  runId: string;
  /** The log file the head belongs to, as the run named it. */
  file: string;
  seq: number;
  /** SHA-256 (hex) of the chain head's bytes without its "\n": the last line before the run's run.end. */
  sha256: string;
}

export function anchorRecord(runId: string, file: string, head: ChainHead): AnchorRecord {
  return { runId, file, seq: head.seq, sha256: head.sha256 };
}

/** The one line both destinations store: JSON, so that a CI log search or `jq` reads it back. */
export function formatAnchor(record: AnchorRecord): string {
  return JSON.stringify({ event: 'audit.anchor', ...record });
}

/**
 * Writes the chain head just before the run's `run.end` line (which records what was anchored, so that
 * run.end stays the run's last line with the exit code the process returns).
 * - `{ ssmParameter }`: PutParameter with Overwrite, a String parameter. Every run adds a version, and
 *   Parameter Store keeps the 100 most recent versions with who wrote each; the log's writer needs only
 *   ssm:PutParameter on that one name, never ssm:DeleteParameter (which would drop the whole history).
 * - `stdout`: one line through `write`, for a CI log kept by the CI system. The caller picks the stream
 *   (stderr when stdout carries a JSON document).
 */
export async function anchorChainHead(
  record: AnchorRecord,
  anchor: AuditAnchor,
  deps: { ssm: Pick<SSMClient, 'send'>; write: (line: string) => void },
): Promise<void> {
  if (anchor === 'stdout') {
    deps.write(`${formatAnchor(record)}\n`);
    return;
  }
  try {
    await deps.ssm.send(
      new PutParameterCommand({
        Name: anchor.ssmParameter,
        Value: formatAnchor(record),
        Type: 'String',
        Overwrite: true,
      }),
    );
  } catch (error) {
    throw AwsCallError.from('ssm:PutParameter', error);
  }
}
