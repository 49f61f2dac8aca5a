/** The outside world a command talks to; injected so tests can capture it. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Resolves once what was written to stdout has been handed to the OS, with the first write error
   * (EPIPE when the reader went away, as in `enforce --output json | head -1`), or null.
   */
  flushStdout(): Promise<Error | null>;
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

let stdoutError: Error | null = null;
let stdoutListening = false;

/** A closed stdout must be an error we report, not an uncaught 'error' event that kills the process. */
function listenForStdoutErrors() {
  if (stdoutListening) return;
  stdoutListening = true;
  process.stdout.on('error', (error) => {
    stdoutError ??= error;
  });
}

export const processIo: Io = {
  stdout: (text) => {
    listenForStdoutErrors();
    if (stdoutError !== null) return;
    process.stdout.write(text, (error) => {
      if (error) stdoutError ??= error;
    });
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  flushStdout: () =>
    new Promise((resolve) => {
      listenForStdoutErrors();
      if (stdoutError !== null || process.stdout.writableLength === 0) {
        setImmediate(() => resolve(stdoutError));
        return;
      }
      process.stdout.once('drain', () => resolve(stdoutError));
      process.stdout.once('error', () => resolve(stdoutError));
    }),
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  env: process.env,
};
