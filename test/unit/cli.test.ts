import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
        allowNoSecurityContact: false,
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
        color: true,
        stateOut: undefined,
        fromState: undefined,
        offline: false,
        memberRole: undefined,
      },
    });
  });

  it('parses the state and member-role options, and refuses the combinations that cannot work', () => {
    expect(
      parseInvocation(
        ['plan', '--from-state', 's.json', '--offline', '--member-role', 'EnforceMember'],
        quiet,
      ),
    ).toMatchObject({
      command: 'run',
      options: { mode: 'dry-run', fromState: 's.json', offline: true, memberRole: 'EnforceMember' },
    });
    expect(parseInvocation(['apply', '--state-out', 's.json'], quiet)).toMatchObject({
      options: { mode: 'apply', stateOut: 's.json' },
    });
    expect(() => parseInvocation(['--apply', '--from-state', 's.json'], quiet)).toThrow(
      /--from-state plans only: --apply always reads/,
    );
    expect(() => parseInvocation(['--offline'], quiet)).toThrow(/use it with --from-state/);
    expect(() => parseInvocation(['plan', '--from-state', 'a', '--state-out', 'b'], quiet)).toThrow(
      /a --from-state plan reads nothing/,
    );
    expect(() => parseInvocation(['apply', '--plan', 'p.json', '--state-out', 'b'], quiet)).toThrow(
      /--state-out needs a full read/,
    );
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
      allowNoSecurityContact: false,
    });
    expect(parseInvocation(['explain', '111111111111', '--redact'], quiet)).toMatchObject({
      command: 'explain',
      accountId: '111111111111',
      options: { policy: 'policy/contacts.yaml', redact: 'all' },
    });
  });
});

describe('plan and apply subcommands', () => {
  const ALL_OPTIONS = [
    '--policy',
    'p.yaml',
    '--concurrency',
    '2',
    '--output',
    'json',
    '--log-file',
    'a.ndjson',
  ];
  const SHARED = ['--accounts', '111111111111', '--redact', '--region', 'eu-west-1', '--profile', 'org'];

  it('enforce plan is a dry-run with the same run options as the root command', () => {
    const plan = parseInvocation(
      ['plan', ...ALL_OPTIONS, ...SHARED, '--plan-out', 'p.json', '--detailed-exitcode'],
      quiet,
    );
    const root = parseInvocation(
      ['--dry-run', ...ALL_OPTIONS, ...SHARED, '--plan-out', 'p.json', '--detailed-exitcode'],
      quiet,
    );
    expect(plan).toEqual(root);
    expect(plan).toMatchObject({
      command: 'run',
      options: { mode: 'dry-run', planOut: 'p.json', detailedExitcode: true, concurrency: 2 },
    });
  });

  it('enforce apply is --apply with the same run options as the root command', () => {
    const apply = parseInvocation(
      ['apply', ...ALL_OPTIONS, ...SHARED, '--max-changes', '5', '--plan', 'p.json'],
      quiet,
    );
    const root = parseInvocation(
      ['--apply', ...ALL_OPTIONS, ...SHARED, '--max-changes', '5', '--plan', 'p.json'],
      quiet,
    );
    expect(apply).toEqual(root);
    expect(apply).toMatchObject({
      command: 'run',
      options: { mode: 'apply', plan: 'p.json', maxChanges: 5 },
    });
  });

  it('with no command and no flag, enforce is still a dry-run', () => {
    expect(parseInvocation(['plan'], quiet)).toEqual(parseInvocation([], quiet));
  });

  it.each([
    [['plan', '--apply'], /unknown option '--apply'/],
    [['plan', '--plan', 'p.json'], /unknown option '--plan'/],
    [['apply', '--plan-out', 'p.json'], /unknown option '--plan-out'/],
    [['apply', '--detailed-exitcode'], /unknown option '--detailed-exitcode'/],
    [['--policy', 'x.yaml', 'plan'], /^--policy must come after the command: enforce plan --policy/],
    [['--strict', 'explain', '111111111111'], /^--strict must come after the command: enforce explain/],
    // --redact takes an optional field list: a word after it is that list, and not a field name here.
    [['--redact', 'explain', '111111111111'], /./],
    [['plan', 'extra'], /too many arguments for 'plan'/],
  ])('rejects %j as a usage error', (argv, message) => {
    expect(() => parseInvocation(argv, quiet)).toThrow(UsageError);
    expect(() => parseInvocation(argv, quiet)).toThrow(message);
  });
});

