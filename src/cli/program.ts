import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors.js';
import type { RedactFields } from '../core/redact.js';
import { parseRedactOption } from './redact-option.js';
import { TOOL_VERSION } from './version.js';

export const DEFAULT_POLICY = 'policy/contacts.yaml';
export const DEFAULT_LOG_FILE = 'enforce-audit.ndjson';

export interface AwsOptions {
  region?: string;
  profile?: string;
}

export interface RunCliOptions extends AwsOptions {
  mode: 'dry-run' | 'apply';
  policy: string;
  concurrency?: number;
  maxChanges?: number;
  accounts?: string[];
  output: 'text' | 'json';
  logFile: string;
  detailedExitcode: boolean;
  redact: RedactFields;
  planOut?: string;
  plan?: string;
  progress: boolean;
  strict: boolean;
  requestTimeout?: number;
}

/** What the command line asked for, as a typed value: the rest of the program never sees argv. */
export type Invocation =
  | { command: 'run'; options: RunCliOptions }
  | { command: 'validate'; policy: string; strict: boolean }
  | { command: 'explain'; accountId: string; options: AwsOptions & { policy: string; redact: RedactFields } }
  | { command: 'audit-verify'; file: string; since?: string }
  | { command: 'package-lambda'; policy: string; out: string }
  | { command: 'done' };

const EXAMPLES = `
Examples:
  $ enforce --dry-run                              # show drift against policy/contacts.yaml
  $ enforce --dry-run --detailed-exitcode          # exit 2 when there is drift (pull requests)
  $ enforce --apply --max-changes 50               # fix drift, refuse if more than 50 writes
  $ enforce --dry-run --plan-out plan.json         # save the plan for review
  $ enforce --apply --plan plan.json               # apply exactly the reviewed plan
  $ enforce --dry-run --output json --redact       # machine-readable, contact values masked
  $ enforce validate --policy policy/contacts.yaml # check the policy offline
  $ enforce explain 111111111111                   # why does this account get this contact?

Exit codes: 0 ok, 1 failure, 2 drift (with --detailed-exitcode), 64 usage, 65 invalid policy, 130 interrupted.`;

function positiveInt(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    }
    return n;
  };
}

/** Beyond this, more parallel accounts only queue for the same per-caller tokens. */
export const MAX_CONCURRENCY = 64;

function boundedInt(name: string, min: number, max: number) {
  const parse = positiveInt(name, min);
  return (value: string): number => {
    const n = parse(value);
    if (n > max) throw new InvalidArgumentError(`${name} must be at most ${max}`);
    return n;
  };
}

