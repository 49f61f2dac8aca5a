import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileAtomic } from '../atomic-file.js';
import { type AnchorRecord, anchorChainHead, anchorRecord } from '../audit/anchor.js';
import { type AuditLog, ciContext, createAuditLog, type RunStartFields } from '../audit/audit-log.js';
import { openChainedAuditFile } from '../audit/chain.js';
import { type AwsClients, createClients } from '../aws/clients.js';
import { managedTypes } from '../core/desired.js';
import { createRedactor, makeRunKey, type Redactor } from '../core/redact.js';
import type { RunReport, Summary } from '../core/types.js';
import { systemClock } from '../engine/clock.js';
import { prepareOfflineRun } from '../engine/from-state.js';
import { type PreparedRun, prepareRun, type RunInputs, readRunInputs } from '../engine/prepare.js';
import { executeRun, type RunDeps, type RunResult } from '../engine/run.js';
import { checkPlanMasks } from '../engine/saved-plan.js';
import { createRunStop } from '../engine/stop.js';
import { summaryLine } from '../render/breakdown.js';
import { renderJson } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import { createProgress } from '../render/progress.js';
import { planAgeLine, savedPlanMessage } from '../render/saved-plan-message.js';
import { colorEnabled, createStyle } from '../render/style.js';
import { renderText } from '../render/text.js';
import { controlsOf } from '../report/controls.js';
import { readSnapshotFile } from '../state/snapshot-file.js';
import { EXIT, exitCodeForError, exitCodeForRun, failureReasons } from './exit-codes.js';
import type { Io } from './io.js';
import { reportLint } from './lint-report.js';
import { appendStepSummary, checkOutputPaths, describeFsError } from './outputs.js';
import { checkPolicyErrors } from './policy-errors.js';
import type { RunCliOptions } from './program.js';
import { describeError, reportError } from './report-error.js';
import { installSignalHandlers } from './signals.js';
import { checkStateOutPath, fromStateOf, memberRoleOf, startStateOut, writeStateOut } from './state-run.js';
import { TOOL_VERSION } from './version.js';

/**
 * The SDK's default of 3 attempts gives up on an account after two throttled retries; throttling caused by
 * other callers sharing the per-account quota must not fail an item, so a run is more patient unless the
 * user chose with AWS_MAX_ATTEMPTS.
 */
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

/**
 * What `enforce report` changes in a run (its outputs), so that the lifecycle keeps one owner. The
 * default writes the plan, stdout and the step summary.
 */
export interface RunOutputs {
  /** Added to run.start, naming what the run is for. */
  startFields?: Pick<RunStartFields, 'report'>;
  /** stdout carries one document: the `stdout` anchor line goes to stderr. */
  stdoutIsDocument?: boolean;
  /** Each account as the scan read it, with when each contact was read (the report's readAt). */
  onObserved?: RunDeps['onObserved'];
  /** Returns one line per output that could not be written. */
  write(result: RunResult, context: { redactor: Redactor; clients: AwsClients }): Promise<string[]>;
}

/**
 * The one owner of a run's lifecycle: checks the output paths and opens the audit log before any AWS
 * call, prepares the run (saved plan, policy, caller, SSM values, lint), executes it, writes the outputs,
 * and — in one `finally`, whatever happened (success, refusal, error, signal, output failure) — anchors
 * the chain head (settings.auditAnchor) and writes `run.end` with the exit code the process returns.
 */
