import { exitCodeForError } from './exit-codes.js';
import type { Io } from './io.js';
import { parseInvocation } from './program.js';
import { reportError } from './report-error.js';

/** The one place that turns what happened into an exit code and an error message. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const invocation = parseInvocation(argv, { out: io.stdout, err: io.stderr });
    switch (invocation.command) {
      case 'done':
        return 0;
      // Commands are imported when chosen: the AWS SDK clients cost about ten times a bare Node start, and
      // --help, --version and validate need none of them (test/e2e/startup-imports.test.ts).
      case 'run': {
        const { runCommand } = await import('./run-command.js');
        return await runCommand(invocation.options, io);
      }
      case 'validate': {
        const { validateCommand } = await import('./validate-command.js');
        return await validateCommand(invocation.policy, invocation.strict, io, {
          allowNoSecurityContact: invocation.allowNoSecurityContact,
        });
      }
      case 'init': {
        const { initCommand } = await import('./init-command.js');
        return await initCommand(invocation.options, io);
      }
      case 'explain': {
        const { explainCommand } = await import('./explain-command.js');
        return await explainCommand(invocation.accountId, invocation.options, io);
      }
      case 'audit-verify': {
        const { auditVerifyCommand } = await import('./audit-verify-command.js');
        return await auditVerifyCommand(invocation.file, { since: invocation.since }, io);
      }
      case 'report': {
        const { reportCommand } = await import('./report-command.js');
        return await reportCommand(invocation.options, io);
      }
      case 'package-lambda': {
        const { packageLambdaCommand } = await import('./package-lambda.js');
        return await packageLambdaCommand(invocation, io);
      }
    }
  } catch (error) {
    reportError(error, io);
    return exitCodeForError(error);
  }
}
