import type { ChainHead } from './chain.js';
import { type ChainFields, GENESIS_PREV, hashLine, readChainFields } from './chain-format.js';

/**
 * Checks an audit log's hash chain (format in chain-format.ts) and names the FIRST line where it breaks.
 *
 * What the chain can tell apart, and how:
 * - `truncated`: the file does not end with "\n": the last write was cut short (disk full, crash).
 * - `edited`: a line's bytes changed after the next line was written (the next line's `prev` no longer
 *   matches while its `seq` follows on), a line is no longer JSON, or its own `seq` was changed.
 * - `removed`: `seq` jumps and the next line links to a line that is not in the file.
 * - `inserted`: a line without chain fields, a copy of another line, or lines whose chain the next
 *   original line skips over (it links to the line before them).
 * - `reordered`: a line links to a line that is elsewhere in the file, or its missing predecessors are.
 * What it cannot tell:
 * - lines removed from the END, or the last line edited, or lines appended by someone who recomputes
 *   the hashes: every line is still consistent with its predecessors. Only a chain head kept elsewhere
 *   (settings.auditAnchor) shows these; compare it with `head`.
 * - a whole file rewritten with a fresh, self-consistent chain: same answer, same remedy.
 * - an edit combined with forged chain fields on every later line looks like any other edit would: the
 *   classification names the first inconsistency, which a forger chooses.
 */
export type ChainProblem = 'edited' | 'removed' | 'inserted' | 'reordered' | 'truncated';

export type VerifyResult =
  | {
      ok: true;
      /** Lines in the file. */
      lines: number;
      /** Lines whose link was checked. */
      checked: number;
      /** Leading lines written before the log was chained (not protected). */
      unchained: number;
      /** Distinct runIds among the checked lines. */
      runs: number;
      /** 1-based line where checking started (the first line of `--since`'s run, or of the chain). */
      fromLine: number;
      /** The last line's seq and hash: compare with an anchor. Null for an empty file. */
      head: ChainHead | null;
    }
  | { ok: false; problem: ChainProblem; line: number; message: string }
  | { ok: false; problem: 'run-not-found'; line: null; message: string };

interface StoredLine {
  text: string;
  hash: string;
  fields: ChainFields | null;
  json: boolean;
  runId: string | undefined;
}

function parseStored(text: string): StoredLine {
  let json = false;
  let runId: string | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    json = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    const id = json ? (parsed as Record<string, unknown>).runId : undefined;
    runId = typeof id === 'string' ? id : undefined;
  } catch {}
  return { text, hash: hashLine(text), fields: json ? readChainFields(text) : null, json, runId };
}

