import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openChainedAuditFile } from '../../src/audit/chain.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/io.js';

/** Two runs of three lines each, written by the real destination. */
function writeLog(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'enforce-verify-')), 'audit.ndjson');
  for (const runId of ['run-a', 'run-b']) {
    const destination = openChainedAuditFile(file);
    const logger = pino({ base: { runId }, messageKey: 'msg' }, destination);
    logger.info({ event: 'run.start' }, 'run started');
    logger.info({ event: 'drift', accountId: '111111111111' }, 'contact differs from policy');
    logger.info({ event: 'run.end' }, 'run finished');
    destination.close();
  }
  return file;
}

function editLine(file: string, index: number, edit: (line: string) => string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[index] = edit(lines[index]!);
  writeFileSync(file, lines.join('\n'));
}

describe('enforce audit verify', () => {
  it('exits 0 and summarises an intact chain', async () => {
    const file = writeLog();
    const io = captureIo();
    expect(await main(['audit', 'verify', file], io)).toBe(0);
    expect(io.out).toMatch(
      new RegExp(`^${file}: chain intact: 6 line\\(s\\) in 2 run\\(s\\), head seq 6 sha256 [0-9a-f]{64}\\n$`),
    );
    expect(io.err).toBe('');
  });

  it('exits 1 with one line naming the first edited line', async () => {
    const file = writeLog();
    editLine(file, 1, (line) => line.replace('111111111111', '222222222222'));
    const io = captureIo();
    expect(await main(['audit', 'verify', file], io)).toBe(1);
    expect(io.err).toBe(
      `error: ${file}: chain broken (edited): line 2: changed after it was written: line 3 no longer matches it\n`,
    );
    expect(io.out).toBe('');
  });

  it('exits 1 for a truncated last line', async () => {
    const file = writeLog();
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, -10));
    const io = captureIo();
    expect(await main(['audit', 'verify', file], io)).toBe(1);
    expect(io.err).toContain('chain broken (truncated): line 6: the last line is incomplete');
  });

  it('--since verifies from a run on', async () => {
    const file = writeLog();
    editLine(file, 1, (line) => line.replace('111111111111', '222222222222'));
    const io = captureIo();
    expect(await main(['audit', 'verify', file, '--since', 'run-b'], io)).toBe(0);
    expect(io.out).toContain(`${file}: chain intact from run run-b (line 4): 3 line(s) in 1 run(s)`);
  });

  it('exits 1 when the --since run is not in the log', async () => {
    const io = captureIo();
    expect(await main(['audit', 'verify', writeLog(), '--since', 'nope'], io)).toBe(1);
    expect(io.err).toContain('no line of run nope in the log');
  });

  it('a missing file is one clear line, exit 1, no stack trace', async () => {
    const io = captureIo();
    const file = join(tmpdir(), 'enforce-no-such-dir', 'audit.ndjson');
    expect(await main(['audit', 'verify', file], io)).toBe(1);
    expect(io.err).toBe(
      `error: cannot read the audit log ${file}: ENOENT: no such file or directory, open '${file}'\n`,
    );
  });

  it('usage errors exit 64', async () => {
    const io = captureIo();
    expect(await main(['audit', 'verify'], io)).toBe(64);
    expect(await main(['audit'], io)).toBe(64);
    expect(io.err).toContain('expected a subcommand: enforce audit verify FILE');
  });
});