export async function runCommand(options: RunCliOptions, io: Io, outputs?: RunOutputs): Promise<number> {
  const started = systemClock.now();
  const runId = randomUUID();
  checkOutputPaths(options);
  checkStateOutPath(options);
  // Masks agree within the run, and across runs only with ENFORCE_REDACT_KEY (SPEC round 2, "Redaction").
  const { key } = makeRunKey(io.env, randomBytes);
  const destination = openChainedAuditFile(options.logFile);

  const stop = createRunStop();
  const progress = createProgress(io.stderr, options.progress && io.stderrIsTTY, systemClock);
  let audit: AuditLog | undefined;
  let inputs: RunInputs | undefined;
  let prepared: PreparedRun | undefined;
  let clients: AwsClients | undefined;
  let exitCode: number = EXIT.failure;
  let summary: Summary | null = null;
  let organizationId: string | undefined;
  let reason: string | undefined;
  let anchored: AnchorRecord | undefined;
  let ended = false;
  const extraStart = outputs?.startFields ?? {};

  /** A run that failed before run.start still gets it, with what was known. */
  const startedAudit = (): AuditLog => {
    if (audit === undefined) {
      audit = createAuditLog(destination, runId, {
        redactor: createRedactor({ key, fields: 'all', secretValues: [] }),
      });
      audit.runStart({ ...startFields(options, inputs, prepared), ...extraStart });
    }
    return audit;
  };

  /**
   * settings.auditAnchor. The head is anchored BEFORE run.end — the head of the line before it — and
   * run.end records what was anchored. Anchoring after run.end could fail once run.end said exit 0; this
   * way run.end stays the last line and carries the exit code the process returns (1 when the anchor
   * failed). The cost: the anchor covers every line up to run.end, not run.end itself.
   */
  const anchorHead = async () => {
    const anchor = prepared?.policy.settings.auditAnchor ?? inputs?.loaded.document.settings?.auditAnchor;
    if (anchor === undefined || ended) return;
    const log = startedAudit();
    const head = destination.head();
    if (head === null || log.failure !== null) return;
    const record = anchorRecord(runId, options.logFile, head);
    const toStderr = options.output === 'json' || outputs?.stdoutIsDocument === true;
    try {
      if (anchor !== 'stdout' && clients === undefined) throw new Error('no AWS client was created');
      await anchorChainHead(record, anchor, { ssm: clients!.ssm, write: toStderr ? io.stderr : io.stdout });
      if (!toStderr) await io.flushStdout();
      anchored = record;
    } catch (error) {
      const message = `cannot anchor the audit chain head: ${describeError(error, io.env).replace(/\n/g, '; ')}`;
      io.stderr(`error: ${message}\n`);
      if (exitCode !== EXIT.interrupted) exitCode = EXIT.failure;
      reason = reason === undefined ? message : `${reason}; ${message}`;
    }
  };

  /** run.end, once. */
  const endRun = () => {
    if (ended) return;
    ended = true;
    const types = prepared === undefined ? undefined : managedTypes(prepared.policy);
    startedAudit().runEnd({
      summary,
      exitCode,
      durationMs: Math.round(systemClock.now() - started),
      interrupted: stop.reason === 'interrupted',
      ...(organizationId === undefined ? {} : { organizationId }),
      ...(reason === undefined ? {} : { reason }),
      ...(types === undefined ? {} : { controls: controlsOf(types) }),
      ...(anchored === undefined ? {} : { anchor: { seq: anchored.seq, sha256: anchored.sha256 } }),
    });
  };
  const signals = installSignalHandlers(stop, {
    onFirst(signal) {
      progress.finish();
      io.stderr(`${signal}: finishing writes in flight, starting no new ones (again to exit now)\n`);
    },
    onForcedExit() {
      // Synchronous last words: the writes still waiting for AWS's answer, then run.end.
      audit?.abandonInFlight();
      exitCode = EXIT.interrupted;
      reason = 'stopped by a second signal';
      endRun();
    },
  });

  try {
    inputs = await readRunInputs({ policyFile: options.policy, planFile: options.plan });
    // Issue 12: policy errors (an absent Security contact, a primary phone AWS refuses) before any AWS call.
    const lintErrorOptions = { allowNoSecurityContact: options.allowNoSecurityContact };
    checkPolicyErrors(inputs.loaded, lintErrorOptions);
    // Issue 13: the snapshot is read and checked before any AWS call, like the policy.
    const snapshot = options.fromState === undefined ? undefined : await readSnapshotFile(options.fromState);
    const fromState = fromStateOf(options, snapshot, io.env);
    // The flag wins over the policy's setting; member-role clients get the same bound (executeRun).
    const requestTimeoutMs =
      (options.requestTimeout ??
        inputs.loaded.document.settings?.requestTimeoutSeconds ??
        DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000;
    clients = createClients({
      region: options.region,
      profile: options.profile,
      maxAttempts: io.env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_MAX_ATTEMPTS,
      requestTimeoutMs,
    });
    prepared =
      fromState?.offline === true
        ? prepareOfflineRun(inputs, fromState, options.redact)
        : await prepareRun(inputs, clients, {
            redact: options.redact,
            profile: options.profile ?? io.env.AWS_PROFILE,
          });
    const redactor = createRedactor({
      key,
      fields: options.redact,
      secretValues: prepared.policy.secretValues,
    });
    checkPolicyErrors(inputs.loaded, lintErrorOptions, prepared.policy);
    reportLint(prepared.lint, options.strict, io, redactor);
    if (prepared.saved !== null) {
      checkPlanMasks(prepared.saved, options.plan!, redactor.keyId);
      // How old the reviewed plan is, and who made it: an apply of a week-old plan should look like one.
      if (prepared.saved.createdAt !== undefined)
        io.stderr(planAgeLine(prepared.saved.createdAt, new Date(), prepared.saved.caller?.arn));
    }
    audit = createAuditLog(destination, runId, { redactor, onFailure: () => stop.stop('audit-log-failed') });
    audit.runStart({ ...startFields(options, inputs, prepared, io.env), ...extraStart });

    const stateOut = startStateOut(options);
    const memberRole = memberRoleOf(options, prepared);
    const result = await executeRun(
      prepared,
      {
        mode: options.mode,
        runId,
        concurrency: options.concurrency,
        maxChanges: options.maxChanges,
        accounts: options.accounts,
        strict: options.strict,
        ...(fromState === undefined ? {} : { fromState }),
        ...(memberRole === undefined ? {} : { memberRole }),
        readOus: stateOut !== undefined,
      },
      {
        clients,
        clock: systemClock,
        stop,
        audit,
        mask: redactor.mask,
        redactionKeyId: redactor.keyId,
        onProgress: progress.update,
        ...observersOf(stateOut?.recorder.record, outputs?.onObserved),
        requestTimeoutMs,
      },
    );
    progress.finish(finalProgressLine(result.report));
    reportSelectorWarnings(result.report, io);
    summary = result.report.summary;
    organizationId = result.organization.id;
    const ending = { report: result.report, refusal: result.refusal, stopped: stop.reason };
    exitCode = exitCodeForRun(ending, options.detailedExitcode);
    // A stopped run read only some accounts: the previous snapshot is better than a partial one.
    const stateFailure =
      stateOut === undefined
        ? null
        : stop.reason !== null
          ? `the snapshot was not saved to ${stateOut.path}: the run was stopped before every account was read`
          : await writeStateOut(stateOut, result, prepared, io.env);
    const written =
      outputs === undefined
        ? await writeOutputs(result, redactor, options, io)
        : await outputs.write(result, { redactor, clients });
    const failures = [
      ...failureReasons(ending),
      ...(stateFailure === null ? [] : [stateFailure]),
      ...written,
    ];
    if (audit.failure !== null) failures.unshift(audit.failure.message);
    if (failures.length > 0) {
      if (exitCode !== EXIT.interrupted) exitCode = EXIT.failure;
      reason = failures.join('; ');
      for (const failure of failures) io.stderr(`error: ${failure}\n`);
    }
  } catch (error) {
    progress.finish();
    exitCode = exitCodeForError(error);
    reason = describeError(error, io.env).replace(/\n/g, '; ');
    reportError(error, io);
  } finally {
    await anchorHead();
    endRun();
    signals.dispose();
    destination.close();
    for (const client of Object.values(clients ?? {})) client.destroy();
  }
  // After the finally: a failed anchor changes the exit code.
  return exitCode;
}

/** Selectors that match nothing, on stderr like lint warnings (the plan and step summary list them too). */
function reportSelectorWarnings(report: RunReport, io: Io): void {
  for (const w of report.warnings)
    io.stderr(`warning: ${report.policy.file}: ${w.path}: ${w.message} [unmatched-selector]\n`);
  for (const n of report.notChecked)
    io.stderr(`note: ${report.policy.file}: ${n.paths.join(', ')}: ${n.message}\n`);
}

/** What sees each account as the scan read it: the snapshot (--state-out) and the report's read times. */
function observersOf(...observers: (RunDeps['onObserved'] | undefined)[]): Pick<RunDeps, 'onObserved'> {
  const present = observers.filter((o) => o !== undefined);
  if (present.length === 0) return {};
  return {
    onObserved: (account, contacts) => {
      for (const observe of present) observe(account, contacts);
    },
  };
}

/** The progress display's last line: what the run came to, in the summary's words. */
function finalProgressLine(report: RunReport): string {
  return `done: ${summaryLine(report)}`;
}

function startFields(
  options: RunCliOptions,
  inputs: RunInputs | undefined,
  prepared: PreparedRun | undefined,
  env: Readonly<Record<string, string | undefined>> = {},
) {
  const ci = ciContext(env);
  return {
    mode: options.mode,
    policyFile: inputs?.loaded.file ?? options.policy,
    policySha256: inputs?.loaded.sha256 ?? null,
    callerAccountId: prepared?.caller.accountId ?? null,
    callerArn: prepared?.caller.arn ?? null,
    toolVersion: TOOL_VERSION,
    ...(options.plan === undefined ? {} : { planFile: options.plan }),
    ...(Object.keys(ci).length === 0 ? {} : { ci }),
  };
}

/**
 * The outputs of a finished run, each on its own: the saved plan first (whole or not at all), then
 * stdout, then the step summary. Returns one line per output that could not be written.
 */
async function writeOutputs(
  result: RunResult,
  redactor: Redactor,
  options: RunCliOptions,
  io: Io,
): Promise<string[]> {
  const report: RunReport = result.report;
  const failures: string[] = [];
  if (options.planOut !== undefined) {
    try {
      await writeFileAtomic(options.planOut, renderJson(report, redactor));
    } catch (error) {
      failures.push(`cannot write the plan to ${options.planOut}: ${describeFsError(error)}`);
    }
  }
  const style = createStyle(
    colorEnabled({ stdoutIsTTY: io.stdoutIsTTY, env: io.env, noColorFlag: !options.color }),
  );
  io.stdout(options.output === 'json' ? renderJson(report, redactor) : renderText(report, redactor, style));
  // Where the plan went and how to apply it; on stderr with --output json, so stdout stays one document.
  if (options.planOut !== undefined && !failures.some((f) => f.includes(options.planOut!))) {
    const message = savedPlanMessage(options.planOut);
    if (options.output === 'json') io.stderr(message);
    else io.stdout(message);
  }
  const stdoutError = await io.flushStdout();
  if (stdoutError !== null) failures.push(`cannot write to stdout: ${describeFsError(stdoutError)}`);
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    try {
      await appendStepSummary(summaryFile, renderMarkdown(report, redactor));
    } catch (error) {
      failures.push(
        `cannot write the step summary GITHUB_STEP_SUMMARY=${summaryFile}: ${describeFsError(error)}`,
      );
    }
  }
  return failures;
}
