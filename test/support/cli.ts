// Runs the built CLI (dist/cli/bin.js) as a child process, and the real AWS CLI, for end-to-end tests.
//
// Imported by vitest tests only through plain functions: no vitest here. Every child is bounded by a timeout
// that kills it (SIGKILL), so a hung run fails its test instead of hanging the suite.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_REGION, type TemporaryCredentials } from './seed.js';

/** The built CLI: tests assume `npm run build` ran first (`npm test` and `npm run test:e2e` do). */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

export const DEFAULT_CLI_TIMEOUT_MS = 45_000;

export interface CliOptions {
  /** The child's whole environment (see cliEnv). */
  env: Record<string, string | undefined>;
  cwd: string;
  /** Killed with SIGKILL after this long; the promise then rejects. Default DEFAULT_CLI_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface CliResult {
  /** Exit code; null only when the child was ended by a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Resolves when the child has exited and its output is read; rejects on timeout. */
  done: Promise<CliResult>;
  /** Output so far (for diagnostics while the child runs). */
  output(): { stdout: string; stderr: string };
}

/**
 * The CLI's environment: this process's environment without any AWS_* setting or GitHub step summary of the
 * machine running the tests (a developer's AWS_PROFILE or AWS_ENDPOINT_URL_ACCOUNT, or CI's
 * GITHUB_STEP_SUMMARY, must not leak into a run against moto), no shared config files, then `aws`
 * (usually fakeAwsEnv(endpoint)) and `extra`.
 */
export function cliEnv(
  aws: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('AWS_') || key === 'GITHUB_STEP_SUMMARY') continue;
    env[key] = value;
  }
  const nowhere = join(tmpdir(), 'enforce-e2e-no-aws-config');
  return {
    ...env,
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...aws,
    ...extra,
  };
}

/** Like fakeAwsEnv, with temporary credentials (a delegated administrator's, from assumeRoleCredentials). */
export function credentialsEnv(endpoint: string, credentials: TemporaryCredentials): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_REGION: TEST_REGION,
    AWS_ENDPOINT_URL: endpoint,
  };
}

/** Starts `node dist/cli/bin.js ...args`; see runCli for a run to completion. */
export function spawnCli(args: readonly string[], options: CliOptions): CliProcess {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLI_TIMEOUT_MS;
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close', not 'exit': the output pipes are drained by then.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new Error(
            `enforce ${args.join(' ')} did not exit within ${timeoutMs} ms and was killed\n` +
              `--- stdout\n${stdout.slice(-4_000)}\n--- stderr\n${stderr.slice(-4_000)}`,
          ),
        );
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Runs the CLI to completion: exit code, stdout and stderr. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/** Parses `--output json` stdout, with the output in the error when it is not JSON. */
export function parseJsonOutput<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch (error) {
    throw new Error(
      `stdout is not JSON (${(error as Error).message}); exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
}

/** Describes a result for assertion messages. */
export function describeResult(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout.slice(-6_000)}\n--- stderr\n${result.stderr.slice(-6_000)}`;
}

/** A fresh temporary directory; remove it with `rm(dir, { recursive: true, force: true })`. */
export function makeTempDir(prefix = 'enforce-e2e-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

export interface AwsCliOptions {
  endpoint: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs the real AWS CLI (`aws ARGS --endpoint-url E --region us-east-1 --output json`) with the fake
 * credentials, and parses its JSON answer. An independent reader: checks do not rest on our own client code.
 */
export function awsCli(args: readonly string[], options: AwsCliOptions): Promise<unknown> {
  const env = cliEnv({
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: TEST_REGION,
    ...options.env,
  });
  const argv = [...args, '--endpoint-url', options.endpoint, '--region', TEST_REGION, '--output', 'json'];
  return new Promise((resolve, reject) => {
    execFile(
      'aws',
      argv,
      { env, timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`aws ${argv.join(' ')} failed: ${error.message}\n${stderr}`));
          return;
        }
        try {
          resolve(stdout.trim() === '' ? null : JSON.parse(stdout));
        } catch (parseError) {
          reject(new Error(`aws ${argv.join(' ')}: output is not JSON: ${(parseError as Error).message}`));
        }
      },
    );
  });
}

/** Waits (bounded) until `condition` holds; returns false when `attempts` × `intervalMs` passed without it. */
export async function pollUntil(
  condition: () => boolean | Promise<boolean>,
  { attempts, intervalMs }: { attempts: number; intervalMs: number },
): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return condition();
}