function nonEmpty(name: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${name} must not be empty`);
    return value;
  };
}

function accountList(value: string): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = ids.filter((id) => !/^\d{12}$/.test(id));
  if (ids.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(
      `expected 12-digit account ids separated by commas, got ${JSON.stringify(value)}`,
    );
  }
  return ids;
}

/**
 * Parses argv into an Invocation. Help and version are printed through `write` and give `{command:'done'}`;
 * every usage problem is a UsageError (exit 64).
 */
export function parseInvocation(
  argv: readonly string[],
  write: { out(s: string): void; err(s: string): void },
): Invocation {
  let invocation = { command: 'done' } as Invocation;
  const program = new Command('enforce')
    .description(
      'Keep the alternate contacts (above all the Security contact) of every account in an AWS Organization equal to one reviewed policy file.',
    )
    .version(TOOL_VERSION, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: write.out, writeErr: () => {} })
    .showHelpAfterError(false)
    .addOption(new Option('--dry-run', 'show what would change; write nothing (the default)'))
    .addOption(new Option('--apply', 'write what differs from the policy'))
    .option('--policy <path>', 'policy file', DEFAULT_POLICY)
    .option(
      '--concurrency <n>',
      `accounts processed in parallel, at most ${MAX_CONCURRENCY} (default: settings.concurrency, else 8)`,
      boundedInt('--concurrency', 1, MAX_CONCURRENCY),
    )
    .option(
      '--max-changes <n>',
      'refuse to apply when more contacts would be written',
      positiveInt('--max-changes', 0),
    )
    .option('--accounts <ids>', 'limit the run to these accounts (comma-separated ids)', accountList)
    .addOption(new Option('--output <format>', 'stdout format').choices(['text', 'json']).default('text'))
    .option('--log-file <path>', 'audit log (NDJSON, appended)', DEFAULT_LOG_FILE)
    .option('--detailed-exitcode', 'dry-run: exit 2 when there is drift')
    .option('--redact [fields]', 'mask contact values in every output and log (all, or e.g. --redact=email,phone)')
    .option('--plan-out <path>', 'dry-run: save the plan as JSON')
    .option('--plan <path>', 'apply exactly a saved plan (items whose account changed are reported stale)')
    .option('--region <region>', 'AWS region (default: the SDK configuration)', nonEmpty('--region'))
    .option('--profile <name>', 'AWS profile (default: the SDK configuration)', nonEmpty('--profile'))
    .option(
      '--request-timeout <seconds>',
      'bound every attempt of every AWS request (default: settings.requestTimeoutSeconds, else 30)',
      boundedInt('--request-timeout', 1, 900),
    )
    .option('--no-progress', 'no progress display on stderr')
    .option('--strict', 'treat contact-quality warnings as errors (exit 65)')
    .addHelpText('after', EXAMPLES)
    .action((raw: Record<string, unknown>) => {
      invocation = { command: 'run', options: toRunOptions(raw) };
    });

  program
    .command('validate')
    .description('check the policy offline (no AWS calls)')
    .option('--policy <path>', 'policy file', DEFAULT_POLICY)
    .option('--strict', 'treat contact-quality warnings as errors')
    .action((raw: { policy: string; strict?: boolean }) => {
      invocation = { command: 'validate', policy: raw.policy, strict: raw.strict === true };
    });

  program
    .command('explain')
    .description(
      'show, field by field, which policy layer decides an account’s contacts, and its current values',
    )
    .argument('<accountId>', '12-digit account id')
    .option('--policy <path>', 'policy file', DEFAULT_POLICY)
    .option('--redact [fields]', 'mask contact values (all, or e.g. --redact=email,phone)')
    .option('--region <region>', 'AWS region')
    .option('--profile <name>', 'AWS profile')
    .action(
      (accountId: string, raw: { policy: string; redact?: string | true; region?: string; profile?: string }) => {
        if (!/^\d{12}$/.test(accountId))
          throw new UsageError(`explain: expected a 12-digit account id, got ${accountId}`);
        invocation = {
          command: 'explain',
          accountId,
          options: {
            policy: raw.policy,
            redact: parseRedactOption(raw.redact),
            region: raw.region,
            profile: raw.profile,
          },
        };
      },
    );

  const audit = program
    .command('audit')
    .description('work with the audit log')
    .action(() => {
      throw new UsageError('audit: expected a subcommand: enforce audit verify FILE [--since RUN_ID]');
    });
  audit
    .command('verify')
    .description(
      'check the audit log’s hash chain; exit 1 naming the first edited, removed, inserted or reordered line',
    )
    .argument('<file>', 'audit log (NDJSON)')
    .option('--since <runId>', 'verify from the first line of this run on')
    .action((file: string, raw: { since?: string }) => {
      invocation = { command: 'audit-verify', file, since: raw.since };
    });


  program
    .command('package-lambda')
    .description('bundle the Lambda handler and the policy into one zip for templates/enforce.yaml')
    .requiredOption('--policy <path>', 'policy file to ship with the function')
    .requiredOption('--out <path>', 'zip to write, e.g. enforce-lambda.zip')
    .action((raw: { policy: string; out: string }) => {
      invocation = { command: 'package-lambda', policy: raw.policy, out: raw.out };
    });

  for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    command.exitOverride().configureOutput({ writeOut: write.out, writeErr: () => {} });
  }

  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return { command: 'done' } as const;
      if (error.code === 'commander.help') return { command: 'done' } as const;
      throw new UsageError(error.message.replace(/^error: /, ''), { cause: error });
    }
    throw error;
  }
  return invocation;
}

function toRunOptions(raw: Record<string, unknown>): RunCliOptions {
  if (raw.dryRun && raw.apply) throw new UsageError('--dry-run and --apply cannot be used together');
  const mode = raw.apply ? 'apply' : 'dry-run';
  if (raw.plan !== undefined && mode !== 'apply')
    throw new UsageError('--plan applies a saved plan: use it with --apply');
  if (raw.planOut !== undefined && mode !== 'dry-run') {
    throw new UsageError('--plan-out saves a dry-run plan: use it without --apply');
  }
  return {
    mode,
    policy: raw.policy as string,
    concurrency: raw.concurrency as number | undefined,
    maxChanges: raw.maxChanges as number | undefined,
    accounts: raw.accounts as string[] | undefined,
    output: raw.output as 'text' | 'json',
    logFile: raw.logFile as string,
    detailedExitcode: raw.detailedExitcode === true,
    redact: parseRedactOption(raw.redact as string | true | undefined),
    planOut: raw.planOut as string | undefined,
    plan: raw.plan as string | undefined,
    region: raw.region as string | undefined,
    profile: raw.profile as string | undefined,
    progress: raw.progress !== false,
    strict: raw.strict === true,
    requestTimeout: raw.requestTimeout as number | undefined,
  };
}
