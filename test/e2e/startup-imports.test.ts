import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI_PATH } from '../support/cli.js';

const RECORDER = fileURLToPath(new URL('../support/import-recorder.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the built CLI with every resolved import recorded; returns the exit code and the specifiers. */
function importsOf(args: string[]): Promise<{ code: number | null; imports: string[] }> {
  const log = join(mkdtempSync(join(tmpdir(), 'enforce-imports-')), 'imports.txt');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', RECORDER, CLI_PATH, ...args],
      { cwd: REPO, env: { PATH: process.env.PATH, ENFORCE_IMPORT_LOG: log }, timeout: 30_000 },
      (error, _stdout, _stderr) => {
        if (error && error.code === undefined) return reject(error);
        const code = typeof error?.code === 'number' ? error.code : 0;
        let text = '';
        try {
          text = readFileSync(log, 'utf8');
        } catch {}
        resolve({ code, imports: text.split('\n').filter((s) => s !== '') });
      },
    );
  });
}

const sdk = (imports: string[]) =>
  imports.filter((s) => s.startsWith('@aws-sdk/') || s.startsWith('@smithy/'));

describe('a fast start: no AWS SDK for help, version and validate', () => {
  it.each([
    [['--help']],
    [['--version']],
    [['help', 'apply']],
    [['validate', '--policy', 'policy/contacts.yaml']],
    [['validte']],
  ])('enforce %j imports no @aws-sdk or @smithy module', async (args) => {
    const { imports } = await importsOf(args);
    // The recorder saw our own modules: an empty list would pass for the wrong reason.
    expect(imports.some((s) => s.endsWith('program.js'))).toBe(true);
    expect(sdk(imports)).toEqual([]);
  });

  it('a run does import the SDK (so the check above can fail)', async () => {
    // The policy does not exist: the run stops at exit 65 right after the run command module is loaded.
    const { code, imports } = await importsOf(['plan', '--policy', 'no-such-policy.yaml', '--no-progress']);
    expect(code).toBe(65);
    expect(sdk(imports)).toContain('@aws-sdk/client-organizations');
  });
});