export function verifyAuditChain(text: string, options: { sinceRunId?: string } = {}): VerifyResult {
  const parts = text.split('\n');
  const truncated = !text.endsWith('\n') && text !== '';
  if (!truncated) parts.pop();
  const lines = parts.map(parseStored);
  const n = lines.length;

  const firstIndexOfHash = new Map<string, number>();
  const hashCount = new Map<string, number>();
  const linesBySeq = new Map<number, number[]>();
  lines.forEach((line, i) => {
    if (!firstIndexOfHash.has(line.hash)) firstIndexOfHash.set(line.hash, i);
    hashCount.set(line.hash, (hashCount.get(line.hash) ?? 0) + 1);
    if (line.fields) linesBySeq.set(line.fields.seq, [...(linesBySeq.get(line.fields.seq) ?? []), i]);
  });
  const broken = (problem: ChainProblem, index: number, message: string): VerifyResult => ({
    ok: false,
    problem,
    line: index + 1,
    message: `line ${index + 1}: ${message}`,
  });

  let start = 0;
  let unchained = 0;
  // The link the line at `start` must have.
  let expected: { seq: number; prev: string };
  if (options.sinceRunId !== undefined) {
    start = lines.findIndex((line) => line.runId === options.sinceRunId);
    if (start < 0) {
      return {
        ok: false,
        problem: 'run-not-found',
        line: null,
        message: `no line of run ${options.sinceRunId} in the log`,
      };
    }
    // Verifying from a run on trusts that run's first link: the lines before it are not checked.
    const fields = lines[start]?.fields;
    expected = fields ? { seq: fields.seq, prev: fields.prev } : { seq: 1, prev: GENESIS_PREV };
  } else {
    while (
      start < n &&
      lines[start]?.fields === null &&
      lines[start]?.json &&
      !(truncated && start === n - 1)
    )
      start++;
    unchained = start;
    expected = { seq: 1, prev: start === 0 ? GENESIS_PREV : lines[start - 1]!.hash };
  }

  const runs = new Set<string>();
  for (let i = start; i < n; i++) {
    const line = lines[i]!;
    if (truncated && i === n - 1) {
      return broken('truncated', i, 'the last line is incomplete (no end of line): a write was cut short');
    }
    const fields = line.fields;
    if (fields === null) {
      return line.json
        ? broken('inserted', i, 'a line without seq/prev inside the chain: it was not written by enforce')
        : broken('edited', i, 'not a JSON object: the line was changed or damaged');
    }
    if (fields.seq === expected.seq && fields.prev === expected.prev) {
      if (line.runId !== undefined) runs.add(line.runId);
      expected = { seq: fields.seq + 1, prev: line.hash };
      continue;
    }
    return classifyBreak(i, fields, expected, i === start);
  }

  const last = lines[n - 1];
  return {
    ok: true,
    lines: n,
    checked: n - start,
    unchained,
    runs: runs.size,
    fromLine: start + 1,
    head: last?.fields ? { seq: last.fields.seq, sha256: last.hash } : null,
  };

  function classifyBreak(
    i: number,
    fields: ChainFields,
    want: { seq: number; prev: string },
    first: boolean,
  ): VerifyResult {
    const line = lines[i]!;
    if ((hashCount.get(line.hash) ?? 0) > 1) {
      const original = firstIndexOfHash.get(line.hash)!;
      const other = original === i ? lines.findIndex((l, j) => j !== i && l.hash === line.hash) : original;
      return broken('inserted', i, `a copy of line ${other + 1} (seq ${fields.seq})`);
    }
    if (fields.prev === want.prev) {
      return broken('edited', i, `seq is ${fields.seq} where ${want.seq} follows: the line was changed`);
    }
    if (fields.seq === want.seq) {
      if (first)
        return broken('edited', i, 'the first line of the chain does not start from the genesis value');
      // Line i-1 changed after line i was written, unless line i's own prev was changed: then line i+1 no
      // longer links to line i either.
      const next = lines[i + 1];
      if (next?.fields && next.fields.prev !== line.hash && i + 1 < n - (truncated ? 1 : 0)) {
        return broken(
          'edited',
          i,
          `prev does not match line ${i} and line ${i + 2} does not match it: changed`,
        );
      }
      const alsoThis = next === undefined ? ` (or line ${i + 1}'s prev was changed)` : '';
      return broken(
        'edited',
        i - 1,
        `changed after it was written: line ${i + 1} no longer matches it${alsoThis}`,
      );
    }
    const linked = firstIndexOfHash.get(fields.prev);
    if (linked !== undefined && linked < i - 1 && fields.seq === (lines[linked]?.fields?.seq ?? 0) + 1) {
      return broken(
        'inserted',
        linked + 1,
        `lines ${linked + 2}–${i} were inserted: line ${i + 1} (seq ${fields.seq}) follows line ${linked + 1} in the chain`,
      );
    }
    if (linked !== undefined) {
      return broken(
        'reordered',
        i,
        `seq ${fields.seq} follows line ${linked + 1} in the chain, not line ${i}`,
      );
    }
    const missing = range(want.seq, fields.seq - 1);
    const elsewhere = missing.flatMap((seq) => linesBySeq.get(seq) ?? []);
    if (elsewhere.length > 0) {
      return broken(
        'reordered',
        i,
        `seq ${fields.seq} comes before seq ${want.seq}, which is on line ${elsewhere[0]! + 1}`,
      );
    }
    if (missing.length > 0) {
      const count = fields.seq - want.seq;
      const which = count === 1 ? `seq ${want.seq}` : `seq ${want.seq}–${fields.seq - 1}`;
      return broken('removed', i, `${count} line(s) (${which}) were removed before this line`);
    }
    return broken('edited', i, `seq ${fields.seq} and prev do not follow line ${i}: the line was changed`);
  }
}

function range(from: number, to: number): number[] {
  // Bounded: a forged seq of 10^15 must not allocate a huge array.
  const length = Math.max(0, Math.min(to - from + 1, 1_000_000));
  return Array.from({ length }, (_, k) => from + k);
}
