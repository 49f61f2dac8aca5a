import { createAuditLog } from '../../src/audit/audit-log.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { exitCodeForRun } from '../../src/cli/exit-codes.js';
import { createRedactor, type RedactFields, type Redactor } from '../../src/core/redact.js';
import type { Mode, RunReport } from '../../src/core/types.js';
import type { Clock } from '../../src/engine/clock.js';
import { type PreparedRun, prepareRun, readRunInputs } from '../../src/engine/prepare.js';
import { executeRun, type RunProgress, type RunResult } from '../../src/engine/run.js';
import { createRunStop, type RunStop } from '../../src/engine/stop.js';
import type { LintWarning } from '../../src/policy/lint.js';
import { TEST_REDACT_KEY } from './redact.js';

/** The engine's options as tests state them; the CLI builds the same from argv. */
export interface EngineOptions {
  mode: Mode;
  policyFile: string;
  planFile?: string;
  concurrency?: number;
  maxChanges?: number;
  accounts?: readonly string[];
  /** `true` is `--redact` (every field). */
  redact: boolean | RedactFields;
  /** The redaction key (ENFORCE_REDACT_KEY); a fixed test key when absent, so masks agree across runs. */
  redactKey?: Buffer;
  toolVersion?: string;
}

export interface EngineContext {
  clients: AwsClients;
  clock: Clock;
  stop?: RunStop;
  destination: { write(line: string): void };
  runId?: string;
  onProgress?: (progress: RunProgress) => void;
  /** Throwing rejects the run before anything is written, like `--strict`. */
  onLint?: (warnings: LintWarning[]) => void;
}

export interface EngineRun extends RunResult {
  plan: RunReport;
  prepared: PreparedRun;
  redactor: Redactor;
  stop: RunStop;
  exitCode(detailed?: boolean): number;
}

/**
 * Prepares and executes one run the way the CLI does (src/cli/run-command.ts), minus the argv, the output
 * files and run.end: for tests that drive the engine with mocked clients and inspect the report and the
 * audit lines.
 */
export async function runEngine(options: EngineOptions, ctx: EngineContext): Promise<EngineRun> {
  const stop = ctx.stop ?? createRunStop();
  const inputs = await readRunInputs({ policyFile: options.policyFile, planFile: options.planFile });
  const fields: RedactFields =
    options.redact === true ? 'all' : options.redact === false ? 'none' : options.redact;
  const prepared = await prepareRun(inputs, ctx.clients, { redact: fields });
  ctx.onLint?.(prepared.lint);
  const redactor = createRedactor({
    key: options.redactKey ?? Buffer.from(TEST_REDACT_KEY),
    fields,
    secretValues: prepared.policy.secretValues,
  });
  const audit = createAuditLog(ctx.destination, ctx.runId ?? 'run-1', {
    redactor,
    onFailure: () => stop.stop('audit-log-failed'),
  });
  audit.runStart({
    mode: options.mode,
    policyFile: inputs.loaded.file,
    policySha256: inputs.loaded.sha256,
    callerAccountId: prepared.caller.accountId,
    callerArn: prepared.caller.arn,
    toolVersion: options.toolVersion ?? '0.0.0-test',
  });
  const result = await executeRun(
    prepared,
    {
      mode: options.mode,
      runId: ctx.runId ?? 'run-1',
      concurrency: options.concurrency,
      maxChanges: options.maxChanges,
      accounts: options.accounts,
    },
    {
      clients: ctx.clients,
      clock: ctx.clock,
      stop,
      audit,
      mask: redactor.mask,
      redactionKeyId: redactor.keyId,
      onProgress: ctx.onProgress,
    },
  );
  return {
    ...result,
    plan: result.report,
    prepared,
    redactor,
    stop,
    exitCode: (detailed = false) =>
      exitCodeForRun({ report: result.report, refusal: result.refusal, stopped: stop.reason }, detailed),
  };
}
