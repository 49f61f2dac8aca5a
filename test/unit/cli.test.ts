import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseInvocation } from '../../src/cli/program.js';
import { UsageError } from '../../src/errors.js';
import { captureIo } from '../support/io.js';

const quiet = { out: () => {}, err: () => {} };

describe('command line', () => {
  it('defaults to a dry-run with the default policy, text output and audit log', () => {
    expect(parseInvocation([], quiet)).toMatchObject({
      command: 'run',
      options: {
        mode: 'dry-run',
        policy: 'policy/contacts.yaml',
        output: 'text',
        logFile: 'enforce-audit.ndjson',
        progress: true,
        strict: false,
        redact: 'none',
        requestTimeout: undefined,
      },
    });
  });

  it('parses every run option into a typed value', () => {
    const inv = parseInvocation(
      [
        '--apply',
        '--policy',
        'p.yaml',
        '--concurrency',
        '4',
        '--max-changes',
        '0',
        '--accounts',
        '111111111111, 222222222222',
        '--output',
        'json',
        '--log-file',
        'a.ndjson',
        '--redact',
        '--no-progress',
        '--region',
        'eu-west-1',
        '--profile',
        'org',
        '--request-timeout',
        '10',
      ],
      quiet,
    );
    expect(inv).toEqual({
      command: 'run',
      options: {
        mode: 'apply',
        policy: 'p.yaml',
        concurrency: 4,
        maxChanges: 0,
        accounts: ['111111111111', '222222222222'],
        output: 'json',
        logFile: 'a.ndjson',
        detailedExitcode: false,
        redact: 'all',
        planOut: undefined,
        plan: undefined,
        region: 'eu-west-1',
        profile: 'org',
        progress: false,
        strict: false,
        requestTimeout: 10,
      },
    });
  });

  it('parses --redact with a field list into those fields', () => {
    expect(parseInvocation(['--redact=email,phone'], quiet)).toMatchObject({
      command: 'run',
      options: { redact: ['email', 'phone'] },
    });
  });

  it.each([
    [['--dry-run', '--apply'], /cannot be used together/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--concurrency', '0'], /--concurrency must be a whole number/],
    [['--concurrency', '65'], /--concurrency must be at most 64/],
    [['--request-timeout', '0'], /--request-timeout must be a whole number/],
    [['--redact=email,emial'], /--redact: unknown field "emial"/],
    [['--max-changes', 'many'], /--max-changes must be a whole number/],
    [['--accounts', '12345'], /12-digit account ids/],
    [['--output', 'yaml'], /Allowed choices are text, json/],
    [['--plan', 'p.json'], /use it with --apply/],
    [['--apply', '--plan-out', 'p.json'], /use it without --apply/],
    [['explain', 'abc'], /12-digit account id/],
  ])('rejects %j as a usage error', (argv, message) => {
    expect(() => parseInvocation(argv, quiet)).toThrow(UsageError);
    expect(() => parseInvocation(argv, quiet)).toThrow(message);
  });

  it('parses validate and explain with their own options', () => {
    expect(parseInvocation(['validate', '--policy', 'x.yaml', '--strict'], quiet)).toEqual({
      command: 'validate',
      policy: 'x.yaml',
      strict: true,
    });
    expect(parseInvocation(['explain', '111111111111', '--redact'], quiet)).toMatchObject({
      command: 'explain',
      accountId: '111111111111',
      options: { policy: 'policy/contacts.yaml', redact: 'all' },
    });
  });
});

describe('main', () => {
  it('prints help with examples and exits 0', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toContain('Examples:');
    expect(io.out).toContain('enforce --apply --plan plan.json');
  });

  it('exits 64 on a usage error, with the reason on stderr', async () => {
    const io = captureIo();
    expect(await main(['--apply', '--dry-run'], io)).toBe(64);
    expect(io.err).toBe('error: --dry-run and --apply cannot be used together\n');
    expect(io.out).toBe('');
  });

  it('validate accepts the example policy', async () => {
    const io = captureIo();
    expect(await main(['validate', '--policy', 'policy/contacts.yaml'], io)).toBe(0);
    expect(io.out).toMatch(/^policy\/contacts\.yaml: valid/);
  });

  it('validate rejects a broken policy with file, line, path and what is allowed, exit 65', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enforce-cli-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      'version: 1\ncontacts:\n  security:\n    name: Security\n    title: Team\n    email: not-an-email\n    phone: "+1-555-0142"\n',
    );
    const io = captureIo();
    expect(await main(['validate', '--policy', file], io)).toBe(65);
    expect(io.err).toContain(`${file}:6: contacts.security.email:`);
    expect(io.err).toMatch(/email address/);
  });

  it('a run with an invalid policy exits 65 before touching AWS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enforce-cli-'));
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, '');
    const io = captureIo();
    // No credentials or endpoint are configured here: reaching AWS would fail differently (exit 1).
    expect(await main(['--policy', file, '--no-progress'], io)).toBe(65);
    expect(io.err).toContain(file);
  });
});
