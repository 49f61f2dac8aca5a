import type { Io } from '../../src/cli/io.js';

/** An Io that keeps what a command printed, for tests that call main(). */
export function captureIo(
  options: {
    env?: Record<string, string>;
    stderrIsTTY?: boolean;
    stdoutIsTTY?: boolean;
    stdoutError?: Error;
  } = {},
): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stderrIsTTY: options.stderrIsTTY ?? false,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    env: options.env ?? {},
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    flushStdout: async () => options.stdoutError ?? null,
  };
  return io;
}
