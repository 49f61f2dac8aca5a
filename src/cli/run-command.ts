import { appendFile, writeFile } from 'node:fs/promises';
import { openAuditDestination } from '../audit/audit-log.js';
import { createClients } from '../aws/clients.js';
import { systemClock } from '../engine/clock.js';
import { runEnforce } from '../engine/run.js';
import { renderJson } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import { createProgress } from '../render/progress.js';
import { renderText } from '../render/text.js';
import { exitCodeForError, exitCodeForOutcome } from './exit-codes.js';
import type { Io } from './io.js';
import { reportLint } from './lint-report.js';
import type { RunCliOptions } from './program.js';
import { installInterruptHandlers } from './signals.js';
import { TOOL_VERSION } from './version.js';

/**
 * The SDK's default of 3 attempts gives up on an account after two throttled retries; throttling caused by
 * other callers sharing the per-account quota must not fail an item, so a run is more patient unless the
 * user chose with AWS_MAX_ATTEMPTS.
 */
export const DEFAULT_MAX_ATTEMPTS = 8;

export async function runCommand(options: RunCliOptions, io: Io): Promise<number> {
  const clients = createClients({
    region: options.region,
    profile: options.profile,
    maxAttempts: io.env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_MAX_ATTEMPTS,
  });
  const progress = createProgress(io.stderr, options.progress && io.stderrIsTTY, systemClock);
  const signals = installInterruptHandlers((signal) => {
    progress.finish();
    io.stderr(`${signal}: finishing writes in flight, starting no new ones (again to exit now)\n`);
  });
  try {
    const outcome = await runEnforce(
      {
        mode: options.mode,
        policyFile: options.policy,
        concurrency: options.concurrency,
        maxChanges: options.maxChanges,
        accounts: options.accounts,
        planFile: options.plan,
        redact: options.redact,
        toolVersion: TOOL_VERSION,
      },
      {
        clients,
        clock: systemClock,
        interrupt: signals.interrupt,
        openAuditLog: () => openAuditDestination(options.logFile),
        // Adapter until the engine reports writes too (ProgressState); the lead's engine calls update directly.
        onAccountDone: (accountsDone, accountsTotal, listing) =>
          progress.update({ accountsDone, accountsTotal, listing, writesDone: 0, writesTotal: 0 }),
        onForcedExit: signals.onForcedExit,
        exitCodeForError,
        onLint: (warnings) => reportLint(warnings, options.strict, io, options.redact),
      },
    );
    progress.finish();
    const { plan, redactor } = outcome;
    io.stdout(options.output === 'json' ? renderJson(plan, redactor) : renderText(plan, redactor));
    if (options.planOut !== undefined) await writeFile(options.planOut, renderJson(plan, redactor));
    const summaryFile = io.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) await appendFile(summaryFile, renderMarkdown(plan, redactor));
    if (outcome.refusal !== null) io.stderr(`error: ${outcome.refusal.message}\n`);
    const code = exitCodeForOutcome(outcome, options.detailedExitcode);
    outcome.finish(code);
    return code;
  } finally {
    progress.finish();
    signals.dispose();
    for (const client of Object.values(clients)) client.destroy();
  }
}
