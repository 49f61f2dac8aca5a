import { describe, expect, it } from 'vitest';
import { chainLine, GENESIS_PREV, hashLine } from '../../src/audit/chain-format.js';
import { verifyAuditChain } from '../../src/audit/verify.js';

/** A chained log as the writer makes it: `runs` lists the runId of each line. */
function chained(runs: string[], start: { seq: number; prev: string } = { seq: 1, prev: GENESIS_PREV }) {
  let prev = start.prev;
  return runs.map((runId, i) => {
    const line = chainLine(
      `{"level":30,"runId":"${runId}","event":"drift","i":${i},"msg":"m"}`,
      start.seq + i,
      prev,
    );
    prev = hashLine(line);
    return line;
  });
}
const text = (lines: string[]) => `${lines.map((line) => `${line}\n`).join('')}`;
const SIX = ['a', 'a', 'a', 'b', 'b', 'b'];

describe('verifyAuditChain', () => {
  it('accepts an intact chain and reports its counts and head', () => {
    const lines = chained(SIX);
    expect(verifyAuditChain(text(lines))).toEqual({
      ok: true,
      lines: 6,
      checked: 6,
      unchained: 0,
      runs: 2,
      fromLine: 1,
      head: { seq: 6, sha256: hashLine(lines[5]!) },
    });
    expect(verifyAuditChain('')).toMatchObject({ ok: true, lines: 0, head: null });
  });

  it('names a line whose content was edited', () => {
    const lines = chained(SIX);
    lines[2] = lines[2]!.replace('"event":"drift"', '"event":"noop"');
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'edited', line: 3 });
  });

  it('names a line whose prev was edited, not its predecessor', () => {
    const lines = chained(SIX);
    lines[3] = lines[3]!.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${'a'.repeat(64)}"`);
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'edited', line: 4 });
  });

  it('names a line edited so that it is no longer JSON', () => {
    const lines = chained(SIX);
    lines[1] = lines[1]!.slice(0, 30);
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'edited', line: 2 });
  });

  it('names a line whose seq was edited', () => {
    const lines = chained(SIX);
    lines[4] = lines[4]!.replace('"seq":5', '"seq":9');
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'edited', line: 5 });
  });

  it('reports removed lines at the line after the gap', () => {
    const lines = chained(SIX);
    lines.splice(2, 2);
    const result = verifyAuditChain(text(lines));
    expect(result).toMatchObject({ ok: false, problem: 'removed', line: 3 });
    expect(result.ok === false && result.message).toBe(
      'line 3: 2 line(s) (seq 3–4) were removed before this line',
    );
  });

  it('reports the first lines removed', () => {
    const lines = chained(SIX).slice(1);
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'removed', line: 1 });
  });

  it('reports an inserted line without chain fields', () => {
    const lines = chained(SIX);
    lines.splice(3, 0, '{"level":30,"runId":"a","event":"change.applied","msg":"alternate contact written"}');
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'inserted', line: 4 });
  });

  it('reports an inserted line whose chain fields were forged from its predecessor', () => {
    const lines = chained(SIX);
    const forged = chainLine('{"runId":"a","event":"change.applied","msg":"x"}', 3, hashLine(lines[1]!));
    lines.splice(2, 0, forged);
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'inserted', line: 3 });
  });

  it('reports a copied line as inserted', () => {
    const lines = chained(SIX);
    lines.splice(4, 0, lines[1]!);
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'inserted', line: 5 });
  });

  it('reports swapped lines as reordered', () => {
    const lines = chained(SIX);
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'reordered', line: 3 });
  });

  it('reports a line moved far down as reordered', () => {
    const lines = chained(SIX);
    const [moved] = lines.splice(1, 1);
    lines.push(moved!);
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'reordered', line: 2 });
  });

  it('reports a last line cut short as truncated', () => {
    const whole = text(chained(SIX));
    const result = verifyAuditChain(whole.slice(0, whole.length - 20));
    expect(result).toMatchObject({ ok: false, problem: 'truncated', line: 6 });
    expect(verifyAuditChain(whole.slice(0, -1))).toMatchObject({ ok: false, problem: 'truncated', line: 6 });
  });

  it('cannot see lines removed from the end: only the head changes (the anchor shows it)', () => {
    const lines = chained(SIX);
    const result = verifyAuditChain(text(lines.slice(0, 4)));
    expect(result).toMatchObject({ ok: true, head: { seq: 4 } });
  });

  it('verifies from a run on, trusting that run’s first link', () => {
    const lines = chained(SIX);
    lines[1] = lines[1]!.replace('"event":"drift"', '"event":"noop"');
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: false, problem: 'edited', line: 2 });
    expect(verifyAuditChain(text(lines), { sinceRunId: 'b' })).toMatchObject({
      ok: true,
      fromLine: 4,
      checked: 3,
      runs: 1,
    });
  });

  it('still finds tampering after the --since run starts', () => {
    const lines = chained(SIX);
    lines.splice(4, 1);
    expect(verifyAuditChain(text(lines), { sinceRunId: 'b' })).toMatchObject({
      ok: false,
      problem: 'removed',
      line: 5,
    });
  });

  it('says when the --since run is not in the log', () => {
    expect(verifyAuditChain(text(chained(SIX)), { sinceRunId: 'zzz' })).toEqual({
      ok: false,
      problem: 'run-not-found',
      line: null,
      message: 'no line of run zzz in the log',
    });
  });

  it('accepts unchained lines before the chain and reports them as unprotected', () => {
    const legacy = '{"runId":"old","event":"run.end","msg":"run finished"}';
    const lines = [legacy, ...chained(['a', 'a'], { seq: 1, prev: hashLine(legacy) })];
    expect(verifyAuditChain(text(lines))).toMatchObject({ ok: true, unchained: 1, checked: 2, fromLine: 2 });
  });
});
