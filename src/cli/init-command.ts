import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { type AuditLog, ciContext, createAuditLog } from '../audit/audit-log.js';
import { openChainedAuditFile } from '../audit/chain.js';
import { type AwsClients, createClients } from '../aws/clients.js';
import { getCaller } from '../aws/sts.js';
import { buildInitPolicy, INIT_TYPES, type InitType } from '../core/init-policy.js';
import { createRedactor, makeRunKey } from '../core/redact.js';
import type { Caller } from '../core/types.js';
import { systemClock } from '../engine/clock.js';
import { observeOrganization } from '../engine/observe-contacts.js';
import { createRunStop } from '../engine/stop.js';
import { EnforceError, UsageError } from '../errors.js';
import { renderInitPolicy } from '../policy/write-policy.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import type { Io } from './io.js';
import type { InitCliOptions } from './program.js';
import { describeError, reportError } from './report-error.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_SECONDS } from './run-command.js';
import { installSignalHandlers } from './signals.js';
import { TOOL_VERSION } from './version.js';

/**
 * `enforce init`: reads the organization like a dry-run (preflight, pacing, audit log with run.start and
 * run.end) and writes a starting policy from what the accounts have (buildInitPolicy → renderInitPolicy).
 * It needs no policy file: it writes one, and refuses to replace an existing one without `--force`.
 */
export async function initCommand(options: InitCliOptions, io: Io): Promise<number> {
  const started = systemClock.now();
  const types = parseInitTypes(options.types);
  // Checked again, atomically, when the file is written; here so that nothing is read for nothing.
  if (!options.force && existsSync(options.policy))
    throw new UsageError(`${options.policy} already exists: pass --force to overwrite it`);
  const runId = randomUUID();
  const { key } = makeRunKey(io.env, randomBytes);
  const destination = openChainedAuditFile(options.logFile);
  const stop = createRunStop();
  // Contact values read for the policy are never written to the audit log in clear.
  const redactor = createRedactor({ key, fields: 'all', secretValues: [] });
  const audit: AuditLog = createAuditLog(destination, runId, {
    redactor,
    onFailure: () => stop.stop('audit-log-failed'),
  });
  let clients: AwsClients | undefined;
  let caller: Caller | undefined;
  let exitCode: number = EXIT.failure;
  let organizationId: string | undefined;
  let reason: string | undefined;
  let runStarted = false;
  const start = () => {
    if (runStarted) return;
    runStarted = true;
    const ci = ciContext(io.env);
    audit.runStart({
      mode: 'dry-run',
      policyFile: options.policy,
      policySha256: null,
      callerAccountId: caller?.accountId ?? null,
      callerArn: caller?.arn ?? null,
      toolVersion: TOOL_VERSION,
      ...(Object.keys(ci).length === 0 ? {} : { ci }),
    });
  };
  const signals = installSignalHandlers(stop, {
    onFirst(signal) {
      io.stderr(`${signal}: stopping the reads; no policy is written (again to exit now)\n`);
    },
    onForcedExit() {
      exitCode = EXIT.interrupted;
      reason = 'stopped by a second signal';
      start();
      audit.runEnd({ summary: null, exitCode, durationMs: 0, interrupted: true, reason });
    },
  });
  try {
    clients = createClients({
      region: options.region,
      profile: options.profile,
      maxAttempts: io.env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_MAX_ATTEMPTS,
      requestTimeoutMs: (options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000,
    });
    caller = await getCaller(clients.sts, { profile: options.profile ?? io.env.AWS_PROFILE });
    start();
    const { organization, accounts } = await observeOrganization(types, {
      clients,
      caller,
      clock: systemClock,
      stop,
      audit,
    });
    organizationId = organization.id;
    if (stop.reason !== null) {
      exitCode = stop.reason === 'interrupted' ? EXIT.interrupted : EXIT.failure;
      reason = `no policy written: ${stop.reason}`;
      io.stderr(`error: ${reason}\n`);
      return exitCode;
    }
    const init = buildInitPolicy(accounts, types);
    const text = renderInitPolicy(init, {
      header: [`Organization ${organization.id}, read on ${new Date().toISOString().slice(0, 10)}.`],
    });
    await writeInitPolicyFile(options.policy, text, { force: options.force });
    io.stdout(
      `wrote ${options.policy}: ${init.accounts} account${init.accounts === 1 ? '' : 's'}, ${init.defaults.length} default${init.defaults.length === 1 ? '' : 's'}, ${init.overrides.length} override${init.overrides.length === 1 ? '' : 's'}; review it, then run enforce plan --policy ${options.policy}\n`,
    );
    exitCode = EXIT.ok;
    return exitCode;
  } catch (error) {
    exitCode = exitCodeForError(error);
    reason = describeError(error, io.env).replace(/\n/g, '; ');
    reportError(error, io);
    return exitCode;
  } finally {
    start();
    if (exitCode !== EXIT.interrupted || reason !== 'stopped by a second signal')
      audit.runEnd({
        summary: null,
        exitCode,
        durationMs: Math.round(systemClock.now() - started),
        interrupted: stop.reason === 'interrupted',
        ...(organizationId === undefined ? {} : { organizationId }),
        ...(reason === undefined ? {} : { reason }),
      });
    signals.dispose();
    destination.close();
    for (const client of Object.values(clients ?? {})) client.destroy();
  }
}

/** `--types security,operations` → the types to write; default: the three alternate contact types. */
export function parseInitTypes(flag: string | undefined): InitType[] {
  if (flag === undefined) return ['security', 'operations', 'billing'];
  const names = flag
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !INIT_TYPES.includes(name as InitType));
  if (unknown.length > 0 || names.length === 0) {
    throw new UsageError(
      `--types: ${unknown.length > 0 ? `unknown type ${unknown.join(', ')}` : 'names no type'} (allowed: ${INIT_TYPES.join(', ')})`,
    );
  }
  return [...new Set(names as InitType[])];
}

/**
 * Writes the starting policy. An existing file is a reviewed policy someone may depend on: it is only
 * replaced with `--force`. `wx` makes the check and the creation one step, so no race can clobber it.
 */
export async function writeInitPolicyFile(
  path: string,
  text: string,
  options: { force: boolean },
): Promise<void> {
  try {
    await writeFile(path, text, { encoding: 'utf8', flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new UsageError(`${path} already exists: pass --force to overwrite it`, { cause: error });
    }
    const why =
      code === 'ENOENT'
        ? 'its directory does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (error as Error).message;
    throw new EnforceError(`cannot write the policy to ${path}: ${why}`, { cause: error });
  }
}