describe('--no-color', () => {
  it.each([[[]], [['plan']], [['apply']]])('run options carry color (%j)', (argv) => {
    expect(parseInvocation(argv, quiet)).toMatchObject({ options: { color: true } });
    expect(parseInvocation([...argv, '--no-color'], quiet)).toMatchObject({ options: { color: false } });
  });

  it('explain takes it too', () => {
    expect(parseInvocation(['explain', '111111111111', '--no-color'], quiet)).toMatchObject({
      options: { color: false },
    });
  });
});

describe('unknown commands', () => {
  it.each([
    ['validte', 'validate'],
    ['pln', 'plan'],
    ['aply', 'apply'],
    ['explian', 'explain'],
    ['Plan', 'plan'],
  ])('%s → Did you mean %s?', (word, near) => {
    expect(() => parseInvocation([word], quiet)).toThrow(`unknown command '${word}'. Did you mean ${near}?`);
  });

  it('a word near no command says so and lists the commands', () => {
    expect(() => parseInvocation(['frobnicate'], quiet)).toThrow(
      "unknown command 'frobnicate': the commands are plan, apply, validate, init, explain, report, audit, package-lambda, help (see enforce --help)",
    );
  });

  it('an unknown word after options is caught too', () => {
    expect(() => parseInvocation(['--no-progress', 'validte'], quiet)).toThrow(/Did you mean validate\?/);
  });

  it('exits 64 with the suggestion on stderr', async () => {
    const io = captureIo();
    expect(await main(['validte'], io)).toBe(64);
    expect(io.err).toBe("error: unknown command 'validte'. Did you mean validate?\n");
  });
});

describe('help', () => {
  it.each(['validate', 'plan', 'apply', 'explain'])(
    'enforce help %s prints that command’s help, exit 0',
    async (name) => {
      const io = captureIo();
      expect(await main(['help', name], io)).toBe(0);
      expect(io.out).toMatch(new RegExp(`^Usage: enforce ${name} `));
      expect(io.err).toBe('');
    },
  );

  it('enforce help validate shows validate’s options, not the run options', async () => {
    const io = captureIo();
    await main(['help', 'validate'], io);
    expect(io.out).toContain('--strict');
    expect(io.out).not.toContain('--max-changes');
  });

  it('enforce help alone prints the root help', async () => {
    const io = captureIo();
    expect(await main(['help'], io)).toBe(0);
    expect(io.out).toMatch(/^Usage: enforce \[options\] \[command\]/);
    expect(io.out).toContain('Examples:');
  });

  it('enforce help for an unknown command suggests the nearest', async () => {
    const io = captureIo();
    expect(await main(['help', 'validte'], io)).toBe(64);
    expect(io.err).toBe("error: unknown command 'validte'. Did you mean validate?\n");
  });

  it('the root help lists plan and apply and says how to run the bin in CI', async () => {
    const io = captureIo();
    await main(['--help'], io);
    expect(io.out).toMatch(/^ {2}plan \[options\] +show what would change/m);
    expect(io.out).toMatch(/^ {2}apply \[options\] +write what differs/m);
    expect(io.out).toContain('npx --no-install enforce');
    expect(io.out).toContain('aws-contact-enforce');
  });
});

describe('--version', () => {
  it('prints the package version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const io = captureIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.out).toBe(`${version}\n`);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('main', () => {
  it('prints help with examples and exits 0', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toContain('Examples:');
    expect(io.out).toContain('enforce apply --plan plan.json');
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
