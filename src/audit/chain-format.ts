import { createHash } from 'node:crypto';

/**
 * The hash chain's format, shared by the writer (chain.ts) and the verifier (verify.ts).
 *
 * Every chained line starts `{"seq":N,"prev":"<64 hex>",` followed by the rest of the JSON object pino
 * wrote. `seq` counts the file's chained lines from 1. `prev` is the SHA-256 (hex) of the previous line's
 * bytes as stored, without its terminating "\n"; the first line of a file has GENESIS_PREV. A shell can
 * check one link: `sed -n 4p FILE | tr -d '\n' | sha256sum` equals line 5's `prev`.
 */
export const GENESIS_PREV = '0'.repeat(64);

export function hashLine(line: string | Uint8Array): string {
  return createHash('sha256')
    .update(typeof line === 'string' ? Buffer.from(line, 'utf8') : line)
    .digest('hex');
}

/** Adds the chain fields in front of a pino line (one JSON object, without its "\n"). */
export function chainLine(body: string, seq: number, prev: string): string {
  const rest = body.slice(1).trimStart();
  const separator = rest.startsWith('}') ? '' : ',';
  return `{"seq":${seq},"prev":"${prev}"${separator}${rest}`;
}

export interface ChainFields {
  seq: number;
  prev: string;
}

/** The chain fields of a stored line, or null when the line carries none (or is not a JSON object). */
export function readChainFields(line: string): ChainFields | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { seq, prev } = parsed as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return null;
  if (typeof prev !== 'string' || !/^[0-9a-f]{64}$/.test(prev)) return null;
  return { seq, prev };
}
