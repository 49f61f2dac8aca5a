import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { RedactFields } from '../core/redact.js';
import { UsageError } from '../errors.js';
import { REPORT_FORMATS, type ReportFormat } from '../report/formats.js';
import { parseRedactOption } from './redact-option.js';
import { nearestWord } from './suggest.js';
import { PACKAGE_NAME, TOOL_VERSION } from './version.js';

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
  /** False with `--no-color`; whether stdout gets colour is decided with the TTY and env (colorEnabled). */
  color: boolean;
  requestTimeout?: number;
  /** `--allow-no-security-contact`: `security: absent` is allowed (lint error otherwise). */
  allowNoSecurityContact: boolean;
  /** `--state-out`: save what the run observed (state/snapshot.ts). */
  stateOut?: string;
  /** `--from-state`: dry-run only, plan against a snapshot (engine/from-state.ts). */
  fromState?: string;
  /** `--offline`: with --from-state, no AWS call at all. */
  offline: boolean;
  /** `--member-role`: the role name assumed in each member account (wins over settings.memberRole.name). */
  memberRole?: string;
}

/** `enforce init`: read the organization, write a starting policy (issue 12). */
export interface InitCliOptions extends AwsOptions {
  policy: string;
  /** `--types`, unparsed: init-command.ts `parseInitTypes` checks it. */
  types?: string;
  force: boolean;
  logFile: string;
  progress: boolean;
  requestTimeout?: number;
}

export interface ExplainCliOptions extends AwsOptions {
  policy: string;
  redact: RedactFields;
  output: 'text' | 'json';
  color: boolean;
}

/** `enforce report`: the run options a read-only run takes, plus the report's own. */
export interface ReportCliOptions extends AwsOptions {
  format: ReportFormat;
  out?: string;
  /** A saved plan (`--plan-out`) or an observation snapshot: the report is made from it, with no AWS call. */
  from?: string;
  policy: string;
  concurrency?: number;
  accounts?: string[];
  logFile: string;
  redact: RedactFields;
  progress: boolean;
  strict: boolean;
  requestTimeout?: number;
  allowNoSecurityContact: boolean;
  /** `--member-role`: read each member account through this role (its own quota). */
  memberRole?: string;
}

/** What the command line asked for, as a typed value: the rest of the program never sees argv. */
export type Invocation =
  | { command: 'run'; options: RunCliOptions }
  | { command: 'validate'; policy: string; strict: boolean; allowNoSecurityContact: boolean }
  | { command: 'init'; options: InitCliOptions }
  | { command: 'explain'; accountId: string; options: ExplainCliOptions }
  | { command: 'audit-verify'; file: string; since?: string }
  | { command: 'report'; options: ReportCliOptions }
  | { command: 'package-lambda'; policy: string; out: string }
  | { command: 'done' };

const EXAMPLES = `
Examples:
  $ enforce plan                                   # show drift against policy/contacts.yaml (= --dry-run)
  $ enforce plan --detailed-exitcode               # exit 2 when there is drift (pull requests)
  $ enforce apply --max-changes 50                 # fix drift, refuse if more than 50 writes (= --apply)
  $ enforce plan --plan-out plan.json              # save the plan for review
  $ enforce apply --plan plan.json                 # apply exactly the reviewed plan
  $ enforce plan --output json --redact            # machine-readable, contact values masked
  $ enforce validate --policy policy/contacts.yaml # check the policy offline
  $ enforce init --types security,operations       # write a starting policy from the organization
  $ enforce explain 111111111111                   # why does this account get this contact?
  $ enforce report --format html --out report.html # compliance evidence for an auditor (csv, ocsf, html)
  $ enforce help apply                             # the options of one command

Colour: on a terminal only; NO_COLOR=1 or --no-color turns it off, FORCE_COLOR=1 forces it.
Exit codes: 0 ok, 1 failure, 2 drift (with --detailed-exitcode), 3 explain: not an account of the
organization, 64 usage, 65 invalid policy, 130 interrupted.
In CI, run the locally installed bin (npx --no-install enforce), never a bare \`npx enforce\`: the npm
name "enforce" belongs to an unrelated package; this one is ${PACKAGE_NAME}.`;

const SUBCOMMANDS = [
  'plan',
  'apply',
  'validate',
  'init',
  'explain',
  'report',
  'audit',
  'package-lambda',
  'help',
] as const;

