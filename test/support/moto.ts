// Starts and stops a local moto_server (Python moto 5.2.1) on 127.0.0.1 for end-to-end tests and the demo.
//
// Imported by vitest tests and by scripts run with `npx tsx`, so nothing here may depend on vitest.
//
// Lifetime: moto is started through a tiny Node watchdog (WATCHDOG below) in its own process group. The
// watchdog holds the read end of a pipe from this process; when this process dies for any reason, even
// SIGKILL or a vitest worker killed on timeout, the pipe closes and the watchdog terminates moto. On a normal
// exit the 'exit' hook below also kills every server still running, synchronously.

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface MotoServer {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  /** Forget every resource in every account (moto's `POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** SIGTERM, SIGKILL after 2 s, and wait for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Extra environment for moto_server, e.g. `{ MOTO_ACCOUNT_ID: '111122223333' }`. */
  env?: Record<string, string>;
  /** Apply MOTO_PATCHES (default true); false runs moto exactly as installed. */
  patches?: boolean;
}

const MOTO_COMMAND = 'moto_server';
const INSTALL_HINT =
  "moto is not installed: `moto_server` was not found on PATH. Install it with `pip install 'moto[server]'` " +
  '(moto 5.2.1 is the tested version) and make sure its bin directory is on PATH.';
const READY_POLL_ATTEMPTS = 150;
const READY_POLL_INTERVAL_MS = 100;
const PORT_ATTEMPTS = 3;
const STOP_GRACE_MS = 2_000;
const STOP_HARD_LIMIT_MS = 5_000;
const OUTPUT_KEEP_BYTES = 16_384;

/** Sync PATH lookup, so test files can `describe.skipIf(!isMotoAvailable())` at collection time. */
export function isMotoAvailable(): boolean {
  return findOnPath(MOTO_COMMAND) !== undefined;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const command = findOnPath(MOTO_COMMAND);
  if (command === undefined) throw new Error(INSTALL_HINT);
  let lastError: Error | undefined;
  // Another process may take the free port between our probe and moto's bind: try a few ports.
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    const env = { ...options.env };
    if (options.patches ?? true) {
      env.PYTHONPATH = [patchDirectory(), options.env?.PYTHONPATH ?? process.env.PYTHONPATH]
        .filter(Boolean)
        .join(delimiter);
    }
    try {
      return await launch(command, port, env);
    } catch (error) {
      lastError = error as Error;
      if (!/address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('moto_server did not start');
}

// --- making moto closer to AWS ---------------------------------------------------------------------------

/**
 * Two places where moto 5.2.1 differs from AWS in a way our e2e tests depend on, patched in the moto_server
 * process through a `sitecustomize` module on PYTHONPATH (Python imports it at start-up, before moto runs):
 * - AWS Account Management supports a delegated administrator (RegisterDelegatedAdministrator with
 *   account.amazonaws.com); moto only knows six other services and answers InvalidInputException.
 * - In AWS a delegated administrator can read the organization (ListAccounts, ListParents, tags, …); moto keeps
 *   organizations per calling account, so every List call from a member account answers empty. Patched: a
 *   member account that is a registered delegated administrator is served the management account's view.
 * If moto's internals change, the patch reports on stderr and moto runs unpatched.
 */
export const MOTO_PATCHES = `# Written by enforce's test/support/moto.ts; see MOTO_PATCHES there.
import sys
try:
    from moto.organizations import models as _models, responses as _responses

    if "account.amazonaws.com" not in _models.FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        _models.FakeDelegatedAdministrator.SUPPORTED_SERVICES.append("account.amazonaws.com")

    _own_backend = _responses.OrganizationsResponse.organizations_backend.fget

    def _backend_for_delegated_admins(self):
        own = _own_backend(self)
        if own.org is None:
            link = _models.organizations_backends.master_accounts.get(self.current_account)
            if link is not None:
                management = _models.organizations_backends[link[0]][link[1]]
                if any(admin.account.id == self.current_account for admin in management.admins):
                    return management
        return own

    _responses.OrganizationsResponse.organizations_backend = property(_backend_for_delegated_admins)
except Exception as error:  # never stop moto from starting
    print("enforce moto patches not applied: %r" % (error,), file=sys.stderr)
`;

let patchDir: string | undefined;

function patchDirectory(): string {
  if (patchDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'enforce-moto-'));
    writeFileSync(join(dir, 'sitecustomize.py'), MOTO_PATCHES, 'utf8');
    patchDir = dir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return patchDir;
}

// --- process handling -------------------------------------------------------------------------------------

// Runs in its own Node process: starts moto, and ends it when our end of its stdin closes or on a signal.
const WATCHDOG = `
const { spawn } = require('node:child_process');
const [command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), ${STOP_GRACE_MS}).unref();
};
child.on('error', (error) => { console.error(String(error)); process.exit(127); });
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGTERM' ? 0 : 1)));
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop);
`;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the watchdog's process group, which holds moto and the pyenv shim chain too.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function launch(command: string, port: number, env: Record<string, string>): Promise<MotoServer> {
  const child = spawn(process.execPath, ['-e', WATCHDOG, command, '-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  installExitHook();
  running.add(child);

  // moto logs every request on stderr; keep draining it (a full pipe would block moto) but keep only the tail.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Never let a forgotten server keep a script alive: only stop() or the parent's exit ends it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  child.stdin?.on('error', () => {});

  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (hasExited) return;
      child.ref();
      child.stdin?.end();
      killGroup(child, 'SIGTERM');
      const timer = delay(STOP_HARD_LIMIT_MS);
      await Promise.race([exited, timer.promise]);
      timer.cancel();
      if (!hasExited) {
        killGroup(child, 'SIGKILL');
        await exited;
      }
      // The group may outlive the watchdog for a moment if moto ignored SIGTERM: make sure.
      killGroup(child, 'SIGKILL');
    })();
    return stopped;
  };

  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < READY_POLL_ATTEMPTS; attempt++) {
    if (hasExited) {
      throw new Error(`moto_server exited before it answered on ${endpoint}:\n${output.trim()}`);
    }
    if (await answers(endpoint)) {
      return { endpoint, port, stop, reset: () => resetMoto(endpoint) };
    }
    await delay(READY_POLL_INTERVAL_MS).promise;
  }
  await stop();
  throw new Error(
    `moto_server did not answer on ${endpoint} within ${(READY_POLL_ATTEMPTS * READY_POLL_INTERVAL_MS) / 1000} s:\n${output.trim()}`,
  );
}

// --- small helpers ----------------------------------------------------------------------------------------

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(`${endpoint}/moto-api/`, { agent: false, timeout: 1_000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

function resetMoto(endpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${endpoint}/moto-api/reset`,
      { method: 'POST', agent: false, timeout: 10_000 },
      (response) => {
        response.resume();
        response.once('end', () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`moto reset answered HTTP ${response.statusCode}`)),
        );
      },
    );
    request.once('timeout', () => request.destroy(new Error('moto reset timed out')));
    request.once('error', reject);
    request.end();
  });
}

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
