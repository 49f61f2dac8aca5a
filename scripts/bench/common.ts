import type { Summary } from '../../src/core/types.js';
// Shared helpers for `npm run bench`: child processes, clean-up on exit or Ctrl-C, formatting.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI; ENFORCE_BENCH_CLI points the bench at another build (to compare a change A/B). */
export const CLI =
  process.env.ENFORCE_BENCH_CLI || fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

/** One line of the final table. */
export interface Row {
  scenario: string;
  figure: string;
  value: string;
  target: string;
  /** true/false when the row has a target; null for context rows. */
  met: boolean | null;
  note?: string;
}

// --- clean-up ---------------------------------------------------------------------------------------------

type Stop = () => Promise<void> | void;
const stops: Stop[] = [];
const children = new Set<ChildProcess>();

/** Registers something to stop at the end, also on error or Ctrl-C (stopped in reverse order). */
export function onCleanup(stop: Stop): void {
  stops.push(stop);
}

let cleaning: Promise<void> | undefined;

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) killTree(child, 'SIGKILL');
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch {
        // Best effort: keep stopping the others.
      }
    }
  })();
  return cleaning;
}

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Children are started in their own process group: this reaches the bash loop's `aws` processes too.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

let interruptedBy: NodeJS.Signals | undefined;

/** The signal that interrupted the bench, if any (failures that follow from it are not worth reporting). */
export function interrupted(): NodeJS.Signals | undefined {
  return interruptedBy;
}

/** Stops every server and child on SIGINT/SIGTERM and on a normal exit. */
export function installSignalCleanup(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    interruptedBy = signal;
    process.stderr.write(`\n${signal}: stopping servers and child processes\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const child of children) killTree(child, 'SIGKILL');
  });
}

// --- child processes --------------------------------------------------------------------------------------

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** Epoch ms at spawn, to line up with audit-log timestamps. */
  startedAt: number;
}

export interface RunOptions {
  /** Merged over this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Killed (SIGKILL, whole group) after this long. */
  timeoutMs: number;
}

/** Runs a command in its own process group, capturing output; never rejects on a non-zero exit. */
export function runChild(command: string, args: string[], options: RunOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    const child = spawn(command, args, {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => killTree(child, 'SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - t0,
        startedAt,
      });
    });
  });
}

/** The built CLI (`dist/cli/bin.js`), as a user runs it. */
export function runCli(args: string[], options: RunOptions): Promise<ChildResult> {
  return runChild(process.execPath, [CLI, ...args], options);
}

// --- the CLI's outputs ------------------------------------------------------------------------------------

/** The summary of the CLI's JSON output (SPEC). */
export type CliSummary = Summary;

export function parseSummary(result: ChildResult): CliSummary {
  try {
    return (JSON.parse(result.stdout) as { summary: CliSummary }).summary;
  } catch {
    throw new Error(
      `enforce exited ${result.code} without a JSON plan on stdout:\n${result.stderr.slice(-2000)}`,
    );
  }
}

// --- formatting -------------------------------------------------------------------------------------------

export const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
export const ratio = (x: number) => x.toFixed(2);

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function markdownTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