/** Beyond this, more parallel accounts only queue for the same per-caller tokens. */
export const MAX_CONCURRENCY = 64;

function positiveInt(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    }
    return n;
  };
}

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
 * The options of a run, declared once for `enforce`, `enforce plan`, `enforce apply` and `enforce report`
 * (a dry-run whose output is the report: no --output, plan or colour options).
 */
function addRunOptions(command: Command, mode: 'either' | 'dry-run' | 'apply' | 'report'): Command {
  const dryRunOnly = mode === 'dry-run' ? '' : 'dry-run: ';
  command
    .option('--policy <path>', 'policy file', DEFAULT_POLICY)
    .option(
      '--concurrency <n>',
      `accounts processed in parallel, at most ${MAX_CONCURRENCY} (default: settings.concurrency, else 8)`,
      boundedInt('--concurrency', 1, MAX_CONCURRENCY),
    )
    .option('--log-file <path>', 'audit log (NDJSON, appended)', DEFAULT_LOG_FILE)
    .option('--accounts <ids>', 'limit the run to these accounts (comma-separated ids)', accountList)
    .option(
      '--redact [fields]',
      'mask contact values in every output and log (all, or e.g. --redact=email,phone)',
    );
  if (mode !== 'report')
    command.addOption(
      new Option('--output <format>', 'stdout format').choices(['text', 'json']).default('text'),
    );
  if (mode === 'either' || mode === 'dry-run') {
    command
      .option('--detailed-exitcode', `${dryRunOnly}exit 2 when there is drift`)
      .option('--plan-out <path>', `${dryRunOnly}save the plan as JSON`);
  }
  if (mode === 'either' || mode === 'apply') {
    command
      .option(
        '--max-changes <n>',
        'refuse to apply when more contacts would be written',
        positiveInt('--max-changes', 0),
      )
      .option('--plan <path>', 'apply exactly a saved plan (items whose account changed are reported stale)');
  }
  command
    .option('--region <region>', 'AWS region (default: the SDK configuration)', nonEmpty('--region'))
    .option('--profile <name>', 'AWS profile (default: the SDK configuration)', nonEmpty('--profile'))
    .option(
      '--request-timeout <seconds>',
      'bound every attempt of every AWS request (default: settings.requestTimeoutSeconds, else 30)',
      boundedInt('--request-timeout', 1, 900),
    )
    .option('--no-progress', 'no progress display on stderr')
    .option('--strict', 'treat contact-quality warnings as errors (exit 65)')
    .option(ALLOW_NO_SECURITY_CONTACT, ALLOW_NO_SECURITY_CONTACT_HELP);
  if (mode !== 'report') command.option('--no-color', 'no colour on stdout (also NO_COLOR=1)');
  // State snapshots and member-role fan-out (issue 13); --from-state is refused with --apply in toRunOptions.
  if (mode !== 'report') {
    command.option(
      '--state-out <path>',
      'save what the run observed (accounts, OUs, tags, contacts) as a snapshot',
    );
  }
  // An apply always reads the organization: a snapshot only ever plans.
  if (mode === 'either' || mode === 'dry-run') {
    command
      .option(
        '--from-state <path>',
        `${dryRunOnly}plan against a snapshot saved with --state-out: no Account API call`,
      )
      .option('--offline', 'with --from-state: no AWS call at all (a policy with { ssm } values is refused)');
  }
  command.option(
    '--member-role <name>',
    'read and write each member account through this role in it (its own quota; settings.memberRole)',
    nonEmpty('--member-role'),
  );
  return command;
}

