import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BUNDLE_FILE, POLICY_FILE, packageLambda } from '../../src/cli/package-lambda.js';
import { parseInvocation } from '../../src/cli/program.js';
import { UsageError } from '../../src/errors.js';
import { captureIo } from '../support/io.js';

const POLICY = `version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: security@example.com
    phone: "+1-555-0142"
`;

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'enforce-package-'));
}

const quiet = { out: () => {}, err: () => {} };

describe('enforce package-lambda', () => {
  it('parses --policy and --out', () => {
    expect(parseInvocation(['package-lambda', '--policy', 'p.yaml', '--out', 'x.zip'], quiet)).toEqual({
      command: 'package-lambda',
      policy: 'p.yaml',
      out: 'x.zip',
    });
  });

  it('requires --out', () => {
    expect(() => parseInvocation(['package-lambda', '--policy', 'p.yaml'], quiet)).toThrow(UsageError);
  });

  it('zips one bundled handler and the policy, byte for byte', async () => {
    const dir = tempDir();
    const policy = join(dir, 'contacts.yaml');
    writeFileSync(policy, POLICY);
    const out = join(dir, 'enforce-lambda.zip');
    const io = captureIo();
    expect(await main(['package-lambda', '--policy', policy, '--out', out], io)).toBe(0);
    expect(io.out).toContain(out);
    const files = unzipSync(readFileSync(out));
    expect(Object.keys(files).sort()).toEqual([POLICY_FILE, BUNDLE_FILE].sort());
    expect(Buffer.from(files[POLICY_FILE]!).toString('utf8')).toBe(POLICY);
    const bundle = Buffer.from(files[BUNDLE_FILE]!).toString('utf8');
    // One self-contained module: no import of anything but Node's built-ins.
    const imports = [...bundle.matchAll(/^import .* from ['"]([^'"]+)['"];?$/gm)].map((m) => m[1]);
    expect(imports).toContain('node:module');
    expect(imports.every((name) => name!.startsWith('node:'))).toBe(true);
    expect(bundle).toMatch(/export\s*\{\s*handler\s*\}/);
  }, 30_000);

  it('refuses an invalid policy with exit 65 and writes no zip', async () => {
    const dir = tempDir();
    const policy = join(dir, 'contacts.yaml');
    writeFileSync(policy, 'version: 1\ncontacts: {}\n');
    const out = join(dir, 'enforce-lambda.zip');
    const io = captureIo();
    expect(await main(['package-lambda', '--policy', policy, '--out', out], io)).toBe(65);
    expect(io.err).toContain('invalid policy');
    expect(existsSync(out)).toBe(false);
    await expect(packageLambda({ policy, out })).rejects.toThrow(/contacts/);
  });
});
