import { EnforceError, PolicyError } from '../errors.js';
import { exitCodeForError } from './exit-codes.js';
import { explainCommand } from './explain-command.js';
import type { Io } from './io.js';
import { packageLambdaCommand } from './package-lambda.js';
import { parseInvocation } from './program.js';
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
      case 'package-lambda':
        return await packageLambdaCommand(invocation, io);
    }
  } catch (error) {
    reportError(error, io);
    return exitCodeForError(error);
  }
}

function reportError(error: unknown, io: Io): void {
  if (error instanceof PolicyError) {
    io.stderr(`error: invalid policy\n${error.message}\n`);
  } else if (error instanceof EnforceError) {
    io.stderr(`error: ${error.message}\n`);
  } else {
    // Not one of ours: a bug or an unexpected failure. Show everything.
    io.stderr(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}
