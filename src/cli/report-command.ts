import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-file.js';
import { walkOuTree } from '../aws/organizations.js';
import { policyUsesOus, policyUsesTags } from '../core/desired.js';
import { createRedactor, makeRunKey, type Redactor } from '../core/redact.js';
import { type ContactType, itemKey } from '../core/types.js';
import { readSavedPlan } from '../engine/saved-plan.js';
import { StateFileError, UsageError } from '../errors.js';
import { readPolicy } from '../policy/load.js';
import { resolvePolicy, ssmParameterNames } from '../policy/resolve.js';
import { renderReport } from '../report/index.js';
import { reportInputFromPlan, reportInputFromSnapshot } from '../report/input.js';
import type { ReportInput } from '../report/rows.js';
import {
  createStoredContactComparer,
  missingSelectorData,
  parseSnapshot,
  SNAPSHOT_KIND,
} from '../state/snapshot.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import type { Io } from './io.js';
import { checkOutputFile, describeFsError } from './outputs.js';
import type { ReportCliOptions, RunCliOptions } from './program.js';
import { reportError } from './report-error.js';
import { type RunOutputs, runCommand } from './run-command.js';
import { TOOL_VERSION } from './version.js';

/**
 * `enforce report --format csv|ocsf|html [--out FILE] [--from FILE]`.
 *
 * Without --from: a dry-run through the one run lifecycle (run-command.ts: same preflight, pacing and
 * audit log; run.start says `mode: dry-run` with `report: { format }`), whose output is the report
 * instead of the plan. With --from: the report of a saved plan or of an observation snapshot, with no
 * AWS call and no audit line (nothing is read from AWS, so there is nothing to record).
 *
 * Exit codes as a dry-run: 0, or 1 when a contact could not be read (the report still shows it, as
 * `error`) or the report could not be written.
 */
export async function reportCommand(options: ReportCliOptions, io: Io): Promise<number> {
  try {
    if (options.out !== undefined) checkOutputFile('--out', options.out);
  } catch (error) {
    reportError(error, io);
    return exitCodeForError(error);
  }
  if (options.from !== undefined) return reportFromFile(options, options.from, io);
  return runCommand(dryRunOptions(options), io, reportOutputs(options, io));
}

function dryRunOptions(options: ReportCliOptions): RunCliOptions {
  return {
    mode: 'dry-run',
    policy: options.policy,
    concurrency: options.concurrency,
    accounts: options.accounts,
    // Not rendered: the report replaces the plan on stdout.
    output: 'text',
    logFile: options.logFile,
    detailedExitcode: false,
    redact: options.redact,
    region: options.region,
    profile: options.profile,
    progress: options.progress,
    strict: options.strict,
    color: false,
    offline: false,
    requestTimeout: options.requestTimeout,
    allowNoSecurityContact: options.allowNoSecurityContact,
    ...(options.memberRole === undefined ? {} : { memberRole: options.memberRole }),
  };
}

/** The run's outputs for a report: when each contact was read, the OU names (one walk), the report. */
function reportOutputs(options: ReportCliOptions, io: Io): RunOutputs {
  const runAt = new Date().toISOString();
  const readTimes = new Map<string, Date>();
  return {
    startFields: {
      report: { format: options.format, ...(options.out === undefined ? {} : { out: options.out }) },
    },
    stdoutIsDocument: options.out === undefined,
    onObserved: (account, contacts) => {
      for (const [type, read] of Object.entries(contacts)) {
        if (read !== undefined)
          readTimes.set(itemKey({ accountId: account.id, type: type as ContactType }), read.readAt);
      }
    },
    async write(result, { redactor, clients }) {
      // The plan keeps OU ids only when the policy uses OUs; the report names them, so the tree is
      // walked once here (a few paced Organizations calls).
      const tree = await walkOuTree(clients.organizations);
      const { report } = result;
      const input = reportInputFromPlan(report.accounts, {
        runId: report.runId,
        runAt,
        organizationId: report.organization.id,
        policy: report.policy,
        ouNames: (id) => (tree.accountOus.get(id) ?? []).map((ou) => tree.ouNames.get(ou) ?? ou),
        readAt: (accountId, type) => readTimes.get(itemKey({ accountId, type }))?.toISOString() ?? null,
      });
      return deliver(input, redactor, options, io);
    },
  };
}

