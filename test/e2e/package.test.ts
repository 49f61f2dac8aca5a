import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The package as a user gets it: `npm pack`, then an install of the tarball into an empty prefix, whose
 * `enforce` bin must run. Dependencies come from npm's cache when it has them (--prefer-offline), else from
 * the registry.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };
const work = mkdtempSync(join(tmpdir(), 'enforce-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd,
        timeout: 120_000,
        killSignal: 'SIGKILL',
        env: {
          ...process.env,
          npm_config_update_notifier: 'false',
          npm_config_fund: 'false',
          npm_config_audit: 'false',
        },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

describe('the packed tarball', () => {
  let tarball = '';
  let files: string[] = [];

  it('packs the built CLI, the example policy, README and LICENSE, and no sources or tests', async () => {
    expect(existsSync(join(REPO, 'dist/cli/bin.js')), 'run `npm run build` first').toBe(true);
    // The build already ran (npm run test:e2e builds first); --ignore-scripts skips `prepare`'s rebuild.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as {
      filename: string;
      name: string;
      files: { path: string }[];
    }[];
    expect(info!.name).toBe(pkg.name);
    tarball = join(work, info!.filename);
    files = info!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/cli/bin.js',
        'policy/contacts.yaml',
      ]),
    );
    expect(
      files.filter(
        (f) => f.startsWith('src/') || f.startsWith('test/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')),
      ),
    ).toEqual([]);
  });

  it('installs into an empty prefix, where `enforce --version` prints the package version', async () => {
    expect(tarball, 'the pack step failed').not.toBe('');
    const prefix = join(work, 'prefix');
    const installed = await run(
      'npm',
      ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', tarball],
      work,
    );
    expect(installed.code, installed.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'enforce');
    const version = await run(bin, ['--version'], work);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = await run(bin, ['--help'], work);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`this one is ${pkg.name}`);
  });
});
