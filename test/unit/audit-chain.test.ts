import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openChainedAuditFile } from '../../src/audit/chain.js';
import { GENESIS_PREV, hashLine } from '../../src/audit/chain-format.js';
import { verifyAuditChain } from '../../src/audit/verify.js';
import { AuditLogError } from '../../src/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'enforce-chain-'));
const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);
const parsed = (file: string) => linesOf(file).map((line) => JSON.parse(line) as Record<string, unknown>);

function logTo(destination: { write(line: string): void }, runId = 'run-a') {
  return pino({ base: { runId }, messageKey: 'msg' }, destination);
}

describe('openChainedAuditFile', () => {
  it('puts seq and prev first on every line, starting from the genesis value', () => {
    const file = join(tmp(), 'logs', 'audit.ndjson');
    const destination = openChainedAuditFile(file);
    const logger = logTo(destination);
    logger.info({ event: 'run.start' }, 'run started');
    logger.info({ event: 'run.end' }, 'run finished');
    destination.close();

    const [first, second] = linesOf(file);
    expect(first).toMatch(new RegExp(`^\\{"seq":1,"prev":"${GENESIS_PREV}","level":30,`));
    expect(JSON.parse(second!)).toMatchObject({ seq: 2, prev: hashLine(first!), event: 'run.end' });
    expect(destination.head()).toEqual({ seq: 2, sha256: hashLine(second!) });
  });

  it('continues the chain of the lines already in the file when a later run appends', () => {
    const file = join(tmp(), 'audit.ndjson');
    const one = openChainedAuditFile(file);
    logTo(one, 'run-a').info({ event: 'run.start' }, 'run started');
    logTo(one, 'run-a').info({ event: 'run.end' }, 'run finished');
    one.close();
    const two = openChainedAuditFile(file);
    logTo(two, 'run-b').info({ event: 'run.start' }, 'run started');
    two.close();

    const lines = linesOf(file);
    expect(JSON.parse(lines[2]!)).toMatchObject({ seq: 3, prev: hashLine(lines[1]!), runId: 'run-b' });
    expect(verifyAuditChain(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, lines: 3, runs: 2 });
  });

  it('links a log written before chaining to its last unchained line', () => {
    const file = join(tmp(), 'audit.ndjson');
    const legacy = '{"level":30,"runId":"old","event":"run.end","msg":"run finished"}';
    writeFileSync(file, `${legacy}\n`);
    const destination = openChainedAuditFile(file);
    logTo(destination).info({ event: 'run.start' }, 'run started');
    destination.close();

    expect(parsed(file)[1]).toMatchObject({ seq: 1, prev: hashLine(legacy) });
    expect(verifyAuditChain(readFileSync(file, 'utf8'))).toMatchObject({
      ok: true,
      unchained: 1,
      checked: 1,
    });
  });

  it('never forks the chain when two processes append at the same time', async () => {
    const file = join(tmp(), 'audit.ndjson');
    const script = new URL('../support/chain-appender.ts', import.meta.url).pathname;
    const perProcess = 150;
    const children = ['run-a', 'run-b'].map((runId) =>
      spawn(process.execPath, ['--import', 'tsx', script, file, runId, String(perProcess)], {
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    const exits = children.map(
      (child) =>
        new Promise<[number | null, string]>((resolve) => {
          let err = '';
          child.stderr.on('data', (chunk) => {
            err += chunk;
          });
          child.on('exit', (code) => resolve([code, err]));
        }),
    );
    // Release them together once both have loaded (bounded: 60 s).
    for (let i = 0; i < 600 && !['run-a', 'run-b'].every((id) => existsSync(`${file}.ready-${id}`)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    writeFileSync(`${file}.go`, '');
    expect(await Promise.all(exits)).toEqual([
      [0, ''],
      [0, ''],
    ]);

    const lines = parsed(file);
    expect(lines).toHaveLength(2 * perProcess);
    expect(lines.map((line) => line.seq)).toEqual(Array.from({ length: 2 * perProcess }, (_, i) => i + 1));
    // Interleaved, not one after the other: the lock was taken per line.
    const switches = lines.filter((line, i) => i > 0 && line.runId !== lines[i - 1]!.runId).length;
    expect(switches).toBeGreaterThan(1);
    expect(verifyAuditChain(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, runs: 2 });
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('throws an AuditLogError naming the file and keeping the cause when the disk is full', () => {
    const file = join(tmp(), 'full.ndjson');
    symlinkSync('/dev/full', file);
    const destination = openChainedAuditFile(file);
    const logger = logTo(destination);
    let thrown: unknown;
    try {
      logger.info({ event: 'change.started' }, 'writing alternate contact');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuditLogError);
    expect((thrown as AuditLogError).message).toContain(`cannot write the audit log ${file}: ENOSPC`);
    expect((thrown as AuditLogError).file).toBe(file);
    expect(((thrown as AuditLogError).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses to open a path that cannot be appended to, naming it', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    const file = join(dir, 'file', 'audit.ndjson');
    expect(() => openChainedAuditFile(file)).toThrow(`cannot open the audit log ${file} for appending: `);
  });

  it('refuses to continue a file whose last line was cut short', () => {
    const file = join(tmp(), 'audit.ndjson');
    writeFileSync(file, '{"seq":1,"prev":"0');
    expect(() => openChainedAuditFile(file)).toThrow(`the audit log ${file} ends with an incomplete line`);
  });

  it('breaks a lock left by a process that no longer exists', async () => {
    const file = join(tmp(), 'audit.ndjson');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(`${file}.lock`, `${dead.pid} ${hostname()} ${Date.now()}\n`);
    const destination = openChainedAuditFile(file, { lockTimeoutMs: 200 });
    logTo(destination).info({ event: 'run.start' }, 'run started');
    destination.close();
    expect(parsed(file)).toHaveLength(1);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('waits a bounded time for a live holder, then fails naming the lock', () => {
    const file = join(tmp(), 'audit.ndjson');
    writeFileSync(`${file}.lock`, `${process.pid} ${hostname()} ${Date.now()}\n`);
    expect(() => openChainedAuditFile(file, { lockTimeoutMs: 50 })).toThrow(
      `timed out after 50 ms waiting for the audit log lock ${file}.lock (held by ${process.pid} `,
    );
  });

  it('breaks a lock older than the stale limit even when its pid is alive', () => {
    const file = join(tmp(), 'audit.ndjson');
    writeFileSync(`${file}.lock`, `${process.pid} ${hostname()} ${Date.now() - 60_000}\n`);
    const destination = openChainedAuditFile(file, { lockTimeoutMs: 50, staleLockMs: 30_000 });
    logTo(destination).info({ event: 'run.start' }, 'run started');
    destination.close();
    expect(parsed(file)).toHaveLength(1);
  });

  it('refuses writes after close', () => {
    const destination = openChainedAuditFile(join(tmp(), 'audit.ndjson'));
    destination.close();
    expect(() => destination.write('{"a":1}\n')).toThrow(AuditLogError);
  });
});