/** Renders the report and writes it whole to --out, or to stdout. One line per output that failed. */
async function deliver(
  input: ReportInput,
  redactor: Redactor,
  options: ReportCliOptions,
  io: Io,
): Promise<string[]> {
  const text = renderReport(options.format, {
    report: input,
    redact: redactor.field,
    toolVersion: TOOL_VERSION,
  });
  const rows = input.accounts.reduce((n, account) => n + account.items.length, 0);
  if (options.out !== undefined) {
    try {
      await writeFileAtomic(options.out, text);
    } catch (error) {
      return [`cannot write the report to ${options.out}: ${describeFsError(error)}`];
    }
    io.stderr(`wrote the ${options.format} report (${rows} rows) to ${options.out}\n`);
    return [];
  }
  io.stdout(text);
  const stdoutError = await io.flushStdout();
  return stdoutError === null ? [] : [`cannot write to stdout: ${describeFsError(stdoutError)}`];
}

/** `--from FILE`: a snapshot (its `kind` says so) or a saved plan. No AWS call, no audit line. */
async function reportFromFile(options: ReportCliOptions, from: string, io: Io): Promise<number> {
  try {
    const text = await readFile(from, 'utf8').catch((error: unknown) => {
      throw new UsageError(`--from ${from}: cannot read the file: ${describeFsError(error)}`, {
        cause: error,
      });
    });
    const { key } = makeRunKey(io.env, randomBytes);
    const { input, secretValues } = isSnapshot(text)
      ? await fromSnapshot(text, from, options, io.env.ENFORCE_REDACT_KEY || undefined)
      : { input: await fromPlan(from, options), secretValues: [] };
    const redactor = createRedactor({ key, fields: options.redact, secretValues });
    const failures = await deliver(input, redactor, options, io);
    const errors = input.accounts.flatMap((a) => a.items).filter((item) => item.status === 'error').length;
    if (errors > 0)
      failures.unshift(
        `${errors} contact${errors === 1 ? '' : 's'} could not be read (status error in the report)`,
      );
    for (const failure of failures) io.stderr(`error: ${failure}\n`);
    return failures.length > 0 ? EXIT.failure : EXIT.ok;
  } catch (error) {
    reportError(error, io);
    return exitCodeForError(error);
  }
}

function isSnapshot(text: string): boolean {
  try {
    const data = JSON.parse(text) as { kind?: unknown } | null;
    return typeof data === 'object' && data !== null && data.kind === SNAPSHOT_KIND;
  } catch {
    return false;
  }
}

/** A saved plan reports what it recorded: its run, its policy; read times are the plan's (none per item). */
async function fromPlan(from: string, options: ReportCliOptions): Promise<ReportInput> {
  const plan = await readSavedPlan(from);
  const runAt = plan.createdAt ?? (await stat(from)).mtime.toISOString();
  return reportInputFromPlan(plan.accounts, {
    runId: plan.runId,
    runAt,
    organizationId: plan.organization.id,
    policy: plan.policy,
    // A plan records no OU path, and --from makes no AWS call to find one.
    ouNames: () => [],
    readAt: () => null,
    ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
  });
}

/** A snapshot is planned against the policy (--policy), offline: SSM values would need AWS. */
async function fromSnapshot(
  text: string,
  from: string,
  options: ReportCliOptions,
  valueKey: string | undefined,
): Promise<{ input: ReportInput; secretValues: readonly string[] }> {
  const snapshot = parseSnapshot(text, from);
  const loaded = await readPolicy(options.policy);
  const names = ssmParameterNames(loaded.document);
  if (names.length > 0) {
    throw new UsageError(
      `--from ${from}: ${loaded.file} reads values from SSM (${names.join(', ')}); a report from a snapshot makes no AWS call: make the report without --from`,
    );
  }
  const policy = resolvePolicy(loaded, new Map(), { redact: options.redact });
  const missing = missingSelectorData(snapshot, { ous: policyUsesOus(policy), tags: policyUsesTags(policy) });
  if (missing.length > 0) {
    throw new StateFileError(
      from,
      `the policy selects accounts by ${missing.join(' and ')}, which this snapshot did not record: make the report without --from`,
    );
  }
  const comparer = createStoredContactComparer(snapshot, from, valueKey);
  const input = reportInputFromSnapshot(snapshot, policy, comparer, {
    runId: randomUUID(),
    policy: { file: loaded.file, sha256: loaded.sha256 },
    ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
  });
  return { input, secretValues: policy.secretValues };
}