const ALLOW_NO_SECURITY_CONTACT = '--allow-no-security-contact';
const ALLOW_NO_SECURITY_CONTACT_HELP =
  'allow `security: absent` (CIS 1.2 and Security Hub Account.1 require a Security contact)';

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
    // Unknown words reach the action as operands, where they get a suggestion (commander would only
    // say "too many arguments" for a program with a root action).
    .allowExcessArguments(true)
    .helpCommand('help [command]', 'show the help of a command')
    .addOption(new Option('--dry-run', 'show what would change; write nothing (the default; = enforce plan)'))
    .addOption(new Option('--apply', 'write what differs from the policy (= enforce apply)'));
  addRunOptions(program, 'either')
    .addHelpText('after', EXAMPLES)
    .action((raw: Record<string, unknown>, command: Command) => {
      if (command.args.length > 0) throw unknownCommand(command.args[0]!);
      if (raw.dryRun && raw.apply) throw new UsageError('--dry-run and --apply cannot be used together');
      invocation = { command: 'run', options: toRunOptions(raw.apply ? 'apply' : 'dry-run', raw) };
    });

  addRunOptions(
    program.command('plan').description('show what would change; write nothing (= enforce --dry-run)'),
    'dry-run',
  ).action((raw: Record<string, unknown>) => {
    invocation = { command: 'run', options: toRunOptions('dry-run', raw) };
  });

  addRunOptions(
    program.command('apply').description('write what differs from the policy (= enforce --apply)'),
    'apply',
  ).action((raw: Record<string, unknown>) => {
    invocation = { command: 'run', options: toRunOptions('apply', raw) };
  });

  addRunOptions(
    program
      .command('report')
      .description(
        'a read-only run whose output is compliance evidence: one row per account and contact type, with its controls',
      )
      .addOption(
        new Option('--format <format>', 'report format').choices(REPORT_FORMATS).makeOptionMandatory(),
      )
      .option('--out <path>', 'write the report to this file (whole or not at all) instead of stdout')
      .option(
        '--from <path>',
        'make the report from a saved plan (--plan-out) or an observation snapshot: no AWS call',
      ),
    'report',
  ).action((raw: Record<string, unknown>) => {
    invocation = { command: 'report', options: toReportOptions(raw) };
  });

  program
    .command('validate')
    .description('check the policy offline (no AWS calls)')
    .option('--policy <path>', 'policy file', DEFAULT_POLICY)
    .option('--strict', 'treat contact-quality warnings as errors')
    .option(ALLOW_NO_SECURITY_CONTACT, ALLOW_NO_SECURITY_CONTACT_HELP)
    .action((raw: { policy: string; strict?: boolean; allowNoSecurityContact?: boolean }) => {
      invocation = {
        command: 'validate',
        policy: raw.policy,
        strict: raw.strict === true,
        allowNoSecurityContact: raw.allowNoSecurityContact === true,
      };
    });

  program
    .command('init')
    .description(
      'read the organization (like a dry-run) and write a starting policy: the most common contact per type, overrides where accounts differ',
    )
    .option('--policy <path>', 'policy file to write', DEFAULT_POLICY)
    .option('--types <types>', 'types to write, comma-separated (default: security,operations,billing)')
    .option('--force', 'overwrite an existing policy file')
    .option('--log-file <path>', 'audit log (NDJSON, appended)', DEFAULT_LOG_FILE)
    .option('--region <region>', 'AWS region (default: the SDK configuration)', nonEmpty('--region'))
    .option('--profile <name>', 'AWS profile (default: the SDK configuration)', nonEmpty('--profile'))
    .option(
      '--request-timeout <seconds>',
      'bound every attempt of every AWS request (default 30)',
      boundedInt('--request-timeout', 1, 900),
    )
    .option('--no-progress', 'no progress display on stderr')
    .action((raw: Record<string, unknown>) => {
      invocation = {
        command: 'init',
        options: {
          policy: raw.policy as string,
          types: raw.types as string | undefined,
          force: raw.force === true,
          logFile: raw.logFile as string,
          progress: raw.progress !== false,
          region: raw.region as string | undefined,
          profile: raw.profile as string | undefined,
          requestTimeout: raw.requestTimeout as number | undefined,
        },
      };
    });

  program
    .command('explain')
    .description(
      'show, field by field, which policy layer decides an account’s contacts, and its current values',
    )
    .argument('<accountId>', '12-digit account id')
    .option('--policy <path>', 'policy file', DEFAULT_POLICY)
    .addOption(new Option('--output <format>', 'stdout format').choices(['text', 'json']).default('text'))
    .option('--redact [fields]', 'mask contact values (all, or e.g. --redact=email,phone)')
    .option('--region <region>', 'AWS region', nonEmpty('--region'))
    .option('--profile <name>', 'AWS profile', nonEmpty('--profile'))
    .option('--no-color', 'no colour on stdout (also NO_COLOR=1)')
    .action((accountId: string, raw: Record<string, unknown>) => {
      if (!/^\d{12}$/.test(accountId))
        throw new UsageError(`explain: expected a 12-digit account id, got ${accountId}`);
      invocation = {
        command: 'explain',
        accountId,
        options: {
          policy: raw.policy as string,
          output: raw.output as 'text' | 'json',
          redact: parseRedactOption(raw.redact as string | true | undefined),
          region: raw.region as string | undefined,
          profile: raw.profile as string | undefined,
          color: raw.color !== false,
        },
      };
    });

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
    .description(
      'bundle the Lambda handler and the policy into one zip for the template lambda/templates/enforce.yaml',
    )
    .requiredOption('--policy <path>', 'policy file to ship with the function')
    .requiredOption('--out <path>', 'zip to write, e.g. enforce-lambda.zip')
    .action((raw: { policy: string; out: string }) => {
      invocation = { command: 'package-lambda', policy: raw.policy, out: raw.out };
    });

  // Options before a command belong to the root (positional options) and would be silently dropped.
  for (const command of program.commands) {
    // Inherited from the root, where it is there for the suggestions only.
    command.allowExcessArguments(false);
    command.hook('preAction', () => {
      const early = program.options.filter((o) => program.getOptionValueSource(o.attributeName()) === 'cli');
      if (early.length > 0) {
        const flags = early.map((o) => o.long).join(', ');
        throw new UsageError(`${flags} must come after the command: enforce ${command.name()} ${flags} …`);
      }
    });
  }

  for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    command.exitOverride().configureOutput({ writeOut: write.out, writeErr: () => {} });
  }

  // `help CMD` for a CMD that does not exist: commander would print the root help as an error.
  if (argv[0] === 'help' && argv[1] !== undefined && !program.commands.some((c) => c.name() === argv[1])) {
    throw unknownCommand(argv[1]);
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

function unknownCommand(word: string): UsageError {
  const near = nearestWord(word, SUBCOMMANDS);
  if (near !== undefined) return new UsageError(`unknown command '${word}'. Did you mean ${near}?`);
  return new UsageError(
    `unknown command '${word}': the commands are ${SUBCOMMANDS.join(', ')} (see enforce --help)`,
  );
}

function toRunOptions(mode: 'dry-run' | 'apply', raw: Record<string, unknown>): RunCliOptions {
  if (raw.plan !== undefined && mode !== 'apply')
    throw new UsageError('--plan applies a saved plan: use it with --apply');
  if (raw.planOut !== undefined && mode !== 'dry-run') {
    throw new UsageError('--plan-out saves a dry-run plan: use it without --apply');
  }
  if (raw.fromState !== undefined && mode !== 'dry-run')
    throw new UsageError('--from-state plans only: --apply always reads the accounts it writes');
  if (raw.offline === true && raw.fromState === undefined)
    throw new UsageError('--offline plans from a snapshot: use it with --from-state FILE');
  if (raw.stateOut !== undefined && raw.fromState !== undefined)
    throw new UsageError('--state-out saves what a run read; a --from-state plan reads nothing');
  if (raw.stateOut !== undefined && raw.plan !== undefined)
    throw new UsageError('--state-out needs a full read; --apply --plan reads only the planned accounts');
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
    color: raw.color !== false,
    requestTimeout: raw.requestTimeout as number | undefined,
    allowNoSecurityContact: raw.allowNoSecurityContact === true,
    stateOut: raw.stateOut as string | undefined,
    fromState: raw.fromState as string | undefined,
    offline: raw.offline === true,
    memberRole: raw.memberRole as string | undefined,
  };
}

function toReportOptions(raw: Record<string, unknown>): ReportCliOptions {
  const out = raw.out as string | undefined;
  const from = raw.from as string | undefined;
  if (out !== undefined && out.trim() === '') throw new UsageError('--out must name a file (it was empty)');
  if (from !== undefined && from.trim() === '')
    throw new UsageError('--from must name a file (it was empty)');
  return {
    format: raw.format as ReportFormat,
    ...(out === undefined ? {} : { out }),
    ...(from === undefined ? {} : { from }),
    policy: raw.policy as string,
    concurrency: raw.concurrency as number | undefined,
    accounts: raw.accounts as string[] | undefined,
    logFile: raw.logFile as string,
    redact: parseRedactOption(raw.redact as string | true | undefined),
    region: raw.region as string | undefined,
    profile: raw.profile as string | undefined,
    progress: raw.progress !== false,
    strict: raw.strict === true,
    requestTimeout: raw.requestTimeout as number | undefined,
    allowNoSecurityContact: raw.allowNoSecurityContact === true,
    memberRole: raw.memberRole as string | undefined,
  };
}
