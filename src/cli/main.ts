import { auditVerifyCommand } from './audit-verify-command.js';
import { exitCodeForError } from './exit-codes.js';
import { explainCommand } from './explain-command.js';
import type { Io } from './io.js';
import { packageLambdaCommand } from './package-lambda.js';
import { parseInvocation } from './program.js';
import { reportError } from './report-error.js';
import { runCommand } from './run-command.js';
import { validateCommand } from './validate-command.js';

/** The one place that turns what happened into an exit code and an error message. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const invocation = parseInvocation(argv, { out: io.stdout, err: io.stderr });
    switch (invocation.command) {
      case 'done':
        return 0;
      case 'run':
        return await runCommand(invocation.options, io);
      case 'validate':
        return await validateCommand(invocation.policy, invocation.strict, io);
      case 'explain':
        return await explainCommand(invocation.accountId, invocation.options, io);
      case 'audit-verify':
        return await auditVerifyCommand(invocation.file, { since: invocation.since }, io);
      case 'package-lambda':
        return await packageLambdaCommand(invocation, io);
    }
  } catch (error) {
    reportError(error, io);
    return exitCodeForError(error);
  }
}
