/** The outside world a command talks to; injected so tests can capture it. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  stderrIsTTY: boolean;
  /** Colour goes to stdout, so it is stdout's terminal that decides (see render/style.ts colorEnabled). */
  stdoutIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  env: process.env,
};
