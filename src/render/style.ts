import { styleText } from 'node:util';

export interface ColorInputs {
  /** Whether stdout (where the coloured plan goes) is a terminal. */
  stdoutIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** `--no-color` on the command line. */
  noColorFlag: boolean;
}

/**
 * Whether stdout gets colour. In order: `--no-color` wins over everything; `NO_COLOR` set to anything
 * non-empty turns it off (no-color.org); `FORCE_COLOR` set to anything but "0" (or empty) turns it on even
 * into a pipe, for CI log viewers that render ANSI; otherwise only a terminal gets colour.
 */
export function colorEnabled({ stdoutIsTTY, env, noColorFlag }: ColorInputs): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0';
  return stdoutIsTTY;
}

type Wrap = (text: string) => string;

/** Terraform's palette: `+` green, `~` yellow, `-` and `!` red, headings bold, secondary text dim. */
export interface Style {
  create: Wrap;
  update: Wrap;
  remove: Wrap;
  fail: Wrap;
  heading: Wrap;
  dim: Wrap;
}

const identity: Wrap = (text) => text;

const PLAIN: Style = {
  create: identity,
  update: identity,
  remove: identity,
  fail: identity,
  heading: identity,
  dim: identity,
};

type Format = Parameters<typeof styleText>[0];

/**
 * `colorEnabled` is the only decision: styleText's own stream check is turned off (`validateStream: false`),
 * since it looks at process.stdout and its default differs between Node 20 releases.
 */
function wrap(format: Format): Wrap {
  return (text) => (text === '' ? text : styleText(format, text, { validateStream: false }));
}

/** String wrappers for the views; with colour off each returns its text unchanged. */
export function createStyle(enabled: boolean): Style {
  if (!enabled) return PLAIN;
  return {
    create: wrap('green'),
    update: wrap('yellow'),
    remove: wrap('red'),
    fail: wrap('red'),
    heading: wrap('bold'),
    dim: wrap('dim'),
  };
}
